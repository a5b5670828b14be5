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
    /// A new identifier: random (a version 4 UUID, ``SecureRandom/uuid()``), or time-ordered (version 7) inside a bulk
    /// import (``SecureRandom/timeOrdered``, decision 40).
    public init() { self.init(rawValue: SecureRandom.identifier()) }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(UUID.self))
    }

    public func encode(to encoder: any Encoder) throws {
        // Lower case, as everywhere else we print an id (Foundation's UUID encodes upper case).
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String { rawValue.lowercasedString }
}

/// Identifies an ``Organisation``.
public struct OrganisationID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a user account (the person behind an ``ActingUser``).
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

/// Identifies a moderator's ``SecondOpinion``.
public struct OpinionID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies a message in a case's discussion thread.
public struct MessageID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// Identifies an ``AuditEvent``.
public struct AuditEventID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

extension UUID {
    /// The lower-case 8-4-4-4-12 form, written directly: `uuidString` goes through `snprintf` and
    /// `lowercased()` copies again, which showed in large imports (several ids per row and audit event).
    public var lowercasedString: String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var out = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    buffer[out] = hex[Int(byte >> 4)]
                    buffer[out + 1] = hex[Int(byte & 0x0f)]
                    out += 2
                }
                return out
            }
        }
    }
}

/// Identifies a legal hold on a candidate, an observation or a case.
public struct LegalHoldID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}
