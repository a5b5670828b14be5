import ArgumentParser
import Foundation
import ReviewDomain
import ReviewStore

/// `obsreview sample`: draws (or, with `--dry-run`, only shows) the seeded quality sample.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw a reproducible quality sample of non-disputed observations (stratified, weighted toward 3s and 4s).",
        discussion: "Example: obsreview sample --rate 0.1 --seed 42 --dry-run   (then without --dry-run, --as LEAD, to open the sample cases)"
    )

    @Option(help: "Share of the non-disputed observations to draw, 0–1 (default: the policy's, 0.1).") var rate: Double?
    @Option(help: "The seed: the same seed and data give the same sample.") var seed: UInt64
    @Flag(help: "Show what would be drawn and why; open nothing.") var dryRun = false
    @Option(name: .customLong("as"), help: "The lead's username the draw is made by (needed unless --dry-run).") var username: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        try await options.withStore { store in
            let actor: ActingUser
            if dryRun {
                actor = .system
            } else {
                guard let username, let found = try await store.accounts.credentials(username: username)?.user, found.role == .lead, found.active else {
                    throw ValidationError("Without --dry-run a sample is drawn by a lead: give --as USERNAME of an active lead.")
                }
                actor = found.actor
            }
            var rate = self.rate ?? 0
            if self.rate == nil { rate = try await store.moderation.moderationPolicy().sampleRate }
            let record = try await store.moderation.drawSample(rate: rate, seed: seed, dryRun: dryRun, by: actor)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(record.draw), as: UTF8.self))
                return
            }
            print("\(dryRun ? "Would draw" : "Drew") \(record.draw.picks.count) of \(record.draw.population) non-disputed observations at rate \(rate), seed \(seed):")
            for pick in record.draw.picks {
                print("  \(pick.observationID)\(record.cases[pick.observationID].map { " → case \($0)" } ?? "")  \(pick.why)")
            }
        }
    }
}

/// `obsreview sample-estimates`: the decided sample cases' findings, weighted by the sampling design.
struct SampleEstimatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-estimates",
        abstract: "The quality samples' moderated overturn rate and agreement with moderators, weighted by each pick's chance of selection, with 95% intervals.",
        discussion: "Per draw and over all draws; see docs/statistics.md, \"Quality sampling\"."
    )

    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        try await options.withStore { store in
            let findings = try await store.moderation.sampleFindings()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(findings), as: UTF8.self))
                return
            }
            func line(_ name: String, _ estimate: SampleEstimate) -> String {
                func text(_ statistic: Statistic) -> String { statistic.value.map { String(format: "%.3f", $0) } ?? "–" }
                let interval = estimate.lower.value == nil ? (estimate.lower.reason ?? "") : "95% \(text(estimate.lower))–\(text(estimate.upper))"
                return "  \(name): \(text(estimate.estimate)) (\(interval); unweighted \(text(estimate.unweighted)), n = \(estimate.count))"
            }
            func show(_ title: String, _ figures: SampleFindings.Figures) {
                print("\(title): \(figures.cases) sample cases, \(figures.decided) decided, \(figures.estimated) estimated from")
                print(line("moderated overturn rate", figures.overturnRate))
                print(line("exact agreement with moderators", figures.exactAgreement))
                print(line("within-one agreement", figures.withinOneAgreement))
            }
            show("All draws", findings.overall)
            for draw in findings.draws {
                show("Draw \(draw.draw.id.lowercasedString) (seed \(draw.draw.seed), rate \(draw.draw.rate), population \(draw.draw.population))", draw.figures)
            }
            if findings.casesWithoutProbability > 0 {
                print("\(findings.casesWithoutProbability) sample cases were drawn before chances of selection were recorded and are not in these figures.")
            }
        }
    }
}

/// `obsreview route`: one routing pass now (the server also runs it every minute).
struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Route cases in moderation to moderators now: expire overdue assignments, open due calibration cases, fill panels."
    )

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        try await options.withStore { store in
            let report = try await store.moderation.route(trigger: "command line")
            print("expired \(report.expired.count) overdue assignments; opened \(report.calibrationCasesOpened.count) calibration cases")
            for routed in report.routed {
                print("case \(routed.caseID): assigned \(routed.assigned.map(\.moderatorID.description).joined(separator: ", "))"
                      + (routed.problem.map { " — \($0)" } ?? ""))
            }
        }
    }
}
