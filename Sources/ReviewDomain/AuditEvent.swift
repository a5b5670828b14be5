public import Foundation

/// One entry of the append-only audit trail: who did what to which subject, when and why.
///
/// The store assigns ``sequence`` and chains events by hashing ``canonicalBytes()`` together with the
/// previous event's hash.
public struct AuditEvent: Identifiable, Hashable, Codable, Sendable {
    /// A dotted action code such as `case.opened` or `recording.viewed`; extensible.
    public struct Action: RawRepresentable, Hashable, Codable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }
    }

    /// What an event is about: a type name and an id.
    public struct Subject: Hashable, Codable, Sendable, CustomStringConvertible {
        /// The kind of subject, e.g. `case`, `recording`, `rating`.
        public let type: String
        /// The subject's id.
        public let id: String

        /// Creates a subject.
        public init(type: String, id: String) {
            self.type = type
            self.id = id
        }

        public var description: String { "\(type)/\(id)" }
    }

    /// The event's identity, assigned when the event is created.
    public let id: AuditEventID
    /// The position in the trail, assigned by the store when the event is appended.
    public var sequence: Int64?
    /// When it happened.
    public let at: Date
    /// Who did it.
    public let actorID: UserID
    /// What was done.
    public let action: Action
    /// What it was done to.
    public let subject: Subject
    /// Why, if a reason was given.
    public let reason: String?
    /// Further facts, e.g. `from` and `to` states.
    public let details: [String: String]

    /// Creates an event.
    public init(
        id: AuditEventID = AuditEventID(),
        sequence: Int64? = nil,
        at: Date,
        actorID: UserID,
        action: Action,
        subject: Subject,
        reason: String? = nil,
        details: [String: String] = [:]
    ) {
        self.id = id
        self.sequence = sequence
        self.at = at
        self.actorID = actorID
        self.action = action
        self.subject = subject
        self.reason = reason
        self.details = details
    }
}
