public import Foundation

/// A command to move a case on, with what it needs beyond actor, time and reason.
public enum CaseCommand: Hashable, Sendable {
    /// Record a further manual flag (the reason is the flag's reason).
    case flag
    /// Start local review between employer and assessor.
    case startLocalReview
    /// The actor's side (assessor or employer) agrees this score.
    case agreeLocalScore(Score)
    /// Send to moderation.
    case requestModeration
    /// Moderators are at work.
    case startModeration
    /// Escalate unreconciled opinions.
    case escalate
    /// Record the outcome.
    case decide(Outcome)
    /// Close a decided case.
    case close
    /// Withdraw an active case.
    case withdraw
    /// Reopen a decided or closed case for a fresh moderation, on one of the two grounds that allow it.
    case reopen(Outcome.ReopenGround)

    /// The action this command takes.
    public var action: CaseAction {
        switch self {
        case .flag: .flag
        case .startLocalReview: .startLocalReview
        case .agreeLocalScore: .agreeLocalScore
        case .requestModeration: .requestModeration
        case .startModeration: .startModeration
        case .escalate: .escalate
        case .decide: .decide
        case .close: .close
        case .withdraw: .withdraw
        case .reopen: .reopen
        }
    }
}

extension Case {
    /// A successful transition: the case after it, and the audit event recording it.
    public typealias Transition = (updated: Case, event: AuditEvent)

    /// Opens an automatic dispute for a finding of the ``DisputePolicy``.
    ///
    /// Opened on behalf of whoever recorded the rating that produced the finding (an assessor, the
    /// candidate's employer) or by a lead re-running detection.
    public static func openDispute(
        _ finding: DisputeFinding,
        observationID: ObservationID,
        employerID: OrganisationID,
        by actor: ActingUser,
        at time: Date,
        id: CaseID = CaseID(),
        eventID: AuditEventID = AuditEventID()
    ) throws(CaseTransitionError) -> Transition {
        let reason = finding.reasons.map(\.rawValue).joined(separator: ",")
        return try open(.automaticDispute, finding: finding, observationID: observationID, employerID: employerID,
                        by: actor, at: time, reason: reason, id: id, eventID: eventID)
    }

    /// Opens a quality-sample case; only a lead may.
    public static func openSample(
        observationID: ObservationID,
        employerID: OrganisationID,
        by actor: ActingUser,
        at time: Date,
        reason: String? = nil,
        id: CaseID = CaseID(),
        eventID: AuditEventID = AuditEventID()
    ) throws(CaseTransitionError) -> Transition {
        guard actor.role == .lead else {
            throw CaseTransitionError(
                code: .notPermitted, action: .open, state: nil, role: actor.role,
                message: "Only a moderation lead can draw a sample case; \(actor.role.plural.lowercased()) cannot."
            )
        }
        return try open(.sample, finding: nil, observationID: observationID, employerID: employerID,
                        by: actor, at: time, reason: reason.nonBlank ?? "quality_sample", id: id, eventID: eventID)
    }

    /// Opens a calibration case on a seed: routed to moderators like any sample case and indistinguishable
    /// to them, but decided by the seed's definitive score, so that their opinions measure them. Only a lead
    /// (or the service acting as one) may.
    public static func openCalibration(
        observationID: ObservationID,
        employerID: OrganisationID,
        definitiveScore: Score,
        by actor: ActingUser,
        at time: Date,
        id: CaseID = CaseID(),
        eventID: AuditEventID = AuditEventID()
    ) throws(CaseTransitionError) -> Transition {
        var (opened, event) = try openSample(observationID: observationID, employerID: employerID, by: actor, at: time,
                                             reason: "calibration_seed", id: id, eventID: eventID)
        opened.calibrationScore = definitiveScore
        var details = event.details
        details["calibration_score"] = definitiveScore.description
        return (opened, AuditEvent(id: event.id, at: event.at, actorID: event.actorID, action: event.action, subject: event.subject,
                                   reason: event.reason, details: details))
    }

    /// The case a flag on the observation joins: its active case (not a calibration seed), if it has one. The store asks
    /// whether `actor` already raised the same reason on it (``Flag/comparable(_:)``): a repeated flag — a double
    /// click, a retried request — joins nothing new and is not stored again.
    public static func flagTarget(observationID: ObservationID, existing: [Case]) -> Case? {
        existing.first { $0.observationID == observationID && $0.state.isActive && !$0.isCalibration }
    }

