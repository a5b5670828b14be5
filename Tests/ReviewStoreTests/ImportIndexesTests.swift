import Foundation
import ReviewDomain
@testable import ReviewStore
import SQLKit
import SQLiteKit
import Testing

/// A large import on SQLite builds the secondary indexes after its rows are in (decision 30) and binds its rows straight to
/// SQLite (decision 34): the same file imported with the indexes maintained row by row or built after the load, through
/// SQLKit or with direct binds, gives the same rows (with the same stored types), the same audit events in the same order,
/// a chain that verifies, and the same indexes afterwards.
@Suite("Import with indexes built after the load, and with direct binds")
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
        /// Every column of the tables an import fills with the storage classes its values have (SQLite's `typeof`).
        var storedTypes: [String]
    }

    /// Every way an import can write: the ordinary one first.
    static let paths: [(ImportIndexes, ImportWrites)] = [(.maintained, .sqlKit), (.builtAfterLoad, .sqlKit), (.maintained, .direct), (.builtAfterLoad, .direct)]

    @Test("rows, audit events, the chain and the indexes are the same through every path", arguments: TestBackend.allCases)
    func bothPaths(_ backend: TestBackend) async throws {
        let rows = try RatingsCSV.parse(String(contentsOf: Self.sample, encoding: .utf8)).get()
        let time = Date(timeIntervalSince1970: 1_790_000_000)
        var outcomes: [Outcome] = []
        for (indexes, writes) in Self.paths {
            try await withStore(backend) { store in
                let before = try await Self.indexes(store)
                let summary = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "sample", at: time, indexes: indexes, writes: writes)
                // A second import of the same file on top: the existing observations' path, nothing new but the completion.
                _ = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "again", at: time + 60, indexes: indexes, writes: writes)
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
                outcomes.append(Outcome(summary: summary, rows: exported, order: order, events: events, scores: scores, indexes: after,
                                        storedTypes: try await Self.storedTypes(store)))
            }
        }
        guard outcomes.count == Self.paths.count else { return }  // PostgreSQL skipped
        #expect(outcomes[0].summary.ratingsRecorded == rows.count && outcomes[0].summary.disputesOpened > 0)
        #expect(outcomes[0].rows.count == rows.count && outcomes[0].events.count > rows.count)
        if backend == .sqlite { #expect(outcomes[0].storedTypes.contains("audit_events.at real") && outcomes[0].storedTypes.contains("ratings.supersedes null")) }
        for (index, outcome) in outcomes.enumerated().dropFirst() {
            #expect(outcome == outcomes[0], "path \(index) (\(Self.paths[index])) differs from the ordinary one")
        }
    }

    @Test("a row refused in the middle rolls the whole import back and names its line, through every path", arguments: TestBackend.allCases)
    func aRefusedRowRollsBack(_ backend: TestBackend) async throws {
        // A first import of ten rows; then the whole file, in which the first rater rates the first observation again,
        // differently, halfway down (line 46): refused against the stored rating.
        var lines = try String(contentsOf: Self.sample, encoding: .utf8).split(separator: "\n").map(String.init)
        let first = try RatingsCSV.parse(lines.prefix(11).joined(separator: "\n") + "\n").get()
        let changed = lines.remove(at: 1).replacingOccurrences(of: ",National Accreditation Body,4,", with: ",National Accreditation Body,6,")
        lines.insert(changed, at: 45)
        #expect(lines[45].contains(",6,"))
        let rows = try RatingsCSV.parse(lines.joined(separator: "\n") + "\n").get()
        for (indexes, writes) in Self.paths {
            try await withStore(backend) { store in
                _ = try await store.imports.importRatings(first, file: "first.csv", sha256: "first", indexes: indexes, writes: writes)
                let before = try await Self.rowCounts(store)
                let error = await #expect(throws: StoreError.self) {
                    _ = try await store.imports.importRatings(rows, file: "bad.csv", sha256: "bad", indexes: indexes, writes: writes)
                }
                #expect(error?.message.hasPrefix("line 46:") == true, "\(String(describing: error?.message))")
                #expect(try await Self.rowCounts(store) == before, "nothing of the second import stays (\(ImportIndexes.tables))")
                #expect(try await store.audit.verify().isIntact)
            }
        }
    }

    /// A row the database itself refuses half-way through the load (here a trigger refusing one rationale, standing in for
    /// any constraint): with direct binds too, nothing of the import stays and the error says what was refused.
    @Test("a row the database refuses during the load rolls everything back, through every path")
    func theDatabaseRefusesARow() async throws {
        // Line 46's rationale becomes one the database refuses.
        let text = try String(contentsOf: Self.sample, encoding: .utf8)
        let refused = "Several significant gaps: analysis of risk was superficial and the family's views were not sought."
        #expect(text.components(separatedBy: refused).count == 2)
        let rows = try RatingsCSV.parse(text.replacingOccurrences(of: refused, with: "refuse me")).get()
        for (indexes, writes) in Self.paths {
            try await withStore(.sqlite) { store in
                try await store.withRawDatabase { db in
                    try await db.raw("""
                        CREATE TRIGGER test_refuse BEFORE INSERT ON ratings WHEN NEW.rationale = 'refuse me'
                        BEGIN SELECT RAISE(ABORT, 'this rating is refused'); END
                        """).run()
                }
                let before = try await Self.rowCounts(store)
                let error = await #expect(throws: StoreError.self) {
                    _ = try await store.imports.importRatings(rows, file: "bad.csv", sha256: "bad", indexes: indexes, writes: writes)
                }
                #expect(error?.message.contains("this rating is refused") == true, "\(String(describing: error?.message))")
                #expect(try await Self.rowCounts(store) == before, "nothing of the import stays (\(ImportIndexes.tables))")
                #expect(try await store.audit.verify().isIntact)
            }
        }
    }

    @Test("a value bound directly is what sqlite-kit's encoder binds for it")
    func directBindsMatchTheEncoder() throws {
        let encoder = SQLiteDataEncoder()
        let date = Date(timeIntervalSince1970: 1_790_000_000.123_456)
        let id = UUID()
        #expect(SQLValue.text("Ana").sqliteData == (try encoder.encode("Ana")))
        #expect(SQLValue.integer(7).sqliteData == (try encoder.encode(7)))
        #expect(SQLValue.integer(Int64(9)).sqliteData == (try encoder.encode(Int64(9))))
        #expect(SQLValue.bool(true).sqliteData == (try encoder.encode(true)))
        #expect(SQLValue.bool(false).sqliteData == (try encoder.encode(false)))
        #expect(SQLValue.id(id).sqliteData == (try encoder.encode(id.lowercasedString)))
        #expect(SQLValue.time(date).sqliteData == (try encoder.encode(Dialect.normalised(date))))
        #expect(SQLValue.json("{\"a\":\"b\"}").sqliteData == (try encoder.encode("{\"a\":\"b\"}")))
        #expect(SQLValue.text(nil as String?).sqliteData == (try encoder.encode(nil as String?)))
        #expect(SQLValue.id(nil as RatingID?).sqliteData == .null)
    }

    /// Every row an import creates has a time-ordered id (decision 40), each id once; rows the store made before it keep
    /// their random ones; the chain verifies.
    @Test("the rows an import creates have version 7 ids, all different, and the chain verifies", arguments: TestBackend.allCases)
    func importedIDsAreTimeOrdered(_ backend: TestBackend) async throws {
        let rows = try RatingsCSV.parse(String(contentsOf: Self.sample, encoding: .utf8)).get()
        try await withStore(backend) { store in
            let started = SecureRandom.currentMilliseconds()
            let summary = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "sample")
            #expect(summary.disputesOpened > 0)
            #expect(try await store.audit.verify().isIntact)
            let system = "00000000-0000-0000-0000-000000000001"
            var all: [String] = []
            for (table, column) in [("organisations", "id"), ("users", "id"), ("candidates", "id"), ("observations", "id"), ("ratings", "id"),
                                    ("cases", "id"), ("audit_events", "id"), ("audit_event_personal", "event_id")] {
                let ids = try await store.withRawDatabase { db in
                    try await db.raw("SELECT \(ident: column) AS id FROM \(ident: table)").all().map { try $0.decode(column: "id", as: UUID.self) }
                }.filter { $0.lowercasedString != system }
                #expect(!ids.isEmpty, "\(table) has imported rows")
                for id in ids {
                    let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
                    #expect(bytes[6] >> 4 == 7 && bytes[8] >> 6 == 0b10, "\(table) \(id.lowercasedString) is a version 7 UUID")
                    let stamp = bytes.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    #expect(stamp >= started && stamp <= SecureRandom.currentMilliseconds(), "\(table): made during the import")
                }
                if table != "audit_event_personal" { all += ids.map(\.lowercasedString) }
            }
            #expect(Set(all).count == all.count, "no id twice across the tables")
            // Outside an import, ids stay random (version 4).
            #expect(withUnsafeBytes(of: CaseID().rawValue.uuid) { $0[6] >> 4 } == 4)
        }
    }

    /// How many rows each table an import fills holds.
    static func rowCounts(_ store: ReviewStore) async throws -> [Int] {
        var counts: [Int] = []
        for table in ImportIndexes.tables { counts.append(try await store.count("SELECT COUNT(*) AS n FROM \(ident: table)")) }
        return counts
    }

    /// `table.column type` for every column of the tables an import fills and every storage class it holds (SQLite only).
    static func storedTypes(_ store: ReviewStore) async throws -> [String] {
        guard store.backendName != "postgres" else { return [] }
        return try await store.withRawDatabase { db in
            var types: [String] = []
            for table in ImportIndexes.tables {
                let columns = try await db.raw("SELECT name FROM pragma_table_info(\(bind: table)) ORDER BY cid").all()
                    .map { try $0.decode(column: "name", as: String.self) }
                for column in columns {
                    types += try await db.raw("SELECT DISTINCT typeof(\(ident: column)) AS t FROM \(ident: table) ORDER BY t").all()
                        .map { "\(table).\(column) \(try $0.decode(column: "t", as: String.self))" }
                }
            }
            return types
        }
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

