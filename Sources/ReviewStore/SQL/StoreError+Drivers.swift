import PostgresKit
import SQLiteKit

extension StoreError {
    /// What a person is told when the database's disk is full.
    static let storageFullMessage = "The server's disk is full, so nothing was saved: try again later. The service's administrator has been told."
    /// Maps an SQLite or PostgreSQL error; `nil` for any other error.
    static func fromDriver(_ error: any Error) -> StoreError? {
        if let error = error as? SQLiteError { return from(sqlite: error) }
        if let error = error as? PSQLError { return from(postgres: error) }
        // postgres-nio's pool refuses a lease once the client is shut down (or its requests are cancelled); its error type
        // lives in `_ConnectionPoolModule`, which is not a product we can import, so it is recognised by name.
        if String(reflecting: type(of: error)).hasSuffix(".ConnectionPoolError") {
            return StoreError(.unavailable, "The database is unavailable: the store's connections are shut down.", cause: error)
        }
        return nil
    }

    static func from(sqlite error: SQLiteError) -> StoreError {
        switch error.reason {
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintUniqueRowIDFailed:
            StoreError(.duplicate, "That record already exists.", cause: error)
        case .constraintForeignKeyFailed:
            StoreError(.constraintViolation, "The record refers to something that does not exist.", cause: error)
        case .constraintTriggerFailed:
            StoreError(.constraintViolation, "Refused: \(error.message).", cause: error)
        case .constraint, .constraintCheckFailed, .constraintNotNullFailed, .constraintStrictDataTypeFailed:
            StoreError(.constraintViolation, "The record breaks a rule of the database.", cause: error)
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked, .lockedBySharedCache:
            StoreError(.unavailable, "The database is busy; try again.", cause: error)
        case .full:
            StoreError(.storageFull, Self.storageFullMessage, cause: error)
        default:
            StoreError(.database, "The database operation failed.", cause: error)
        }
    }

    static func from(postgres error: PSQLError) -> StoreError {
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            return StoreError(.unavailable, "The database server cannot be reached.", cause: error)
        }
        return switch state {
        case "23505": StoreError(.duplicate, "That record already exists.", cause: error)
        case "23503": StoreError(.constraintViolation, "The record refers to something that does not exist.", cause: error)
        case "P0001": StoreError(.constraintViolation, "Refused: \(error.serverInfo?[.message] ?? "not allowed").", cause: error)
        case _ where state.hasPrefix("23"): StoreError(.constraintViolation, "The record breaks a rule of the database.", cause: error)
        case "40001", "40P01": StoreError(.conflict, "A concurrent change got in the way; try again.", cause: error)
        case "53100": StoreError(.storageFull, Self.storageFullMessage, cause: error)
        case _ where state.hasPrefix("08") || state.hasPrefix("57") || state == "53300":
            StoreError(.unavailable, "The database server is unavailable.", cause: error)
        default: StoreError(.database, "The database operation failed.", cause: error)
        }
    }
}
