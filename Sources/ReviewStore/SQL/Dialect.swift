import Foundation
import SQLKit

/// Every difference between SQLite and PostgreSQL the store cares about, in one place.
///
/// | | SQLite | PostgreSQL |
/// |---|---|---|
/// | ids | `TEXT`, lower-case UUID | `UUID` |
/// | times | `REAL`, seconds since 1970 | `TIMESTAMPTZ` |
/// | JSON | `TEXT` | `JSONB` (bound with a cast, read back as text) |
/// | write transaction | `BEGIN IMMEDIATE` (takes the write lock up front) | `BEGIN` + row locks |
/// | row locks | none needed: one writer at a time | `FOR UPDATE`, `FOR UPDATE SKIP LOCKED` |
/// | append-only | `RAISE(ABORT)` triggers | a PL/pgSQL trigger function |
enum Dialect: String, Sendable {
    case sqlite
    case postgres

    var idType: String { self == .sqlite ? "TEXT" : "UUID" }
    var timestampType: String { self == .sqlite ? "REAL" : "TIMESTAMPTZ" }
    var jsonType: String { self == .sqlite ? "TEXT" : "JSONB" }
    var bigintType: String { self == .sqlite ? "INTEGER" : "BIGINT" }
    var booleanType: String { self == .sqlite ? "INTEGER" : "BOOLEAN" }
    /// A boolean literal in SQL text (a column default, a migration's update): `0`/`1` on SQLite, `FALSE`/`TRUE` on PostgreSQL.
    func literal(_ value: Bool) -> String { self == .sqlite ? (value ? "1" : "0") : (value ? "TRUE" : "FALSE") }
    /// An integer key that grows with every insert, for "append order".
    var appendOrderKey: String {
        self == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    }

    /// Starts a transaction that will write.
    var beginWrite: SQLQueryString { self == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN" }
    /// Locks the selected rows until commit (PostgreSQL); SQLite's write transaction already excludes other writers.
    var forUpdate: SQLQueryString { self == .sqlite ? "" : " FOR UPDATE" }
    /// Locks the selected rows, passing over rows another transaction holds.
    var forUpdateSkipLocked: SQLQueryString { self == .sqlite ? "" : " FOR UPDATE SKIP LOCKED" }

    /// Binds an id: a UUID for PostgreSQL, the lower-case text for SQLite (so ids read the same as in audit events).
    func id(_ uuid: UUID) -> SQLQueryString {
        self == .sqlite ? "\(bind: uuid.lowercasedString)" : "\(bind: uuid)"
    }

    func id(_ id: some RawRepresentable<UUID>) -> SQLQueryString { self.id(id.rawValue) }

    func optionalID(_ id: (some RawRepresentable<UUID>)?) -> SQLQueryString {
        guard let id else { return "NULL" }
        return self.id(id)
    }

    /// Binds a time, rounded to the millisecond: the precision every time column keeps (see ``normalised(_:)``).
    func time(_ date: Date) -> SQLQueryString { "\(bind: Self.normalised(date))" }

    /// `date` rounded to the millisecond.
    ///
    /// SQLite keeps a `Double`, PostgreSQL whole microseconds, and each driver converts differently, so a
    /// `Date` with arbitrary sub-second digits would not read back equal. The store rounds every time to the
    /// millisecond on the way in and again on the way out, so a value reads back exactly as it was written
    /// (as rounded). The audit chain's canonical form has the same precision.
    static func normalised(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// Binds JSON text.
    func json(_ text: String) -> SQLQueryString {
        self == .sqlite ? "\(bind: text)" : "CAST(\(bind: text) AS JSONB)"
    }

    /// Reads a JSON column back as text, named after the column.
    func jsonText(_ column: String) -> SQLQueryString {
        self == .sqlite ? "\(ident: column)" : "CAST(\(ident: column) AS TEXT) AS \(ident: column)"
    }

    /// An aggregate joining a text or id column's values with commas (in no particular order).
    func joinedWithCommas(_ column: String) -> String {
        self == .sqlite ? "group_concat(\(column), ',')" : "string_agg(CAST(\(column) AS TEXT), ',')"
    }

    /// Statements that make `table` append-only: UPDATE and DELETE (and TRUNCATE on PostgreSQL) fail.
    func appendOnlyTriggers(_ table: String) -> [String] {
        switch self {
        case .sqlite:
            ["UPDATE", "DELETE"].map { operation in
                """
                CREATE TRIGGER \(table)_no_\(operation.lowercased()) BEFORE \(operation) ON \(table)
                BEGIN SELECT RAISE(ABORT, '\(table) is append-only: \(operation) is not allowed'); END
                """
            }
        case .postgres:
            [
                "CREATE TRIGGER \(table)_append_only BEFORE UPDATE OR DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION forbid_change()",
                "CREATE TRIGGER \(table)_no_truncate BEFORE TRUNCATE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()",
            ]
        }
    }
}
