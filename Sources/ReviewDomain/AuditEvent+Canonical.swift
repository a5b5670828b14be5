public import Foundation

extension AuditEvent {
    /// The event as canonical JSON in UTF-8, the input to the audit chain's hash.
    ///
    /// Deterministic on every platform: object keys sorted by their UTF-8 bytes, no whitespace, strings
    /// escaped minimally (`"`, `\`, and control characters; everything else as UTF-8), ids as lower-case
    /// UUIDs, absent values as `null`, and ``at`` as ISO-8601 UTC with exactly three fractional digits
    /// (see ``canonicalTimestamp(_:)``). Keys: `action`, `actorID`, `at`, `details`, `id`, `reason`,
    /// `sequence`, `subject` (`id`, `type`).
    public func canonicalBytes() -> [UInt8] {
        // Written straight into bytes, keys already in their sorted order (a generic tree of dictionaries cost a
        // quarter of a large import's hashing, docs/benchmarks.md).
        var json = CanonicalJSON(capacity: 384)
        json.open()
        json.key("action", first: true); json.string(action.rawValue)
        json.key("actorID"); json.string(actorID.description)
        json.key("at"); json.string(Self.canonicalTimestamp(at))
        json.key("details"); json.object(details)
        json.key("id"); json.string(id.description)
        json.key("reason"); json.optional(reason)
        json.key("sequence")
        if let sequence { json.integer(sequence) } else { json.null() }
        json.key("subject"); json.open()
        json.key("id", first: true); json.string(subject.id)
        json.key("type"); json.string(subject.type)
        json.close()
        json.close()
        return json.bytes
    }

    /// The event's personal part — ``reason`` and ``details`` — bound to its ``id``, as canonical JSON in UTF-8
    /// (keys `details`, `id`, `reason`): what the audit chain commits to instead of the part itself, so the part
    /// can be erased while the chain still verifies (docs/decisions/0012-erasure-retention-holds.md).
    public func canonicalPersonalBytes() -> [UInt8] {
        var json = CanonicalJSON(capacity: 256)
        json.open()
        json.key("details", first: true); json.object(details)
        json.key("id"); json.string(id.description)
        json.key("reason"); json.optional(reason)
        json.close()
        return json.bytes
    }

    /// ``details`` as canonical JSON text (sorted keys, minimal escaping): what the store keeps in its
    /// `details` column, written without a general-purpose encoder.
    public var canonicalDetailsJSON: String {
        var json = CanonicalJSON(capacity: 128)
        json.object(details)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// `date` as ISO-8601 UTC rounded to the nearest millisecond, e.g. `2025-06-15T09:30:00.250Z`.
    ///
    /// Rounding (not truncation) makes the text survive a round trip through any store that keeps at
    /// least millisecond precision, so a re-read event hashes the same.
    public static func canonicalTimestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, millisecondOfDay) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = CivilDate.fromDays(days)
        let seconds = millisecondOfDay / 1000
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
            + "T" + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
            + "." + pad(millisecondOfDay % 1000, 3) + "Z"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = ((value % divisor) + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }
}

/// The subset of JSON the audit trail needs, written canonically into UTF-8 bytes: objects (whose members the
/// caller writes in sorted key order, or string dictionaries, sorted here by their keys' UTF-8 bytes), strings
/// escaped minimally, integers, null.
struct CanonicalJSON {
    private(set) var bytes: [UInt8] = []
    private static let hex = Array("0123456789abcdef".utf8)

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func open() { bytes.append(UInt8(ascii: "{")) }
    mutating func close() { bytes.append(UInt8(ascii: "}")) }
    mutating func null() { bytes += "null".utf8 }
    mutating func integer(_ value: Int64) { bytes += String(value).utf8 }

    /// A member's key and colon, after a comma unless it is the object's first.
    mutating func key(_ key: String, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func optional(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    /// A dictionary of strings as an object, its keys sorted by their UTF-8 bytes.
    mutating func object(_ members: [String: String]) {
        open()
        let sorted = members.count < 2 ? Array(members) : members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (index, member) in sorted.enumerated() {
            key(member.key, first: index == 0)
            string(member.value)
        }
        close()
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case UInt8(ascii: "\n"): bytes += "\\n".utf8
            case UInt8(ascii: "\r"): bytes += "\\r".utf8
            case UInt8(ascii: "\t"): bytes += "\\t".utf8
            case 0..<0x20:
                bytes += "\\u00".utf8
                bytes.append(Self.hex[Int(byte >> 4)])
                bytes.append(Self.hex[Int(byte & 0xF)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
