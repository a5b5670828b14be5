import Foundation
import ReviewDomain
import SQLKit
import SQLiteNIO
import VaporCSQLite

/// A result row read by column position, for reads of a hundred thousand rows (the insight facts, issue 21 item 7):
/// on SQLite in place from a read connection's statement, without SQLKit's generic per-column decoder (with the UUID
/// parsing under it, a fifth of `obsreview stats`, decision 39) or sqlite-nio's row (decision 46); on PostgreSQL
/// through SQLKit by the column's name. A value of the wrong type is refused as corrupt data, as SQLKit's decoder refuses it.
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
}

/// A SQLite row by position, read in place from a read connection's statement (``StoredRows``): typed as the store
/// writes them (ids as text, times as seconds since 1970); an id is parsed from SQLite's bytes, with no `String` made.
struct StoredPositionalRow: PositionalRow {
    let rows: StoredRows

    /// `table.column` where SQLite knows the table, for messages: a corrupt value names where it is.
    func name(_ column: Int) -> String {
        let name = sqlite_nio_sqlite3_column_name(rows.statement, Int32(column)).map { String(cString: $0) } ?? "\(column)"
        guard let table = sqlite_nio_sqlite3_column_table_name(rows.statement, Int32(column)) else { return name }
        return "\(String(cString: table)).\(name)"
    }

    func text(_ column: Int) throws -> String? {
        try rows.text(Int32(column), name(column)).map { String(decoding: $0, as: UTF8.self) }
    }

    func integer(_ column: Int) throws -> Int? { try rows.integer(Int32(column), name(column)) }

    func time(_ column: Int) throws -> Date? { try rows.time(Int32(column), name(column)) }

    /// The canonical form only (either case): Foundation's parser on Linux also takes stray signs, spaces and dashes and
    /// reads them as another id, so anything else is corrupt.
    func uuid(_ column: Int) throws -> UUID? {
        guard let bytes = try rows.text(Int32(column), name(column)) else { return nil }
        guard let uuid = UUID(canonicalBytes: bytes) else {
            throw StoreError(.corruptData, "Column \(name(column)) holds \"\(String(decoding: bytes, as: UTF8.self))\", which is not an id.")
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

/// Where a large read's rows come from, one query at a time, each row read by position (the statistics' facts).
protocol PositionalRowSource {
    /// Runs `query` (no binds) and hands `body` each row, in the order of the query's columns.
    func eachRow(_ query: String, _ body: (any PositionalRow) throws -> Void) throws
}

/// On SQLite: a read connection, its rows stepped in place.
extension ReadConnection: PositionalRowSource {
    func eachRow(_ query: String, _ body: (any PositionalRow) throws -> Void) throws {
        try each(query) { try body(StoredPositionalRow(rows: $0)) }
    }
}

/// On PostgreSQL: the rows of each query fetched through SQLKit first, then read by the column's name. The queries run
/// in one read-only `REPEATABLE READ` transaction on one connection, so that they see one committed state.
struct FetchedRows: PositionalRowSource {
    private var results: [String: [any SQLRow]] = [:]

    init(_ db: any SQLDatabase, _ queries: [String]) async throws {
        try await db.raw("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").run()
        do {
            for query in queries where results[query] == nil { results[query] = try await db.raw("\(unsafeRaw: query)").all() }
            try await db.raw("COMMIT").run()
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    func eachRow(_ query: String, _ body: (any PositionalRow) throws -> Void) throws {
        guard let rows = results[query] else { throw StoreError(.database, "The database operation failed.") }
        guard let names = rows.first?.allColumns else { return }
        for row in rows { try body(SQLKitPositionalRow(row: row, names: names)) }
    }
}
