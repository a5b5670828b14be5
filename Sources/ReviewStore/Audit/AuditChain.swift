import Crypto
import Foundation
public import ReviewDomain

/// The audit trail's hash chain.
///
/// Event *n* (sequence numbers start at 1 and have no gaps) stores
///
///     hash(n) = lowercase_hex( SHA-256( ascii(hash(n-1)) ‖ canonicalBytes(sealed(event n)) ) )
///
/// where `ascii(hash(n-1))` is the previous event's hash as its 64 lower-case hexadecimal characters (for the
/// first event, ``genesisHash``: 64 zeros) and `canonicalBytes` is ``AuditEvent/canonicalBytes()`` of the event
/// with its `sequence` set — so the position is hashed too, and moving, removing or editing any event breaks
/// every later link. `at` is rounded to the millisecond before hashing and storing (the canonical form's
/// precision), so a re-read event hashes the same on every backend.
///
/// **Personal part.** Since migration 12 the store gives every event with a reason or details a random salt
/// (details key ``personalSaltKey``) and keeps `reason` and `details` in an erasable table; the chain hashes the
/// *sealed* event (``sealed(_:)``): `reason` null and `details` holding only ``personalDigestKey``, the SHA-256
/// of the salted personal part. Erasing the part leaves the sealed event, which hashes the same: so an event
/// verifies with ``hash(of:previousHash:)`` whether it is given whole (with its salt) or sealed. Events written
/// before migration 12 carry no salt and are hashed as they are (decision 12).
public enum AuditChain {
    /// The "previous hash" of the first event.
    public static let genesisHash = String(repeating: "0", count: 64)
    /// The details key of the random salt that makes a personal part's digest impossible to guess.
    public static let personalSaltKey = "personal_salt"
    /// The details key of a sealed event: the SHA-256 of its personal part (``AuditEvent/canonicalPersonalBytes()``).
    public static let personalDigestKey = "personal_sha256"

    /// The hash of `event` (whose `sequence` must be set) following `previousHash`; `event` may be whole or sealed.
    public static func hash(of event: AuditEvent, previousHash: String) -> String {
        hash(ofSealed: sealed(event), previousHash: previousHash)
    }

    /// ``hash(of:previousHash:)`` of an event already sealed (``sealed(_:)``): an append seals each event once, for
    /// both its hash and its row.
    static func hash(ofSealed event: AuditEvent, previousHash: String) -> String {
        var sha = SHA256()
        sha.update(data: Array(previousHash.utf8))
        sha.update(data: event.canonicalBytes())
        return hex(sha.finalize())
    }

    /// The event as the chain hashes it: with a salted personal part, `reason` removed and `details` replaced by
    /// the part's digest; otherwise (already sealed, or written before migration 12) unchanged.
    public static func sealed(_ event: AuditEvent) -> AuditEvent {
        guard event.details[personalSaltKey] != nil else { return event }
        return AuditEvent(
            id: event.id, sequence: event.sequence, at: event.at, actorID: event.actorID, action: event.action,
            subject: event.subject, reason: nil, details: [personalDigestKey: hex(SHA256.hash(data: event.canonicalPersonalBytes()))])
    }

    /// Whether `event` is sealed: its personal part is held apart (or was erased).
    public static func isSealed(_ event: AuditEvent) -> Bool {
        event.reason == nil && event.details.count == 1 && event.details[personalDigestKey] != nil
    }

    /// `event` with a fresh random salt, when it has a personal part to keep apart.
    static func salted(_ event: AuditEvent) -> AuditEvent {
        guard event.reason != nil || !event.details.isEmpty, event.details[personalSaltKey] == nil else { return event }
        var details = event.details
        details[personalSaltKey] = hex(SecureRandom.bytes(16))  // 128 bits from the CSPRNG, drawn in blocks
        return AuditEvent(id: event.id, sequence: event.sequence, at: event.at, actorID: event.actorID, action: event.action,
                          subject: event.subject, reason: event.reason, details: details)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hexadecimal, two digits a byte.
    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A stored audit event with its place in the chain.
public struct AuditEntry: Hashable, Sendable {
    /// The event, with its `sequence` set.
    public let event: AuditEvent
    /// The hash of the event before it (``AuditChain/genesisHash`` for the first).
    public let previousHash: String
    /// This event's hash.
    public let hash: String
}

/// The result of walking the audit chain.
public struct AuditVerification: Hashable, Sendable, CustomStringConvertible {
    /// A place where the chain does not hold.
    public struct Break: Hashable, Sendable, CustomStringConvertible {
        /// What does not match.
        public enum Kind: String, Hashable, Sendable {
            /// The event's stored hash is not the hash of its contents: the row was edited.
            case hashMismatch = "hash_mismatch"
            /// The event's `previous_hash` is not the hash of the event before it.
            case previousHashMismatch = "previous_hash_mismatch"
            /// The sequence skips a number: an event was removed.
            case sequenceGap = "sequence_gap"
            /// The chain head does not name the last event: events were removed from the end, or added around the store.
            case headMismatch = "head_mismatch"
            /// The row cannot be read back as an event.
            case unreadable
        }

        /// The sequence number of the first event that fails (for a head mismatch, the head's sequence).
        public let sequence: Int64
        /// What failed.
        public let kind: Kind
        /// A sentence for people.
        public let message: String

        public var description: String { "audit chain broken at sequence \(sequence) (\(kind.rawValue)): \(message)" }
    }

    /// How many events were checked.
    public let eventCount: Int64
    /// The hash of the last good event (``AuditChain/genesisHash`` for an empty trail).
    public let lastGoodHash: String
    /// The first broken link, or `nil` when the whole chain holds.
    public let firstBreak: Break?

    /// Whether the whole chain holds.
    public var isIntact: Bool { firstBreak == nil }

    public var description: String {
        firstBreak?.description ?? "audit chain intact: \(eventCount) events, head \(lastGoodHash)"
    }
}
