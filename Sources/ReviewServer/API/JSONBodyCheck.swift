/// One pass over a JSON body's bytes before it is decoded, for what the decoder does not refuse:
/// - a field given twice in one object (`{"score":3,"score":7}`): a decoder keeps one of the two silently, so what the
///   sender meant and what was stored could differ;
/// - a NUL character (`\u0000`) in any text or key: SQLite ends a stored text there, while the audit trail's hash covers
///   all of it, so the chain would read as tampered with;
/// - nesting deeper than ``maximumDepth``.
/// It also returns the keys of a top-level object, for the closed-body check. It checks the whole syntax (RFC 8259), so
/// that a value the decoder would skip (a field it does not read) cannot hold what is not JSON; the decoder reads values.
struct JSONBodyCheck {
    enum Problem: Error, Equatable {
        case notJSON
        case tooDeep
        case duplicateKey(String)
        case nul
    }

    static let maximumDepth = 512

    /// The keys of the body's top-level object (`nil` if the body is not an object).
    static func topLevelKeys(of bytes: [UInt8]) throws(Problem) -> [String]? {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .notJSON }
        var scanner = JSONBodyCheck(bytes: bytes)
        scanner.skipSpace()
        let keys = try scanner.value(depth: 0, wantKeys: true)
        scanner.skipSpace()
        guard scanner.index == bytes.count else { throw .notJSON }
        return keys
    }

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(Problem) {
        guard current == byte else { throw .notJSON }
        index += 1
    }

    /// Skips one value; for an object at `wantKeys`, returns its keys.
    @discardableResult
    private mutating func value(depth: Int, wantKeys: Bool = false) throws(Problem) -> [String]? {
        guard depth < Self.maximumDepth else { throw .tooDeep }
        switch current {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): try array(depth: depth)
        case UInt8(ascii: "\""): _ = try string(keep: false)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case .some(let byte) where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte): try number()
        default: throw .notJSON
        }
        return nil
    }

    private mutating func object(depth: Int) throws(Problem) -> [String] {
        var keys: [String] = []
        var seen: Set<String> = []
        try members(closedBy: UInt8(ascii: "}")) { scanner throws(Problem) in
            guard scanner.current == UInt8(ascii: "\"") else { throw .notJSON }
            let key = try scanner.string(keep: true)
            guard seen.insert(key).inserted else { throw .duplicateKey(key) }
            keys.append(key)
            scanner.skipSpace()
            try scanner.expect(UInt8(ascii: ":"))
            scanner.skipSpace()
            try scanner.value(depth: depth + 1)
        }
        return keys
    }

    private mutating func array(depth: Int) throws(Problem) {
        try members(closedBy: UInt8(ascii: "]")) { scanner throws(Problem) in try scanner.value(depth: depth + 1) }
    }

    /// From an opening bracket to after its `close`: nothing, or members separated by commas.
    private mutating func members(closedBy close: UInt8, _ member: (inout JSONBodyCheck) throws(Problem) -> Void) throws(Problem) {
        index += 1
        skipSpace()
        if current == close {
            index += 1
            return
        }
        while true {
            skipSpace()
            try member(&self)
            skipSpace()
            guard current == UInt8(ascii: ",") else { break }
            index += 1
        }
        try expect(close)
    }

    private mutating func literal(_ word: StaticString) throws(Problem) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw .notJSON }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw .notJSON }
        index += count
    }

    /// A number as RFC 8259 writes it: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. The decoder reads its
    /// value; this refuses what is not a number even in a field the decoder would skip.
    private mutating func number() throws(Problem) {
        func digits() -> Int {
            let start = index
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
            return index - start
        }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digits() > 0 else { throw .notJSON }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw .notJSON }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw .notJSON }
        }
    }

    /// Four hexadecimal digits of a `\u` escape.
    private mutating func hexUnit() throws(Problem) -> UInt16 {
        guard index + 4 <= bytes.count else { throw .notJSON }
        var unit: UInt16 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .notJSON
            }
            unit = unit << 4 | UInt16(digit)
        }
        index += 4
        return unit
    }

    /// A string from its opening quote; its text if `keep` (escapes resolved, so `"a"` and `"\u0061"` are one key).
    private mutating func string(keep: Bool) throws(Problem) -> String {
        index += 1
        var units: [UInt16] = []
        var plainStart = index
        func keepPlain(upTo end: Int) {
            guard keep, plainStart < end else { return }
            units.append(contentsOf: String(decoding: bytes[plainStart..<end], as: UTF8.self).utf16)
        }
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                keepPlain(upTo: index)
                index += 1
                return keep ? String(decoding: units, as: UTF16.self) : ""
            case UInt8(ascii: "\\"):
                keepPlain(upTo: index)
                index += 1
                guard let escaped = current else { throw .notJSON }
                index += 1
                switch escaped {
                case UInt8(ascii: "u"):
                    let unit = try hexUnit()
                    if unit == 0 { throw .nul }
                    // A surrogate only as half of a pair: a lone one is no character, and no decoder reads it the same.
                    if UTF16.isLeadSurrogate(unit) {
                        guard bytes[index...].starts(with: Array(#"\u"#.utf8)) else { throw .notJSON }
                        index += 2
                        let trail = try hexUnit()
                        guard UTF16.isTrailSurrogate(trail) else { throw .notJSON }
                        units.append(contentsOf: [unit, trail])
                    } else {
                        guard !UTF16.isTrailSurrogate(unit) else { throw .notJSON }
                        units.append(unit)
                    }
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): units.append(UInt16(escaped))
                case UInt8(ascii: "b"): units.append(0x08)
                case UInt8(ascii: "f"): units.append(0x0C)
                case UInt8(ascii: "n"): units.append(0x0A)
                case UInt8(ascii: "r"): units.append(0x0D)
                case UInt8(ascii: "t"): units.append(0x09)
                default: throw .notJSON
                }
                plainStart = index
            case 0x00: throw .nul
            case ..<0x20: throw .notJSON
            default: index += 1
            }
        }
        throw .notJSON
    }
}
