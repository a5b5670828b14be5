import Foundation
import ReviewStore
import SQLKit
import Testing

/// The backends the conformance suite runs on.
enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static let postgresURLVariable = "OBSREVIEW_TEST_POSTGRES_URL"
    static var postgresURL: String? { ProcessInfo.processInfo.environment[postgresURLVariable].flatMap { $0.isEmpty ? nil : $0 } }
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}

struct PostgresNotConfigured: Error, CustomStringConvertible {
    var description: String {
        "\(TestBackend.postgresURLVariable) is not set and CI=true: the PostgreSQL conformance run is required in CI."
    }
}

/// Runs `body` with a migrated store on a fresh database: a new SQLite file, or a new PostgreSQL database
/// (`CREATE DATABASE t_<random>` on the server in OBSREVIEW_TEST_POSTGRES_URL, dropped afterwards).
///
/// Without that variable the PostgreSQL case is skipped with the reason shown — unless CI=true, where it fails.
func withStore(_ backend: TestBackend, _ body: (ReviewStore) async throws -> Void) async throws {
    switch backend {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ReviewStore(.sqlite(path: folder.appendingPathComponent("test.sqlite").path))
        try await run(body, on: store)
    case .postgres:
        guard let serverURL = TestBackend.postgresURL else {
            if TestBackend.isCI {
                Issue.record(PostgresNotConfigured())
                throw PostgresNotConfigured()
            }
            try Test.cancel("PostgreSQL skipped: \(TestBackend.postgresURLVariable) is not set (scripts/test starts a throwaway server).")
        }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try ReviewStore(.postgres(url: try databaseURL(serverURL, database: "postgres")))
        try await admin.run {
            try await admin.withRawDatabase { db in try await db.raw("CREATE DATABASE \(ident: String(name))").run() }
            let store = try ReviewStore(.postgres(url: try databaseURL(serverURL, database: String(name))))
            do {
                try await store.run { try await run(body, on: store) }
            } catch {
                try? await admin.withRawDatabase { db in try await db.raw("DROP DATABASE \(ident: String(name)) WITH (FORCE)").run() }
                throw error
            }
            try await admin.withRawDatabase { db in try await db.raw("DROP DATABASE \(ident: String(name)) WITH (FORCE)").run() }
        }
    }
}

private func run(_ body: (ReviewStore) async throws -> Void, on store: ReviewStore) async throws {
    do {
        try await store.migrate()
        try await body(store)
    } catch {
        await store.shutdown()
        throw error
    }
    await store.shutdown()
}

/// `url` pointing at `database` instead.
private func databaseURL(_ url: String, database: String) throws -> String {
    guard var components = URLComponents(string: url) else { throw StoreError(.invalidConfiguration, "Bad URL \(url)") }
    components.path = "/" + database
    guard let result = components.string else { throw StoreError(.invalidConfiguration, "Bad URL \(url)") }
    return result
}

extension ReviewStore {
    /// Runs one raw statement.
    func raw(_ sql: SQLQueryString) async throws {
        try await withRawDatabase { db in try await db.raw(sql).run() }
    }

    /// Counts rows with a raw query that selects `COUNT(*) AS n`.
    func count(_ sql: SQLQueryString) async throws -> Int {
        try await withRawDatabase { db in try await db.raw(sql).first(decodingColumn: "n", as: Int.self) ?? 0 }
    }

    /// Runs `update` on `audit_events` behind the store's back, with the append-only trigger out of the way.
    func tamperWithAuditEvents(_ update: SQLQueryString) async throws {
        try await withRawDatabase { db in
            if backendName == "postgres" {
                try await db.raw("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only").run()
                try await db.raw(update).run()
                try await db.raw("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only").run()
            } else {
                try await db.raw("DROP TRIGGER IF EXISTS audit_events_no_update").run()
                try await db.raw("DROP TRIGGER IF EXISTS audit_events_no_delete").run()
                try await db.raw(update).run()
            }
        }
    }
}

/// An id as an SQL literal that both dialects accept in an id column.
func literal(_ id: some RawRepresentable<UUID>) -> SQLQueryString {
    "'\(unsafeRaw: id.rawValue.uuidString.lowercased())'"
}

/// Expects `body` to throw a ``StoreError`` with `code`.
func expectStoreError(
    _ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected StoreError(\(code)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.code == code, "\(String(reflecting: error))", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected StoreError(\(code)), got \(String(reflecting: error))", sourceLocation: sourceLocation)
    }
}
