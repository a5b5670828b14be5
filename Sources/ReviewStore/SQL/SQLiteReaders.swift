import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import VaporCSQLite

/// Read connections to the store's SQLite file driven through SQLite's C API, for the pages people wait on (issue 21
/// item 1, decision 43): a statement prepared once per connection and kept, stepped row by row with each row's values
/// read in place (no `SQLiteRow`, no `String` per value) by a caller that writes its response as the rows go by.
///
/// They are the same SQLite library sqlite-nio links (its `sqlite_nio_` symbols), so its file locks are shared with
/// the pool's connections; each is opened `query_only`, so nothing written through it can change the file. A
/// connection is used by one thread at a time: ``read(_:_:_:)`` takes one from the idle ones (or opens one) and
/// gives it back. The caller runs it on the pool's thread pool, so there are never more than its threads.
final class SQLiteReaders: Sendable {
    private let path: String
    private let state = NIOLockedValueBox(State())
    /// The connection that answers ``dataVersion()``, kept for it alone, and how many times it has been opened.
    private let versions = NIOLockedValueBox(Versions())

    private struct State {
        var idle: [ReadConnection] = []
        var isShutDown = false
    }

    private struct Versions {
        var connection: ReadConnection?
        var opened = 0
        var isShutDown = false
    }

    init(path: String) { self.path = path }

    /// Runs `sql` with `binds` on a read connection and hands its rows to `body` (on the calling thread).
    func read<R>(_ sql: String, _ binds: [SQLiteData], _ body: (inout StoredRows) throws -> R) throws -> R {
        let connection = try lease()
        defer { release(connection) }
        let statement = try connection.statement(sql)
        // Every parameter is bound anew before each use, so the bindings are not cleared (clearing them makes SQLite
        // prepare a statement again when the planner looked at one of them).
        defer { sqlite_nio_sqlite3_reset(statement) }
        for (index, value) in binds.enumerated() {
            try connection.check(Self.bind(value, at: Int32(index + 1), to: statement))
        }
        var rows = StoredRows(statement: statement)
        return try body(&rows)
    }

    /// Runs `body` with a read connection inside one read transaction: every statement it runs (``ReadConnection/each(_:_:)``)
    /// sees the same committed state of the file (the statistics' facts, decision 46).
    func snapshot<R>(_ body: (ReadConnection) throws -> R) throws -> R {
        let connection = try lease()
        defer { release(connection) }
        try connection.check(connection.execute("BEGIN"))
        do {
            let result = try body(connection)
            try connection.check(connection.execute("COMMIT"))
            return result
        } catch {
            _ = connection.execute("ROLLBACK")
            throw error
        }
    }

    private func lease() throws -> ReadConnection {
        enum Lease { case shutDown, idle(ReadConnection), none }
        let lease = state.withLockedValue { state -> Lease in
            guard !state.isShutDown else { return .shutDown }
            return state.idle.popLast().map(Lease.idle) ?? .none
        }
        switch lease {
        case .shutDown: throw StoreError(.unavailable, "The store is shut down.")
        case .idle(let connection): return connection
        case .none: return try ReadConnection(path: path)
        }
    }

    private func release(_ connection: ReadConnection) {
        let kept = state.withLockedValue { state in
            guard !state.isShutDown else { return false }
            state.idle.append(connection)
            return true
        }
        if !kept { connection.close() }
    }

    /// The file's data version as one connection kept for the purpose sees it (`PRAGMA data_version`): it changes
    /// whenever any other connection, of this process or another, has committed since it was last asked. Asked on the
    /// calling thread (a few microseconds: one read transaction begun and ended); `nil` when it cannot be told at once
    /// (the file busy, the store shut down), which a caller takes as "changed".
    func dataVersion() -> StoreDataVersion? {
        versions.withLockedValue { versions in
            guard !versions.isShutDown else { return nil }
            do {
                if versions.connection == nil {
                    // No busy wait: the caller is a request's thread, and would rather read afresh than wait.
                    versions.connection = try ReadConnection(path: path, busyTimeoutMilliseconds: 0)
                    versions.opened += 1
                }
                return StoreDataVersion(connection: versions.opened, value: try versions.connection!.dataVersion())
            } catch {
                // Versions of a connection opened later are not comparable with this one's: the count tells them apart.
                versions.connection?.close()
                versions.connection = nil
                return nil
            }
        }
    }

