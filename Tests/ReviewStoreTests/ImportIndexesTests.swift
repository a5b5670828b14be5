import Foundation
import ReviewDomain
@testable import ReviewStore
import SQLKit
import Testing

/// A large import on SQLite builds the secondary indexes after its rows are in (decision 30): the same file imported with
/// the indexes maintained row by row and with them built after the load gives the same rows, the same audit events in the
/// same order, a chain that verifies, and the same indexes afterwards.
@Suite("Import with indexes built after the load")
struct ImportIndexesTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/ratings.csv")

    struct Outcome: Equatable {
        var summary: RatingsImportSummary
        var rows: [[String]]
        /// Each event's sequence, action and subject type, in order.
        var order: [String]
        /// Every event whole (its ids blanked, its salt left out), sorted: which observation's case comes first follows the
        /// observations' random ids, so whole events are compared as a set.
        var events: [String]
        var scores: [String]
        var indexes: [String]
    }

    @Test("rows, audit events, the chain and the indexes are the same through both paths", arguments: TestBackend.allCases)
    func bothPaths(_ backend: TestBackend) async throws {
        let rows = try RatingsCSV.parse(String(contentsOf: Self.sample, encoding: .utf8)).get()
        let time = Date(timeIntervalSince1970: 1_790_000_000)
        var outcomes: [Outcome] = []
        for indexes in [ImportIndexes.maintained, .builtAfterLoad] {
            try await withStore(backend) { store in
                let before = try await Self.indexes(store)
                let summary = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "sample", at: time, indexes: indexes)
                // A second import of the same file on top: the existing observations' path, nothing new but the completion.
                _ = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "again", at: time + 60, indexes: indexes)
                #expect(try await store.audit.verify().isIntact)
                let after = try await Self.indexes(store)
                #expect(after == before, "the indexes are there again, as they were")
                let entries = try await store.audit.entries(after: 0, limit: 10_000)
                let order = entries.map { "\($0.event.sequence ?? 0) \($0.event.action.rawValue) \($0.event.subject.type)" }
                let exported = try await store.imports.exportRatings().map { $0.csvFields.map(Self.blankingIDs) }.sorted { $0.joined() < $1.joined() }
                let events = entries.map { entry in
                    let event = entry.event
                    let details = event.details.filter { $0.key != AuditChain.personalSaltKey }.sorted { $0.key < $1.key }
                        .map { "\($0.key)=\(Self.blankingIDs($0.value))" }.joined(separator: ";")
                    return "\(event.action.rawValue) \(event.subject.type) \(Self.blankingIDs(event.subject.id)) \(event.reason ?? "-") \(details)"
                }.sorted()
                let scores = try await store.insight.insightData(now: time).observations.map {
                    "\($0.reference ?? "-") \(String(describing: $0.employerScore)) \(String(describing: $0.assessorScore)) \($0.otherAssessorScores)"
                }.sorted()
                outcomes.append(Outcome(summary: summary, rows: exported, order: order, events: events, scores: scores, indexes: after))
            }
        }
        guard outcomes.count == 2 else { return }  // PostgreSQL skipped
        #expect(outcomes[0].summary.ratingsRecorded == rows.count && outcomes[0].summary.disputesOpened > 0)
        #expect(outcomes[0].rows.count == rows.count && outcomes[0].events.count > rows.count)
        #expect(outcomes[0] == outcomes[1])
    }

    @Test("the automatic choice builds indexes after the load only on SQLite, from 10,000 events that at least double the trail")
    func automaticChoice() {
        #expect(!ImportIndexes.automatic.deferred(events: 9_999, existing: 0, dialect: .sqlite))
        #expect(ImportIndexes.automatic.deferred(events: 10_000, existing: 0, dialect: .sqlite))
        #expect(!ImportIndexes.automatic.deferred(events: 20_000, existing: 20_001, dialect: .sqlite))
        #expect(!ImportIndexes.automatic.deferred(events: 1_000_000, existing: 0, dialect: .postgres))
        #expect(!ImportIndexes.builtAfterLoad.deferred(events: 10, existing: 0, dialect: .postgres))
    }

    /// `text` with every id in it replaced by `#`: two stores' rows (new ids each) compare.
    static func blankingIDs(_ text: String) -> String {
        text.replacing(#/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/#, with: "#")
    }

    /// The store's index names and definitions (SQLite: `sqlite_master`; PostgreSQL: `pg_indexes`).
    static func indexes(_ store: ReviewStore) async throws -> [String] {
        try await store.withRawDatabase { db in
            let query: SQLQueryString = store.backendName == "postgres"
                ? "SELECT indexname AS name, indexdef AS sql FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname"
                : "SELECT name, COALESCE(sql, '') AS sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
            return try await db.raw(query).all().map { "\(try $0.decode(column: "name", as: String.self)): \(try $0.decode(column: "sql", as: String.self))" }
        }
    }
}

