import Foundation
import ReviewDomain
import SQLKit
import SQLiteNIO

/// A result row read by column position, for reads of a hundred thousand rows (the insight facts, issue 21 item 7):
/// on SQLite straight from sqlite-nio's row on the pool's connection, without SQLKit's generic per-column decoder
/// (with the UUID parsing under it, a fifth of `obsreview stats`, decision 39); on PostgreSQL through SQLKit by the
/// column's name. A value of the wrong type is refused as corrupt data, as SQLKit's decoder refuses it.
protocol PositionalRow {
    /// The column's name, for messages.
    func name(_ column: Int) -> String
    func text(_ column: Int) throws -> String?
    func integer(_ column: Int) throws -> Int?
    /// A time, rounded to the millisecond as it was written (``Dialect/normalised(_:)``).
    func time(_ column: Int) throws -> Date?
    func uuid(_ column: Int) throws -> UUID?
}

extension PositionalRow {
    func id<T: DomainIdentifier>(_ column: Int, as type: T.Type = T.self) throws -> T {
        T(rawValue: try required(column, uuid(column)))
    }

    func optionalID<T: DomainIdentifier>(_ column: Int, as type: T.Type = T.self) throws -> T? {
        try uuid(column).map(T.init(rawValue:))
    }

    func requiredTime(_ column: Int) throws -> Date { try required(column, time(column)) }

    func requiredText(_ column: Int) throws -> String { try required(column, text(column)) }

    func requiredInteger(_ column: Int) throws -> Int { try required(column, integer(column)) }

    /// A column holding a domain raw value.
    func raw<T: RawRepresentable>(_ column: Int, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        let text = try requiredText(column)
        guard let value = T(rawValue: text) else {
            throw StoreError(.corruptData, "Column \(name(column)) holds \"\(text)\", which is not a \(T.self).")
        }
        return value
    }

    private func required<T>(_ column: Int, _ value: T?) throws -> T {
        guard let value else { throw StoreError(.corruptData, "Column \(name(column)) is empty where a value is required.") }
        return value
    }

    fileprivate func corrupt(_ column: Int, _ expected: String) -> StoreError {
        StoreError(.corruptData, "Column \(name(column)) does not hold \(expected).")
    }
}

/// A SQLite row by position: the values as sqlite-nio read them, typed as the store writes them (ids as text, times as
/// seconds since 1970).
struct SQLitePositionalRow: PositionalRow {
    let columns: [SQLiteColumn]

    func name(_ column: Int) -> String { columns[column].name }

    func text(_ column: Int) throws -> String? {
        switch columns[column].data {
        case .null: nil
        case .text(let text): text
        default: throw corrupt(column, "text")
        }
    }

    func integer(_ column: Int) throws -> Int? {
        switch columns[column].data {
        case .null: nil
        case .integer(let value): value
        default: throw corrupt(column, "a whole number")
        }
    }

    func time(_ column: Int) throws -> Date? {
        let data = columns[column].data
        if case .null = data { return nil }
        guard let date = Date(sqliteData: data) else { throw corrupt(column, "a time") }
        return Dialect.normalised(date)
    }

    func uuid(_ column: Int) throws -> UUID? {
        guard let text = try text(column) else { return nil }
        guard let uuid = UUID(canonical: text) ?? UUID(uuidString: text) else {
            throw StoreError(.corruptData, "Column \(name(column)) holds \"\(text)\", which is not an id.")
        }
        return uuid
    }
}

/// Any SQLKit row by position: the column's name looked up in the result's columns.
struct SQLKitPositionalRow: PositionalRow {
    let row: any SQLRow
    let names: [String]

    func name(_ column: Int) -> String { names[column] }

    func text(_ column: Int) throws -> String? { try row.decode(column: names[column], as: String?.self) }

    func integer(_ column: Int) throws -> Int? { try row.decode(column: names[column], as: Int?.self) }

    func time(_ column: Int) throws -> Date? { try row.optionalTime(names[column]) }

    func uuid(_ column: Int) throws -> UUID? { try row.decodeNil(column: names[column]) ? nil : try row.uuid(names[column]) }
}

extension ModerationSQL {
    /// Runs `query` (no binds) and hands `body` each row to read by position, in the order of the query's columns: on
    /// SQLite on the connection this read leased (``SQLitePool/leased``), otherwise through SQLKit.
    func eachRow(_ query: String, _ body: (any PositionalRow) throws -> Void) async throws {
        if dialect == .sqlite, let connection = SQLitePool.leased {
            for row in try await connection.query(query, []) { try body(SQLitePositionalRow(columns: row.columns)) }
            return
        }
        let rows = try await db.raw("\(unsafeRaw: query)").all()
        guard let names = rows.first?.allColumns else { return }
        for row in rows { try body(SQLKitPositionalRow(row: row, names: names)) }
    }
}
