import Foundation
import Logging
import NIOSSL
import PostgresKit
import SQLKit
import SQLiteKit

/// The connection pool behind a store: SQLite connections to one file, or a PostgreSQL client.
enum Backend: Sendable {
    case sqlite(SQLitePool)
    case postgres(PostgresClient, runner: Task<Void, Never>)

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
            return .postgres(client, runner: Task { await client.run() })
        }
    }

    /// Runs `body` with one connection leased for its duration.
    func withConnection<R: Sendable>(_ body: (any SQLDatabase) async throws -> R) async throws -> R {
        switch self {
        case .sqlite(let pool):
            try await pool.withConnection { try await body($0.sql(queryLogLevel: .trace)) }
        case .postgres(let client, _):
            try await client.withConnection { try await body($0.sql(queryLogLevel: .trace)) }
        }
    }

    func shutdown() async {
        switch self {
        case .sqlite(let pool):
            await pool.shutdown()
        case .postgres(_, let runner):
            runner.cancel()
            await runner.value
        }
    }
}