    /// Flags an observation by hand, with a reason.
    ///
    /// If one of `existing` is an active case on the same observation, the flag joins it (recorded on
    /// that case as a ``CaseAction/flag`` transition) instead of opening another. If the observation's case
    /// was already decided, the flag is refused (``CaseTransitionError/Code/alreadyDecided``): a decision is
    /// re-run only by the lead's reopening on a ground, never by a fresh case (decision 10). Otherwise a new
    /// manual-flag case opens.
    public static func flag(
        observationID: ObservationID,
        employerID: OrganisationID,
        existing: [Case],
        by actor: ActingUser,
        at time: Date,
        reason: String?,
        id: CaseID = CaseID(),
        eventID: AuditEventID = AuditEventID()
    ) throws(CaseTransitionError) -> Transition {
        if let active = flagTarget(observationID: observationID, existing: existing) {
            return try active.apply(.flag, by: actor, at: time, reason: reason, eventID: eventID)
        }
        if let decided = existing.last(where: { $0.observationID == observationID && $0.state.hasOutcome && !$0.isCalibration }) {
            throw CaseTransitionError(
                code: .alreadyDecided, action: .flag, state: decided.state, role: actor.role,
                message: "This observation's case \(decided.id) is already decided, and a flag does not re-run a decision. "
                    + "If the decision rests on a material flaw or there is new information, ask the moderation lead to reopen case "
                    + "\(decided.id) (action \"reopen\" with ground material_flaw or new_information, and a reason)."
            )
        }
        guard let reason = reason.nonBlank else {
            throw CaseTransitionError(
                code: .missingReason, action: .open, state: nil, role: actor.role,
                message: "A manual flag needs a reason: say why this observation should be reviewed."
            )
        }
        var (opened, event) = try open(.manualFlag, finding: nil, observationID: observationID, employerID: employerID,
                                       by: actor, at: time, reason: reason, id: id, eventID: eventID)
        if let tooLong = FreeText.tooLong(reason, "The flag's reason") {
            throw CaseTransitionError(code: .reasonTooLong, action: .open, state: nil, role: actor.role, message: tooLong)
        }
        opened.flagCount = 1
        opened.lastFlag = Flag(raisedBy: actor.userID, role: actor.role, at: time, reason: reason)
        return (opened, event)
    }

    private static func open(
        _ kind: Kind,
        finding: DisputeFinding?,
        observationID: ObservationID,
        employerID: OrganisationID,
        by actor: ActingUser,
        at time: Date,
        reason: String,
        id: CaseID,
        eventID: AuditEventID
    ) throws(CaseTransitionError) -> Transition {
        guard CaseAction.open.permits(actor.role, from: .open), actor.actsFor(employer: employerID) else {
            throw CaseTransitionError(
                code: .notPermitted, action: .open, state: nil, role: actor.role,
                message: actor.role == .employer
                    ? "An employer can open a case only for its own staff."
                    : "\(actor.role.plural) cannot open a case; assessors, employers and moderation leads can."
            )
        }
        let opened = Case(
            id: id, observationID: observationID, employerID: employerID, kind: kind, finding: finding,
            openedBy: actor.userID, openedAt: time, state: .open, version: 1, updatedAt: time, flagCount: 0, lastFlag: nil,
            localAgreement: LocalAgreement(), outcome: nil, previousOutcomes: [], calibrationScore: nil
        )
        var details = ["kind": kind.rawValue]
        if let finding {
            details["employer_score"] = finding.employer.description
            details["assessor_score"] = finding.assessor.description
            details["tolerance"] = String(finding.tolerance)
        }
        return (opened, opened.event(.open, from: nil, by: actor, at: time, reason: reason, details: details, id: eventID))
    }

