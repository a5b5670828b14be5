public import Foundation
public import Hummingbird
import NIOCore
import ReviewDomain

/// JSON written straight into bytes, for the responses people wait on (issue 21 item 1, decision 35): the cases list
/// encoded with Foundation's `JSONEncoder` spent most of a request boxing values into containers and sorting keys.
/// The writer produces the same JSON (keys in the order the caller writes them, which the callers keep sorted; times as
/// ISO 8601 in UTC to the second; absent values left out), checked against `JSONEncoder` on random and hostile text.
public struct JSONWriter: Sendable {
    /// What has been written, ready to be a response body.
    public private(set) var buffer: ByteBuffer
    /// Whether the next key or array element needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 4_096) { buffer = ByteBufferAllocator().buffer(capacity: capacity) }

    /// A response of JSON written before (``ListPageCache``), shared without a copy.
    init(written: ByteBuffer) { buffer = written }

    /// What has been written, as an array (for tests and callers that want one).
    public var bytes: [UInt8] { Array(buffer.readableBytesView) }

    // Each value is written through one `write(atMost:thenComma:_:)`: one check of the buffer's room and ownership per
    // value, not per byte (appending byte by byte to an array was a fifth of a list page in the profile, decision 43).

    public mutating func beginObject() { opening(UInt8(ascii: "{")) }
    public mutating func endObject() { closing(UInt8(ascii: "}")) }
    public mutating func beginArray() { opening(UInt8(ascii: "[")) }
    public mutating func endArray() { closing(UInt8(ascii: "]")) }

    /// A key (plain ASCII, as every key the service writes): the value follows.
    public mutating func key(_ name: StaticString) {
        let count = name.utf8CodeUnitCount
        write(atMost: count + 3, thenComma: false) { out in
            out[0] = UInt8(ascii: "\"")
            name.withUTF8Buffer { (out + 1).update(from: $0.baseAddress!, count: count) }
            out[count + 1] = UInt8(ascii: "\"")
            out[count + 2] = UInt8(ascii: ":")
            return count + 3
        }
    }

    public mutating func string(_ value: String) {
        var value = value
        // Through a pointer to the writer: a closure capturing `self` inout is checked for exclusive access at run time
        // on every call (`swift_beginAccess`, 4% of a list page's writing in the profile).
        withUnsafeMutablePointer(to: &self) { writer in value.withUTF8 { writer.pointee.string(utf8: $0) } }
    }

    /// A string given as its UTF-8 bytes, which must be valid UTF-8 (as a `String`'s are).
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        // At most six bytes per input byte (a control character as \u00XX) and the quotes.
        write(atMost: utf8.count * 6 + 2) { out in
            out[0] = UInt8(ascii: "\"")
            var at = 1
            // Runs that need no escape are copied whole; a plain index loop (no generic iterator: it showed in profiles).
            var start = 0, index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    (out + at).update(from: utf8.baseAddress! + start, count: index - start)
                    at += index - start
                    at += Self.escape(byte, into: out + at)
                    start = index + 1
                }
                index += 1
            }
            if index > start {
                (out + at).update(from: utf8.baseAddress! + start, count: index - start)
                at += index - start
            }
            out[at] = UInt8(ascii: "\"")
            return at + 1
        }
    }

    public mutating func int(_ value: Int) {
        write(atMost: 21) { out in
            var at = 0
            if value < 0 { out[at] = UInt8(ascii: "-"); at += 1 }
            var digits = 1, probe = value.magnitude
            while probe >= 10 {
                probe /= 10
                digits += 1
            }
            return at + Self.padded(UInt(value.magnitude), digits, into: out + at)
        }
    }

    public mutating func bool(_ value: Bool) {
        let text: StaticString = value ? "true" : "false"
        write(atMost: 5) { out in
            text.withUTF8Buffer { out.update(from: $0.baseAddress!, count: $0.count) }
            return text.utf8CodeUnitCount
        }
    }

    /// A time as `JSONEncoder`'s `.iso8601` writes it: UTC, to the second ("2026-02-02T02:40:00Z"); a time outside the
    /// years 1 to 9999 (only a damaged value could be) is written as the nearer end of them rather than trapping.
    public mutating func time(_ value: Date) {
        let interval = value.timeIntervalSince1970
        let seconds = interval.isFinite ? Int(min(max(interval.rounded(.down), -62_135_596_800), 253_402_300_799)) : 0
        // The civil date by arithmetic (`CivilDate`), not `gmtime_r`, which takes the time zone lock on every call: a
        // list page writes two or three times per row.
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = seconds - days * 86_400
        let (year, month, day) = CivilDate.fromDays(Int64(days))
        write(atMost: 22) { out in
            out[0] = UInt8(ascii: "\"")
            var at = 1
            // Field by field, no array of fields (one would be allocated per time).
            func part(_ value: Int, _ width: Int, _ after: Unicode.Scalar) {
                at += Self.padded(UInt(value), width, into: out + at)
                out[at] = UInt8(ascii: after)
                at += 1
            }
            part(Int(year), 4, "-")
            part(Int(month), 2, "-")
            part(Int(day), 2, "T")
            part(second / 3_600, 2, ":")
            part(second % 3_600 / 60, 2, ":")
            part(second % 60, 2, "Z")
            out[at] = UInt8(ascii: "\"")
            return at + 1
        }
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

    private mutating func opening(_ byte: UInt8) {
        write(atMost: 1, thenComma: false) { out in
            out[0] = byte
            return 1
        }
    }

    private mutating func closing(_ byte: UInt8) {
        buffer.writeInteger(byte)
        needsComma = true
    }

    /// Writes a value (or a key, or an opening bracket) through `body`: a comma first when one is due, then `body`,
    /// given room for `count` bytes, which returns how many it wrote. Whether a comma is due next is then `thenComma`
    /// (not after a key or an opening bracket).
    private mutating func write(atMost count: Int, thenComma: Bool = true, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        let comma = needsComma
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count + 1) { raw in
            let out = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            guard comma else { return body(out) }
            out[0] = UInt8(ascii: ",")
            return 1 + body(out + 1)
        }
        needsComma = thenComma
    }

    /// The escape of `byte` (a control character, a quote or a backslash); how many bytes it took.
    private static func escape(_ byte: UInt8, into out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out[1] = byte
        case 0x08: out[1] = UInt8(ascii: "b")
        case 0x0C: out[1] = UInt8(ascii: "f")
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0D: out[1] = UInt8(ascii: "r")
        case 0x09: out[1] = UInt8(ascii: "t")
        default:
            let hex: StaticString = "0123456789abcdef"
            hex.withUTF8Buffer { hex in
                out[1] = UInt8(ascii: "u")
                out[2] = UInt8(ascii: "0")
                out[3] = UInt8(ascii: "0")
                out[4] = hex[Int(byte >> 4)]
                out[5] = hex[Int(byte & 0xF)]
            }
            return 6
        }
        return 2
    }

    /// `value` in `width` decimal digits, with leading zeros; returns `width`.
    private static func padded(_ value: UInt, _ width: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var rest = value
        var index = width - 1
        while index >= 0 {
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
        return width
    }
}

/// A value the ``JSONWriter`` writes.
public protocol JSONWritable: Sendable {
    func write(to writer: inout JSONWriter)
}

/// A finished writer is a 200 response with its bytes as the JSON body (the same body and headers as Hummingbird's
/// `JSONEncoder` response).
extension JSONWriter: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}
