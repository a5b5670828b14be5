import Foundation
import Logging
import NIOSSL
import PostgresKit
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// The connection pool behind a store: SQLite connections to one file, or a PostgreSQL client. The PostgreSQL client
/// works only while ``run()`` runs (the store runs it as a service, decision 19).
enum Backend: Sendable {
    case sqlite(SQLitePool)
    case postgres(PostgresClient)

    var dialect: Dialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    static func connect(_ configuration: DatabaseConfiguration, logger: Logger) throws(StoreError) -> Backend {
        switch configuration {
        case .sqlite(let path):
            let url = URL(fileURLWithPath: path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            } catch {
                throw StoreError(.invalidConfiguration, "Cannot create the folder for the SQLite database \(path).", cause: error)
            }
            return .sqlite(SQLitePool(path: url.path, logger: logger))
        case .postgres(let url):
            let parsed = try PostgresURL(url)
            let tls: PostgresClient.Configuration.TLS =
                switch parsed.tls {
                case .disable: .disable
                case .prefer: .prefer(.makeClientConfiguration())
                case .require: .require(.makeClientConfiguration())
                }
            var clientConfiguration = PostgresClient.Configuration(
                host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
                database: parsed.database, tls: tls
            )
            clientConfiguration.options.maximumConnections = 10
            // The pool logs a warning when a lease races the start of `run()`; only its errors are worth seeing.
            var backgroundLogger = logger
            backgroundLogger.logLevel = max(logger.logLevel, .error)
            let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: backgroundLogger)
            return .postgres(client)
        }
    }

    /// Runs `body` with one connection leased for its duration.
    func withConnection<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        switch self {
        case .sqlite(let pool):
            try await pool.withConnection { try await body($0.sql(queryLogLevel: .trace)) }
        case .postgres(let client):
            try await client.withConnection { try await body($0.sql(queryLogLevel: .trace)) }
        }
    }

    /// Runs `body`, a write transaction, with one connection: on SQLite once this process's earlier write transactions
    /// are done (``SQLitePool/withWriteConnection(_:)``); PostgreSQL's writers run side by side under row locks.
    func withWriteConnection<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        switch self {
        case .sqlite(let pool):
            try await pool.withWriteConnection { try await body($0.sql(queryLogLevel: .trace)) }
        case .postgres:
            try await withConnection(body)
        }
    }

    /// Runs the pool until graceful shutdown or cancellation: the PostgreSQL client's connections live in this task
    /// and close when it returns; SQLite has nothing to run, and waits.
    func run() async {
        switch self {
        case .sqlite:
            try? await gracefulShutdown()
        case .postgres(let client):
            await client.run()
        }
    }

    /// Closes what ``run()`` does not: the SQLite connections and their threads.
    func shutdown() async {
        switch self {
        case .sqlite(let pool):
            await pool.shutdown()
        case .postgres:
            break
        }
    }
}
