import Foundation
import ReviewDomain
import Testing

@Suite("Sample estimates")
struct SampleEstimateTests {
    static func units(_ stratum: String, _ pi: Double, _ findings: [Bool]) -> [SampleEstimate.Unit] {
        findings.map { SampleEstimate.Unit(finding: $0, inclusionProbability: pi, stratum: stratum) }
    }

    // Both hand computations below also match samplics 0.6 (`TaylorEstimator(PopParam.mean).estimate(y, samp_weight=1/π,
    // stratum=h)`, no PSU, no finite-population correction): 0.4166666666666667 ± 0.20971762320196527 and
    // 0.6086956521739131 ± 0.3332398147360349.
    @Test("the weighted share and its stratified with-replacement variance match a hand computation")
    func handComputation() throws {
        // Stratum A: 4 units with π = ½ (weight 2), one with the finding; B: 4 units with π = ¼ (weight 4), two with it.
        // Σw = 24, Σwy = 2 + 8 = 10, p̂ = 10/24 = 5/12 (the plain share is 3/8).
        // z = w(y − p̂)/Σw, in 288ths: A 14, −10, −10, −10 (mean −4; squared deviations 324 + 3·36 = 432, × 4/3 = 576);
        // B 28, 28, −20, −20 (mean 4; 4·576 = 2304, × 4/3 = 3072). v = 3648/288², se = √3648/288.
        let estimate = SampleEstimate.proportion(Self.units("A", 0.5, [true, false, false, false]) + Self.units("B", 0.25, [true, true, false, false]))
        let p = 5.0 / 12, se = 3648.0.squareRoot() / 288, z = 1.959963984540054
        #expect(abs(try #require(estimate.estimate.value) - p) < 1e-15)
        #expect(abs(try #require(estimate.standardError.value) - se) < 1e-15)
        #expect(abs(try #require(estimate.lower.value) - (p - z * se)) < 1e-12)
        #expect(abs(try #require(estimate.upper.value) - (p + z * se)) < 1e-12)
        #expect(estimate.unweighted == .value(3.0 / 8) && estimate.count == 8 && estimate.representedObservations == 24 && estimate.confidence == 0.95)
    }

    @Test("the interval is clipped to 0…1")
    func clipped() throws {
        // A: π ½, ¼, ½ with findings 1, 0, 1; B: π 0.2, 0.1 with 0, 1. p̂ = 14/23, v = 31076/529², se ≈ 0.333.
        let estimate = SampleEstimate.proportion(
            [.init(finding: true, inclusionProbability: 0.5, stratum: "A"), .init(finding: false, inclusionProbability: 0.25, stratum: "A"),
             .init(finding: true, inclusionProbability: 0.5, stratum: "A")] + Self.units("B", 0.2, [false]) + Self.units("B", 0.1, [true]))
        #expect(abs(try #require(estimate.estimate.value) - 14.0 / 23) < 1e-15)
        #expect(abs(try #require(estimate.standardError.value) - 31076.0.squareRoot() / 529) < 1e-15)
        #expect(estimate.lower == .value(0) && estimate.upper == .value(1))
    }

    @Test("strata holding one unit are pooled into one variance stratum; a pool of one joins the smallest stratum; certain units add no variance")
    func collapsedStrata() {
        let findings = [true, false, false, true, false]
        let singletons = findings.enumerated().map { SampleEstimate.Unit(finding: $1, inclusionProbability: 0.2, stratum: "s\($0)") }
        #expect(SampleEstimate.proportion(singletons) == SampleEstimate.proportion(Self.units("one", 0.2, findings)))
        let lone = Self.units("A", 0.3, [true, false, false]) + Self.units("B", 0.3, [true, true, false, false]) + Self.units("C", 0.3, [true])
        let joined = Self.units("A", 0.3, [true, false, false, true]) + Self.units("B", 0.3, [true, true, false, false])
        #expect(SampleEstimate.proportion(lone).standardError == SampleEstimate.proportion(joined).standardError)
        // A unit drawn with certainty moves the estimate but has no sampling variance of its own.
        let certain = SampleEstimate.proportion(Self.units("A", 0.5, [true, false, false, false]) + Self.units("A", 1, [true]))
        #expect(certain.estimate == .value(3.0 / 9) && certain.count == 5)
        #expect(SampleEstimate.proportion(Self.units("A", 1, [true, false])).standardError.reason?.contains("not with certainty") == true)
    }

