import ArgumentParser
import Foundation
import ReviewDomain
import ReviewStore

/// `obsreview stats`: the insight report from the command line — the same numbers as
/// `GET /api/v1/statistics` and the statistics page (one computation, `InsightReport`).
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Agreement, outcomes, leniency and calibration, fairness: a summary, the full report (--json) or its tables (--csv).",
        discussion: """
            Periods select observations by the day they were observed: --from and --to are dates (2026-03-31), both \
            included. --employer takes the employer's name or id. With --csv, --table NAME prints one table to \
            standard output; otherwise every table is written to --output DIR (one NAME.csv each). Groups of fewer than \
            5 people are suppressed ("< 5"). Formulas: docs/statistics.md.
            """
    )

    @OptionGroup var options: DatabaseOptions
    @Option(help: "First day of the period (observation date), e.g. 2026-01-01.") var from: String?
    @Option(help: "Last day of the period, included.") var to: String?
    @Option(help: "One employer: its name (as stored) or id.") var employer: String?
    @Flag(help: "Print the whole report as JSON (as GET /api/v1/statistics).") var json = false
    @Flag(help: "Print tables as CSV (RFC 4180).") var csv = false
    @Option(help: "With --csv: the one table to print (default: write every table to --output).") var table: String?
    @Option(help: "With --csv and no --table: the directory to write the tables to.") var output = "statistics"
    @Option(help: "Bootstrap resamples for the interval of Krippendorff's alpha.") var bootstrap = 1000
    @Option(help: "Seed of the bootstrap.") var seed: UInt64 = 20_261_203

    func validate() throws {
        if json && csv { throw ValidationError("Give --json or --csv, not both.") }
        if table != nil && !csv { throw ValidationError("--table goes with --csv.") }
        if bootstrap < 0 || bootstrap > 100_000 { throw ValidationError("--bootstrap takes 0 to 100000 resamples.") }
    }

    func run() async throws {
        try await options.withStore { store in
            var filter = InsightFilter()
            filter.from = try from.map { try Self.day($0, "--from") }
            filter.to = try to.map { try Self.day($0, "--to").addingTimeInterval(24 * 60 * 60) }
            if let employer {
                let organisations = try await store.records.organisations.all().filter { $0.kind == .employer }
                guard let found = organisations.first(where: { $0.name == employer || $0.id.description == employer.lowercased() }) else {
                    throw ValidationError("No employer named “\(employer)”: the employers are \(organisations.map(\.name).sorted().joined(separator: ", ")).")
                }
                filter.employerID = found.id
            }
            let data = try await store.insight.insightData()
            let report = InsightReport.compute(data, filter: filter, bootstrapSamples: bootstrap, seed: seed)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else if csv {
                try writeTables(report)
            } else {
                print(Self.summary(report, employerNames: data.employerNames))
            }
        }
    }

    func writeTables(_ report: InsightReport) throws {
        let tables = report.tables()
        if let table {
            guard let found = tables.first(where: { $0.name == table }) else {
                throw ValidationError("No table “\(table)”: the tables are \(tables.map(\.name).joined(separator: ", ")).")
            }
            FileHandle.standardOutput.write(Data(report.csv(found).utf8))
            return
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        for table in tables {
            let path = (output as NSString).appendingPathComponent("\(table.name).csv")
            try Data(report.csv(table).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            print(path)
        }
    }

    static func day(_ text: String, _ option: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        guard let date = formatter.date(from: text) else { throw ValidationError("\(option) must be a date such as 2026-03-31, not “\(text)”.") }
        return date
    }

    /// A plain-text summary of the headline figures.
    static func summary(_ report: InsightReport, employerNames: [OrganisationID: String]) -> String {
        func n(_ s: Statistic) -> String { s.value.map { String(format: "%.3f", $0) } ?? "not defined (\(s.reason ?? ""))" }
        func p(_ r: InsightReport.Rate) -> String {
            r.value.value.map { String(format: "%.1f%% (%d of %d)", $0 * 100, r.numerator, r.denominator) } ?? "not defined (\(r.value.reason ?? ""))"
        }
        let a = report.agreement, o = report.outcomes.overall
        var lines = [
            "Observations: \(report.counts.observations) (\(report.counts.observationsWithBothScores) with employer and assessor scores), "
                + "cases: \(report.counts.cases), decided: \(report.counts.decidedCases), opinions: \(report.counts.opinions)",
            "",
            "Agreement, employer vs assessor (\(a.pairs) pairs)",
            "  Cohen's kappa: unweighted \(n(a.kappa.unweighted)), linear \(n(a.kappa.linear)), quadratic \(n(a.kappa.quadratic))",
            "  pass/fail kappa \(n(a.passFailKappa)); exact agreement \(n(a.exactAgreement)); within one \(n(a.withinOneAgreement))",
            "  mean employer − assessor \(n(a.meanDifference.mean)) [\(n(a.meanDifference.lower)), \(n(a.meanDifference.upper))]",
            "  Krippendorff's alpha (all raters, \(a.alpha.units) observations): ordinal \(n(a.alpha.ordinal)) "
                + "[\(n(a.alpha.ordinalBootstrap.lower)), \(n(a.alpha.ordinalBootstrap.upper))], nominal \(n(a.alpha.nominal)), interval \(n(a.alpha.interval))",
            "",
            "Outcomes",
            "  fail rate \(p(o.failRate)); near misses among failures \(p(o.nearMissShareOfFailures))",
            "  dispute rate \(p(o.disputeRate)); overturned by moderation \(p(o.overturnRate)); resolved locally \(p(o.localResolutionRate))",
            "  upload to decision: median \(n(o.timeToDecision.medianDays)) days, 90th percentile \(n(o.timeToDecision.p90Days)) days (\(o.timeToDecision.count) decisions)",
            "  overdue assignments \(o.overdueAssignments.numerator) of \(o.overdueAssignments.denominator) open",
            "",
            "Leniency per employer (mean employer − assessor)",
        ]
        for item in report.leniency.byEmployer {
            lines.append("  \(item.name ?? employerNames[item.employerID] ?? item.employerID.description): \(n(item.difference.mean)) "
                         + "[\(n(item.difference.lower)), \(n(item.difference.upper))], n = \(item.difference.count)")
        }
        lines.append("")
        lines.append("Tables (obsreview stats --csv --table NAME): " + report.tables().map(\.name).joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}
