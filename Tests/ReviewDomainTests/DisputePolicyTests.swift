import Foundation
import PropertyBased
import ReviewDomain
import Testing

@Suite("DisputePolicy")
struct DisputePolicyTests {
    typealias Reason = DisputeFinding.Reason

    @Test("Default policy (tolerance 2)", arguments: [
        // employer, assessor, expected reasons
        (4, 3, [Reason.straddlesPassLine]),          // boundary: 3 vs 4 straddles although only 1 apart
        (3, 4, [.straddlesPassLine]),
        (3, 3, []),
        (4, 4, []),
        (4, 5, []),                                   // same side, difference 1
        (5, 3, [.straddlesPassLine, .exceedsTolerance]),
        (4, 6, [.exceedsTolerance]),                  // same side, difference exactly the tolerance
        (7, 5, [.exceedsTolerance]),
        (1, 3, [.exceedsTolerance]),                  // both below standard, difference 2
        (2, 3, []),
        (1, 7, [.straddlesPassLine, .exceedsTolerance]),
        (7, 7, []),
    ])
    func defaultPolicy(employer: Int, assessor: Int, reasons: [Reason]) {
        let finding = DisputePolicy.default.evaluate(employer: Fixture.score(employer), assessor: Fixture.score(assessor))
        #expect(finding?.reasons ?? [] == reasons)
        if let finding {
            #expect(finding.employer.value == employer && finding.assessor.value == assessor)
            #expect(finding.difference == abs(employer - assessor))
            #expect(finding.tolerance == 2)
        }
    }

    @Test("Tolerance changes the difference rule", arguments: [
        (1, 5, 6, [Reason.exceedsTolerance]),
        (3, 5, 6, []),
        (3, 4, 7, [.exceedsTolerance]),
        (6, 1, 7, [.straddlesPassLine, .exceedsTolerance]),
        (6, 2, 7, [.straddlesPassLine]),
        (6, 3, 4, [.straddlesPassLine]),
    ])
    func tolerance(tolerance: Int, employer: Int, assessor: Int, reasons: [Reason]) throws {
        let policy = try DisputePolicy(tolerance: tolerance)
        #expect(policy.evaluate(employer: Fixture.score(employer), assessor: Fixture.score(assessor))?.reasons ?? [] == reasons)
    }

    @Test("A missing score is never a dispute", arguments: [(nil, 3), (5, nil), (nil, nil)] as [(Int?, Int?)])
    func missingScores(employer: Int?, assessor: Int?) {
        let finding = DisputePolicy.default.evaluate(
            employer: employer.flatMap(Score.init(exactly:)), assessor: assessor.flatMap(Score.init(exactly:)))
        #expect(finding == nil)
    }

    @Test("Tolerance outside 1–6 is refused", arguments: [Int.min, -1, 0, 7, 100])
    func invalidTolerance(tolerance: Int) {
        let error = #expect(throws: DomainError.self) { try DisputePolicy(tolerance: tolerance) }
        #expect(error?.code == .policyOutOfRange)
    }

    @Test("Decoding fills defaults and validates")
    func decoding() throws {
        let decoded = try JSONDecoder().decode(DisputePolicy.self, from: Data("{}".utf8))
        #expect(decoded == .default)
        #expect(decoded.tolerance == 2 && decoded.localReviewAllowed)
        #expect(throws: DomainError.self) { try JSONDecoder().decode(DisputePolicy.self, from: Data(#"{"tolerance":0}"#.utf8)) }
    }

    @Test("A finding exists exactly when the scores straddle or differ by the tolerance, symmetrically")
    func findingRule() async {
        let scores = Gen.int(in: 1...7)
        await propertyCheck(input: scores, scores, Gen.int(in: 1...6)) { employer, assessor, tolerance in
            let policy = try DisputePolicy(tolerance: tolerance)
            let finding = policy.evaluate(employer: Fixture.score(employer), assessor: Fixture.score(assessor))
            let straddles = (employer <= 3) != (assessor <= 3)
            #expect((finding != nil) == (straddles || abs(employer - assessor) >= tolerance))
            #expect(finding?.reasons.contains(.straddlesPassLine) ?? false == straddles)
            let swapped = policy.evaluate(employer: Fixture.score(assessor), assessor: Fixture.score(employer))
            #expect(swapped?.reasons == finding?.reasons)
        }
    }
}
