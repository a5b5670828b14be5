import Foundation
import ReviewDomain
import Testing

/// One attempted transition: an action by a role from a state.
struct Attempt: CustomTestStringConvertible, Sendable {
    let action: CaseAction
    let role: Role
    let state: Case.State
    var testDescription: String { "\(role) \(action.rawValue) from \(state.rawValue)" }

    static let all: [Attempt] = CaseAction.allCases.filter { $0 != .open }.flatMap { action in
        Role.allCases.flatMap { role in Case.State.allCases.map { Attempt(action: action, role: role, state: $0) } }
    }
}

/// The permission rules written out independently of the implementation.
enum Expected {
    static let active: Set<Case.State> = [.open, .localReview, .awaitingModeration, .inModeration, .escalated]

    static let roles: [CaseAction: Set<Role>] = [
        .flag: [.assessor, .employer, .lead],
        .startLocalReview: [.assessor, .employer, .lead],
        .agreeLocalScore: [.assessor, .employer],
        .requestModeration: [.lead],
        .startModeration: [.lead],
        // Moderators give opinions; the service (acting as a lead) and the lead escalate and decide.
        .escalate: [.lead],
        .decide: [.lead],
        .close: [.lead],
        .withdraw: [.lead],
        .reopen: [.lead],
    ]

    static let from: [CaseAction: Set<Case.State>] = [
        .flag: active,
        .startLocalReview: [.open],
        .agreeLocalScore: [.localReview],
        .requestModeration: [.open, .localReview],
        .startModeration: [.awaitingModeration],
        .escalate: [.inModeration],
        .decide: [.inModeration, .escalated],
        .close: [.decided],
        .withdraw: active,
        .reopen: [.decided, .closed],
    ]

    static func target(_ action: CaseAction, from state: Case.State) -> Case.State {
        switch action {
        case .flag, .agreeLocalScore, .open: state   // one side agreeing alone does not decide
        case .startLocalReview: .localReview
        case .requestModeration, .reopen: .awaitingModeration
        case .startModeration: .inModeration
        case .escalate: .escalated
        case .decide: .decided
        case .close: .closed
        case .withdraw: .withdrawn
        }
    }

    /// `nil` when allowed, otherwise the refusal code.
    static func refusal(_ attempt: Attempt) -> CaseTransitionError.Code? {
        guard roles[attempt.action]!.contains(attempt.role) else { return .notPermitted }
        guard from[attempt.action]!.contains(attempt.state) else { return .wrongState }
        return nil
    }
}

func command(for action: CaseAction) -> CaseCommand {
    switch action {
    case .open, .flag: .flag
    case .startLocalReview: .startLocalReview
    case .agreeLocalScore: .agreeLocalScore(Fixture.score(4))
    case .requestModeration: .requestModeration
    case .startModeration: .startModeration
    case .escalate: .escalate
    case .decide: .decide(Fixture.outcome)
    case .close: .close
    case .withdraw: .withdraw
    case .reopen: .reopen(.materialFlaw)
    }
}

@Suite("Case transitions")
struct CaseTransitionTests {
    @Test("Every action by every role from every state", arguments: Attempt.all)
    func transition(attempt: Attempt) {
        let before = Fixture.caseIn(attempt.state)
        let actor = Fixture.actorsByRole[attempt.role]!
        let time = Fixture.start.addingTimeInterval(3600)
        let result = Result { () throws(CaseTransitionError) in
            try before.apply(command(for: attempt.action), by: actor, at: time, reason: "a reason")
        }
        switch (result, Expected.refusal(attempt)) {
        case (.success(let (after, event)), nil):
            #expect(after.state == Expected.target(attempt.action, from: attempt.state))
            #expect(after.version == before.version + 1)
            #expect(after.updatedAt == time)
            #expect(after.state.hasOutcome == (after.outcome != nil))
            #expect(event.action.rawValue == attempt.action.rawValue)
            #expect(event.actorID == actor.userID)
            #expect(event.subject == AuditEvent.Subject(type: "case", id: before.id.description))
            #expect(event.reason == "a reason")
            #expect(event.details["from"] == attempt.state.rawValue)
            #expect(event.details["to"] == after.state.rawValue)
            #expect(event.details["version"] == String(after.version))
            #expect(event.at == time)
        case (.failure(let error), let expected?):
            #expect(error.code == expected)
            #expect(error.action == attempt.action && error.state == attempt.state && error.role == attempt.role)
            #expect(!error.message.isEmpty)
        case (.success, let expected?):
            Issue.record("allowed, expected \(expected)")
        case (.failure(let error), nil):
            Issue.record("refused (\(error.debugDescription)), expected allowed")
        }
    }

