public import ReviewDomain

/// A user account: who someone is, the role they act in and the organisation they act for.
public struct User: Identifiable, Hashable, Codable, Sendable {
    public let id: UserID
    /// The display name.
    public var name: String
    /// The role the user acts in.
    public var role: Role
    /// The organisation the user acts for.
    public var organisationID: OrganisationID
    /// Whether the account may sign in and act.
    public var active: Bool

    /// Creates a user.
    public init(id: UserID = UserID(), name: String, role: Role, organisationID: OrganisationID, active: Bool = true) {
        self.id = id
        self.name = name
        self.role = role
        self.organisationID = organisationID
        self.active = active
    }

    /// The user acting in their role for their organisation.
    public var actor: ActingUser { ActingUser(userID: id, role: role, organisationID: organisationID) }
}

/// A stored candidate and the name the store keeps beside it.
public struct CandidateRecord: Hashable, Sendable {
    public let candidate: Candidate
    /// The candidate's name.
    public let name: String

    public init(candidate: Candidate, name: String) {
        self.candidate = candidate
        self.name = name
    }
}

/// A stored observation and its external reference (e.g. `OBS-2026-0001` from an import), if any.
public struct ObservationRecord: Hashable, Sendable {
    public let observation: Observation
    /// The external reference, unique when present.
    public let ref: String?

    public init(observation: Observation, ref: String?) {
        self.observation = observation
        self.ref = ref
    }
}
