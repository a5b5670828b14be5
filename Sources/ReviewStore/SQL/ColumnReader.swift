import Foundation
import SQLKit
import ReviewDomain
import SQLiteNIO

/// The columns of one result row, read by position where the driver allows it (issue 21 item 1, decision 38).
///
/// SQLKit reads a column by name through a generic `Decodable` decoder: a dictionary lookup, an existential box and a
/// decoding container per value. A list of 50 rows of 22 columns spent a fifth of its time there. On SQLite the row
/// read by position (`SQLiteRow`'s own values) converts each value exactly as sqlite-kit's decoder does; PostgreSQL's
/// rows keep going through SQLKit by name. A row mapper written once against this protocol serves both.
protocol ColumnReader {
    /// The text at `index` (named `name` in the statement), `nil` for NULL.
    func text(_ index: Int, _ name: String) throws -> String?
    func integer(_ index: Int, _ name: String) throws -> Int?
    func bool(_ index: Int, _ name: String) throws -> Bool
    /// An id column: lower-case text on SQLite, native on PostgreSQL.
    func uuid(_ index: Int, _ name: String) throws -> UUID?
    /// A time column, rounded to the millisecond as it was written (``Dialect/normalised(_:)``).
    func time(_ index: Int, _ name: String) throws -> Date?
}

extension ColumnReader {
    func requiredText(_ index: Int, _ name: String) throws -> String {
        guard let value = try text(index, name) else { throw Self.missing(name) }
        return value
    }

    func requiredInteger(_ index: Int, _ name: String) throws -> Int {
        guard let value = try integer(index, name) else { throw Self.missing(name) }
        return value
    }

    func id<T: DomainIdentifier>(_ index: Int, _ name: String, as type: T.Type = T.self) throws -> T {
        guard let value = try uuid(index, name) else { throw Self.missing(name) }
        return T(rawValue: value)
    }

    func requiredTime(_ index: Int, _ name: String) throws -> Date {
        guard let value = try time(index, name) else { throw Self.missing(name) }
        return value
    }

    /// A column holding a domain raw value.
    func raw<T: RawRepresentable>(_ index: Int, _ name: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        let text = try requiredText(index, name)
        guard let value = T(rawValue: text) else {
            throw StoreError(.corruptData, "Column \(name) holds \"\(text)\", which is not a \(T.self).")
        }
        return value
    }

    static func missing(_ name: String) -> StoreError { StoreError(.corruptData, "Column \(name) is empty where a value is required.") }
}

/// SQLKit's row, read by name.
struct NamedColumns: ColumnReader {
    let row: any SQLRow

    func text(_ index: Int, _ name: String) throws -> String? { try row.decode(column: name, as: String?.self) }
    func integer(_ index: Int, _ name: String) throws -> Int? { try row.decode(column: name, as: Int?.self) }
    func bool(_ index: Int, _ name: String) throws -> Bool { try row.decode(column: name, as: Bool.self) }
    func uuid(_ index: Int, _ name: String) throws -> UUID? { try row.decodeNil(column: name) ? nil : try row.uuid(name) }
    func time(_ index: Int, _ name: String) throws -> Date? { try row.optionalTime(name) }
}

/// sqlite-nio's row, read by position, each value converted as sqlite-kit's decoder converts it.
struct SQLiteColumns: ColumnReader {
    let values: [SQLiteColumn]

    init(_ row: SQLiteRow) { values = row.columns }

    private func value(_ index: Int, _ name: String) throws -> SQLiteData? {
        guard index < values.count, values[index].name == name else {
            throw StoreError(.corruptData, "Column \(index) of the row is not \(name).")
        }
        let data = values[index].data
        return data.isNull ? nil : data
    }

    private func mismatch(_ name: String, _ data: SQLiteData, _ expected: String) -> StoreError {
        StoreError(.corruptData, "Column \(name) holds \(data), which is not \(expected).")
    }

    func text(_ index: Int, _ name: String) throws -> String? {
        guard let data = try value(index, name) else { return nil }
        guard case .text(let text) = data else { throw mismatch(name, data, "text") }
        return text
    }

    func integer(_ index: Int, _ name: String) throws -> Int? {
        guard let data = try value(index, name) else { return nil }
        guard case .integer(let value) = data else { throw mismatch(name, data, "an integer") }
        return value
    }

    func bool(_ index: Int, _ name: String) throws -> Bool {
        guard let data = try value(index, name), let value = data.bool else { throw Self.missing(name) }
        return value
    }

    func uuid(_ index: Int, _ name: String) throws -> UUID? {
        guard let text = try text(index, name) else { return nil }
        guard let uuid = UUID(canonical: text) ?? UUID(uuidString: text) else {
            throw StoreError(.corruptData, "Column \(name) holds \"\(text)\", which is not an id.")
        }
        return uuid
    }

    func time(_ index: Int, _ name: String) throws -> Date? {
        guard let data = try value(index, name) else { return nil }
        guard let date = Date(sqliteData: data) else { throw mismatch(name, data, "a time") }
        return Dialect.normalised(date)
    }
}
