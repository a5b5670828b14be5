/// Why a case transition was refused: wrong state, a role that may not take the action, a missing
/// reason, or a policy that does not allow it. The case is unchanged.
public struct CaseTransitionError: Error, Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable, machine-readable code; extensible.
    public struct Code: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The action is not possible from the case's current state.
        public static let wrongState = Code(rawValue: "case.wrong_state")
        /// The actor's role (or, for an employer, organisation) may not take the action.
        public static let notPermitted = Code(rawValue: "case.not_permitted")
        /// The action needs a reason and none was given.
        public static let missingReason = Code(rawValue: "case.missing_reason")
        /// A flag's reason is longer than ``FreeText/maximumLength``.
        public static let reasonTooLong = Code(rawValue: "case.reason_too_long")
        /// The dispute policy or the case's kind rules the action out.
        public static let notAllowedByPolicy = Code(rawValue: "case.not_allowed_by_policy")
        /// The observation's dispute is already decided: only the lead's reopening (on a ground) re-runs it.
        public static let alreadyDecided = Code(rawValue: "case.already_decided")
    }

    /// Why the transition was refused.
    public let code: Code
    /// The action attempted.
    public let action: CaseAction
    /// The case's state when it was attempted (`nil` when opening a case).
    public let state: Case.State?
    /// The role of the actor who attempted it.
    public let role: Role
    /// What was wrong and what to do; safe to show to the actor.
    public let message: String

    public var description: String { message }
    public var debugDescription: String {
        "CaseTransitionError(\(code), action: \(action.rawValue), state: \(state?.rawValue ?? "none"), role: \(role)): \(message)"
    }
}

extension CaseTransitionError {
    /// A correction of a rating of an observation whose case is decided: the scores the outcome stands on are settled, and
    /// only the lead's reopening, on a ground, re-runs the decision (decision 27).
    public static func correctionAfterDecision(on decided: Case, by role: Role) -> CaseTransitionError {
        CaseTransitionError(
            code: .alreadyDecided, action: .reopen, state: decided.state, role: role,
            message: "This observation's case is decided, so its scores are settled: they can no longer be corrected or added to. If the "
                + "decision rests on a wrong or missing score, ask the moderation lead to reopen the case (ground: new information), giving the reason.")
    }
}
