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
        let parsed: uuid_t? = text.withUTF8 { bytes -> uuid_t? in
            guard bytes.count == 36 else { return nil }
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let ok = withUnsafeMutableBytes(of: &value) { out -> Bool in
                var index = 0, byte = 0
                while index < 36 {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        guard bytes[index] == UInt8(ascii: "-") else { return false }
                        index += 1
                        continue
                    }
                    guard let high = Self.hexDigit(bytes[index]), let low = Self.hexDigit(bytes[index + 1]) else { return false }
                    out[byte] = high << 4 | low
                    byte += 1
                    index += 2
                }
                return byte == 16
            }
            return ok ? value : nil
        }
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
