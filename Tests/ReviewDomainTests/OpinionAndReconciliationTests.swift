import Foundation
import PropertyBased
import ReviewDomain
import Testing

@Suite("Second opinions, reconciliation, assignments and the moderation policy")
struct OpinionAndReconciliationTests {
    static let caseID = CaseID()

    static func opinion(_ score: Int, by moderator: UserID = UserID()) throws -> SecondOpinion {
        try SecondOpinion(caseID: caseID, moderatorID: moderator, round: 1, score: try Score(score), rationale: "Seen.", annotations: [],
                          submittedAt: Fixture.start)
    }

    @Test("reconciliation by the rule of DESIGN.md §3", arguments: [
        ([4, 5], 2, 4), ([5, 5, 6], 2, 5), ([6, 7], 2, 6), ([4], 2, 4), ([1, 2, 2, 3], 3, 2), ([5, 6, 6, 7], 3, 6),
    ] as [([Int], Int, Int)])
    func agreed(scores: [Int], tolerance: Int, median: Int) throws {
        let opinions = try scores.map { try Self.opinion($0) }
        guard case .agreed(let outcome) = Reconciliation.reconcile(opinions, tolerance: tolerance) else {
            Issue.record("\(scores) should agree")
            return
        }
        // The median; a half rounds down (4 and 5 give 4).
        #expect(outcome.score.value == median && outcome.basis == .rule(.median))
        #expect(outcome.basedOn == opinions.map(\.id) && outcome.reasonCodes == ["opinions_within_tolerance", "same_side_of_pass_line"])
    }

    @Test("disagreement escalates, saying how", arguments: [
        ([3, 4], 2, ["straddles_pass_line"]), ([2, 5], 2, ["straddles_pass_line", "exceeds_tolerance"]),
        ([5, 7], 2, ["exceeds_tolerance"]), ([6, 7], 1, ["exceeds_tolerance"]), ([3, 4, 5], 3, ["straddles_pass_line"]),
    ] as [([Int], Int, [String])])
    func disagreed(scores: [Int], tolerance: Int, codes: [String]) throws {
        guard case .disagreed(let reasonCodes, let summary) = Reconciliation.reconcile(try scores.map { try Self.opinion($0) }, tolerance: tolerance) else {
            Issue.record("\(scores) should disagree")
            return
        }
        #expect(reasonCodes == codes && summary.contains("from \(scores.min()!) to \(scores.max()!)"))
    }

    @Test("any set of opinions: agreement exactly when within tolerance on one side, and the median between them")
    func reconciliationProperty() async {
        await propertyCheck(count: 500, input: Gen.int(in: 1...7).array(of: 1...6), Gen.int(in: 1...6)) { scores, tolerance in
            let opinions = try scores.map { try Self.opinion($0) }
            let oneSide = scores.allSatisfy { $0 >= 4 } || scores.allSatisfy { $0 <= 3 }
            let within = scores.max()! - scores.min()! < tolerance
            switch Reconciliation.reconcile(opinions, tolerance: tolerance) {
            case .agreed(let outcome):
                #expect(oneSide && within)
                #expect((scores.min()!...scores.max()!).contains(outcome.score.value))
                #expect(outcome.score.meetsStandard == (scores[0] >= 4))
            case .disagreed:
                #expect(!(oneSide && within))
            }
        }
    }

    @Test("notes are checked against the recording", arguments: [
        (-1, nil, "x", nil), (121, nil, "x", nil), (10, 5, "x", nil), (10, 121, "x", nil), (10, nil, "   ", nil),
        (10, nil, "x", String(repeating: "t", count: 65)), (Double.nan, nil, "x", nil),
    ] as [(Double, Double?, String, String?)])
    func invalidNotes(start: Double, end: Double?, text: String, tag: String?) {
        #expect(throws: DomainError.self) { try Annotation(start: start, end: end, text: text, tag: tag, duration: 120) }
        do {
            _ = try Annotation(start: start, end: end, text: text, tag: tag, duration: 120)
        } catch {
            #expect(error.code == .invalidAnnotation && !error.message.isEmpty)
        }
    }

