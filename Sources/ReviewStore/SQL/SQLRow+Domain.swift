import Foundation
import ReviewDomain
import SQLKit

extension SQLRow {
    func id<T: DomainIdentifier>(_ column: String, as type: T.Type = T.self) throws -> T {
        T(rawValue: try uuid(column))
    }

    func optionalID<T: DomainIdentifier>(_ column: String, as type: T.Type = T.self) throws -> T? {
        try decodeNil(column: column) ? nil : T(rawValue: try uuid(column))
    }

    /// A UUID column: native on PostgreSQL, text on SQLite.
    func uuid(_ column: String) throws -> UUID {
        if let uuid = try? decode(column: column, as: UUID.self) { return uuid }
        let text = try decode(column: column, as: String.self)
        guard let uuid = UUID(uuidString: text) else {
            throw StoreError(.corruptData, "Column \(column) holds \"\(text)\", which is not an id.")
        }
        return uuid
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
