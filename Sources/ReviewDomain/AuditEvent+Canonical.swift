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
        let object: CanonicalJSON = .object([
            "action": .string(action.rawValue),
            "actorID": .string(actorID.description),
            "at": .string(Self.canonicalTimestamp(at)),
            "details": .object(details.mapValues(CanonicalJSON.string)),
            "id": .string(id.description),
            "reason": reason.map(CanonicalJSON.string) ?? .null,
            "sequence": sequence.map(CanonicalJSON.integer) ?? .null,
            "subject": .object(["id": .string(subject.id), "type": .string(subject.type)]),
        ])
        var bytes: [UInt8] = []
        object.write(to: &bytes)
        return bytes
    }

    /// The event's personal part — ``reason`` and ``details`` — bound to its ``id``, as canonical JSON in UTF-8
    /// (keys `details`, `id`, `reason`): what the audit chain commits to instead of the part itself, so the part
    /// can be erased while the chain still verifies (docs/decisions/0012-erasure-retention-holds.md).
    public func canonicalPersonalBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        CanonicalJSON.object([
            "details": .object(details.mapValues(CanonicalJSON.string)),
            "id": .string(id.description),
            "reason": reason.map(CanonicalJSON.string) ?? .null,
        ]).write(to: &bytes)
        return bytes
    }

    /// ``details`` as canonical JSON text (sorted keys, minimal escaping): what the store keeps in its
    /// `details` column, written without a general-purpose encoder.
    public var canonicalDetailsJSON: String {
        var bytes: [UInt8] = []
        CanonicalJSON.object(details.mapValues(CanonicalJSON.string)).write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
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

/// The subset of JSON the audit trail needs, written canonically.
enum CanonicalJSON {
    case null
    case string(String)
    case integer(Int64)
    case object([String: CanonicalJSON])

    func write(to bytes: inout [UInt8]) {
        switch self {
        case .null:
            bytes += "null".utf8
        case .integer(let value):
            bytes += String(value).utf8
        case .string(let text):
            Self.write(text, to: &bytes)
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.write(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                members[key]!.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static func write(_ text: String, to bytes: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes += [UInt8(ascii: "\\"), byte]
            case UInt8(ascii: "\n"): bytes += "\\n".utf8
            case UInt8(ascii: "\r"): bytes += "\\r".utf8
            case UInt8(ascii: "\t"): bytes += "\\t".utf8
            case 0..<0x20:
                bytes += "\\u00".utf8 + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
