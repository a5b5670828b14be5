/// What routing needs to know about a moderator: their kind, where they come from, the practice areas they
/// know, and how many open cases they can carry.
public struct ModeratorProfile: Identifiable, Hashable, Codable, Sendable {
    /// Open assignments a moderator carries at most unless the lead sets otherwise.
    public static let defaultCapacity = 6
    /// The capacities a lead may set.
    public static let capacityRange: ClosedRange<Int> = 0...100

    /// The moderator's user account.
    public let id: UserID
    /// Professional or lay.
    public var kind: ModeratorKind
    /// The organisation they act for: never routed a case about that organisation's staff.
    public var organisationID: OrganisationID
    /// The practice areas they know; a case in one of them prefers them.
    public var practiceAreas: Set<Observation.PracticeArea>
    /// Open assignments (offered or accepted) they carry at most; 0 takes them out of routing.
    public var capacity: Int
    /// Whether the account is active.
    public var active: Bool

    /// Creates a profile, checking the capacity.
    public init(
        id: UserID, kind: ModeratorKind, organisationID: OrganisationID, practiceAreas: Set<Observation.PracticeArea> = [],
        capacity: Int = defaultCapacity, active: Bool = true
    ) throws(DomainError) {
        guard Self.capacityRange.contains(capacity) else {
            throw DomainError(code: .policyOutOfRange, message: "Capacity \(capacity) is outside 0–100: the most open cases this moderator should carry (default \(Self.defaultCapacity)).")
        }
        self.id = id
        self.kind = kind
        self.organisationID = organisationID
        self.practiceAreas = practiceAreas
        self.capacity = capacity
        self.active = active
    }
}

/// A conflict of interest a moderator declared (or the lead recorded for them): they are never routed a
/// case about this candidate, or about any candidate of this organisation.
public struct DeclaredConflict: Hashable, Codable, Sendable {
    /// What the conflict is with.
    public enum Subject: Hashable, Codable, Sendable {
        /// One candidate (e.g. a former colleague).
        case candidate(CandidateID)
        /// Every candidate of an organisation (e.g. a recent employer).
        case organisation(OrganisationID)
    }

    /// The moderator.
    public let moderatorID: UserID
    /// With whom.
    public let subject: Subject
    /// Why, in the moderator's words.
    public let reason: String

    /// Creates a conflict; the reason must not be blank.
    public init(moderatorID: UserID, subject: Subject, reason: String) throws(DomainError) {
        guard let reason = reason.nonBlank else {
            throw DomainError(code: .reasonRequired, message: "Say what the conflict of interest is (e.g. \"worked with the candidate until 2025\").")
        }
        self.moderatorID = moderatorID
        self.subject = subject
        self.reason = reason
    }
}
