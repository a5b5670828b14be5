public import Foundation

/// A dispute case about one observation, moving through the moderation workflow.
///
/// States run `open → local_review → awaiting_moderation → in_moderation → (escalated) → decided →
/// closed`, plus `withdrawn`; a lead may reopen a decided or closed case. A case changes only through
/// the transition functions in `Case+Transitions.swift`, each returning the next case and the
/// ``AuditEvent`` recording it; ``version`` counts those transitions (opening is version 1), for
/// optimistic concurrency in the store. Decoding trusts its input: persist only cases produced by
/// the transition functions.
public struct Case: Identifiable, Hashable, Codable, Sendable {
    /// Why the case exists.
    public enum Kind: String, Hashable, Codable, Sendable, CaseIterable {
        /// Opened by the dispute rules when employer and assessor ratings disagree.
        case automaticDispute = "automatic_dispute"
        /// Opened by hand, with a reason.
        case manualFlag = "manual_flag"
        /// Drawn by quality sampling; not a dispute.
        case sample
    }

    /// Where a case is in the workflow.
    public enum State: String, Hashable, Codable, Sendable, CaseIterable {
        /// Just opened.
        case open
        /// Employer and assessor are trying to agree a score locally.
        case localReview = "local_review"
        /// Waiting for moderators to be assigned.
        case awaitingModeration = "awaiting_moderation"
        /// Moderators are watching the recording and giving opinions.
        case inModeration = "in_moderation"
        /// Opinions could not be reconciled; a further moderator or the lead decides.
        case escalated
        /// An outcome is recorded.
        case decided
        /// Finished; a lead can still reopen it.
        case closed
        /// Abandoned without an outcome; final.
        case withdrawn

        /// Whether the case is still being worked on: a new flag on its observation joins it.
        public var isActive: Bool {
            switch self {
            case .open, .localReview, .awaitingModeration, .inModeration, .escalated: true
            case .decided, .closed, .withdrawn: false
            }
        }

        /// Whether the case carries an ``Outcome`` in this state.
        public var hasOutcome: Bool { self == .decided || self == .closed }
    }

    /// A manual flag raised on the case (the one that opened it, or a later one that joined it).
    public struct Flag: Hashable, Codable, Sendable {
        /// Who raised it.
        public let raisedBy: UserID
        /// The role they raised it in.
        public let role: Role
        /// When.
        public let at: Date
        /// Why.
        public let reason: String
    }

    /// The scores the employer and the assessor have each agreed to in local review.
    public struct LocalAgreement: Hashable, Codable, Sendable {
        /// The score the assessor agreed to.
        public internal(set) var assessor: Score?
        /// The score the employer agreed to.
        public internal(set) var employer: Score?
        /// Who agreed for the accrediting body.
        public internal(set) var assessorBy: UserID?
        /// Who agreed for the employer.
        public internal(set) var employerBy: UserID?

        /// The score both sides agreed to, if they agree.
        public var agreedScore: Score? {
            guard let assessor, assessor == employer else { return nil }
            return assessor
        }
    }

    /// The case's identity.
    public let id: CaseID
    /// The observation in dispute.
    public let observationID: ObservationID
    /// The candidate's employer: its representatives may act on the case, others' may not.
    public let employerID: OrganisationID
    /// Why the case exists.
    public let kind: Kind
    /// The dispute rules' finding, for automatic disputes.
    public let finding: DisputeFinding?
    /// Who opened it.
    public let openedBy: UserID
    /// When it was opened.
    public let openedAt: Date
    /// Where it is in the workflow.
    public internal(set) var state: State
    /// The number of transitions so far, opening included; every transition adds one.
    public internal(set) var version: Int
    /// When the last transition happened.
    public internal(set) var updatedAt: Date
    /// Every manual flag raised on the case, oldest first.
    public internal(set) var flags: [Flag]
    /// Local-review agreement so far.
    public internal(set) var localAgreement: LocalAgreement
    /// The decision; present exactly when the state is `decided` or `closed`.
    public internal(set) var outcome: Outcome?
    /// Outcomes set aside by reopening, oldest first; nothing decided is thrown away.
    public internal(set) var previousOutcomes: [Outcome]
    /// For a calibration seed case, the definitive score the lead set (never shown to its moderators).
    public internal(set) var calibrationScore: Score?

    /// The moderation round: 1, and one more each time the case is reopened.
    public var round: Int { previousOutcomes.count + 1 }

    /// Whether the case is a calibration seed routed to test moderators, not a review of the candidate.
    public var isCalibration: Bool { calibrationScore != nil }
}

extension Case.State {
    /// The state in words, for a sentence: "in moderation", "awaiting moderators".
    public var words: String {
        switch self {
        case .open: "open"
        case .localReview: "in local review"
        case .awaitingModeration: "awaiting moderators"
        case .inModeration: "in moderation"
        case .escalated: "escalated"
        case .decided: "decided"
        case .closed: "closed"
        case .withdrawn: "withdrawn"
        }
    }
}