    /// Closes the idle connections now and the busy ones when they are given back.
    func shutdown() {
        versions.withLockedValue { versions in
            versions.isShutDown = true
            versions.connection?.close()
            versions.connection = nil
        }
        let idle = state.withLockedValue { state in
            state.isShutDown = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.close() }
    }

    /// `query` as SQLite text with `?` placeholders and its binds, as SQLKit would send it to a pool connection.
    static func serialize(_ query: SQLQueryString) -> (sql: String, binds: [any Encodable & Sendable]) {
        SerializingDatabase().serialize(query)
    }

    /// SQLKit serialises against a database (for its dialect); this one only serialises.
    private struct SerializingDatabase: SQLDatabase {
        var logger: Logger { Logger(label: "obsreview.sqlite-readers") }
        var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
        var dialect: any SQLDialect { SQLiteDialect() }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
            eventLoop.makeFailedFuture(StoreError(.database, "The database operation failed."))
        }
    }

    private static func bind(_ value: SQLiteData, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let value): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))
        case .float(let value): sqlite_nio_sqlite3_bind_double(statement, index, value)
        case .text(let value):
            sqlite_nio_sqlite3_bind_text64(statement, index, value, UInt64(value.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .blob(let value):
            value.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
            }
        case .null: sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }
}

/// SQLite copies a value bound with this destructor.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One read connection and the statements prepared on it, kept until it closes.
final class ReadConnection: @unchecked Sendable {
    // Unchecked: used by one thread at a time, handed over under ``SQLiteReaders``' lock.
    private var handle: OpaquePointer?
    private var statements: [String: (statement: OpaquePointer, used: Int)] = [:]
    private var uses = 0
    /// Statements kept per connection: the lists' filters, sorts and pages make a few dozen shapes in use at a time;
    /// past this the least recently used one is dropped, so the cache never grows with every page or combination of ids.
    private static let keptStatements = 64

    init(path: String, busyTimeoutMilliseconds: Int = SQLitePool.busyTimeoutMilliseconds) throws {
        var handle: OpaquePointer?
        // No SQLITE_OPEN_CREATE: the pool's connections made the file; a reader never makes an empty one.
        let opened = sqlite_nio_sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        self.handle = handle
        guard opened == SQLITE_OK else {
            let error = SQLiteReadError(code: opened, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open")
            close()
            throw error.storeError
        }
        do {
            // The pool's pragmas that matter to a reader (SQLitePool.open); `query_only` refuses any write.
            for pragma in [
                "PRAGMA query_only = ON", "PRAGMA busy_timeout = \(busyTimeoutMilliseconds)",
                "PRAGMA mmap_size = 268435456", SQLitePool.cacheSize, "PRAGMA temp_store = MEMORY",
            ] {
                try check(execute(pragma))
            }
        } catch {
            close()
            throw error
        }
    }

    /// `sql` prepared on this connection, kept for the next time (SQLite prepares it again itself after a schema change).
    func statement(_ sql: String) throws -> OpaquePointer {
        uses += 1
        if let kept = statements[sql] {
            statements[sql] = (kept.statement, uses)
            return kept.statement
        }
        if statements.count >= Self.keptStatements, let oldest = statements.min(by: { $0.value.used < $1.value.used }) {
            sqlite_nio_sqlite3_finalize(oldest.value.statement)
            statements[oldest.key] = nil
        }
        var statement: OpaquePointer?
        try check(sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil))
        guard let statement else { throw StoreError(.database, "The database operation failed.") }
        statements[sql] = (statement, uses)
        return statement
    }

    /// Runs `sql` (no binds) and hands `body` each of its rows, read in place.
    func each(_ sql: String, _ body: (StoredRows) throws -> Void) throws {
        let statement = try statement(sql)
        defer { sqlite_nio_sqlite3_reset(statement) }
        var rows = StoredRows(statement: statement)
        while try rows.next() { try body(rows) }
    }

    /// Runs a statement that returns no rows (`BEGIN`, `COMMIT`); SQLite's result code.
    func execute(_ sql: String) -> Int32 {
        sqlite_nio_sqlite3_exec(handle, sql, nil, nil, nil)
    }

    /// `PRAGMA data_version` on this connection.
    func dataVersion() throws -> Int64 {
        let statement = try statement("PRAGMA data_version")
        defer { sqlite_nio_sqlite3_reset(statement) }
        var rows = StoredRows(statement: statement)
        guard try rows.next(), let value = try rows.integer(0, "data_version") else {
            throw StoreError(.database, "The database operation failed.")
        }
        return Int64(value)
    }

