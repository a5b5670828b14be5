import Foundation
import SQLKit

// What `obsreview backup` and `restore` ask of the store.
extension ReviewStore {
    /// A consistent copy of the SQLite database at `path` (which must not exist), taken while others read and write
    /// (`VACUUM INTO`: one transaction's snapshot, compacted). Not for PostgreSQL, which `pg_dump` copies.
    public func copySQLite(to path: String) async throws(StoreError) {
        guard context.dialect == .sqlite else {
            throw StoreError(.invalidConfiguration, "Only an SQLite database is copied by the store; PostgreSQL is backed up with pg_dump.")
        }
        try await context.run { db in
            _ = try await db.raw("VACUUM INTO \(bind: path)").all()
        }
    }

    /// How many recordings the database holds.
    public func recordingCount() async throws(StoreError) -> Int {
        try await context.run { db in
            try await db.raw("SELECT COUNT(*) AS n FROM recordings").first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }

    /// The number of tables in the database's public schema (0: empty, a restore may go in). PostgreSQL only.
    public func tableCount() async throws(StoreError) -> Int {
        try await context.run { db in
            try await db.raw("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")
                .first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }
}
