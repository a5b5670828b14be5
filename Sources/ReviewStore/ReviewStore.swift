import Foundation
public import Logging
public import SQLKit

/// The persistence service: owns the connection pool (and, for SQLite, its thread pool), runs migrations, and
/// hands out one façade per area (``moderation``, ``accounts``, ``records``, …; see `StoreAreas.swift`), whose
/// every method throws ``StoreError``, and the repositories of one transaction inside ``transaction(_:)``.
///
/// Create one per process and run it as a service (``run()``, first in the service group, so that it closes last) or
/// around the work that needs it (``run(while:)``); call ``migrate()`` at start-up (``StoreMigrations``).
public final class ReviewStore: Sendable {
    /// Where the data lives.
    public let configuration: DatabaseConfiguration
    let backend: Backend
    private let logger: Logger

    /// Connects lazily: the first query opens the first connection.
    public init(_ configuration: DatabaseConfiguration = .default, logger: Logger = Logger(label: "obsreview.store")) throws(StoreError) {
        self.configuration = configuration
        self.logger = logger
        self.backend = try Backend.connect(configuration, logger: logger)
    }

    var context: SQLContext { SQLContext(target: .pool(backend), dialect: backend.dialect) }

    /// `sqlite` or `postgres`.
    public var backendName: String { backend.dialect.rawValue }

    /// Applies the migrations not yet applied, in order, and returns their numbers (empty when up to date).
    /// Safe to call from several processes at once.
    @discardableResult
    public func migrate() async throws(StoreError) -> [Int] {
        let applied = try await context.run { db in try await Migrator.migrate(db, dialect: backend.dialect) }
        if !applied.isEmpty { logger.info("applied migrations \(applied)", metadata: ["database": "\(configuration)"]) }
        return applied
    }

    /// Runs `body` in one transaction: everything it writes through `tx` commits together, or nothing does when
    /// it throws (its error is rethrown unchanged; database errors become ``StoreError``s).
    ///
    /// Not `throws(StoreError)`, unlike the façades: the body is the caller's code, and the caller's own error
    /// (a refusal it decided on half-way) reaches it unchanged.
    ///
    /// `tx` is valid only inside `body`. The transaction takes the write lock up front on SQLite
    /// (`BEGIN IMMEDIATE`); on PostgreSQL it runs at READ COMMITTED, with row locks where the store needs them.
    public func transaction<R: Sendable>(_ body: (StoreTransaction) async throws -> R) async throws -> R {
        let dialect = backend.dialect
        do {
            return try await backend.withWriteConnection { db in
                try await SQLContext.inTransaction(db, dialect: dialect) { db in
                    try await body(StoreTransaction(context: SQLContext(target: .transaction(db), dialect: dialect)))
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.fromDriver(error) ?? error
        }
    }

    /// Runs raw SQL on one pooled connection, bypassing the repositories: for operations tooling and tests only.
    /// Database errors become ``StoreError``s, as everywhere else; the body's own errors pass through, as in
    /// ``transaction(_:)``.
    public func withRawDatabase<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        do {
            return try await backend.withConnection(body)
        } catch {
            throw StoreError.fromDriver(error) ?? error
        }
    }

    /// Closes the SQLite connections and stops their threads; the store cannot be used afterwards. (A PostgreSQL store
    /// closes when its ``run()`` returns.)
    public func shutdown() async {
        await backend.shutdown()
    }
}

/// The repositories of one open transaction; see ``ReviewStore/transaction(_:)``.
public struct StoreTransaction: Repositories, SQLContextProvider {
    let context: SQLContext
}
