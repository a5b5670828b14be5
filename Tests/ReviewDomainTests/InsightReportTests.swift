import Foundation
import Testing

@testable import ReviewDomain

/// Small insight data sets built by hand, so that every figure can be worked out on paper.
private struct DataBuilder {
    static let start = ISO8601Date.parse("2026-03-01T00:00:00Z")!

    var observations: [InsightData.ObservationFacts] = []
    var cases: [InsightData.CaseFacts] = []
    var opinions: [InsightData.OpinionFacts] = []
    var assignments: [InsightData.AssignmentFacts] = []
    var attributes: [InsightData.AttributeFacts] = []
    var employerNames: [OrganisationID: String] = [:]
    var now = DataBuilder.start.addingTimeInterval(30 * 86_400)

    static func day(_ days: Double) -> Date { start.addingTimeInterval(days * 86_400) }

    @discardableResult
    mutating func observe(
        employer: OrganisationID = OrganisationID(), candidate: CandidateID = CandidateID(), at: Date = start,
        employerScore: Int? = nil, assessorScore: Int?, assessor: UserID? = nil, uploadedAt: Date? = start
    ) -> ObservationID {
        let id = ObservationID()
        observations.append(.init(
            id: id, candidateID: candidate, employerID: employer, observedAt: at, employerScore: employerScore,
            assessorScore: assessorScore, assessorID: assessorScore == nil ? nil : assessor ?? UserID(), firstUploadAt: uploadedAt))
        return id
    }

    @discardableResult
    mutating func openCase(
        on observation: ObservationID, kind: Case.Kind?, state: Case.State = .decided, decidedAt: Date? = nil,
        outcome: Int? = nil, locally: Bool = false, calibrationScore: Int? = nil
    ) -> CaseID {
        let id = CaseID()
        cases.append(.init(
            id: id, observationID: observation, kind: kind, state: state, openedAt: Self.start, decidedAt: decidedAt,
            outcomeScore: outcome, decidedLocally: locally, calibrationScore: calibrationScore))
        return id
    }

    mutating func opinion(on caseID: CaseID, by moderator: UserID, kind: ModeratorKind = .professional, score: Int,
                          at: Date = start) {
        opinions.append(.init(caseID: caseID, moderatorID: moderator, moderatorKind: kind, round: 1, score: score, submittedAt: at))
    }

    var data: InsightData {
        InsightData(observations: observations, cases: cases, opinions: opinions, assignments: assignments,
                    attributes: attributes, employerNames: employerNames, now: now)
    }
}

private func close(_ statistic: Statistic, _ expected: Double, within tolerance: Double = 1e-12) -> Bool {
    guard let value = statistic.value else { return false }
    return abs(value - expected) <= tolerance
}