    @Test("The library's permission table matches the expected one", arguments: CaseAction.allCases.filter { $0 != .open })
    func permissionTable(action: CaseAction) {
        #expect(Set(action.permittedRoles) == Expected.roles[action])
        #expect(action.sourceStates == Expected.from[action])
    }

    @Test("Auditors and administrators can do nothing", arguments: [Fixture.auditor, Fixture.administrator])
    func readOnlyRoles(actor: ActingUser) {
        for state in Case.State.allCases {
            #expect(Fixture.caseIn(state).availableActions(for: actor).isEmpty)
        }
        #expect(throws: CaseTransitionError.self) {
            try Case.flag(observationID: ObservationID(), employerID: Fixture.employer, existing: [],
                          by: actor, at: Fixture.start, reason: "x")
        }
        #expect(throws: CaseTransitionError.self) {
            try Case.openSample(observationID: ObservationID(), employerID: Fixture.employer, by: actor, at: Fixture.start)
        }
    }

    @Test("Who may open which kind of case", arguments: Role.allCases, Case.Kind.allCases)
    func opening(role: Role, kind: Case.Kind) {
        let actor = Fixture.actorsByRole[role]!
        let allowed: Set<Role> = kind == .sample ? [.lead] : [.assessor, .employer, .lead]
        let result = Result { () throws(CaseTransitionError) -> Case.Transition in
            switch kind {
            case .manualFlag:
                try Case.flag(observationID: Fixture.observation, employerID: Fixture.employer, existing: [],
                              by: actor, at: Fixture.start, reason: "looks wrong")
            case .automaticDispute:
                try Case.openDispute(
                    DisputePolicy.default.evaluate(employer: Fixture.score(4), assessor: Fixture.score(3))!,
                    observationID: Fixture.observation, employerID: Fixture.employer, by: actor, at: Fixture.start)
            case .sample:
                try Case.openSample(observationID: Fixture.observation, employerID: Fixture.employer,
                                    by: actor, at: Fixture.start)
            }
        }
        switch result {
        case .success(let (opened, event)):
            #expect(allowed.contains(role))
            #expect(opened.state == .open && opened.kind == kind && opened.version == 1)
            #expect(event.action == "case.opened")
            #expect(event.details["kind"] == kind.rawValue)
            #expect(opened.flagCount == (kind == .manualFlag ? 1 : 0))
            #expect((opened.finding != nil) == (kind == .automaticDispute))
        case .failure(let error):
            #expect(!allowed.contains(role))
            #expect(error.code == .notPermitted && error.action == .open && error.state == nil)
        }
    }

    @Test("An automatic dispute records the finding in the event")
    func automaticEvent() throws {
        let finding = try #require(DisputePolicy.default.evaluate(employer: Fixture.score(5), assessor: Fixture.score(3)))
        let (_, event) = try Case.openDispute(finding, observationID: Fixture.observation, employerID: Fixture.employer,
                                              by: Fixture.employerRep, at: Fixture.start)
        #expect(event.reason == "straddles_pass_line,exceeds_tolerance")
        #expect(event.details["employer_score"] == "5" && event.details["assessor_score"] == "3")
    }

    @Test("Actions needing a reason refuse a missing or blank one",
          arguments: CaseAction.allCases.filter(\.requiresReason).filter { $0 != .open }, [nil, "", "  \n"] as [String?])
    func missingReason(action: CaseAction, reason: String?) {
        let state = Expected.from[action]!.sorted { $0.rawValue < $1.rawValue }.first!
        let error = #expect(throws: CaseTransitionError.self) {
            try Fixture.caseIn(state).apply(command(for: action), by: Fixture.lead, at: Fixture.start, reason: reason)
        }
        #expect(error?.code == .missingReason)
    }

    @Test("Reasons are required exactly for flag, escalate, withdraw and reopen")
    func reasonTable() {
        #expect(Set(CaseAction.allCases.filter(\.requiresReason)) == [.flag, .escalate, .withdraw, .reopen])
    }

    @Test("A manual flag without a reason opens nothing", arguments: [nil, " "] as [String?])
    func manualFlagNeedsReason(reason: String?) {
        let error = #expect(throws: CaseTransitionError.self) {
            try Case.flag(observationID: ObservationID(), employerID: Fixture.employer, existing: [],
                          by: Fixture.assessor, at: Fixture.start, reason: reason)
        }
        #expect(error?.code == .missingReason)
    }

    @Test("An employer acts only on its own staff's cases", arguments: [CaseAction.flag, .startLocalReview])
    func otherEmployer(action: CaseAction) {
        let error = #expect(throws: CaseTransitionError.self) {
            try Fixture.caseIn(.open).apply(command(for: action), by: Fixture.otherEmployerRep, at: Fixture.start, reason: "x")
        }
        #expect(error?.code == .notPermitted)
        #expect(throws: CaseTransitionError.self) {
            try Case.flag(observationID: ObservationID(), employerID: Fixture.employer, existing: [],
                          by: Fixture.otherEmployerRep, at: Fixture.start, reason: "x")
        }
        #expect(Fixture.caseIn(.open).availableActions(for: Fixture.otherEmployerRep).isEmpty)
    }

    @Test("A second flag on the same observation joins the active case", arguments: [
        Case.State.open, .localReview, .awaitingModeration, .inModeration, .escalated,
    ])
    func flagJoins(state: Case.State) throws {
        let active = Fixture.caseIn(state)
        let withdrawn = Fixture.caseIn(.withdrawn)
        let (joined, event) = try Case.flag(
            observationID: Fixture.observation, employerID: Fixture.employer, existing: [withdrawn, active],
            by: Fixture.employerRep, at: Fixture.start.addingTimeInterval(60), reason: "employer disagrees")
        #expect(joined.id == active.id)
        #expect(joined.state == state && joined.version == active.version + 1)
        #expect(joined.flagCount == active.flagCount + 1)
        #expect(joined.lastFlag?.reason == "employer disagrees" && joined.lastFlag?.role == .employer)
        #expect(event.action == "case.flagged" && event.subject.id == active.id.description)
    }

    @Test("A flag on an observation whose case is decided is refused, naming the lead's reopen (a flag never re-runs a decision)",
          arguments: [Case.State.decided, .closed])
    func flagAfterDecision(state: Case.State) throws {
        let decided = Fixture.caseIn(state)
        for actor in [Fixture.assessor, Fixture.employerRep, Fixture.lead] {
            let error = #expect(throws: CaseTransitionError.self) {
                try Case.flag(observationID: Fixture.observation, employerID: Fixture.employer, existing: [Fixture.caseIn(.withdrawn), decided],
                              by: actor, at: Fixture.start, reason: "we still disagree")
            }
            #expect(error?.code == .alreadyDecided && error?.state == state)
            #expect(error?.message.contains("reopen") == true && error?.message.contains(decided.id.description) == true)
            #expect(error?.message.contains("material_flaw") == true && error?.message.contains("new_information") == true)
        }
    }

    @Test("A flag opens a new case when the observation's cases were all withdrawn", arguments: [Case.State.withdrawn])
    func flagOpensNew(state: Case.State) throws {
        let finished = Fixture.caseIn(state)
        let (opened, event) = try Case.flag(
            observationID: Fixture.observation, employerID: Fixture.employer, existing: [finished],
            by: Fixture.assessor, at: Fixture.start, reason: "new concern")
        #expect(opened.id != finished.id && opened.state == .open && opened.kind == .manualFlag)
        #expect(event.action == "case.opened")
    }

    @Test("A flag on another observation never joins")
    func flagOtherObservation() throws {
        let (opened, _) = try Case.flag(
            observationID: ObservationID(), employerID: Fixture.employer, existing: [Fixture.caseIn(.open)],
            by: Fixture.assessor, at: Fixture.start, reason: "x")
        #expect(opened.version == 1 && opened.flagCount == 1)
    }

    @Test("Local review follows the policy and the case kind")
    func localReviewPolicy() throws {
        let noLocal = try DisputePolicy(localReviewAllowed: false)
        let refused = #expect(throws: CaseTransitionError.self) {
            try Fixture.caseIn(.open).apply(.startLocalReview, by: Fixture.lead, at: Fixture.start, policy: noLocal)
        }
        #expect(refused?.code == .notAllowedByPolicy)
        let sample = #expect(throws: CaseTransitionError.self) {
            try Fixture.caseIn(.open, kind: .sample).apply(.startLocalReview, by: Fixture.lead, at: Fixture.start)
        }
        #expect(sample?.code == .notAllowedByPolicy)
    }

    @Test("Both sides agreeing the same local score decides the case")
    func localAgreement() throws {
        var current = Fixture.caseIn(.localReview)
        current = try current.apply(.agreeLocalScore(Fixture.score(3)), by: Fixture.assessor, at: Fixture.start).updated
        #expect(current.state == .localReview && current.localAgreement.assessor == Fixture.score(3))
        current = try current.apply(.agreeLocalScore(Fixture.score(4)), by: Fixture.employerRep, at: Fixture.start).updated
        #expect(current.state == .localReview && current.localAgreement.agreedScore == nil)
        let (decided, event) = try current.apply(.agreeLocalScore(Fixture.score(3)), by: Fixture.employerRep, at: Fixture.start)
        #expect(decided.state == .decided)
        let outcome = try #require(decided.outcome)
        #expect(outcome.score == Fixture.score(3) && outcome.basis == .rule(.localAgreement) && outcome.reasonCodes == ["local_agreement"])
        // Both names are recorded: on the case, in the outcome's reason and in the audit event.
        #expect(decided.localAgreement.assessorBy == Fixture.assessor.userID && decided.localAgreement.employerBy == Fixture.employerRep.userID)
        #expect(outcome.reason?.contains(Fixture.assessor.userID.description) == true && outcome.reason?.contains(Fixture.employerRep.userID.description) == true)
        #expect(event.details["agreed_by"] == "\(Fixture.assessor.userID),\(Fixture.employerRep.userID)")
        #expect(decided.outcome?.meetsStandard == false)
        #expect(event.details["outcome_rule"] == "local_agreement" && event.details["outcome_score"] == "3")
        #expect(decided.version == current.version + 1)
    }

    @Test("Reopening keeps the earlier outcome and clears the current one", arguments: [Case.State.decided, .closed])
    func reopenKeepsHistory(state: Case.State) throws {
        let (reopened, event) = try Fixture.caseIn(state).apply(.reopen(.newInformation), by: Fixture.lead, at: Fixture.start, reason: "appeal")
        #expect(reopened.state == .awaitingModeration && reopened.outcome == nil)
        #expect(reopened.previousOutcomes == [Fixture.outcome])
        #expect(event.reason == "appeal" && event.action == "case.reopened")
    }

    @Test("Wrong-state messages say what is possible instead")
    func wrongStateMessage() {
        let error = #expect(throws: CaseTransitionError.self) {
            try Fixture.caseIn(.closed).apply(.escalate, by: Fixture.lead, at: Fixture.start, reason: "x")
        }
        #expect(error?.code == .wrongState)
        #expect(error?.message.contains("closed") == true && error?.message.contains("reopen") == true)
    }

    @Test("Roles encode as stable strings")
    func roleCoding() throws {
        let data = try JSONEncoder().encode(Role.allCases)
        #expect(String(decoding: data, as: UTF8.self)
            == #"["assessor","employer","moderator.professional","moderator.lay","lead","auditor","administrator"]"#)
        #expect(try JSONDecoder().decode([Role].self, from: data) == Role.allCases)
    }

    @Test("A case round-trips through JSON")
    func caseCoding() throws {
        let decided = Fixture.caseIn(.decided)
        #expect(try JSONDecoder().decode(Case.self, from: JSONEncoder().encode(decided)) == decided)
    }
}