    @Test("valid notes are kept, trimmed, and an opinion sorts them by time")
    func validNotes() throws {
        let late = try Annotation(start: 119.5, end: 120, text: "  Closes the visit.  ", tag: " PCF 6 ", duration: 120)
        #expect(late.text == "Closes the visit." && late.tag == "PCF 6")
        let unknownLength = try Annotation(start: 4_000, text: "fine when the duration is unknown", duration: nil)
        let early = try Annotation(start: 3, text: "Introduces herself.", duration: 120)
        let opinion = try SecondOpinion(caseID: Self.caseID, moderatorID: UserID(), round: 1, score: try Score(4), rationale: "Seen.",
                                        annotations: [late, unknownLength, early], submittedAt: Fixture.start)
        #expect(opinion.annotations.map(\.start) == [3, 119.5, 4_000])
        #expect(Annotation.clock(3_725.25) == "1:02:05.3" && Annotation.clock(65) == "1:05.0")
    }

    @Test("an opinion needs a rationale; a correction a reason, by the same moderator on the same case")
    func opinionRules() throws {
        let moderator = UserID()
        #expect(throws: DomainError.self) {
            try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(4), rationale: " ", annotations: [], submittedAt: Fixture.start)
        }
        let original = try Self.opinion(4, by: moderator)
        #expect(throws: DomainError.self) {
            try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(5), rationale: "Again.", annotations: [],
                              submittedAt: Fixture.start, correcting: original, correctionReason: nil)
        }
        #expect(throws: DomainError.self) {
            try SecondOpinion(caseID: Self.caseID, moderatorID: UserID(), round: 1, score: try Score(5), rationale: "Again.", annotations: [],
                              submittedAt: Fixture.start, correcting: original, correctionReason: "Not mine.")
        }
        let correction = try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(5), rationale: "Again.",
                                           annotations: [], submittedAt: Fixture.start, correcting: original, correctionReason: "Misread.")
        #expect(correction.supersedes == original.id && SecondOpinion.current([original, correction]) == [correction])
    }

    /// One operation on an assignment, at a time offset in days.
    enum Operation: CaseIterable { case accept, decline, submit, expire, cancel }

    @Test("no sequence of operations reopens a finished assignment; only the allowed moves succeed")
    func assignmentLifeCycle() async {
        await propertyCheck(count: 500, input: Gen<Operation>.case.array(of: 0...12), Gen.int(in: 0...30).array(of: 12...12)) { operations, days in
            var current = Assignment(caseID: Self.caseID, moderatorID: UserID(), kind: .lay, round: 1, assignedBy: UserID.system,
                                     assignedAt: Fixture.start, dueAt: Fixture.start + 14 * 86_400, reasons: ["test"])
            for (operation, day) in zip(operations, days) {
                let before = current
                let time = Fixture.start + Double(day) * 86_400
                let result: Assignment? = switch operation {
                case .accept: try? before.accepted()
                case .decline: try? before.declined(reason: "conflict", at: time)
                case .submit: try? before.submitted(at: time)
                case .expire: try? before.expired(at: time)
                case .cancel: try? before.cancelled(reason: "decided", at: time)
                }
                guard let after = result else {
                    #expect(!(operation == .accept && before.state == .offered))
                    #expect(!(operation == .submit && before.state.isOpen))
                    continue
                }
                #expect(before.state.isOpen, "\(operation) succeeded on a \(before.state) assignment")
                if operation == .expire { #expect(time > before.dueAt) }
                if !after.state.isOpen { #expect(after.endedAt == time) }
                current = after
            }
        }
    }

    @Test("a policy decodes with defaults and refuses values out of range, naming the key")
    func policy() throws {
        let decoded = try JSONDecoder().decode(ModerationPolicy.self, from: Data(#"{"moderatorsPerCase":3}"#.utf8))
        #expect(decoded.moderatorsPerCase == 3 && decoded.panel == [.professional, .lay] && decoded.tolerance == 2 && decoded.sampleRate == 0.1)
        for (json, key) in [(#"{"moderatorsPerCase":6}"#, "moderatorsPerCase"), (#"{"sampleRate":1.5}"#, "sampleRate"),
                            (#"{"panel":["lay","lay","lay","lay","lay","lay"]}"#, "panel"), (#"{"assignmentDays":0}"#, "assignmentDays"),
                            (#"{"calibrationRate":0.9}"#, "calibrationRate"), (#"{"tolerance":0}"#, "tolerance")] {
            do {
                _ = try JSONDecoder().decode(ModerationPolicy.self, from: Data(json.utf8))
                Issue.record("\(json) should be refused")
            } catch let error as DomainError {
                #expect(error.code == .policyOutOfRange && error.message.contains(key), "\(error.message)")
            }
        }
        let round = try JSONDecoder().decode(ModerationPolicy.self, from: JSONEncoder().encode(ModerationPolicy.default))
        #expect(round == .default)
    }
}