private func json(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

@Suite("Insight report")
struct InsightReportTests {
    /// Ten observations: final scores 3 (moderated from a pass of 4), 5 (moderated), 2 (agreed locally) and the
    /// assessor's 3, 4, 5, 6, 4, 5, 7 — fails 3 of 10, two of them at 3; disputes on three; decisions 2, 4 and 10 days
    /// after the upload; a calibration case that must not count, an undecided sample case, four assignments.
    fileprivate static func tenObservations() -> (data: InsightData, builder: DataBuilder) {
        var builder = DataBuilder()
        let employer = OrganisationID()
        builder.employerNames[employer] = "Northfield"
        let assessorScores = [4, 4, 3, 3, 4, 5, 6, 4, 5, 7]
        let ids = assessorScores.map { builder.observe(employer: employer, employerScore: min(7, $0 + 1), assessorScore: $0) }
        let moderated = builder.openCase(on: ids[0], kind: .automaticDispute, decidedAt: DataBuilder.day(2), outcome: 3)
        builder.openCase(on: ids[1], kind: .manualFlag, state: .closed, decidedAt: DataBuilder.day(4), outcome: 5)
        builder.openCase(on: ids[2], kind: .automaticDispute, decidedAt: DataBuilder.day(10), outcome: 2, locally: true)
        let sample = builder.openCase(on: ids[4], kind: .sample, state: .inModeration)
        let calibration = builder.openCase(on: ids[5], kind: nil, decidedAt: DataBuilder.day(1), outcome: 1, calibrationScore: 4)
        builder.opinion(on: moderated, by: UserID(), score: 3)
        builder.opinion(on: sample, by: UserID(), score: 4)
        builder.opinion(on: calibration, by: UserID(), score: 1)
        let moderator = UserID()
        builder.assignments = [
            .init(caseID: sample, moderatorID: moderator, assignedAt: DataBuilder.day(0), dueAt: DataBuilder.day(20),
                  endedAt: nil, isOpen: true),  // overdue: now is day 30
            .init(caseID: sample, moderatorID: moderator, assignedAt: DataBuilder.day(0), dueAt: DataBuilder.day(40),
                  endedAt: nil, isOpen: true),
            .init(caseID: moderated, moderatorID: moderator, assignedAt: DataBuilder.day(0), dueAt: DataBuilder.day(1),
                  endedAt: DataBuilder.day(2), isOpen: false),  // late
            .init(caseID: moderated, moderatorID: moderator, assignedAt: DataBuilder.day(0), dueAt: DataBuilder.day(3),
                  endedAt: DataBuilder.day(2), isOpen: false),
            .init(caseID: calibration, moderatorID: moderator, assignedAt: DataBuilder.day(0), dueAt: DataBuilder.day(1),
                  endedAt: DataBuilder.day(5), isOpen: false),  // calibration: not counted
        ]
        return (builder.data, builder)
    }

    @Test("Outcome rates of ten hand-built observations match the figures worked out on paper")
    func handBuiltOutcomes() {
        let report = InsightReport.compute(Self.tenObservations().data, bootstrapSamples: 50)
        let overall = report.outcomes.overall
        #expect(overall.observations == 10)
        #expect(overall.failRate.numerator == 3 && overall.failRate.denominator == 10)
        #expect(close(overall.failRate.value, 0.3))
        #expect(overall.nearMissShareOfFailures.numerator == 2 && overall.nearMissShareOfFailures.denominator == 3)
        #expect(overall.disputeRate.numerator == 3 && overall.disputeRate.denominator == 10)
        #expect(overall.overturnRate.numerator == 1 && overall.overturnRate.denominator == 2)
        #expect(overall.localResolutionRate.numerator == 1 && overall.localResolutionRate.denominator == 3)
        #expect(overall.timeToDecision.count == 3)
        #expect(close(overall.timeToDecision.medianDays, 4))
        #expect(close(overall.timeToDecision.p90Days, 8.8, within: 1e-9))
        #expect(overall.overdueAssignments.numerator == 1 && overall.overdueAssignments.denominator == 2)
        #expect(overall.lateAssignments.numerator == 1 && overall.lateAssignments.denominator == 2)
        #expect(report.outcomes.byMonth.map(\.month) == ["2026-03"])
        #expect(report.outcomes.byMonth.first?.outcomes == overall)

        #expect(report.counts.observations == 10)
        #expect(report.counts.observationsWithBothScores == 10)
        #expect(report.counts.cases == 4)
        #expect(report.counts.decidedCases == 3)
        #expect(report.counts.opinions == 2)
        #expect(report.counts.candidates == 10)
        // Outcomes of decided cases only: 3, 5, 2 — the calibration case's 1 is left out.
        let outcome = report.distribution.first { $0.source == .outcome }
        #expect(outcome?.counts == [0, 1, 1, 0, 1, 0, 0])
        #expect(report.distribution.map(\.source) == [.employer, .assessor, .moderator, .outcome])
        #expect(report.distribution.first { $0.source == .moderator }?.counts == [0, 0, 1, 1, 0, 0, 0])
        #expect(report.distribution.first { $0.source == .assessor }?.counts == [0, 0, 2, 4, 2, 1, 1])
    }

    @Test("The latest decided case gives the final score, whatever the order of the input")
    func latestDecisionWins() {
        var builder = DataBuilder()
        let observation = builder.observe(assessorScore: 5)
        builder.openCase(on: observation, kind: .manualFlag, decidedAt: DataBuilder.day(9), outcome: 3)
        builder.openCase(on: observation, kind: .automaticDispute, decidedAt: DataBuilder.day(3), outcome: 6)
        let report = InsightReport.compute(builder.data, bootstrapSamples: 10)
        #expect(report.outcomes.overall.failRate.numerator == 1)
        #expect(report.distribution.last?.counts == [0, 0, 1, 0, 0, 0, 0])
        builder.cases.reverse()
        #expect(InsightReport.compute(builder.data, bootstrapSamples: 10) == report)
    }

    @Test("Agreement figures are the Agreement functions on the current pairs, and alpha takes in moderators")
    func agreementFigures() {
        let (data, _) = Self.tenObservations()
        let report = InsightReport.compute(data, bootstrapSamples: 200, seed: 5)
        let pairs = data.observations.map { ($0.employerScore!, $0.assessorScore!) }
        #expect(report.agreement.pairs == 10)
        #expect(report.agreement.kappa.quadratic == Agreement.cohensKappa(pairs, weighting: .quadratic))
        #expect(report.agreement.passFailKappa == Agreement.passFailKappa(pairs))
        #expect(close(report.agreement.exactAgreement, 0.1))  // only the 7 the employer cannot exceed
        #expect(close(report.agreement.withinOneAgreement, 1))
        #expect(close(report.agreement.meanDifference.mean, 0.9))
        #expect(report.agreement.confusionMatrix.count(employer: 5, assessor: 4) == 4)
        // Units: every observation (employer, assessor), plus the opinions on its non-calibration cases, in the
        // stable order of the observations (date, reference, id) that the bootstrap resamples by.
        let ordered = data.observations.sorted(by: InsightSelection.precedes)
        var units: [[Double?]] = ordered.map { [Double($0.employerScore!), Double($0.assessorScore!)] }
        units[ordered.firstIndex { $0.id == data.observations[0].id }!].append(3)
        units[ordered.firstIndex { $0.id == data.observations[4].id }!].append(4)
        #expect(report.agreement.alpha.units == 10)
        #expect(report.agreement.alpha.values == 22)
        #expect(report.agreement.alpha.ordinal == Agreement.krippendorffAlpha(units, level: .ordinal))
        #expect(report.agreement.alpha.nominal == Agreement.krippendorffAlpha(units, level: .nominal))
        #expect(report.agreement.alpha.interval == Agreement.krippendorffAlpha(units, level: .interval))
        #expect(report.agreement.alpha.ordinalBootstrap
            == Agreement.krippendorffAlphaBootstrap(units, level: .ordinal, samples: 200, seed: 5))
    }

    @Test("The filter keeps observations in [from, to) of one employer, and their cases and opinions follow")
    func filterByDateAndEmployer() {
        var builder = DataBuilder()
        let north = OrganisationID(), south = OrganisationID()
        let inside = builder.observe(employer: north, at: DataBuilder.day(0), employerScore: 4, assessorScore: 2)
        builder.observe(employer: north, at: DataBuilder.day(9.5), employerScore: 5, assessorScore: 5)
        builder.observe(employer: north, at: DataBuilder.day(10), employerScore: 4, assessorScore: 4)  // at `to`: out
        builder.observe(employer: north, at: DataBuilder.day(-1), employerScore: 4, assessorScore: 4)  // before: out
        let other = builder.observe(employer: south, at: DataBuilder.day(1), employerScore: 4, assessorScore: 2)
        let kept = builder.openCase(on: inside, kind: .automaticDispute, decidedAt: DataBuilder.day(3), outcome: 4)
        let dropped = builder.openCase(on: other, kind: .automaticDispute, decidedAt: DataBuilder.day(3), outcome: 4)
        builder.opinion(on: kept, by: UserID(), score: 4)
        builder.opinion(on: dropped, by: UserID(), score: 4)
        let filter = InsightFilter(from: DataBuilder.day(0), to: DataBuilder.day(10), employerID: north)
        let report = InsightReport.compute(builder.data, filter: filter, bootstrapSamples: 10)
        #expect(report.filter == filter)
        #expect(report.counts.observations == 2)
        #expect(report.counts.cases == 1)
        #expect(report.counts.opinions == 1)
        #expect(report.outcomes.overall.overturnRate.numerator == 1 && report.outcomes.overall.overturnRate.denominator == 1)
        #expect(report.leniency.byEmployer.map(\.employerID) == [north])

        let dates = InsightReport.compute(builder.data, filter: InsightFilter(from: DataBuilder.day(0), to: DataBuilder.day(10)),
                                          bootstrapSamples: 10)
        #expect(dates.counts.observations == 3)
        #expect(dates.counts.cases == 2)
        let everything = InsightReport.compute(builder.data, bootstrapSamples: 10)
        #expect(everything.counts.observations == 5)
        #expect(everything.outcomes.byMonth.map(\.month) == ["2026-02", "2026-03"])
    }

    @Test("Months are UTC calendar months keyed yyyy-MM, ascending across a year end")
    func months() {
        var builder = DataBuilder()
        builder.observe(at: ISO8601Date.parse("2026-01-01T00:00:00Z")!, assessorScore: 2)
        builder.observe(at: ISO8601Date.parse("2025-12-31T23:59:59Z")!, assessorScore: 5)
        builder.observe(at: ISO8601Date.parse("2024-02-29T12:00:00Z")!, assessorScore: 5)
        let report = InsightReport.compute(builder.data, bootstrapSamples: 10)
        #expect(report.outcomes.byMonth.map(\.month) == ["2024-02", "2025-12", "2026-01"])
        #expect(report.outcomes.byMonth.map(\.outcomes.failRate.numerator) == [0, 0, 1])
        #expect(CalendarMonth.key(CalendarMonth.number(ISO8601Date.parse("1969-12-31T23:00:00Z")!)) == "1969-12")
        #expect(CalendarMonth.iso8601(ISO8601Date.parse("2026-03-04T05:06:07Z")!) == "2026-03-04T05:06:07Z")
        #expect(CalendarMonth.iso8601(Date(timeIntervalSince1970: 86_399.9996)) == "1970-01-02T00:00:00Z")
        #expect(CalendarMonth.iso8601(Date(timeIntervalSince1970: 0.25)) == "1970-01-01T00:00:00.250Z")
    }

    @Test("A generous employer has a positive mean difference and comes first; a strict one is negative")
    func leniencySign() {
        var builder = DataBuilder()
        let generous = OrganisationID(), strict = OrganisationID()
        builder.employerNames[generous] = "Generous"
        builder.employerNames[strict] = "Strict"
        for score in [3, 4, 5, 4] {
            builder.observe(employer: generous, employerScore: score + 1, assessorScore: score)
            builder.observe(employer: strict, employerScore: score - 1, assessorScore: score)
        }
        builder.observe(employer: strict, employerScore: nil, assessorScore: 4)  // no pair: not in the mean
        let report = InsightReport.compute(builder.data, bootstrapSamples: 10)
        #expect(report.leniency.byEmployer.map(\.name) == ["Generous", "Strict"])
        #expect(close(report.leniency.byEmployer[0].difference.mean, 1))
        #expect(close(report.leniency.byEmployer[1].difference.mean, -1))
        #expect(report.leniency.byEmployer[1].difference.count == 4)
    }

    @Test("Assessors against moderation outcomes, moderators against the panel's outcome")
    func assessorAndModeratorLeniency() throws {
        var builder = DataBuilder()
        let assessor = UserID(), moderator = UserID()
        let first = builder.observe(assessorScore: 5, assessor: assessor)
        let second = builder.observe(assessorScore: 4, assessor: assessor)
        let third = builder.observe(assessorScore: 2, assessor: assessor)
        let a = builder.openCase(on: first, kind: .automaticDispute, decidedAt: DataBuilder.day(1), outcome: 3)
        let b = builder.openCase(on: second, kind: .sample, decidedAt: DataBuilder.day(1), outcome: 4)
        builder.openCase(on: third, kind: .automaticDispute, decidedAt: DataBuilder.day(1), outcome: 2, locally: true)
        let open = builder.openCase(on: third, kind: .manualFlag, state: .inModeration)
        builder.opinion(on: a, by: moderator, kind: .lay, score: 4)
        builder.opinion(on: b, by: moderator, kind: .lay, score: 5)
        builder.opinion(on: open, by: moderator, kind: .lay, score: 1)
        let report = InsightReport.compute(builder.data, bootstrapSamples: 10)
        let row = try #require(report.leniency.byAssessor.first { $0.assessorID == assessor })
        #expect(row.scored == 3)
        #expect(row.difference.count == 2)  // the local decision is not moderation
        #expect(close(row.difference.mean, 1))  // (5 − 3 + 4 − 4) / 2
        #expect(row.overturnRate.numerator == 1 && row.overturnRate.denominator == 2)
        let moderatorRow = try #require(report.leniency.byModerator.first)
        #expect(moderatorRow.kind == .lay)
        #expect(moderatorRow.opinions == 3)
        #expect(moderatorRow.deviation.count == 2)
        #expect(close(moderatorRow.deviation.mean, 1))
        #expect(close(moderatorRow.meanAbsoluteDeviation, 1))
    }

    @Test("Calibration: deviation from the definitive score, monthly drift and its least-squares slope")
    func calibrationDrift() throws {
        var builder = DataBuilder()
        let seed = builder.observe(assessorScore: 4)
        let calibration = builder.openCase(on: seed, kind: nil, state: .inModeration, calibrationScore: 4)
        let drifting = UserID(), steady = UserID()
        // Months 0, 0, 1, 2 with deviations +2, +2, +1, 0: x̄ = 0.75, ȳ = 1.25, Sxy = Sxx = 2.75 ⇒ slope −1.
        for (month, score) in [(0, 6), (0, 6), (1, 5), (2, 4)] {
            builder.opinion(on: calibration, by: drifting, score: score,
                            at: ISO8601Date.parse("2026-0\(month + 1)-15T10:00:00Z")!)
        }
        builder.opinion(on: calibration, by: steady, kind: .lay, score: 3)
        builder.opinion(on: calibration, by: steady, kind: .lay, score: 4)
        let report = InsightReport.compute(builder.data, bootstrapSamples: 10)
        #expect(report.calibration.cases == 1)
        #expect(report.calibration.opinions == 6)
        #expect(report.counts.opinions == 0)  // calibration opinions are not moderation of candidates
        let row = try #require(report.calibration.byModerator.first { $0.moderatorID == drifting })
        #expect(row.deviation.count == 4)
        #expect(close(row.deviation.mean, 1.25))
        #expect(close(row.meanAbsoluteDeviation, 1.25))
        #expect(row.drift.map(\.month) == ["2026-01", "2026-02", "2026-03"])
        #expect(row.drift.map(\.count) == [2, 1, 1])
        #expect(row.drift.map { $0.mean.value } == [2, 1, 0])
        #expect(close(row.driftSlope, -1, within: 1e-12))
        let steadyRow = try #require(report.calibration.byModerator.first { $0.moderatorID == steady })
        #expect(close(steadyRow.deviation.mean, -0.5))
        #expect(close(steadyRow.meanAbsoluteDeviation, 0.5))
        #expect(steadyRow.driftSlope.reason == "a drift needs calibration opinions in at least two months")
        #expect(report.calibration.byModerator.first?.moderatorID == drifting)  // highest mean first
    }

    /// Employers with 10, 4 and 6 candidates (two observations each); attribute `disability`: 4 say yes, 7 no,
    /// 9 not recorded.
    static func fairnessData() -> (data: InsightData, small: OrganisationID) {
        var builder = DataBuilder()
        let large = OrganisationID(), small = OrganisationID(), medium = OrganisationID()
        builder.employerNames = [large: "Large", small: "Small", medium: "Medium"]
        var candidates: [CandidateID] = []
        for (employer, people) in [(large, 10), (small, 4), (medium, 6)] {
            for person in 0..<people {
                let candidate = CandidateID()
                candidates.append(candidate)
                builder.observe(employer: employer, candidate: candidate, assessorScore: person % 3 == 0 ? 3 : 5)
                builder.observe(employer: employer, candidate: candidate, assessorScore: 6)
            }
        }
        for (index, candidate) in candidates.enumerated() where index < 11 {
            builder.attributes.append(.init(candidateID: candidate, name: "disability", value: index < 4 ? "yes" : "no"))
        }
        return (builder.data, small)
    }

    @Test("A group of four people is suppressed and carries no numbers; the next-smallest is suppressed as well")
    func fairnessSuppression() throws {
        let report = InsightReport.compute(Self.fairnessData().data, bootstrapSamples: 10)
        let employers = report.fairness.byEmployer
        #expect(employers.map(\.group) == ["Large", "Medium", "Small"])
        #expect(employers.map(\.isSuppressed) == [false, true, true])
        #expect(employers[0].people == 10)
        #expect(employers[0].rates?.failRate.numerator == 4 && employers[0].rates?.failRate.denominator == 20)
        #expect(employers[2] == .suppressed(group: "Small", secondary: false))
        #expect(employers[1] == .suppressed(group: "Medium", secondary: true))

        let small = try JSONSerialization.jsonObject(with: JSONEncoder().encode(employers[2])) as? [String: Any]
        #expect(small?.count == 3)
        #expect(small?["group"] as? String == "Small")
        #expect(small?["suppressed"] as? Bool == true)
        #expect(small?["people"] as? String == "< 5")
        let secondary = try json(employers[1])
        #expect(secondary == #"{"group":"Medium","people":"5 or more","secondary":true,"suppressed":true}"#)

        let disability = try #require(report.fairness.byAttribute.first)
        #expect(disability.attribute == "disability")
        #expect(disability.cells.map(\.group) == ["no", "yes", "Not recorded"])
        #expect(disability.cells.map(\.isSuppressed) == [true, true, false])  // yes: 4 people; no (7) is next-smallest
        #expect(disability.cells[2].people == 9)

        let table = try #require(report.tables().first { $0.name == "fairness-by-employer" })
        #expect(table.rows[2] == ["Small", "< 5", "true"] + Array(repeating: "", count: table.columns.count - 3))
        #expect(table.rows[1][1] == "5 or more")
    }

    @Test("People are distinct candidates per cell: one candidate at two employers counts once in each")
    func distinctPeople() {
        var builder = DataBuilder()
        let first = OrganisationID(), second = OrganisationID()
        builder.employerNames = [first: "First", second: "Second"]
        let shared = CandidateID()
        for _ in 0..<3 { builder.observe(employer: first, candidate: shared, assessorScore: 5) }
        builder.observe(employer: second, candidate: shared, assessorScore: 2)
        for _ in 0..<4 {
            let candidate = CandidateID()
            builder.observe(employer: first, candidate: candidate, assessorScore: 5)
            builder.observe(employer: first, candidate: candidate, assessorScore: 5)
            builder.observe(employer: second, candidate: CandidateID(), assessorScore: 4)
        }
        let report = InsightReport.compute(builder.data, bootstrapSamples: 10)
        #expect(report.counts.candidates == 9)
        #expect(report.fairness.byEmployer.map(\.people) == [5, 5])
        #expect(report.fairness.byEmployer[1].rates?.failRate.numerator == 1)
    }

    /// Two groups of 1 and 1 suppressed alone would give away both: the shown cells subtracted from the total leave 2
    /// people for two groups that each have someone. So the suppressed cells must hold 5 or more people together.
    @Test("Two small groups holding fewer than 5 people together take the next-smallest with them")
    func twoSmallGroups() {
        var tally = GroupTally()
        for _ in 0..<6 {
            tally.add(ObservationOutcome(finalScore: 4))
            tally.people += 1
        }
        var few = GroupTally()
        for _ in 0..<2 {
            few.add(ObservationOutcome(finalScore: 2))
            few.people += 1
        }
        let cells = InsightReport.FairnessFigures.suppress([("a", few), ("b", few), ("c", tally), ("d", tally)])
        #expect(cells.map(\.isSuppressed) == [true, true, true, false])
        #expect(cells[2] == .suppressed(group: "c", secondary: true))
        var three = few
        three.people = 3
        let enough = InsightReport.FairnessFigures.suppress([("a", few), ("b", three), ("c", tally), ("d", tally)])
        #expect(enough.map(\.isSuppressed) == [true, true, false, false])
        let alone = InsightReport.FairnessFigures.suppress([("a", few)])
        #expect(alone == [.suppressed(group: "a", secondary: false)])
    }

    @Test("CSV quotes commas, quotes and line breaks, ends rows with CRLF, and defuses formulas but not numbers")
    func csvQuotingAndInjection() {
        let table = InsightTable(name: "t", columns: ["group", "value"], rows: [
            ["a,b", "say \"hi\""],
            ["line\nbreak", "-0.5"],
            ["=SUM(A1:A9)", "-inf"],
            ["@cmd", "+1"],
            ["-x, \"y\"", "1e-7"],
        ])
        let expected = "group,value\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n\"line\nbreak\",-0.5\r\n'=SUM(A1:A9),'-inf\r\n"
            + "'@cmd,'+1\r\n\"'-x, \"\"y\"\"\",1e-7\r\n"
        #expect(table.csv == expected)
        let report = InsightReport.compute(Self.tenObservations().data, bootstrapSamples: 10)
        #expect(report.csv(table) == expected)
        #expect(InsightTable.cell(1.0 / 3) == "0.333333")
        #expect(InsightTable.cell(0.3) == "0.3")
        #expect(InsightTable.cell(-2.0) == "-2")
        #expect(InsightTable.cell(-0.0000001) == "0")
        #expect(InsightTable.cell(Statistic.notDefined(reason: "x")) == "")
    }

    @Test("Every table has a header and rows of its width; the names cover every part of the report")
    func tablesCoverTheReport() {
        let report = InsightReport.compute(Self.fairnessData().data, bootstrapSamples: 10)
        let tables = report.tables()
        #expect(tables.map(\.name) == [
            "summary", "confusion-matrix", "distribution", "outcomes", "outcomes-by-month", "leniency-by-employer",
            "leniency-by-assessor", "leniency-by-moderator", "calibration-by-moderator", "calibration-drift",
            "fairness-by-employer", "fairness-by-attribute-disability", "agreement-by-employer", "agreement-by-assessor",
        ])
        for table in tables {
            #expect(table.rows.allSatisfy { $0.count == table.columns.count }, "\(table.name)")
            #expect(table.csv.hasPrefix(table.columns.joined(separator: ",") + "\r\n"))
        }
        #expect(InsightReport.FairnessFigures.fileSafe("Country of birth/UK") == "country-of-birth-uk")
        let outcomes = tables[3]
        #expect(outcomes.rows.count == 1)
        #expect(outcomes.rows[0][outcomes.columns.firstIndex(of: "failRate")!] == "0.2")
        #expect(tables[1].rows.count == 7)
    }

    @Test("Empty data: every figure says why it has none, the JSON has no NaN, and the tables still build")
    func emptyData() throws {
        let empty = InsightData(observations: [], cases: [], opinions: [], assignments: [], attributes: [],
                                employerNames: [:], now: DataBuilder.start)
        let report = InsightReport.compute(empty)
        #expect(report.counts.observations == 0 && report.counts.cases == 0 && report.counts.candidates == 0)
        #expect(report.outcomes.overall.failRate.value.reason == "no observation in the selection has a final score")
        #expect(report.outcomes.overall.disputeRate.value.reason == "there are no observations in the selection")
        #expect(report.outcomes.overall.timeToDecision.medianDays.value == nil)
        #expect(report.outcomes.byMonth.isEmpty)
        #expect(report.agreement.kappa.unweighted.reason == "there are no pairs of scores")
        #expect(report.agreement.alpha.ordinal.value == nil)
        #expect(report.agreement.alpha.ordinalBootstrap.lower.value == nil)
        #expect(report.agreement.meanDifference.mean.value == nil)
        #expect(report.fairness.byEmployer.isEmpty && report.fairness.byAttribute.isEmpty)
        #expect(report.distribution.allSatisfy { $0.counts == [0, 0, 0, 0, 0, 0, 0] })
        let text = try json(report)
        #expect(!text.contains("NaN") && !text.contains("nan") && !text.contains("Infinity"))
        #expect(report.tables().count == 13)  // with agreement-by-employer and agreement-by-assessor (issue 15)
    }

    @Test("The JSON is camelCase, has no NaN, and decodes to the same report")
    func jsonRoundTrip() throws {
        var (data, _) = Self.tenObservations()
        data.attributes = data.observations.map { .init(candidateID: $0.candidateID, name: "ethnicity", value: "White") }
        let filter = InsightFilter(from: DataBuilder.day(-1), to: DataBuilder.day(100))
        let report = InsightReport.compute(data, filter: filter, bootstrapSamples: 100)
        let encoded = try JSONEncoder().encode(report)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(!text.contains("NaN") && !text.contains("Infinity"))
        for key in ["\"nearMissShareOfFailures\"", "\"timeToDecision\"", "\"byMonth\"", "\"ordinalBootstrap\"",
                    "\"observationsWithBothScores\"", "\"from\":\"2026-02-28T00:00:00Z\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(try JSONDecoder().decode(InsightReport.self, from: encoded) == report)
    }

    @Test("A generated pilot-shaped year gives figures near the pilot's: 20% fail, 75% of them at 3, employers +0.5")
    func pilotShapedData() {
        var random = SplitMix64(seed: 20_261_203)
        var builder = DataBuilder()
        let employers = (0..<8).map { _ in OrganisationID() }
        let assessors = (0..<12).map { _ in UserID() }
        // Assessor scores: 1–2 5 %, 3 15 %, 4 30 %, 5 30 %, 6 15 %, 7 5 %; the employer one higher half the time.
        let table = [1] + Array(repeating: 2, count: 4) + Array(repeating: 3, count: 15) + Array(repeating: 4, count: 30)
            + Array(repeating: 5, count: 30) + Array(repeating: 6, count: 15) + Array(repeating: 7, count: 5)
        for index in 0..<4000 {
            let assessor = table[random.below(table.count)]
            let employer = min(7, assessor + (random.below(2) == 0 ? 1 : 0))
            builder.observe(
                employer: employers[index % employers.count],
                at: DataBuilder.day(Double(random.below(365)) - 180),
                employerScore: employer, assessorScore: assessor, assessor: assessors[random.below(assessors.count)])
        }
        let report = InsightReport.compute(builder.data, bootstrapSamples: 100)
        let overall = report.outcomes.overall
        #expect(abs(overall.failRate.value.value! - 0.20) < 0.03)
        #expect(abs(overall.nearMissShareOfFailures.value.value! - 0.75) < 0.06)
        #expect(abs(report.agreement.meanDifference.mean.value! - 0.5) < 0.05)
        #expect(report.leniency.byEmployer.count == 8)
        #expect(report.leniency.byEmployer.allSatisfy { abs($0.difference.mean.value! - 0.5) < 0.1 })
        #expect(report.outcomes.byMonth.count >= 12)
        #expect(report.agreement.alpha.ordinal.value.map { $0 > 0.5 } == true)
        #expect(report.fairness.byEmployer.allSatisfy { !$0.isSuppressed })
    }
}