/// The rules issue 5 changed: the lead's reasons, the service's actor, calibration seeds and rounds.
extension CaseTransitionTests {
    @Test("A lead deciding in person must give reasons, in the outcome or with the transition", arguments: [Case.State.inModeration, .escalated])
    func personDecisionNeedsReasons(state: Case.State) throws {
        let before = Fixture.caseIn(state)
        let bare = Outcome(score: Fixture.score(5), basis: .person(Fixture.lead.userID), reasonCodes: ["decided_by_lead"])
        for (outcome, reason) in [(bare, nil), (bare, "  "), (Outcome(score: Fixture.score(5), basis: .person(Fixture.lead.userID), reason: " \n"), nil)]
            as [(Outcome, String?)]
        {
            let error = #expect(throws: CaseTransitionError.self) {
                try before.apply(.decide(outcome), by: Fixture.lead, at: Fixture.start, reason: reason)
            }
            #expect(error?.code == .missingReason && error?.action == .decide && error?.state == state)
            #expect(error?.message.contains("reasons") == true)
        }
        // Reasons in the outcome: kept with it and named in the event with the person.
        let reasoned = Outcome(score: Fixture.score(5), basis: .person(Fixture.lead.userID), reasonCodes: ["decided_by_lead"],
                               reason: "The second half shows the standard is met.")
        let (decided, event) = try before.apply(.decide(reasoned), by: Fixture.lead, at: Fixture.start)
        #expect(decided.state == .decided && decided.outcome == reasoned)
        #expect(event.details["outcome_decided_by"] == Fixture.lead.userID.description && event.details["outcome_rule"] == nil)
        #expect(event.details["outcome_reasons"] == "decided_by_lead")
        // Reasons with the transition alone are accepted too: kept in the audit event and with the outcome.
        let (withOutcome, withReason) = try before.apply(.decide(bare), by: Fixture.lead, at: Fixture.start, reason: "Watched it twice.")
        #expect(withReason.reason == "Watched it twice." && withOutcome.outcome?.reason == "Watched it twice.")
        // A decision in person is the decision of the user who takes it, never recorded in someone else's name.
        let inAnotherName = Outcome(score: Fixture.score(3), basis: .person(UserID()), reason: "Not mine to give.")
        #expect(throws: CaseTransitionError.self) { try before.apply(.decide(inAnotherName), by: Fixture.lead, at: Fixture.start) }
        // A decision by rule needs none: the service reconciling opinions gives the rule's own reasons.
        let opinions = [OpinionID(), OpinionID()]
        let byRule = Outcome(score: Fixture.score(4), basis: .rule(.median), reasonCodes: ["opinions_within_tolerance"], basedOn: opinions)
        let (_, ruled) = try before.apply(.decide(byRule), by: .system, at: Fixture.start)
        #expect(ruled.details["outcome_rule"] == "median" && ruled.details["outcome_opinions"] == opinions.map(\.description).joined(separator: ","))
    }

    @Test("Moderators take no case action: deciding and escalating are the lead's",
          arguments: [Fixture.professional, Fixture.lay], [CaseCommand.escalate, .decide(Fixture.outcome)])
    func moderatorsCannotDecide(moderator: ActingUser, command: CaseCommand) {
        for state in [Case.State.inModeration, .escalated] {
            let error = #expect(throws: CaseTransitionError.self) {
                try Fixture.caseIn(state).apply(command, by: moderator, at: Fixture.start, reason: "we disagree")
            }
            #expect(error?.code == .notPermitted && error?.role == moderator.role)
            #expect(error?.message.hasPrefix("\(moderator.role.plural) cannot ") == true && error?.message.contains("a case; only moderation leads can.") == true, "\(error?.message ?? "")")
            #expect(Fixture.caseIn(state).availableActions(for: moderator).isEmpty)
        }
    }

    @Test("The service acts as a lead-role system actor for the automatic steps")
    func systemActor() throws {
        #expect(ActingUser.system.role == .lead)
        #expect(ActingUser.system.userID.description == "00000000-0000-0000-0000-000000000001")
        #expect(ActingUser.system.organisationID.description == "00000000-0000-0000-0000-000000000001")
        var current = Fixture.caseIn(.awaitingModeration)
        var actions: [String] = []
        for (command, reason) in [(CaseCommand.startModeration, nil), (.escalate, "opinions 2 and 5"), (.decide(Fixture.outcome), "trigger: submission")]
            as [(CaseCommand, String?)]
        {
            let (next, event) = try current.apply(command, by: .system, at: Fixture.start, reason: reason)
            #expect(event.actorID == UserID.system && event.details["role"] == "lead")
            actions.append(event.action.rawValue)
            current = next
        }
        #expect(actions == ["case.moderation_started", "case.escalated", "case.decided"] && current.state == .decided)
    }

    @Test("A calibration seed case: opened only by a lead or the service, a sample with a definitive score", arguments: Role.allCases)
    func calibration(role: Role) throws {
        let actor = Fixture.actorsByRole[role]!
        let result = Result { () throws(CaseTransitionError) in
            try Case.openCalibration(observationID: Fixture.observation, employerID: Fixture.employer, definitiveScore: Fixture.score(3),
                                     by: actor, at: Fixture.start)
        }
        switch result {
        case .success(let (seed, event)):
            #expect(role == .lead)
            #expect(seed.isCalibration && seed.calibrationScore == Fixture.score(3))
            #expect(seed.kind == .sample && seed.state == .open && seed.version == 1 && seed.round == 1 && seed.outcome == nil)
            #expect(event.action == "case.opened" && event.reason == "calibration_seed")
            #expect(event.details["calibration_score"] == "3" && event.details["kind"] == "sample")
            #expect(try JSONDecoder().decode(Case.self, from: JSONEncoder().encode(seed)) == seed)
        case .failure(let error):
            #expect(role != .lead)
            #expect(error.code == .notPermitted && error.action == .open && error.state == nil)
        }
    }

    @Test("A flag never joins a calibration seed case; an ordinary sample is not a seed")
    func calibrationStandsApart() throws {
        let (seed, _) = try Case.openCalibration(observationID: Fixture.observation, employerID: Fixture.employer, definitiveScore: Fixture.score(6),
                                                 by: .system, at: Fixture.start)
        let (flagged, event) = try Case.flag(observationID: Fixture.observation, employerID: Fixture.employer, existing: [seed],
                                             by: Fixture.assessor, at: Fixture.start + 60, reason: "looks high")
        #expect(flagged.id != seed.id && flagged.kind == .manualFlag && !flagged.isCalibration && event.action == "case.opened")
        #expect(!Fixture.caseIn(.open, kind: .sample).isCalibration && Fixture.caseIn(.open, kind: .sample).calibrationScore == nil)
    }

    @Test("Each reopening starts a new round, names its ground and keeps every earlier outcome in order")
    func rounds() throws {
        var current = Fixture.caseIn(.closed)
        #expect(current.round == 1 && Fixture.caseIn(.open).round == 1)
        let second = Outcome(score: Fixture.score(2), basis: .person(Fixture.lead.userID), reason: "Second panel.")
        var outcomes = [Fixture.outcome]
        for (ground, next) in [(Outcome.ReopenGround.materialFlaw, second), (.newInformation, Fixture.outcome)] {
            let (reopened, event) = try current.apply(.reopen(ground), by: Fixture.lead, at: Fixture.start, reason: "appeal")
            #expect(event.details["ground"] == ground.rawValue && event.details["to"] == "awaiting_moderation")
            #expect(reopened.round == outcomes.count + 1 && reopened.previousOutcomes == outcomes && reopened.outcome == nil)
            current = try reopened.apply(.startModeration, by: .system, at: Fixture.start).updated
            current = try current.apply(.decide(next), by: Fixture.lead, at: Fixture.start).updated
            outcomes.append(next)
        }
        #expect(current.round == 3 && current.outcome == Fixture.outcome && current.previousOutcomes == [Fixture.outcome, second])
        #expect(Set(Outcome.ReopenGround.allCases.map(\.rawValue)) == ["material_flaw", "new_information"])
    }

    @Test("Reopening a case agreed locally clears the agreement and keeps its outcome")
    func reopenLocalAgreement() throws {
        var current = Fixture.caseIn(.localReview)
        current = try current.apply(.agreeLocalScore(Fixture.score(4)), by: Fixture.assessor, at: Fixture.start).updated
        current = try current.apply(.agreeLocalScore(Fixture.score(4)), by: Fixture.employerRep, at: Fixture.start).updated
        let agreed = try #require(current.outcome)
        #expect(current.state == .decided && agreed.basis == .rule(.localAgreement))
        let (reopened, _) = try current.apply(.reopen(.materialFlaw), by: Fixture.lead, at: Fixture.start, reason: "the assessor had a conflict")
        let cleared = reopened.localAgreement
        #expect(cleared.assessor == nil && cleared.employer == nil && cleared.assessorBy == nil && cleared.employerBy == nil)
        #expect(reopened.previousOutcomes == [agreed] && reopened.round == 2 && reopened.outcome == nil)
    }
}