    @Test("too few cases give a reason, never NaN")
    func notDefined() {
        let empty = SampleEstimate.proportion([])
        #expect(empty.estimate.reason?.contains("no decided sample case") == true && empty.lower.value == nil && empty.count == 0)
        let one = SampleEstimate.proportion(Self.units("A", 0.1, [true]))
        #expect(one.estimate == .value(1) && one.standardError.reason?.contains("at least two") == true)
        let same = SampleEstimate.proportion(Self.units("A", 0.1, [false, false]) + Self.units("B", 0.3, [false, false]))
        #expect(same.estimate == .value(0) && same.upper.reason?.contains("same finding") == true)
        #expect(SampleEstimate.proportion(Self.units("A", 0.1, [true, false]), confidence: 1).lower.reason?.contains("confidence") == true)
    }

    @Test("findings: overturn and agreement per draw and overall, strata kept apart per draw; undecided and unrecorded cases counted, not estimated")
    func findings() throws {
        let (first, second) = (UUID(), UUID())
        let time = Date(timeIntervalSince1970: 1_760_000_000)
        let draws = [SampleFindings.Draw(id: first, seed: 1, rate: 0.1, population: 100, drawnAt: time),
                     SampleFindings.Draw(id: second, seed: 2, rate: 0.2, population: 50, drawnAt: time.addingTimeInterval(60))]
        // (draw, stratum, π, outcome, assessor)
        let rows: [(UUID, String?, Double?, Int?, Int?)] = [
            (first, "s", 0.1, 4, 3),   // overturned (fail → pass), within one
            (first, "s", 0.1, 5, 5),   // exact
            (first, "t", 0.3, 2, 4),   // overturned
            (first, "t", 0.3, nil, 4), // not decided
            (second, "s", 0.2, 6, 6),
            (second, "s", 0.2, 3, nil), // no assessor score
            (second, nil, nil, 1, 7),   // drawn before π was recorded
        ]
        let cases = rows.map { SampleFindings.Case(drawID: $0.0, stratum: $0.1, inclusionProbability: $0.2, outcomeScore: $0.3, assessorScore: $0.4) }
        let result = SampleFindings.compute(cases, draws: draws)
        #expect(result.casesWithoutProbability == 1 && result.draws.map(\.draw.id) == [first, second])
        #expect(result.overall.cases == 6 && result.overall.decided == 5 && result.overall.estimated == 4)
        let one = try #require(result.draws.first?.figures)
        #expect(one.cases == 4 && one.decided == 3 && one.estimated == 3)
        // Overturned: weights 10 and 3.33 of 10 + 10 + 3.33.
        let w = 1 / 0.3
        #expect(abs(try #require(one.overturnRate.estimate.value) - (10 + w) / (20 + w)) < 1e-12)
        #expect(abs(try #require(one.exactAgreement.estimate.value) - 10 / (20 + w)) < 1e-12)
        #expect(abs(try #require(one.withinOneAgreement.estimate.value) - 20 / (20 + w)) < 1e-12)
        // Overall: the same stratum name in two draws is two strata.
        let overall = SampleEstimate.proportion([
            .init(finding: true, inclusionProbability: 0.1, stratum: "1 s"), .init(finding: false, inclusionProbability: 0.1, stratum: "1 s"),
            .init(finding: true, inclusionProbability: 0.3, stratum: "1 t"), .init(finding: false, inclusionProbability: 0.2, stratum: "2 s"),
        ])
        #expect(abs(try #require(result.overall.overturnRate.estimate.value) - (try #require(overall.estimate.value))) < 1e-12)
        #expect(abs(try #require(result.overall.overturnRate.standardError.value) - (try #require(overall.standardError.value))) < 1e-12)
        #expect(result.overall.overturnRate.count == 4)
    }
}
