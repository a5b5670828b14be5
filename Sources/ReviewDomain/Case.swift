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

        public init(raisedBy: UserID, role: Role, at: Date, reason: String) {
            self.raisedBy = raisedBy
            self.role = role
            self.at = at
            self.reason = reason
        }

        /// A reason as flags are compared: case and runs of white space do not make a flag another. The store keeps one
        /// flag per case, person and comparable reason.
        public static func comparable(_ reason: String) -> String {
            reason.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }

        /// `flags` without repeats (the same person, the same comparable reason), oldest first: what a document written
        /// before decision 35 holds, as the rows of migration 23 keep it.
        public static func distinct(_ flags: [Flag]) -> [Flag] {
            var seen: Set<String> = []
            return flags.filter { seen.insert("\($0.raisedBy) \(comparable($0.reason))").inserted }
        }
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
    /// How many manual flags were raised on the case (issue 21 item 1, decision 35). The flags themselves are kept
    /// apart from the case, one row each, so that the case stays the same size however many are raised.
    public internal(set) var flagCount: Int
    /// The newest flag, raised by the last ``CaseAction/flag`` transition (or the one that opened the case): the one
    /// the store writes as the case's flag number ``flagCount``.
    public internal(set) var lastFlag: Flag?
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

extension Case {
    private enum EarlierKeys: String, CodingKey {
        /// Before decision 35 a case held every flag raised on it, oldest first.
        case flags
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(CaseID.self, forKey: .id)
        observationID = try container.decode(ObservationID.self, forKey: .observationID)
        employerID = try container.decode(OrganisationID.self, forKey: .employerID)
        kind = try container.decode(Kind.self, forKey: .kind)
        finding = try container.decodeIfPresent(DisputeFinding.self, forKey: .finding)
        openedBy = try container.decode(UserID.self, forKey: .openedBy)
        openedAt = try container.decode(Date.self, forKey: .openedAt)
        state = try container.decode(State.self, forKey: .state)
        version = try container.decode(Int.self, forKey: .version)
        updatedAt = try container.decode(Date.self, forKey: .updatedAt)
        localAgreement = try container.decode(LocalAgreement.self, forKey: .localAgreement)
        outcome = try container.decodeIfPresent(Outcome.self, forKey: .outcome)
        previousOutcomes = try container.decode([Outcome].self, forKey: .previousOutcomes)
        calibrationScore = try container.decodeIfPresent(Score.self, forKey: .calibrationScore)
        if let count = try container.decodeIfPresent(Int.self, forKey: .flagCount) {
            flagCount = count
            lastFlag = try container.decodeIfPresent(Flag.self, forKey: .lastFlag)
        } else {
            // A document written before decision 35 (read by migrations 17 and 23): its flags, counted; migration 23
            // moves them into rows of their own.
            let flags = Flag.distinct(try decoder.container(keyedBy: EarlierKeys.self).decodeIfPresent([Flag].self, forKey: .flags) ?? [])
            flagCount = flags.count
            lastFlag = flags.last
        }
    }
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
