/// Everything that can happen to a case; the raw value is the audit action code.
///
/// The permission table lives here, in one place: ``permits(_:from:)`` says which roles may take an
/// action, ``sourceStates`` from which states, ``requiresReason`` whether a reason must be given.
public enum CaseAction: String, Hashable, Codable, Sendable, CaseIterable {
    /// Open a case (automatic dispute, manual flag or sample).
    case open = "case.opened"
    /// Record a further manual flag on an active case.
    case flag = "case.flagged"
    /// Start local review between employer and assessor.
    case startLocalReview = "case.local_review_started"
    /// One side agrees a score in local review; when both agree the same score the case is decided.
    case agreeLocalScore = "case.local_score_agreed"
    /// Send the case to moderation.
    case requestModeration = "case.moderation_requested"
    /// Moderators are at work.
    case startModeration = "case.moderation_started"
    /// Moderators' opinions could not be reconciled: a further moderator or the lead decides.
    case escalate = "case.escalated"
    /// Record the outcome.
    case decide = "case.decided"
    /// Close a decided case.
    case close = "case.closed"
    /// Withdraw an active case without an outcome.
    case withdraw = "case.withdrawn"
    /// Reopen a decided or closed case for moderation.
    case reopen = "case.reopened"

    /// The audit event action code, e.g. `case.opened`.
    public var auditAction: AuditEvent.Action { AuditEvent.Action(rawValue: rawValue) }

    /// The states the action may be taken from (empty for ``open``, which creates the case).
    public var sourceStates: Set<Case.State> {
        switch self {
        case .open: []
        case .flag, .withdraw: [.open, .localReview, .awaitingModeration, .inModeration, .escalated]
        case .startLocalReview: [.open]
        case .agreeLocalScore: [.localReview]
        case .requestModeration: [.open, .localReview]
        case .startModeration: [.awaitingModeration]
        case .escalate: [.inModeration]
        case .decide: [.inModeration, .escalated]
        case .close: [.decided]
        case .reopen: [.decided, .closed]
        }
    }

    /// The roles that may take the action in some state.
    ///
    /// Assessors and employers (for their own staff) flag, start local review and agree a local score;
    /// the lead moves cases to moderation, decides escalations, closes, reopens and withdraws. Moderators
    /// take no case action: they submit opinions, and the service (``ActingUser/system``, with a lead's
    /// authority) starts moderation, escalates and decides by rule. Auditors and administrators change nothing.
    public var permittedRoles: [Role] {
        Role.allCases.filter { role in Case.State.allCases.contains { permits(role, from: $0) } }
    }

    /// Whether `role` may take the action from `state`.
    public func permits(_ role: Role, from state: Case.State) -> Bool {
        switch (self, role) {
        case (_, .auditor), (_, .administrator): false
        case (.open, .assessor), (.open, .employer), (.open, .lead): true
        case (.flag, .assessor), (.flag, .employer), (.flag, .lead): true
        case (.startLocalReview, .assessor), (.startLocalReview, .employer), (.startLocalReview, .lead): true
        case (.agreeLocalScore, .assessor), (.agreeLocalScore, .employer): true
        case (.escalate, .lead), (.decide, .lead): true
        case (.requestModeration, .lead), (.startModeration, .lead), (.close, .lead), (.withdraw, .lead), (.reopen, .lead):
            true
        default: false
        }
    }

    /// Whether the action needs a non-blank reason.
    public var requiresReason: Bool {
        switch self {
        case .flag, .escalate, .withdraw, .reopen: true
        case .open, .startLocalReview, .agreeLocalScore, .requestModeration, .startModeration, .decide, .close: false
        }
    }

    /// A readable name for messages, e.g. "escalate".
    var verb: String {
        switch self {
        case .open: "open"
        case .flag: "flag"
        case .startLocalReview: "start local review of"
        case .agreeLocalScore: "agree a local score on"
        case .requestModeration: "send to moderation"
        case .startModeration: "start moderation of"
        case .escalate: "escalate"
        case .decide: "decide"
        case .close: "close"
        case .withdraw: "withdraw"
        case .reopen: "reopen"
        }
    }
}
