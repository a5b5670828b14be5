public import Foundation
public import Hummingbird
import NIOCore

/// JSON written straight into bytes, for the responses people wait on (issue 21 item 1, decision 35): the cases list
/// encoded with Foundation's `JSONEncoder` spent most of a request boxing values into containers and sorting keys.
/// The writer produces the same JSON (keys in the order the caller writes them, which the callers keep sorted; times as
/// ISO 8601 in UTC to the second; absent values left out), checked against `JSONEncoder` on random and hostile text.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next key or array element needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 4_096) { bytes.reserveCapacity(capacity) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// A key (plain ASCII, as every key the service writes): the value follows.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string(utf8: $0) }
    }

    /// A string given as its UTF-8 bytes, which must be valid UTF-8 (as a `String`'s are).
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        // Runs that need no escape are copied whole; a plain index loop (no generic iterator: it showed in profiles).
        var start = 0, index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                escape(byte)
                start = index + 1
            }
            index += 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func int(_ value: Int) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits = 1, probe = value.magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        padded(value.magnitude, digits)
    }

    public mutating func bool(_ value: Bool) {
        separate()
        let text: StaticString = value ? "true" : "false"
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A time as `JSONEncoder`'s `.iso8601` writes it: UTC, to the second ("2026-02-02T02:40:00Z"); a time outside the
    /// years 1 to 9999 (only a damaged value could be) is written as the nearer end of them rather than trapping.
    public mutating func time(_ value: Date) {
        separate()
        let interval = value.timeIntervalSince1970
        let seconds = interval.isFinite ? Int(min(max(interval.rounded(.down), -62_135_596_800), 253_402_300_799)) : 0
        // The civil date of a day count by arithmetic (Howard Hinnant's `civil_from_days`), not `gmtime_r`, which takes
        // the time zone lock on every call: a list page writes two or three times per row.
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        bytes.append(UInt8(ascii: "\""))
        padded(UInt(year), 4)
        bytes.append(UInt8(ascii: "-"))
        padded(UInt(month), 2)
        bytes.append(UInt8(ascii: "-"))
        padded(UInt(day), 2)
        bytes.append(UInt8(ascii: "T"))
        padded(UInt(second / 3_600), 2)
        bytes.append(UInt8(ascii: ":"))
        padded(UInt(second % 3_600 / 60), 2)
        bytes.append(UInt8(ascii: ":"))
        padded(UInt(second % 60), 2)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
    }

    /// `key` and `value`, or nothing when `value` is absent (as `JSONEncoder` leaves out a nil property).
    public mutating func field(_ name: StaticString, _ value: String?) { if let value { key(name); string(value) } }
    public mutating func field(_ name: StaticString, _ value: Int?) { if let value { key(name); int(value) } }
    public mutating func field(_ name: StaticString, _ value: Bool?) { if let value { key(name); bool(value) } }
    public mutating func field(_ name: StaticString, _ value: Date?) { if let value { key(name); time(value) } }
    public mutating func field(_ name: StaticString, _ values: [String]?) {
        guard let values else { return }
        key(name)
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    /// `value` in `width` decimal digits, with leading zeros.
    private mutating func padded(_ value: UInt, _ width: Int) {
        var divisor: UInt = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}

/// A value the ``JSONWriter`` writes.
public protocol JSONWritable: Sendable {
    func write(to writer: inout JSONWriter)
}

/// A response written with the ``JSONWriter``: the same body and headers as Hummingbird's `JSONEncoder` response.
public struct WrittenJSON<Value: JSONWritable>: ResponseGenerator {
    public let value: Value

    public init(_ value: Value) { self.value = value }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter()
        value.write(to: &writer)
        return try writer.response(from: request, context: context)
    }
}

/// A finished writer is a 200 response with its bytes as the JSON body.
extension JSONWriter: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