    /// Applies `command` by `actor` at `time`: the next case (version + 1) and its audit event, or the
    /// reason it is refused. The receiver is never changed.
    ///
    /// Checks, in order: the role may take the action at all, the state allows it, the role may take it
    /// from this state, an employer acts for the candidate's employer, a required reason is given, and
    /// the `policy` and the case's kind allow it (local review).
    public func apply(
        _ command: CaseCommand,
        by actor: ActingUser,
        at time: Date,
        reason: String? = nil,
        policy: DisputePolicy = .default,
        eventID: AuditEventID = AuditEventID()
    ) throws(CaseTransitionError) -> Transition {
        let action = command.action
        let reason = reason.nonBlank
        try authorise(action, by: actor, reason: reason)

        var next = self
        var details: [String: String] = [:]
        switch command {
        case .flag:
            next.flagCount += 1
            next.lastFlag = Flag(raisedBy: actor.userID, role: actor.role, at: time, reason: reason ?? "")
            details["flags"] = String(next.flagCount)
        case .startLocalReview:
            guard kind != .sample, policy.localReviewAllowed else {
                throw refusal(.notAllowedByPolicy, action, actor, kind == .sample
                    ? "A sample case goes straight to moderation; it has no local review."
                    : "The dispute policy does not allow local review; send the case to moderation instead.")
            }
            next.state = .localReview
        case .agreeLocalScore(let score):
            if actor.role == .assessor {
                next.localAgreement.assessor = score
                next.localAgreement.assessorBy = actor.userID
            } else {
                next.localAgreement.employer = score
                next.localAgreement.employerBy = actor.userID
            }
            details["score"] = score.description
            if let agreed = next.localAgreement.agreedScore {
                let names = [next.localAgreement.assessorBy, next.localAgreement.employerBy].compactMap { $0?.description }
                next.outcome = Outcome(score: agreed, basis: .rule(.localAgreement), reasonCodes: ["local_agreement"],
                                       reason: "Agreed in local review by the assessor and the employer (\(names.joined(separator: ", "))).")
                details["agreed_by"] = names.joined(separator: ",")
                next.state = .decided
            }
        case .requestModeration:
            next.state = .awaitingModeration
        case .startModeration:
            next.state = .inModeration
        case .escalate:
            next.state = .escalated
        case .decide(var outcome):
            if case .person(let decider) = outcome.basis {
                guard decider == actor.userID else {
                    throw refusal(.notPermitted, action, actor, "A decision by a person is recorded as the decision of the user who takes it.")
                }
                guard let reasons = outcome.reason.nonBlank ?? reason else {
                    throw refusal(.missingReason, action, actor, "To decide a case yourself, give your reasons; they are kept with the outcome.")
                }
                outcome = Outcome(score: outcome.score, basis: outcome.basis, reasonCodes: outcome.reasonCodes, basedOn: outcome.basedOn,
                                  reason: reasons, adopted: outcome.adopted)
            }
            next.outcome = outcome
            next.state = .decided
        case .close:
            next.state = .closed
        case .withdraw:
            next.state = .withdrawn
        case .reopen(let ground):
            details["ground"] = ground.rawValue
            if let outcome { next.previousOutcomes.append(outcome) }
            next.outcome = nil
            next.localAgreement = LocalAgreement()
            next.state = .awaitingModeration
        }
        if let outcome = next.outcome, next.outcome != self.outcome {
            details["outcome_score"] = outcome.score.description
            details["outcome_meets_standard"] = String(outcome.meetsStandard)
            switch outcome.basis {
            case .rule(let rule): details["outcome_rule"] = rule.rawValue
            case .person(let userID): details["outcome_decided_by"] = userID.description
            }
            if !outcome.reasonCodes.isEmpty { details["outcome_reasons"] = outcome.reasonCodes.joined(separator: ",") }
            if !outcome.basedOn.isEmpty { details["outcome_opinions"] = outcome.basedOn.map(\.description).joined(separator: ",") }
            if let adopted = outcome.adopted { details["outcome_adopted_opinion"] = adopted.description }
        }
        next.version += 1
        next.updatedAt = time
        return (next, next.event(action, from: state, by: actor, at: time, reason: reason, details: details, id: eventID))
    }

    /// The actions `actor` could take on this case now (before reason and policy checks).
    public func availableActions(for actor: ActingUser) -> [CaseAction] {
        CaseAction.allCases.filter { action in
            action.sourceStates.contains(state) && action.permits(actor.role, from: state)
                && actor.actsFor(employer: employerID)
        }
    }

    private func authorise(_ action: CaseAction, by actor: ActingUser, reason: String?) throws(CaseTransitionError) {
        let roles = action.permittedRoles
        guard roles.contains(actor.role) else {
            throw refusal(.notPermitted, action, actor,
                          "\(actor.role.plural) cannot \(action.verb) a case; only \(Role.list(roles)) can.")
        }
        guard action.sourceStates.contains(state) else {
            let possible = CaseAction.allCases.filter { $0.sourceStates.contains(state) }.map(\.verb)
            throw refusal(.wrongState, action, actor,
                          "Cannot \(action.verb) a case that is \(state.words); from there one can only "
                          + (possible.isEmpty ? "do nothing." : possible.joined(separator: " / ") + "."))
        }
        guard action.permits(actor.role, from: state) else {
            throw refusal(.notPermitted, action, actor,
                          "\(actor.role.plural) cannot \(action.verb) a case that is \(state.words); ask a moderation lead.")
        }
        guard actor.actsFor(employer: employerID) else {
            throw refusal(.notPermitted, action, actor, "An employer can act only on cases about its own staff.")
        }
        guard !action.requiresReason || reason != nil else {
            throw refusal(.missingReason, action, actor, "To \(action.verb) a case, give a reason; it is kept in the audit trail.")
        }
        if action == .flag, let tooLong = FreeText.tooLong(reason, "The flag's reason") {
            throw refusal(.reasonTooLong, action, actor, tooLong)
        }
    }

    private func refusal(_ code: CaseTransitionError.Code, _ action: CaseAction, _ actor: ActingUser, _ message: String)
        -> CaseTransitionError
    {
        CaseTransitionError(code: code, action: action, state: state, role: actor.role, message: message)
    }

    private func event(
        _ action: CaseAction,
        from previous: State?,
        by actor: ActingUser,
        at time: Date,
        reason: String?,
        details: [String: String],
        id: AuditEventID
    ) -> AuditEvent {
        var details = details
        details["role"] = actor.role.rawValue
        details["organisation"] = actor.organisationID.description
        details["observation"] = observationID.description
        details["from"] = previous?.rawValue
        details["to"] = state.rawValue
        details["version"] = String(version)
        return AuditEvent(
            id: id, at: time, actorID: actor.userID, action: action.auditAction,
            subject: AuditEvent.Subject(type: "case", id: self.id.description),
            reason: reason, details: details
        )
    }
}
