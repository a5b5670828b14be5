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
            let actor: Actor
            if dryRun {
                actor = .system
            } else {
                guard let username, let found = try await store.credentials(username: username)?.user, found.role == .lead, found.active else {
                    throw ValidationError("Without --dry-run a sample is drawn by a lead: give --as USERNAME of an active lead.")
                }
                actor = found.actor
            }
            var rate = self.rate ?? 0
            if self.rate == nil { rate = try await store.moderationPolicy().sampleRate }
            let record = try await store.drawSample(rate: rate, seed: seed, dryRun: dryRun, by: actor)
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

/// `obsreview route`: one routing pass now (the server also runs it every minute).
struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Route cases in moderation to moderators now: expire overdue assignments, open due calibration cases, fill panels."
    )

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        try await options.withStore { store in
            let report = try await store.route(trigger: "command line")
            print("expired \(report.expired.count) overdue assignments; opened \(report.calibrationCasesOpened.count) calibration cases")
            for routed in report.routed {
                print("case \(routed.caseID): assigned \(routed.assigned.map(\.moderatorID.description).joined(separator: ", "))"
                      + (routed.problem.map { " — \($0)" } ?? ""))
            }
        }
    }
}
