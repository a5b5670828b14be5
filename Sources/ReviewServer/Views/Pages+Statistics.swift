import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// The statistics page: the headline figures, five server-drawn SVG charts each with its table, the other
// tables, and a CSV link for every table. The numbers are the API's (`StatisticsController.report`).
extension Pages {
    func statistics(_ page: PageContext) async throws -> View<StatisticsModel> {
        let controller = StatisticsController(services: services)
        let answer = try await controller.report(page.request, context: page.context)
        let report = answer.report
        let query = page.request.uri.query.map { "?" + $0 } ?? ""
        let tables = Dictionary(report.tables().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var people = try await directory(page)
        for item in report.leniency.byEmployer { people[item.employerID.description] = item.name }
        // Those without a name the viewer may see are numbered in the order they first appear ("Employer 2").
        people = Self.numbered(report.leniency.byEmployer.map(\.employerID.description), as: "Employer", names: people)
        people = Self.numbered(report.calibration.byModerator.map(\.moderatorID.description), as: "Moderator", names: people)
        let names = people
        func table(_ name: String) -> StatisticsModel.Table {
            guard let table = tables[name] else { return StatisticsModel.Table(missing: true) }
            return Self.tableValues(table, csv: "/api/v1/statistics/tables/\(name)\(query)", names: names)
        }

        var charts: [StatisticsModel.Chart] = []
        let confusion = report.agreement.confusionMatrix
        charts.append(StatisticsModel.Chart(
            id: "confusion", heading: "Employer and assessor scores compared",
            text: "Each cell counts observations with that employer score (row) and assessor score (column); the diagonal is exact agreement, cells above it are employers scoring higher.",
            svg: SVGChart.heatMap(
                id: "confusion", title: "Employer × assessor confusion matrix",
                description: "Counts of \(report.agreement.pairs) observations by employer score (rows 1 to 7) and assessor score (columns 1 to 7).",
                rowAxis: "Employer score", columnAxis: "Assessor score", rows: Score.range.map(String.init), columns: Score.range.map(String.init),
                counts: confusion.counts),
            table: table("confusion-matrix"),
        ))
        charts.append(StatisticsModel.Chart(
            id: "distribution", heading: "Score distribution by source",
            text: "How often each score was given by employers, assessors and moderators, and decided as the outcome.",
            svg: SVGChart.groupedBars(
                id: "distribution", title: "Score distribution by source", description: "Number of scores 1 to 7 from each source.",
                categories: Score.range.map(String.init),
                series: report.distribution.map { SVGChart.Series(name: $0.source.rawValue.capitalized, values: $0.counts.map(Double.init)) }),
            table: table("distribution"),
        ))
        charts.append(StatisticsModel.Chart(
            id: "leniency", heading: "Leniency per employer",
            text: "The mean of employer − assessor scores with its 95% interval: to the right of 0 an employer scores its staff more generously than the assessors.",
            svg: SVGChart.intervals(
                id: "leniency", title: "Mean employer minus assessor score per employer, with 95% intervals",
                description: report.leniency.byEmployer.map { "\($0.name ?? "employer"): \(Self.number($0.difference.mean))" }.joined(separator: "; "),
                axis: "employer − assessor (score points)",
                items: report.leniency.byEmployer.compactMap { item in
                    item.difference.mean.value.map {
                        SVGChart.Interval(label: people[item.employerID.description] ?? "Employer", value: $0, lower: item.difference.lower.value,
                                          upper: item.difference.upper.value, note: "n = \(item.difference.count)")
                    }
                }),
            table: table("leniency-by-employer"),
        ))
        charts.append(StatisticsModel.Chart(
            id: "calibration", heading: "Moderator calibration",
            text: "Each moderator's mean deviation from the definitive score of calibration seeds, with its 95% interval; 0 is perfectly calibrated.",
            svg: SVGChart.intervals(
                id: "calibration", title: "Moderators' mean deviation from seed scores, with 95% intervals",
                description: report.calibration.byModerator.map { "\(people[$0.moderatorID.description] ?? "moderator"): \(Self.number($0.deviation.mean))" }
                    .joined(separator: "; "),
                axis: "given − definitive (score points)",
                items: report.calibration.byModerator.compactMap { item in
                    item.deviation.mean.value.map {
                        SVGChart.Interval(label: people[item.moderatorID.description] ?? "Moderator", value: $0,
                                          lower: item.deviation.lower.value, upper: item.deviation.upper.value, note: "n = \(item.deviation.count)")
                    }
                }),
            table: table("calibration-by-moderator"),
            empty: report.calibration.byModerator.isEmpty,
        ))
        let months = report.outcomes.byMonth
        charts.append(StatisticsModel.Chart(
            id: "over-time", heading: "Outcome rates over time",
            text: "Per month of observation: the share failing, the share disputed and the share of moderated cases overturned.",
            svg: SVGChart.lines(
                id: "over-time", title: "Fail, dispute and overturn rates by month", description: months.map {
                    "\($0.month): fail \(Self.percent($0.outcomes.failRate.value)), disputed \(Self.percent($0.outcomes.disputeRate.value))"
                }.joined(separator: "; "),
                xLabels: months.map(\.month),
                series: [
                    SVGChart.Series(name: "Fail rate", values: months.map { $0.outcomes.failRate.value.value }),
                    SVGChart.Series(name: "Dispute rate", values: months.map { $0.outcomes.disputeRate.value.value }),
                    SVGChart.Series(name: "Overturn rate", values: months.map { $0.outcomes.overturnRate.value.value }),
                ]),
            table: table("outcomes-by-month"),
        ))
        let charted: Set<String> = ["confusion-matrix", "distribution", "leniency-by-employer", "calibration-by-moderator", "outcomes-by-month"]
        let others = report.tables().filter { !charted.contains($0.name) }.map { table in
            Self.tableValues(table, csv: "/api/v1/statistics/tables/\(table.name)\(query)", heading: Self.tableHeading(table.name), names: names)
        }
        var model = StatisticsModel(
            scopeEmployer: answer.scope == "employer", headline: Self.headline(report), beyond: Self.beyond(report.agreement), charts: charts,
            tables: others, from: page.request.uri.queryParameters["from"].map(String.init) ?? "",
            to: page.request.uri.queryParameters["to"].map(String.init) ?? "", jsonLink: "/api/v1/statistics\(query)")
        if let overall = answer.overall {
            if let counts = overall.counts, let agreement = overall.agreement, let outcomes = overall.outcomes {
                model.overall = Self.headline(counts: counts, agreement: agreement, outcomes: outcomes)
            }
            model.overallWithheld = overall.withheldReason
        }
        if let period = answer.period, answer.scope == "employer" {
            model.periodLabel = period.description
            model.periods = answer.periods.map { Choice(value: $0.description, label: $0.description, selected: $0 == period) }
        }
        if answer.scope == "scheme" {
            let chosen = page.request.uri.queryParameters["employerId"].map(String.init)
            let organisations = try await page.items(DirectoryController(services: services).listOrganisations, query: "pageSize=500")
            model.employers = organisations.filter { $0.kind == .employer }.map {
                StatisticsModel.Employer(id: $0.id.description, name: $0.name, selected: $0.id.description == chosen)
            }
        }
        return View(title: "Statistics", model: model)
    }

    static func headline(_ report: InsightReport) -> [StatisticsModel.Figure] {
        headline(counts: report.counts, agreement: .init(report.agreement), outcomes: .init(report.outcomes.overall))
    }

    /// The figures a reader looks for first, each with what it means.
    static func headline(counts: InsightReport.Counts, agreement: InsightReport.AgreementHeadline, outcomes: InsightReport.ReleasedOutcomes) -> [StatisticsModel.Figure] {
        let alpha = agreement.alphaOrdinal
        let interval = alpha.lower.value.flatMap { lower in alpha.upper.value.map { " (95% interval \(number(.value(lower))) to \(number(.value($0))))" } } ?? ""
        return [
            StatisticsModel.Figure(label: "Observations", value: "\(counts.observations)", note: "\(counts.observationsWithBothScores) with both an employer and an assessor score"),
            StatisticsModel.Figure(label: "Cohen's κ, employer vs assessor", value: number(agreement.kappa.unweighted),
             note: "linear weights \(number(agreement.kappa.linear)), quadratic \(number(agreement.kappa.quadratic))"),
            StatisticsModel.Figure(label: "κ on pass/fail", value: number(agreement.passFailKappa), note: "scores 1–3 fail, 4–7 pass"),
            StatisticsModel.Figure(label: "Exact agreement", value: percent(agreement.exactAgreement), note: "within one point: \(percent(agreement.withinOneAgreement))"),
            StatisticsModel.Figure(label: "Krippendorff's α (ordinal), all raters", value: number(alpha.alpha), note: "\(agreement.alphaUnits) observations\(interval)"),
            StatisticsModel.Figure(label: "Employer − assessor, mean", value: number(agreement.meanDifference.mean),
             note: "positive: employers score more generously"),
            StatisticsModel.Figure(label: "Fail rate", value: percent(outcomes.failRate.value), note: of(outcomes.failRate)),
            StatisticsModel.Figure(label: "Near misses among failures", value: percent(outcomes.nearMissShareOfFailures.value), note: "scored 3: " + of(outcomes.nearMissShareOfFailures)),
            StatisticsModel.Figure(label: "Dispute rate", value: percent(outcomes.disputeRate.value), note: of(outcomes.disputeRate)),
            StatisticsModel.Figure(label: "Overturned by moderation", value: percent(outcomes.overturnRate.value), note: "pass/fail differs from the assessor's: " + of(outcomes.overturnRate)),
            StatisticsModel.Figure(label: "Resolved locally", value: percent(outcomes.localResolutionRate.value), note: of(outcomes.localResolutionRate)),
            outcomes.timeToDecision.map { time in
                StatisticsModel.Figure(label: "Upload to decision", value: days(time.medianDays) + " (median)",
                 note: "90th percentile \(days(time.p90Days)), \(time.count) decisions")
            } ?? StatisticsModel.Figure(label: "Upload to decision", value: "withheld", note: "fewer than 5 decisions elsewhere in the period"),
            StatisticsModel.Figure(label: "Overdue assignments", value: outcomes.overdueAssignments.numerator.map(String.init) ?? "withheld",
             note: outcomes.overdueAssignments.denominator.map { "of \($0) open" } ?? "too few elsewhere to show"),
        ]
    }

    /// The figures beyond κ, each with its interval and, in plain words, what it means and when not to rely on it.
    static func beyond(_ agreement: InsightReport.AgreementFigures) -> [StatisticsModel.Explained] {
        let b = agreement.beyondKappa
        func interval(_ lower: Statistic, _ upper: Statistic) -> String {
            guard let low = lower.value, let high = upper.value else { return "(no interval)" }
            return "(95% interval \(String(format: "%.3f", low)) to \(String(format: "%.3f", high)))"
        }
        func p(_ value: Statistic) -> String {
            guard let v = value.value else { return "not defined" }
            return v < 0.0001 ? "p < 0.0001" : "p = " + String(format: "%.4f", v)
        }
        let small = agreement.pairs < 30
            ? " With only \(agreement.pairs) pairs every figure here is very uncertain: read the intervals, not the values."
            : ""
        return [
            StatisticsModel.Explained(label: "Cohen's κ, quadratic weights", value: number(b.kappa.quadratic.kappa.value),
             interval: interval(b.kappa.quadratic.kappa.lower, b.kappa.quadratic.kappa.upper)
                + ", bootstrap " + interval(b.kappaBootstrap.quadratic.lower, b.kappaBootstrap.quadratic.upper),
             explain: "Agreement beyond chance, giving part credit to near misses: 1 is perfect, 0 no better than chance. "
                + "When almost every observation gets the same score (for example nearly all pass), κ can be low even though the raters almost always agree." + small),
            StatisticsModel.Explained(label: "κ on pass/fail", value: number(b.kappa.passFail.kappa.value),
             interval: interval(b.kappa.passFail.kappa.lower, b.kappa.passFail.kappa.upper),
             explain: "Agreement beyond chance on the pass/fail decision alone. Unreliable when one outcome is rare: compare with PABAK and AC1 below."),
            StatisticsModel.Explained(label: "PABAK (pass/fail)", value: number(b.pabak), interval: "",
             explain: "κ as if passes and failures were equally common: twice the share of pairs agreeing on pass/fail, less one. "
                + "It is not misled by how rare failures are, but it ignores that real raters may prefer one outcome; read it beside κ, not instead of it."),
            StatisticsModel.Explained(label: "Gwet's AC1 (pass/fail)", value: number(b.ac1PassFail.value), interval: interval(b.ac1PassFail.lower, b.ac1PassFail.upper),
             explain: "Agreement beyond chance, with chance estimated so that it stays stable when one outcome is rare. "
                + "A large gap between AC1 and κ means the data are skewed: the raters agree often, but mostly on the common outcome."),
            StatisticsModel.Explained(label: "Gwet's AC2, quadratic weights", value: number(b.ac2Quadratic.value), interval: interval(b.ac2Quadratic.lower, b.ac2Quadratic.upper),
             explain: "The 1–7 scale counterpart of AC1, with part credit for near misses (linear weights: \(number(b.ac2Linear.value)); no credit: \(number(b.ac1.value)))."),
            StatisticsModel.Explained(label: "McNemar's test: does one side pass more often?", value: p(b.mcNemar.exactPValue),
             interval: "employer pass and assessor fail \(b.mcNemar.employerPassAssessorFail), the other way \(b.mcNemar.employerFailAssessorPass)",
             explain: "A small p-value (below 0.05) means the disagreements lean one way: employers pass observations the assessors fail more often than the reverse, or the other way round. "
                + "It says nothing when there are few disagreements."),
            StatisticsModel.Explained(label: "Stuart–Maxwell test: do both sides use the scale alike?", value: p(b.stuartMaxwell.pValue),
             interval: "χ² \(number(b.stuartMaxwell.statistic)) on \(b.stuartMaxwell.degreesOfFreedom) degrees of freedom",
             explain: "A small p-value means employers and assessors give the scores 1–7 in different proportions (one side is systematically higher or lower). With few pairs it rarely detects anything."),
            StatisticsModel.Explained(label: "Intraclass correlation (absolute agreement)", value: number(b.icc.single.value),
             interval: interval(b.icc.single.lower, b.icc.single.upper),
             explain: "How much of the spread in scores is real difference between observations rather than rater disagreement or one rater scoring higher, the scores taken as numbers. "
                + "Above 0.75 is usually called good; it needs observations of varied quality to mean anything."),
        ]
    }

    /// A table for people: an id in a cell is the name the viewer may see ("Employer 2" when none); the CSV keeps ids.
    static func tableValues(_ table: InsightTable, csv: String, heading: String = "", names: [String: String] = [:]) -> StatisticsModel.Table {
        var names = names
        for (index, column) in table.columns.enumerated() {
            let word = column.lowercased().contains("moderator") ? "Moderator" : column.lowercased().contains("assessor") ? "Assessor" : "Employer"
            let ids = table.rows.compactMap { $0.indices.contains(index) ? $0[index] : nil }.filter { UUID(uuidString: $0) != nil }
            names = numbered(ids, as: word, names: names)
        }
        return StatisticsModel.Table(
            name: table.name, heading: heading, caption: tableHeading(table.name),
            columns: table.columns.map { StatisticsModel.Table.Column(column: $0) },
            rows: table.rows.map { row in StatisticsModel.Table.Row(cells: row.map { StatisticsModel.Table.Cell(cell: names[$0] ?? $0) }) },
            csv: csv, empty: table.rows.isEmpty)
    }

    /// `names` with each of `ids` it lacks named "`word` n", counting on from the ones already so named.
    static func numbered(_ ids: [String], as word: String, names: [String: String]) -> [String: String] {
        var names = names
        var count = names.values.filter { $0.hasPrefix(word + " ") }.count
        for id in ids where names[id] == nil {
            count += 1
            names[id] = "\(word) \(count)"
        }
        return names
    }

    static func tableHeading(_ name: String) -> String {
        let text = name.replacingOccurrences(of: "-", with: " ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    static func number(_ statistic: Statistic) -> String {
        statistic.value.map { String(format: "%.3f", $0) } ?? "not defined"
    }

    static func percent(_ statistic: Statistic) -> String {
        statistic.value.map { String(format: "%.1f%%", $0 * 100) } ?? "not defined"
    }

    static func days(_ statistic: Statistic) -> String {
        statistic.value.map { String(format: "%.1f days", $0) } ?? "not defined"
    }

    static func of(_ rate: InsightReport.ReleasedRate) -> String {
        guard let numerator = rate.numerator, let denominator = rate.denominator, denominator > 0 else {
            return rate.value.reason ?? "none in the selection"
        }
        return "\(numerator) of \(denominator)"
    }

}
