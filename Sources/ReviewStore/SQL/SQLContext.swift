import Foundation
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
            throw StoreError.from(error, dialect: dialect)
        }
    }

    /// Runs `body` atomically: within the current transaction, or in a new write transaction.
    func atomically<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws(StoreError) -> R {
        do {
            switch target {
            case .pool(let backend):
                return try await backend.withConnection { database in
                    try await Self.inTransaction(database, dialect: dialect, body)
                }
            case .transaction(let database):
                return try await body(database)
            }
        } catch {
            throw StoreError.from(error, dialect: dialect)
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
    /// Maps a driver error to a store error; store errors pass through unchanged.
    static func from(_ error: any Error, dialect: Dialect) -> StoreError {
        if let error = error as? StoreError { return error }
        if let mapped = fromDriver(error, dialect: dialect) { return mapped }
        if error is CancellationError { return StoreError(.unavailable, "The operation was cancelled.", cause: error) }
        if error is DecodingError { return StoreError(.corruptData, "A stored row could not be read.", cause: error) }
        return StoreError(.database, "The database operation failed.", cause: error)
    }
}
