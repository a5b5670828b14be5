import Foundation
import PropertyBased
import ReviewDomain
import Testing

@Suite("Moderation: second opinions, reconciliation, assignments and the policy")
struct ModerationTests {
    static let caseID = CaseID()

    static func opinion(_ score: Int, by moderator: UserID = UserID()) throws -> SecondOpinion {
        try SecondOpinion(caseID: caseID, moderatorID: moderator, round: 1, score: try Score(score), rationale: "Seen.", annotations: [],
                          submittedAt: Fixture.start)
    }

    // MARK: Reconciliation

    @Test("opinions within tolerance on one side of the pass line agree on their median", arguments: [
        ([4, 5], 2, 4), ([5, 5, 6], 2, 5), ([6, 7], 2, 6), ([4], 2, 4), ([1, 2, 2, 3], 3, 2), ([5, 6, 6, 7], 3, 6), ([7, 4], 4, 5),
        ([1, 3], 3, 2), ([2, 3], 2, 2),
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
        #expect(outcome.reason?.contains("Median of \(scores.count) opinions") == true && outcome.reason?.contains("tolerance \(tolerance)") == true)
    }

    @Test("disagreement escalates, saying how", arguments: [
        ([3, 4], 2, ["straddles_pass_line"]), ([2, 5], 2, ["straddles_pass_line", "exceeds_tolerance"]),
        ([5, 7], 2, ["exceeds_tolerance"]), ([6, 7], 1, ["exceeds_tolerance"]), ([3, 4, 5], 3, ["straddles_pass_line"]),
        ([1, 7], 6, ["straddles_pass_line", "exceeds_tolerance"]), ([4, 4, 7], 3, ["exceeds_tolerance"]),
    ] as [([Int], Int, [String])])
    func disagreed(scores: [Int], tolerance: Int, codes: [String]) throws {
        guard case .disagreed(let reasonCodes, let summary) = Reconciliation.reconcile(try scores.map { try Self.opinion($0) }, tolerance: tolerance) else {
            Issue.record("\(scores) should disagree")
            return
        }
        #expect(reasonCodes == codes && summary.contains("from \(scores.min()!) to \(scores.max()!)"))
        #expect(summary.contains("both sides of the pass line") == codes.contains("straddles_pass_line"))
        #expect(summary.contains("(tolerance \(tolerance))") == codes.contains("exceeds_tolerance"))
    }

    @Test("no opinions reconcile to nothing")
    func noOpinions() {
        #expect(Reconciliation.reconcile([], tolerance: 2) == .disagreed(reasonCodes: ["no_opinions"], summary: "No opinions to reconcile."))
    }

    @Test("any set of opinions: agreement exactly when within tolerance on one side, at the median (a half down), in any order")
    func reconciliationProperty() async {
        await propertyCheck(count: 500, input: Gen.int(in: 1...7).array(of: 1...6), Gen.int(in: 1...6)) { scores, tolerance in
            let opinions = try scores.map { try Self.opinion($0) }
            let oneSide = scores.allSatisfy { $0 >= 4 } || scores.allSatisfy { $0 <= 3 }
            let within = scores.max()! - scores.min()! < tolerance
            let result = Reconciliation.reconcile(opinions, tolerance: tolerance)
            switch result {
            case .agreed(let outcome):
                #expect(oneSide && within)
                let sorted = scores.sorted()
                let median = sorted.count.isMultiple(of: 2) ? (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2 : sorted[sorted.count / 2]
                #expect(outcome.score.value == median, "\(scores)")
                #expect(outcome.score.meetsStandard == (scores[0] >= 4))
                #expect(Set(outcome.basedOn) == Set(opinions.map(\.id)) && outcome.basis == .rule(.median))
            case .disagreed(let codes, _):
                #expect(!(oneSide && within))
                #expect(codes.contains("straddles_pass_line") == !oneSide && codes.contains("exceeds_tolerance") == !within)
            }
            // The order the opinions come in changes nothing but the order of `basedOn`.
            switch (result, Reconciliation.reconcile(Array(opinions.reversed()), tolerance: tolerance)) {
            case (.agreed(let a), .agreed(let b)): #expect(a.score == b.score && a.basedOn == Array(b.basedOn.reversed()))
            case (.disagreed(let a, _), .disagreed(let b, _)): #expect(a == b)
            default: Issue.record("\(scores): the order of the opinions changed the result")
            }
        }
    }

    // MARK: Annotations

    @Test("notes are checked against the recording", arguments: [
        (-1, nil, "x", nil, 120), (121, nil, "x", nil, 120), (10, 5, "x", nil, 120), (10, 121, "x", nil, 120), (10, nil, "   ", nil, 120),
        (10, nil, "", nil, nil), (10, nil, "x", String(repeating: "t", count: 65), 120), (Double.nan, nil, "x", nil, 120),
        (Double.infinity, nil, "x", nil, nil), (-0.001, nil, "x", nil, nil), (10, Double.infinity, "x", nil, nil), (10, Double.nan, "x", nil, nil),
        (10, 9.9, "x", nil, nil), (10, nil, String(repeating: "n", count: Annotation.maximumTextLength + 1), nil, 120),
    ] as [(Double, Double?, String, String?, Double?)])
    func invalidNotes(start: Double, end: Double?, text: String, tag: String?, duration: Double?) {
        let error = #expect(throws: DomainError.self) { try Annotation(start: start, end: end, text: text, tag: tag, duration: duration) }
        #expect(error?.code == .invalidAnnotation && error?.message.isEmpty == false)
    }

    @Test("notes at the limits are accepted", arguments: [
        (0, nil, "At the start.", nil, 120), (120, nil, "At the very end.", nil, 120), (10, 10, "An instant.", nil, 120),
        (10, 120, "To the end.", "PCF 6", 120), (10, nil, "Long tag.", String(repeating: "t", count: 64), 120),
        (10, nil, String(repeating: "n", count: Annotation.maximumTextLength), nil, 120), (86_400, 90_000, "Unknown length.", nil, nil),
    ] as [(Double, Double?, String, String?, Double?)])
    func validNotesAtLimits(start: Double, end: Double?, text: String, tag: String?, duration: Double?) throws {
        let note = try Annotation(start: start, end: end, text: text, tag: tag, duration: duration)
        #expect(note.start == start && note.end == end && note.text == text && note.tag == tag)
    }

    @Test("with no known duration, any non-negative start is accepted and any negative one refused")
    func unknownDuration() async {
        await propertyCheck(count: 300, input: Gen.double(in: 0...1e7), Gen.double(in: 0...1e4)) { start, length in
            let note = try Annotation(start: start, end: start + length, text: "note", duration: nil)
            #expect(note.start == start && note.end == start + length)
            let error = #expect(throws: DomainError.self) { try Annotation(start: -start - 0.001, text: "note", duration: nil) }
            #expect(error?.code == .invalidAnnotation)
        }
    }

    @Test("valid notes are kept, trimmed, and an opinion sorts them by time")
    func validNotes() throws {
        let late = try Annotation(start: 119.5, end: 120, text: "  Closes the visit.  ", tag: " PCF 6 ", duration: 120)
        #expect(late.text == "Closes the visit." && late.tag == "PCF 6")
        #expect(try Annotation(start: 1, text: "x", tag: "   ", duration: 120).tag == nil)
        let unknownLength = try Annotation(start: 4_000, text: "fine when the duration is unknown", duration: nil)
        let early = try Annotation(start: 3, text: "Introduces herself.", duration: 120)
        let opinion = try SecondOpinion(caseID: Self.caseID, moderatorID: UserID(), round: 1, score: try Score(4), rationale: "Seen.",
                                        annotations: [late, unknownLength, early], submittedAt: Fixture.start)
        #expect(opinion.annotations.map(\.start) == [3, 119.5, 4_000])
        #expect(Annotation.clock(3_725.25) == "1:02:05.3" && Annotation.clock(65) == "1:05.0")
    }

    @Test("an opinion keeps every note it is given, sorted by start and then end")
    func notesSorted() async {
        let note = zip(Gen.int(in: 0...600), Gen.int(in: 0...60), Gen.bool).map { start, length, passage in
            try! Annotation(start: Double(start), end: passage ? Double(start + length) : nil, text: "at \(start)", duration: 660)
        }
        await propertyCheck(count: 200, input: note.array(of: 0...40)) { notes in
            let opinion = try SecondOpinion(caseID: Self.caseID, moderatorID: UserID(), round: 1, score: try Score(5), rationale: "Seen.",
                                            annotations: notes, submittedAt: Fixture.start)
            let keys = opinion.annotations.map { ($0.start, $0.end ?? $0.start) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(opinion.annotations.count == notes.count)
            #expect(Set(opinion.annotations) == Set(notes))
        }
    }

    // MARK: Second opinions

    @Test("an opinion needs a rationale; a correction a reason, by the same moderator on the same case")
    func opinionRules() throws {
        let moderator = UserID()
        for rationale in ["", " \n\t", String(repeating: "r", count: SecondOpinion.maximumRationaleLength + 1)] {
            let error = #expect(throws: DomainError.self) {
                try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(4), rationale: rationale, annotations: [],
                                  submittedAt: Fixture.start)
            }
            #expect(error?.code == .reasonRequired)
        }
        let original = try Self.opinion(4, by: moderator)
        #expect(original.supersedes == nil && original.correctionReason == nil && original.rationale == "Seen.")
        for reason in [nil, "", "   "] as [String?] {
            let error = #expect(throws: DomainError.self) {
                try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(5), rationale: "Again.", annotations: [],
                                  submittedAt: Fixture.start, correcting: original, correctionReason: reason)
            }
            #expect(error?.code == .reasonRequired)
        }
        // Someone else's opinion, or the same moderator's on another case, cannot be corrected.
        let otherModerator = #expect(throws: DomainError.self) {
            try SecondOpinion(caseID: Self.caseID, moderatorID: UserID(), round: 1, score: try Score(5), rationale: "Again.", annotations: [],
                              submittedAt: Fixture.start, correcting: original, correctionReason: "Not mine.")
        }
        #expect(otherModerator?.code == .notPermitted)
        let otherCase = #expect(throws: DomainError.self) {
            try SecondOpinion(caseID: CaseID(), moderatorID: moderator, round: 1, score: try Score(5), rationale: "Again.", annotations: [],
                              submittedAt: Fixture.start, correcting: original, correctionReason: "Wrong case.")
        }
        #expect(otherCase?.code == .notPermitted)
        let correction = try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(5), rationale: " Again. ",
                                           annotations: [], submittedAt: Fixture.start, correcting: original, correctionReason: "  Misread.  ")
        #expect(correction.supersedes == original.id && correction.correctionReason == "Misread." && correction.rationale == "Again.")
        #expect(SecondOpinion.current([original, correction]) == [correction])
        // A reason without a correction is not kept.
        let plain = try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(5), rationale: "Fine.",
                                      annotations: [], submittedAt: Fixture.start, correctionReason: "stray")
        #expect(plain.supersedes == nil && plain.correctionReason == nil)
    }

    @Test("an opinion carries at most 500 notes")
    func noteLimit() throws {
        let note = try Annotation(start: 1, text: "note", duration: nil)
        let full = try SecondOpinion(caseID: Self.caseID, moderatorID: UserID(), round: 1, score: try Score(4), rationale: "Seen.",
                                     annotations: Array(repeating: note, count: Annotation.maximumCount), submittedAt: Fixture.start)
        #expect(full.annotations.count == 500)
        let error = #expect(throws: DomainError.self) {
            try SecondOpinion(caseID: Self.caseID, moderatorID: UserID(), round: 1, score: try Score(4), rationale: "Seen.",
                              annotations: Array(repeating: note, count: Annotation.maximumCount + 1), submittedAt: Fixture.start)
        }
        #expect(error?.code == .invalidAnnotation && error?.message.contains("501") == true)
    }

    @Test("a chain of corrections leaves only the newest current")
    func correctionChain() throws {
        let moderator = UserID()
        let first = try Self.opinion(3, by: moderator)
        let second = try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(4), rationale: "Second look.",
                                       annotations: [], submittedAt: Fixture.start + 60, correcting: first, correctionReason: "Missed a passage.")
        let third = try SecondOpinion(caseID: Self.caseID, moderatorID: moderator, round: 1, score: try Score(5), rationale: "Third look.",
                                      annotations: [], submittedAt: Fixture.start + 120, correcting: second, correctionReason: "Typo in score.")
        let other = try Self.opinion(6)
        #expect(SecondOpinion.current([first, other, second, third]) == [other, third])
        #expect(try JSONDecoder().decode(SecondOpinion.self, from: JSONEncoder().encode(third)) == third)
    }

    // MARK: Assignments

    static func offered(dueInDays days: Double = 14) -> Assignment {
        Assignment(caseID: caseID, moderatorID: UserID(), kind: .professional, round: 1, assignedBy: UserID.system, assignedAt: Fixture.start,
                   dueAt: Fixture.start + days * 86_400, reasons: ["panel place: professional"])
    }

    @Test("offered → accepted → submitted")
    func acceptThenSubmit() throws {
        let offered = Self.offered()
        #expect(offered.state == .offered && offered.state.isOpen && offered.endedAt == nil)
        let accepted = try offered.accepted()
        #expect(accepted.state == .accepted && accepted.state.isOpen && accepted.endedAt == nil)
        let submitted = try accepted.submitted(at: Fixture.start + 3_600)
        #expect(submitted.state == .submitted && !submitted.state.isOpen)
        #expect(submitted.endedAt == Fixture.start + 3_600 && submitted.endReason == nil)
        #expect(submitted.caseID == offered.caseID && submitted.moderatorID == offered.moderatorID && submitted.dueAt == offered.dueAt)
        // An opinion may come in straight from the offer, and late while the assignment has not yet expired.
        #expect(try offered.submitted(at: offered.dueAt + 60).state == .submitted)
        // Accepting twice is refused.
        let twice = #expect(throws: DomainError.self) { try accepted.accepted() }
        #expect(twice?.code == .assignmentTransition && twice?.message.contains("accepted") == true)
        #expect(try JSONDecoder().decode(Assignment.self, from: JSONEncoder().encode(submitted)) == submitted)
    }

    @Test("declining needs a reason (the conflict) and is possible while the assignment is open", arguments: [false, true])
    func decline(afterAccepting: Bool) throws {
        let open = afterAccepting ? try Self.offered().accepted() : Self.offered()
        for blank in ["", "  ", "\n"] {
            let error = #expect(throws: DomainError.self) { try open.declined(reason: blank, at: Fixture.start) }
            #expect(error?.code == .reasonRequired)
        }
        let declined = try open.declined(reason: "  I supervised her placement.  ", at: Fixture.start + 60)
        #expect(declined.state == .declined && declined.endReason == "I supervised her placement." && declined.endedAt == Fixture.start + 60)
    }

    @Test("nothing moves a finished assignment", arguments: [Assignment.State.declined, .submitted, .expired, .cancelled])
    func finished(state: Assignment.State) throws {
        let offered = Self.offered(dueInDays: 1)
        let late = Fixture.start + 2 * 86_400
        let done: Assignment = switch state {
        case .declined: try offered.declined(reason: "conflict", at: late)
        case .submitted: try offered.submitted(at: late)
        case .expired: try offered.expired(at: late)
        case .cancelled: try offered.cancelled(reason: "case withdrawn", at: late)
        case .offered, .accepted: offered
        }
        #expect(done.state == state && !done.state.isOpen && done.endedAt == late)
        #expect(!done.isOverdue(at: late + 86_400))
        let attempts: [(String, () throws(DomainError) -> Assignment)] = [
            ("accept", { () throws(DomainError) in try done.accepted() }),
            ("decline", { () throws(DomainError) in try done.declined(reason: "conflict", at: late) }),
            ("submit", { () throws(DomainError) in try done.submitted(at: late) }),
            ("expire", { () throws(DomainError) in try done.expired(at: late + 86_400) }),
            ("cancel", { () throws(DomainError) in try done.cancelled(reason: "decided", at: late) }),
        ]
        for (verb, attempt) in attempts {
            let error = #expect(throws: DomainError.self, "\(verb) a \(state) assignment") { try attempt() }
            #expect(error?.code == .assignmentTransition && error?.message.contains(state.rawValue) == true)
        }
    }

    @Test("an assignment expires only when it is open and past due")
    func expiry() throws {
        let offered = Self.offered()
        for time in [Fixture.start, offered.dueAt - 1, offered.dueAt] {
            #expect(!offered.isOverdue(at: time))
            let error = #expect(throws: DomainError.self) { try offered.expired(at: time) }
            #expect(error?.code == .assignmentTransition)
        }
        #expect(offered.isOverdue(at: offered.dueAt + 1))
        let expired = try offered.accepted().expired(at: offered.dueAt + 1)
        #expect(expired.state == .expired && expired.endReason == "no opinion by the due date" && expired.endedAt == offered.dueAt + 1)
    }

    /// One operation on an assignment.
    enum Operation: CaseIterable, Sendable { case accept, decline, declineWithoutReason, submit, expire, cancel }

    @Test("no sequence of operations at random times reopens a finished assignment; exactly the allowed moves succeed")
    func assignmentLifeCycle() async {
        // Times in hours over 30 days, so that the due date itself (hour 336) comes up.
        await propertyCheck(count: 500, input: Gen<Operation>.case.array(of: 0...14), Gen.int(in: 0...720).array(of: 14...14)) { operations, hours in
            let start = Self.offered()
            var current = start
            var finished: Assignment.State?
            for (operation, hour) in zip(operations, hours) {
                let before = current
                let time = Fixture.start + Double(hour) * 3_600
                // Written out independently of the implementation.
                let allowed = switch operation {
                case .accept: before.state == .offered
                case .decline, .submit, .cancel: before.state.isOpen
                case .declineWithoutReason: false
                case .expire: before.state.isOpen && time > before.dueAt
                }
                do throws(DomainError) {
                    let after: Assignment = switch operation {
                    case .accept: try before.accepted()
                    case .decline: try before.declined(reason: "conflict", at: time)
                    case .declineWithoutReason: try before.declined(reason: " ", at: time)
                    case .submit: try before.submitted(at: time)
                    case .expire: try before.expired(at: time)
                    case .cancel: try before.cancelled(reason: "decided", at: time)
                    }
                    #expect(allowed, "\(operation) succeeded on a \(before.state) assignment at hour \(hour)")
                    #expect(before.state.isOpen)
                    let expected: Assignment.State = switch operation {
                    case .accept: .accepted
                    case .decline, .declineWithoutReason: .declined
                    case .submit: .submitted
                    case .expire: .expired
                    case .cancel: .cancelled
                    }
                    #expect(after.state == expected)
                    if after.state.isOpen { #expect(after.endedAt == nil) } else { #expect(after.endedAt == time) }
                    #expect(after.caseID == start.caseID && after.moderatorID == start.moderatorID && after.dueAt == start.dueAt
                        && after.round == start.round && after.reasons == start.reasons)
                    current = after
                } catch {
                    #expect(!allowed, "\(operation) refused on a \(before.state) assignment at hour \(hour): \(error.message)")
                    #expect(error.code == (operation == .declineWithoutReason && before.state.isOpen ? .reasonRequired : .assignmentTransition))
                }
                // Declined, submitted, expired and cancelled are final: once there, never open again.
                if let finished { #expect(current.state == finished, "\(finished) became \(current.state)") }
                if !current.state.isOpen { finished = current.state }
            }
        }
    }

    // MARK: Policy

    @Test("a policy decodes with defaults for missing keys")
    func policyDefaults() throws {
        #expect(try JSONDecoder().decode(ModerationPolicy.self, from: Data("{}".utf8)) == .default)
        let decoded = try JSONDecoder().decode(ModerationPolicy.self, from: Data(#"{"moderatorsPerCase":3,"panel":["lay"]}"#.utf8))
        #expect(decoded.moderatorsPerCase == 3 && decoded.panel == [.lay])
        #expect(decoded.tolerance == 2 && decoded.escalationModerators == 1 && decoded.assignmentDays == 14 && decoded.practiceAreaWeight == 2)
        #expect(decoded.sampleRate == 0.1 && decoded.boundaryWeight == 3 && decoded.calibrationRate == 0.05)
        #expect(decoded.sampleStrata == .employerAssessor && decoded.minimumStratumSize == 5)
        let round = try JSONDecoder().decode(ModerationPolicy.self, from: JSONEncoder().encode(ModerationPolicy.default))
        #expect(round == .default)
    }

    @Test("a value out of range is refused, naming the key", arguments: [
        #"{"moderatorsPerCase":0}"#, #"{"moderatorsPerCase":6}"#, #"{"panel":["lay","lay","lay","lay","lay","lay"]}"#,
        #"{"tolerance":0}"#, #"{"tolerance":7}"#, #"{"escalationModerators":-1}"#, #"{"escalationModerators":4}"#,
        #"{"assignmentDays":0}"#, #"{"assignmentDays":91}"#, #"{"practiceAreaWeight":-1}"#, #"{"practiceAreaWeight":11}"#,
        #"{"sampleRate":-0.1}"#, #"{"sampleRate":1.5}"#, #"{"boundaryWeight":0.5}"#, #"{"boundaryWeight":21}"#,
        #"{"calibrationRate":-0.01}"#, #"{"calibrationRate":0.6}"#, #"{"minimumStratumSize":0}"#, #"{"minimumStratumSize":101}"#,
        #"{"sampleStrata":"assessor"}"#,
    ])
    func policyOutOfRange(json: String) throws {
        let key = try #require(json.split(separator: "\"").dropFirst().first.map(String.init))
        do {
            let decoded = try JSONDecoder().decode(ModerationPolicy.self, from: Data(json.utf8))
            Issue.record("\(json) should be refused, got \(decoded)")
        } catch let error as DomainError {
            #expect(error.code == .policyOutOfRange && error.message.contains(key), "\(error.message)")
        }
    }

    @Test("the ends of each range are accepted", arguments: [
        #"{"moderatorsPerCase":1,"tolerance":1,"escalationModerators":0,"assignmentDays":1,"practiceAreaWeight":0,"sampleRate":0,"boundaryWeight":1,"calibrationRate":0,"panel":[],"sampleStrata":"none","minimumStratumSize":1}"#,
        #"{"moderatorsPerCase":5,"tolerance":6,"escalationModerators":3,"assignmentDays":90,"practiceAreaWeight":10,"sampleRate":1,"boundaryWeight":20,"calibrationRate":0.5,"panel":["lay","lay","professional","lay","professional"],"sampleStrata":"employer","minimumStratumSize":100}"#,
    ])
    func policyLimits(json: String) throws {
        let policy = try JSONDecoder().decode(ModerationPolicy.self, from: Data(json.utf8))
        #expect(try policy.validated() == policy)
    }

    @Test("changing a policy validates the change; a value of the wrong type is a decoding error, not a default")
    func policyChanges() throws {
        let changed = try ModerationPolicy.default.with { $0.panel = []; $0.moderatorsPerCase = 3 }
        #expect(changed.panel.isEmpty && changed.moderatorsPerCase == 3 && changed.tolerance == ModerationPolicy.default.tolerance)
        let error = #expect(throws: DomainError.self) { try ModerationPolicy.default.with { $0.boundaryWeight = 0 } }
        #expect(error?.code == .policyOutOfRange && error?.message.contains("boundaryWeight") == true)
        #expect(throws: DomainError.self) { try ModerationPolicy.default.with { $0.sampleRate = .nan } }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ModerationPolicy.self, from: Data(#"{"tolerance":"two"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ModerationPolicy.self, from: Data(#"{"panel":["chair"]}"#.utf8)) }
    }
}