    func check(_ code: Int32) throws {
        guard code != SQLITE_OK else { return }
        throw SQLiteReadError(code: code, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "").storeError
    }

    private func finalizeAll() {
        for kept in statements.values { sqlite_nio_sqlite3_finalize(kept.statement) }
        statements = [:]
    }

    func close() {
        finalizeAll()
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    deinit { close() }
}

/// What the store's file held when it was asked (``RecordStore/dataVersion()``): two equal versions mean that nothing
/// was committed in between, by this process or another.
public struct StoreDataVersion: Hashable, Sendable {
    /// Which opening of the connection that answered (its versions are comparable only with each other).
    let connection: Int
    let value: Int64
}

/// An SQLite result code from a read connection, kept as the cause of the ``StoreError`` people are shown.
struct SQLiteReadError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    var description: String { "SQLite error \(code): \(message)" }

    /// The same mapping as sqlite-nio's errors (``StoreError/from(sqlite:)``) for what a read can meet.
    var storeError: StoreError {
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: StoreError(.unavailable, "The database is busy; try again.", cause: self)
        case SQLITE_FULL: StoreError(.storageFull, StoreError.storageFullMessage, cause: self)
        default: StoreError(.database, "The database operation failed.", cause: self)
        }
    }
}

/// The rows of a statement on a read connection, read in place: a row's values are valid until ``next()`` moves on.
public struct StoredRows {
    let statement: OpaquePointer

    /// Moves to the next row; `false` after the last.
    public mutating func next() throws(StoreError) -> Bool {
        let code = sqlite_nio_sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = String(cString: sqlite_nio_sqlite3_errmsg(sqlite_nio_sqlite3_db_handle(statement)))
            throw SQLiteReadError(code: code, message: message).storeError
        }
    }

    /// The text at `index` as SQLite holds it (up to its first NUL, as sqlite-nio reads it), `nil` for NULL; a value
    /// of another type is a `corruptData` error naming `name`.
    func text(_ index: Int32, _ name: @autoclosure () -> String) throws(StoreError) -> UnsafeBufferPointer<UInt8>? {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_NULL: return nil
        case SQLITE_TEXT:
            guard let bytes = sqlite_nio_sqlite3_column_text(statement, index) else { return nil }
            return UnsafeBufferPointer(start: bytes, count: strlen(bytes))
        default: throw mismatch(index, name, "text")
        }
    }

    func integer(_ index: Int32, _ name: @autoclosure () -> String) throws(StoreError) -> Int? {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: return Int(sqlite_nio_sqlite3_column_int64(statement, index))
        default: throw mismatch(index, name, "an integer")
        }
    }

    /// A time column as sqlite-kit's decoder reads it (`Date(sqliteData:)`), rounded to the millisecond as written.
    func time(_ index: Int32, _ name: @autoclosure () -> String) throws(StoreError) -> Date? {
        guard let data = data(index) else { return nil }
        guard let date = Date(sqliteData: data) else { throw StoreError(.corruptData, "Column \(name()) holds \(data), which is not a time.") }
        return Dialect.normalised(date)
    }

    /// A boolean column as sqlite-nio reads one (`SQLiteData.bool`: 1 or 0); anything else, NULL included, is a
    /// `corruptData` error.
    func bool(_ index: Int32, _ name: @autoclosure () -> String) throws(StoreError) -> Bool {
        guard let data = data(index), let value = data.bool else {
            throw StoreError(.corruptData, "Column \(name()) holds \(data(index).map { "\($0)" } ?? "NULL"), which is not true or false.")
        }
        return value
    }

    /// The value at `index` as sqlite-nio would hand it over, `nil` for NULL (for the rare columns read that way).
    private func data(_ index: Int32) -> SQLiteData? {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, index)))
        case SQLITE_TEXT: return .text(String(cString: sqlite_nio_sqlite3_column_text(statement, index)))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, index) { buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count)) }
            return .blob(buffer)
        default: return nil
        }
    }

    private func mismatch(_ index: Int32, _ name: () -> String, _ expected: String) -> StoreError {
        StoreError(.corruptData, "Column \(name()) holds a value of SQLite type \(sqlite_nio_sqlite3_column_type(statement, index)), which is not \(expected).")
    }
}
