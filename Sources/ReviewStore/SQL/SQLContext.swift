import Foundation
import ReviewDomain
import SQLKit

/// Where a repository's SQL runs: on the store's pool (each operation leases a connection, and an operation
/// of several statements opens its own transaction) or inside one open transaction.
struct SQLContext: Sendable {
    enum Target: Sendable {
        case pool(Backend)
        case transaction(any SQLDatabase)
    }

    let target: Target
    let dialect: Dialect

    /// Runs a read or a single statement.
    func run<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws(StoreError) -> R {
        do {
            switch target {
            case .pool(let backend): return try await backend.withConnection(body)
            case .transaction(let database): return try await body(database)
            }
        } catch {
            throw StoreError(wrapping: error)
        }
    }

    /// Runs `body` atomically: within the current transaction, or in a new write transaction.
    func atomically<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws(StoreError) -> R {
        do {
            switch target {
            case .pool(let backend):
                return try await backend.withWriteConnection { database in
                    try await Self.inTransaction(database, dialect: dialect, body)
                }
            case .transaction(let database):
                return try await body(database)
            }
        } catch {
            throw StoreError(wrapping: error)
        }
    }

    /// BEGIN, `body`, COMMIT; ROLLBACK when anything throws.
    static func inTransaction<R: Sendable>(
        _ database: any SQLDatabase, dialect: Dialect, _ body: (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await database.raw(dialect.beginWrite).run()
        do {
            let result = try await body(database)
            try await database.raw("COMMIT").run()
            return result
        } catch {
            // A failed COMMIT has already ended the transaction on PostgreSQL; ROLLBACK then only warns.
            try? await database.raw("ROLLBACK").run()
            throw error
        }
    }
}

extension StoreError {
    /// The one mapping of whatever a store operation threw to a store error: store errors pass through unchanged,
    /// SQLite and PostgreSQL errors get their codes (``fromDriver(_:)``), and a domain refusal (``DomainError``,
    /// ``CaseTransitionError``: a rule of ReviewDomain the request broke) becomes `.invalidArgument` with the same
    /// message and the refusal as its ``cause``, so that the edge can still answer from the refusal itself.
    init(wrapping error: any Error) {
        switch error {
        case let error as StoreError: self = error
        case let error as DomainError: self.init(.invalidArgument, error.message, cause: error)
        case let error as CaseTransitionError: self.init(.invalidArgument, error.message, cause: error)
        case is CancellationError: self.init(.unavailable, "The operation was cancelled.", cause: error)
        case is DecodingError: self.init(.corruptData, "A stored row could not be read.", cause: error)
        default: self = Self.fromDriver(error) ?? StoreError(.database, "The database operation failed.", cause: error)
        }
    }

    /// Runs `body`, turning whatever it throws into a ``StoreError`` (``init(wrapping:)``).
    static func mapping<R>(_ body: () throws -> R) throws(StoreError) -> R {
        do { return try body() } catch { throw StoreError(wrapping: error) }
    }
}
