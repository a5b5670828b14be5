import Foundation
import SQLKit

/// One numbered schema change, written once and never edited after release: a later change is a new file.
protocol Migration: Sendable {
    /// The number, unique and increasing; recorded in `schema_migrations`.
    var version: Int { get }
    /// A short description.
    var name: String { get }
    /// The statements, one per element (drivers run one statement at a time), in the dialect's SQL.
    func statements(for dialect: Dialect) -> [String]
    /// Fills what the statements created from the rows already stored, in the migration's transaction (most
    /// migrations have nothing to fill).
    func backfill(_ database: any SQLDatabase, dialect: Dialect) async throws
}

extension Migration {
    func backfill(_ database: any SQLDatabase, dialect: Dialect) async throws {}
}

/// Applies pending migrations in order, each recorded in `schema_migrations`, all in one transaction.
enum Migrator {
    /// Every migration, in order.
    static let all: [any Migration] = [Migration0001Initial(), Migration0002CaseQueues(), Migration0003RecordingIngest(), Migration0004Accounts(), Migration0005ListIndexes(), Migration0006Moderation(), Migration0007CandidateAttributes(), Migration0008SignInHardening(), Migration0009SealedPanels(), Migration0010Uniqueness(), Migration0011NoteDrafts(), Migration0012DataProtection(), Migration0013RecordingConsents(), Migration0014SampleProbabilities(), Migration0015StatisticsReleases(), Migration0016Notifications(), Migration0017CaseSummaries(), Migration0018ObservationScores(), Migration0020AccountResets(), Migration0023CaseFlags(), Migration0024CaseStateCounts(), Migration0027ResetApprovals()]

    /// Applies what is missing and returns the versions applied (none when up to date).
    static func migrate(_ database: any SQLDatabase, dialect: Dialect) async throws -> [Int] {
        try await SQLContext.inTransaction(database, dialect: dialect) { database in
            if dialect == .postgres {
                // Serialises concurrent `migrate()` calls from several processes; released at commit.
                try await database.raw("SELECT pg_advisory_xact_lock(\(literal: 7_347_001))").run()
            }
            // The ledger of migrations is the one table that must exist before any migration can be recorded.
            try await database.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at \(unsafeRaw: dialect.timestampType) NOT NULL)
                """).run()
            let applied = Set(try await database.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int.self))
            var newlyApplied: [Int] = []
            for migration in all where !applied.contains(migration.version) {
                for statement in migration.statements(for: dialect) {
                    try await database.raw("\(unsafeRaw: statement)").run()
                }
                try await migration.backfill(database, dialect: dialect)
                try await database.raw("""
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(dialect.time(Date())))
                    """).run()
                newlyApplied.append(migration.version)
            }
            return newlyApplied
        }
    }
}
