import Foundation
@testable import ReviewDomain
import Testing

/// The release rules of issue 15: fixed reporting periods, primary and complementary suppression, and the scheme's
/// figures released to an employer only as far as the other employers' part of them is safe.
@Suite struct DisclosureControlTests {
    // MARK: The suppression rule

    @Test("Cells of 1 to 4 are withheld, with complements until two or more cells hold 5 or more together")
    func suppressionRule() {
        #expect(DisclosureControl.withheld([]).isEmpty)
        #expect(DisclosureControl.withheld([10, 20, 0]).isEmpty)
        #expect(DisclosureControl.withheld([1, 10, 20]) == [0, 1])
        #expect(DisclosureControl.withheld([1, 1, 10, 20]) == [0, 1, 2], "1 + 1 would give both away")
        #expect(DisclosureControl.withheld([2, 3, 10, 20]) == [0, 1])
        #expect(DisclosureControl.withheld([20, 4, 0, 9, 9]) == [1, 3], "ties go to the first position")
        #expect(DisclosureControl.withheld([0, 0, 3, 0]) == [0, 1, 2, 3], "with no other people, everything goes")
        #expect(DisclosureControl.withheld([3, 0, 40]) == [0, 2], "a non-zero complement before any zero")
    }

    /// The attacker's view of one released set of counts with a known total: a withheld cell must not be recoverable.
    static func expectSafe(_ truth: [Int], withheld: Set<Int>, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for index in truth.indices where !withheld.contains(index) {
            #expect(truth[index] == 0 || truth[index] >= DisclosureControl.threshold, "\(context): cell \(index) shown with \(truth[index])",
                    sourceLocation: sourceLocation)
        }
        guard !withheld.isEmpty else { return }
        let hidden = withheld.reduce(0) { $0 + truth[$1] }
        let everything = withheld.count == truth.count
        #expect(everything || (withheld.count >= 2 && hidden >= DisclosureControl.threshold),
                "\(context): \(withheld.count) cell(s) withheld holding \(hidden): the total gives them away", sourceLocation: sourceLocation)
    }

    @Test("Over 20,000 random tables no withheld cell can be recovered from the total")
    func suppressionProperty() {
        var random = SplitMix64(seed: 15)
        for round in 0..<20_000 {
            let cells = Int(random.next() % 8) + 1
            let counts = (0..<cells).map { _ in Int(random.next() % 3 == 0 ? random.next() % 5 : random.next() % 30) }
            Self.expectSafe(counts, withheld: DisclosureControl.withheld(counts), "round \(round) \(counts)")
        }
    }

    // MARK: Periods

    @Test("Periods parse, print, start and end in UTC, and only ended ones are offered")
    func periods() throws {
        let q1 = try #require(ReportingPeriod("2026-Q1"))
        #expect(q1.description == "2026-Q1" && q1.length == .quarter)
        #expect(q1.start == ISO8601Date.parse("2026-01-01T00:00:00Z") && q1.end == ISO8601Date.parse("2026-04-01T00:00:00Z"))
        let march = try #require(ReportingPeriod("2026-03"))
        #expect(march.start == ISO8601Date.parse("2026-03-01T00:00:00Z") && march.end == ISO8601Date.parse("2026-04-01T00:00:00Z"))
        #expect(ReportingPeriod("2024-02")!.end == ISO8601Date.parse("2024-03-01T00:00:00Z"))
        #expect(ReportingPeriod("2026-12")!.end == ISO8601Date.parse("2027-01-01T00:00:00Z"))
        for bad in ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "26-01", "2026-1", "2026", "2026-01-15", "", "1969-Q4", "2026-Q1x"] {
            #expect(ReportingPeriod(bad) == nil, "\(bad)")
        }
        let now = try #require(ISO8601Date.parse("2026-05-10T12:00:00Z"))
        #expect(ReportingPeriod(containing: now, length: .quarter).description == "2026-Q2")
        #expect(!ReportingPeriod("2026-Q2")!.hasEnded(at: now) && q1.hasEnded(at: now))
        let earliest = try #require(ISO8601Date.parse("2025-08-31T23:59:59Z"))
        #expect(ReportingPeriod.ended(from: earliest, at: now, length: .quarter).map(\.description) == ["2026-Q1", "2025-Q4", "2025-Q3"])
        #expect(ReportingPeriod.ended(from: now, at: now, length: .month).isEmpty)
        #expect(ReportingPeriod.ended(from: earliest, at: now, length: .month).first?.description == "2026-04")
    }

    // MARK: What an employer is given

    /// Random schemes: employers of 1 to 30 candidates, observations over a year, some attributes, decided cases.
    static func scheme(seed: UInt64) -> (data: InsightData, employers: [OrganisationID]) {
        var random = SplitMix64(seed: seed)
        let start = ISO8601Date.parse("2025-01-01T00:00:00Z")!
        let employers = (0..<Int(random.next() % 5) + 2).map { _ in OrganisationID() }
        var observations: [InsightData.ObservationFacts] = [], attributes: [InsightData.AttributeFacts] = []
        var cases: [InsightData.CaseFacts] = []
        for employer in employers {
            for _ in 0..<Int(random.next() % 30) + 1 {
                let candidate = CandidateID()
                if random.next() % 2 == 0 {
                    attributes.append(.init(candidateID: candidate, name: "ethnicity", value: ["A", "B", "C", "D"][Int(random.next() % 4)]))
                }
                for _ in 0..<Int(random.next() % 3) + 1 {
                    let id = ObservationID()
                    let at = start.addingTimeInterval(Double(random.next() % 365) * 86_400)
                    let assessor = Int(random.next() % 7) + 1
                    observations.append(.init(
                        id: id, candidateID: candidate, employerID: employer, observedAt: at,
                        employerScore: random.next() % 5 == 0 ? nil : Int(random.next() % 7) + 1, assessorScore: assessor,
                        assessorID: UserID(), firstUploadAt: at, reference: "OBS-\(random.next() % 1_000_000)"))
                    if random.next() % 4 == 0 {
                        cases.append(.init(id: CaseID(), observationID: id, kind: .automaticDispute, state: .decided, openedAt: at,
                                           decidedAt: at.addingTimeInterval(86_400), outcomeScore: Int(random.next() % 7) + 1,
                                           decidedLocally: false, calibrationScore: nil))
                    }
                }
            }
        }
        let data = InsightData(observations: observations, cases: cases, opinions: [], assignments: [], attributes: attributes,
                               employerNames: [:], now: start.addingTimeInterval(400 * 86_400))
        return (data, employers)
    }

    /// Every release an employer can ask for, attacked as an attacker would: per breakdown and distribution, the shown
    /// cells against the true counts, and what the published totals leave for the withheld cells.
    @Test("No release to an employer shows a group under 5 or lets a withheld cell be recovered", arguments: 0..<12)
    func employerReleasesAreSafe(seed: UInt64) throws {
        let (data, employers) = Self.scheme(seed: seed)
        for length in ReportingPeriod.Length.allCases {
            for period in ReportingPeriod.ended(from: data.observations.map(\.observedAt).min()!, at: data.now, length: length) {
                for employer in employers {
                    let release = InsightReport.employerRelease(data, employer: employer, period: period, bootstrapSamples: 0)
                    let context = "seed \(seed), \(period), employer \(employers.firstIndex(of: employer)!)"
                    let inPeriod = data.observations.filter { $0.observedAt >= period.start && $0.observedAt < period.end }
                    let own = inPeriod.filter { $0.employerID == employer }
                    // Own staff: no breakdown by attribute at all (the employer knows each one's outcome).
                    #expect(release.report.fairness.byAttribute.isEmpty, "\(context): attribute breakdowns released to an employer")
                    #expect(!release.report.tables().contains { $0.name.hasPrefix("fairness-by-attribute") })
                    // The scheme: the other employers' part of each released rate, on both sides of it.
                    let ownCandidates = Set(own.map(\.candidateID))
                    let others = Set(inPeriod.filter { $0.employerID != employer }.map(\.candidateID)).subtracting(ownCandidates)
                    guard others.count >= DisclosureControl.threshold else {
                        #expect(release.overall.counts == nil && release.overall.outcomes == nil && release.overall.withheldReason != nil,
                                "\(context): \(others.count) other candidates, yet the scheme was released")
                        continue
                    }
                    let scheme = InsightReport.compute(data, filter: InsightFilter(from: period.start, to: period.end), bootstrapSamples: 0)
                    let mine = InsightReport.compute(data, filter: InsightFilter(from: period.start, to: period.end, employerID: employer),
                                                     bootstrapSamples: 0)
                    let outcomes = try #require(release.overall.outcomes)
                    let pairs: [(String, InsightReport.ReleasedRate, InsightReport.Rate, InsightReport.Rate)] = [
                        ("fail", outcomes.failRate, scheme.outcomes.overall.failRate, mine.outcomes.overall.failRate),
                        ("near miss", outcomes.nearMissShareOfFailures, scheme.outcomes.overall.nearMissShareOfFailures,
                         mine.outcomes.overall.nearMissShareOfFailures),
                        ("dispute", outcomes.disputeRate, scheme.outcomes.overall.disputeRate, mine.outcomes.overall.disputeRate),
                        ("overturn", outcomes.overturnRate, scheme.outcomes.overall.overturnRate, mine.outcomes.overall.overturnRate),
                    ]
                    for (name, released, whole, part) in pairs {
                        let numerator = whole.numerator - part.numerator
                        let complement = (whole.denominator - whole.numerator) - (part.denominator - part.numerator)
                        Self.expectSafe([numerator, complement], withheld: released.withheld ? [0, 1] : [], "\(context), \(name) rate")
                        if released.withheld { #expect(released.numerator == nil && released.denominator == nil && released.value.value == nil) }
                    }
                    if outcomes.failRate.withheld { #expect(outcomes.nearMissShareOfFailures.withheld, "\(context): its denominator is the failures") }
                }
            }
        }
    }

    /// The second attack of the issue, replayed on the release: a period in which another council had one candidate.
    @Test("A period with one other council's single candidate releases nothing about the scheme")
    func singleOtherCandidate() throws {
        let mine = OrganisationID(), theirs = OrganisationID()
        let day = try #require(ISO8601Date.parse("2026-01-15T10:00:00Z"))
        var observations = (0..<8).map { index in
            InsightData.ObservationFacts(id: ObservationID(), candidateID: CandidateID(), employerID: mine, observedAt: day,
                                         employerScore: 5, assessorScore: 4 + index % 3, assessorID: UserID(), firstUploadAt: day)
        }
        observations.append(.init(id: ObservationID(), candidateID: CandidateID(), employerID: theirs, observedAt: day,
                                  employerScore: 7, assessorScore: 1, assessorID: UserID(), firstUploadAt: day))
        let data = InsightData(observations: observations, cases: [], opinions: [], assignments: [], attributes: [], employerNames: [:],
                               now: day.addingTimeInterval(120 * 86_400))
        for period in [ReportingPeriod("2026-Q1")!, ReportingPeriod("2026-01")!] {
            let release = InsightReport.employerRelease(data, employer: mine, period: period, bootstrapSamples: 0)
            #expect(release.overall.withheldReason?.contains("Fewer than 5 other employers' candidates") == true)
            let json = String(decoding: try JSONEncoder().encode(release.overall), as: UTF8.self)
            #expect(!json.contains("\"counts\"") && !json.contains("\"agreement\""))
        }
        // With five more of theirs (scores 4–6), the scheme is released, but their single failure is not: the fail
        // rate (and the near misses among failures, whose denominator it is) are withheld.
        for index in 0..<5 {
            observations.append(.init(id: ObservationID(), candidateID: CandidateID(), employerID: theirs, observedAt: day,
                                      employerScore: 4 + index % 3, assessorScore: 4 + index % 3, assessorID: UserID(), firstUploadAt: day))
        }
        let wider = InsightData(observations: observations, cases: [], opinions: [], assignments: [], attributes: [], employerNames: [:],
                                now: day.addingTimeInterval(120 * 86_400))
        let release = InsightReport.employerRelease(wider, employer: mine, period: ReportingPeriod("2026-Q1")!, bootstrapSamples: 0)
        let outcomes = try #require(release.overall.outcomes)
        #expect(outcomes.failRate.withheld && outcomes.failRate.numerator == nil, "their one failure must not show")
        #expect(outcomes.nearMissShareOfFailures.withheld)
        #expect(release.overall.counts?.observations == 14)
        let json = String(decoding: try JSONEncoder().encode(release.overall), as: UTF8.self)
        #expect(!json.contains("distribution") && !json.contains("confusionMatrix"))
    }

    // MARK: Reproducible from the ratings alone

    @Test("The report does not depend on the order of the observations or on their ids")
    func stableOrder() throws {
        let (data, _) = Self.scheme(seed: 3)
        let report = InsightReport.compute(data, bootstrapSamples: 200)
        var shuffled = data
        var random = SplitMix64(seed: 99)
        shuffled.observations.shuffle(using: &random)
        #expect(InsightReport.compute(shuffled, bootstrapSamples: 200) == report)
        // Re-imported: the same references and dates, new ids (cases follow their observation).
        var renamed = data
        var newIDs: [ObservationID: ObservationID] = [:]
        for index in renamed.observations.indices {
            let id = ObservationID()
            newIDs[renamed.observations[index].id] = id
            renamed.observations[index].id = id
        }
        for index in renamed.cases.indices { renamed.cases[index].observationID = newIDs[renamed.cases[index].observationID]! }
        renamed.observations.shuffle(using: &random)
        let again = InsightReport.compute(renamed, bootstrapSamples: 200)
        #expect(again.agreement.alpha.ordinalBootstrap == report.agreement.alpha.ordinalBootstrap)
        #expect(again.agreement.beyondKappa == report.agreement.beyondKappa)
    }

    @Test("A second assessor's independent score counts in α as a further rater")
    func secondAssessor() {
        let day = ISO8601Date.parse("2026-01-15T10:00:00Z")!
        func data(second: [Int]) -> InsightData {
            let observations = (0..<6).map { index in
                InsightData.ObservationFacts(id: ObservationID(), candidateID: CandidateID(), employerID: OrganisationID(), observedAt: day,
                                             employerScore: nil, assessorScore: 2 + index, assessorID: UserID(), firstUploadAt: day,
                                             reference: "R\(index)", otherAssessorScores: second.isEmpty ? [] : [second[index]])
            }
            return InsightData(observations: observations, cases: [], opinions: [], assignments: [], attributes: [], employerNames: [:], now: day)
        }
        let single = InsightReport.compute(data(second: []), bootstrapSamples: 0)
        #expect(single.agreement.alpha.units == 0, "one assessor alone pairs with nobody")
        let double = InsightReport.compute(data(second: [2, 3, 4, 5, 6, 7]), bootstrapSamples: 0)
        #expect(double.agreement.alpha.units == 6 && double.agreement.alpha.values == 12)
        #expect(double.agreement.alpha.interval.value == 1)
        #expect(double.agreement.pairs == 0, "κ pairs the employer with the latest assessor only")
    }
}
