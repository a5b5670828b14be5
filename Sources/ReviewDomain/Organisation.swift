/// An organisation taking part in the scheme.
public struct Organisation: Identifiable, Hashable, Codable, Sendable {
    /// What an organisation is in the scheme.
    public enum Kind: String, Hashable, Codable, Sendable, CaseIterable {
        /// Employs candidates, e.g. a local authority.
        case employer
        /// The accrediting body whose assessors rate candidates.
        case accreditingBody = "accrediting_body"
        /// A body providing moderators.
        case moderationPanel = "moderation_panel"
    }

    /// The organisation's identity.
    public let id: OrganisationID
    /// The display name.
    public var name: String
    /// The organisation's part in the scheme.
    public let kind: Kind

    /// Creates an organisation.
    public init(id: OrganisationID = OrganisationID(), name: String, kind: Kind) {
        self.id = id
        self.name = name
        self.kind = kind
    }
}

/// The social worker being assessed.
public struct Candidate: Identifiable, Hashable, Codable, Sendable {
    /// The candidate's identity.
    public let id: CandidateID
    /// The professional registration number.
    public let registrationNumber: String
    /// The candidate's employer; its representatives rate and flag for this candidate.
    public var employerID: OrganisationID

    /// Creates a candidate.
    public init(id: CandidateID = CandidateID(), registrationNumber: String, employerID: OrganisationID) {
        self.id = id
        self.registrationNumber = registrationNumber
        self.employerID = employerID
    }
}
