public import Foundation

/// A typed identifier: a UUID that cannot be mixed up with the id of another kind of entity.
///
/// Encodes as a bare UUID string. `description` is the lower-case UUID used in audit events.
public protocol DomainIdentifier: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible
where RawValue == UUID {
    /// Wraps an existing UUID.
    init(rawValue: UUID)
}

extension DomainIdentifier {
    /// A new, random identifier.
    public init() { self.init(rawValue: UUID()) }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(UUID.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue.uuidString.lowercased() }
}

/// Identifies an ``Organisation``.
public struct OrganisationID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a user account (the person behind an ``Actor``).
public struct UserID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a ``Candidate``.
public struct CandidateID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies an ``Observation``.
public struct ObservationID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a ``Recording``.
public struct RecordingID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a ``Rating``.
public struct RatingID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a dispute ``Case``.
public struct CaseID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies an ``AuditEvent``.
public struct AuditEventID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}
