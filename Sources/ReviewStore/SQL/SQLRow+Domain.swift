public import Foundation
import ReviewDomain
import SQLKit

extension SQLRow {
    func id<T: DomainIdentifier>(_ column: String, as type: T.Type = T.self) throws -> T {
        T(rawValue: try uuid(column))
    }

    func optionalID<T: DomainIdentifier>(_ column: String, as type: T.Type = T.self) throws -> T? {
        try decodeNil(column: column) ? nil : T(rawValue: try uuid(column))
    }

    /// A UUID column: text on SQLite (read first: the common case), native on PostgreSQL.
    func uuid(_ column: String) throws -> UUID {
        if let text = try? decode(column: column, as: String.self) {
            guard let uuid = UUID(canonical: text) ?? UUID(uuidString: text) else {
                throw StoreError(.corruptData, "Column \(column) holds \"\(text)\", which is not an id.")
            }
            return uuid
        }
        return try decode(column: column, as: UUID.self)
    }

    func value<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try decode(column: column, as: T.self)
    }

    /// A time column, rounded to the millisecond as it was written (see ``Dialect/normalised(_:)``).
    func time(_ column: String) throws -> Date {
        Dialect.normalised(try decode(column: column, as: Date.self))
    }

    func optionalTime(_ column: String) throws -> Date? {
        try decode(column: column, as: Date?.self).map(Dialect.normalised)
    }

    /// A column holding a domain raw value.
    func raw<T: RawRepresentable>(_ column: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        let text = try decode(column: column, as: String.self)
        guard let value = T(rawValue: text) else {
            throw StoreError(.corruptData, "Column \(column) holds \"\(text)\", which is not a \(T.self).")
        }
        return value
    }

    /// A JSON column read back as text (see ``Dialect/jsonText(_:)``), decoded.
    func json<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try JSONCoding.decoder.decode(T.self, from: Data(decode(column: column, as: String.self).utf8))
    }
}

/// The JSON settings for document columns: sorted keys, exact dates.
enum JSONCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static var decoder: JSONDecoder { JSONDecoder() }

    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension UUID {
    /// Parses the canonical 36-character form (`8-4-4-4-12` hexadecimal digits, either case) without Foundation's
    /// parser, which on Linux goes through `sscanf` and dominated reading large result sets (and 1% of a small range
    /// request when it read path ids, issue 21); `nil` for anything else.
    public init?(canonical text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.canonical($0) }) else { return nil }
        self.init(uuid: parsed)
    }

    /// The same for the bytes of a text as SQLite holds them (the statistics' read, decision 46).
    init?(canonicalBytes bytes: UnsafeBufferPointer<UInt8>) {
        guard let parsed = Self.canonical(bytes) else { return nil }
        self.init(uuid: parsed)
    }

    private static func canonical(_ bytes: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard bytes.count == 36, bytes[8] == dash, bytes[13] == dash, bytes[18] == dash, bytes[23] == dash else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &value) { out -> Bool in
            var invalid: UInt8 = 0
            for (byte, index) in digitPairs.enumerated() {
                let high = hexValues[Int(bytes[index])], low = hexValues[Int(bytes[index + 1])]
                invalid |= (high | low) & 0xF0
                out[byte] = high << 4 | low
            }
            return invalid == 0
        }
        return ok ? value : nil
    }

    private static let dash = UInt8(ascii: "-")
    /// Where each of the 16 bytes' two digits start in the canonical form.
    private static let digitPairs = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]
    /// Each byte's value as a hexadecimal digit (either case), 0xFF for anything else: one load a digit, no branch.
    private static let hexValues: [UInt8] = (0...255).map { c in
        switch UInt8(c) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(c) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(c) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(c) - UInt8(ascii: "A") + 10
        default: 0xFF
        }
    }
}
