import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
@testable import ReviewStore
import SQLKit
import Testing

/// The case list written straight from SQLite's rows (issue 21 item 1, decision 43) against the list it replaces for
/// viewers who review nothing blind: the page of ``CaseSummaryRepresentation``s read through ``CaseSummary``. Byte for
/// byte on summaries made to be awkward (text that needs escaping or is not UTF-8, ids in capitals, unknown reasons,
/// junk in the panel, times stored three ways), damaged rows refused the same way, the read connections unable to
/// write, bounded in what they keep, current after each write, and closed with the store.
@Suite struct CaseListRowsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Text a person could type, and worse.
    static let awkward = [
        "Plain Name", "O'Brien \"Ob\" \\ back\\slash", "tab\there\nnew line\r\u{01}\u{1F}", "Zoë Ångström", "名前 テスト", "emoji 🧑🏽‍⚕️",
        "line\u{2028}separator", "</script><script>alert(1)</script>", "", " ", "a,b,c",
    ]

    /// `count` summaries with random and awkward values, written straight into `case_summaries` (foreign keys off for
    /// the insert: these rows stand for no case, which the list never looks at).
    static func seed(_ store: ReviewStore, count: Int, seed: UInt64, capitals: Bool = true) async throws -> [String] {
        var random = SplitMix64(seed: seed)
        func id(_ random: inout SplitMix64) -> String {
            let text = UUID().uuidString
            return capitals && random.below(8) == 0 ? text : text.lowercased()
        }
        func time(_ random: inout SplitMix64) -> SQLQueryString {
            let seconds = 1_700_000_000 + Double(random.below(200_000_000)) + Double(random.below(1000)) / 1000
            switch random.below(6) {
            case 0: return "\(literal: Int(seconds))"
            case 1: return "\(literal: Self.iso(seconds))"
            case 2: return "\(literal: seconds + 0.0004)"  // rounds to the millisecond on the way out
            default: return "\(literal: seconds)"
            }
        }
        func text(_ random: inout SplitMix64, nullable: Bool) -> SQLQueryString {
            if nullable, random.below(5) == 0 { return "NULL" }
            switch random.below(8) {
            case 0: return "CAST(X'4E61C3FF6D65' AS TEXT)"  // "Na", then bytes that are not UTF-8
            case 1: return "CAST(X'416C00426F62' AS TEXT)"  // "Al", a NUL, "Bob": read up to the NUL
            default: return "\(bind: awkward[random.below(awkward.count)])"
            }
        }
        var ids: [String] = []
        try await store.withRawDatabase { db in
            try await db.raw("PRAGMA foreign_keys = OFF").run()
            for _ in 0..<count {
                let caseID = id(&random)
                ids.append(caseID)
                let reasons = (0..<random.below(4)).map { _ in ["straddle", "gap", "flag", "sample", "calibration", "unknown", ""][random.below(7)] }
                let moderators = (0..<random.below(4)).map { _ in random.below(6) == 0 ? "not-an-id" : id(&random) }
                let integer: (inout SplitMix64) -> SQLQueryString = { random in random.below(3) == 0 ? "NULL" : "\(literal: random.below(9))" }
                try await db.raw("""
                    INSERT INTO case_summaries (case_id, observation_id, employer_id, kind, state, round, version, calibration,
                        calibration_score, reasons, outcome_score, opened_by, opened_at, updated_at, reference, candidate_name,
                        employer_name, employer_score, assessor_score, recording_status, moderator_count, moderator_ids, earliest_due_at)
                    VALUES (\(bind: caseID), \(bind: id(&random)), \(bind: id(&random)),
                        \(bind: Case.Kind.allCases[random.below(Case.Kind.allCases.count)].rawValue),
                        \(bind: Case.State.allCases[random.below(Case.State.allCases.count)].rawValue),
                        \(literal: 1 + random.below(3)), \(literal: random.below(2) == 0 ? random.below(40) : Int(Int32.max) + random.below(9)),
                        \(literal: random.below(2)), \(integer(&random)), \(bind: "," + reasons.joined(separator: ",") + ","), \(integer(&random)),
                        \(bind: id(&random)), \(time(&random)), \(time(&random)), \(text(&random, nullable: true)), \(text(&random, nullable: true)),
                        \(text(&random, nullable: false)), \(integer(&random)), \(integer(&random)), \(text(&random, nullable: true)),
                        \(literal: moderators.count), \(bind: moderators.joined(separator: ",")),
                        \(random.below(3) == 0 ? "NULL" : time(&random)))
                    """).run()
            }
            try await db.raw("PRAGMA foreign_keys = ON").run()
        }
        return ids
    }

    static func iso(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: seconds.rounded(.down)))
    }

    /// The list as the representations write it, and as the rows write it.
    static func both(_ store: ReviewStore, _ filter: CaseFilter, _ page: PageRequest, calibration: Bool, panel: Bool)
        async throws -> (representations: [UInt8], rows: [UInt8]) {
        let summaries = try await store.records.listCaseSummaries(filter, page: page)
        var expected = JSONWriter()
        Page(fetched: summaries.map { CaseSummaryRepresentation($0, blind: false, showCalibration: calibration, showPanel: panel, now: now) },
             page: page).write(to: &expected)
        let written = try await store.records.readCaseSummaryRows(filter, page: page) { rows in
            try CaseSummaryRowsJSON.page(&rows, .init(filter: filter, page: page, showCalibration: calibration, showPanel: panel), now: now).writer.bytes
        }
        return (expected.bytes, try #require(written, "SQLite reads rows in place"))
    }

    @Test("the rows write the representations' JSON byte for byte: every viewer, sort, page size and page, on awkward data")
    func sameBytes() async throws {
        try await APIFixture.withStore { fixture in
            let ids = try await Self.seed(fixture.store, count: 240, seed: 43)
            var compared = 0
            for (calibration, panel) in [(true, true), (true, false), (false, false), (false, true)] {
                for sort in CaseSort.allCases {
                    for (size, number) in [(1, 1), (7, 3), (50, 1), (50, 5), (500, 1), (50, 6), (50, 99)] {
                        let page = PageRequest(number: number, size: size)
                        for filter in [CaseFilter(sort: sort), CaseFilter(includeCalibration: false, reason: .gap, sort: sort),
                                       CaseFilter(state: .open, search: "o", sort: sort)] {
                            let (expected, written) = try await Self.both(fixture.store, filter, page, calibration: calibration, panel: panel)
                            let same = written == expected
                        #expect(same, """
                                \(sort) \(size)×\(number) calibration \(calibration) panel \(panel)
                                rows            \(String(decoding: written, as: UTF8.self).prefix(600))
                                representations \(String(decoding: expected, as: UTF8.self).prefix(600))
                                """)
                            #expect((try? JSONSerialization.jsonObject(with: Data(written))) != nil, "not JSON")
                            compared += 1
                        }
                    }
                }
            }
            #expect(compared == 4 * CaseSort.allCases.count * 7 * 3)
            // The awkward values did reach the page: escapes, repaired bytes, an id in capitals written in lower case.
            let all = try await Self.both(fixture.store, CaseFilter(), PageRequest(size: 500), calibration: true, panel: true).rows
            let text = String(decoding: all, as: UTF8.self)
            #expect(text.contains(#"O'Brien \"Ob\" \\ back\\slash"#) && text.contains(#"\u0001"#) && text.contains("Na\u{FFFD}") && text.contains(#""Al""#))
            let capitals = ids.filter { $0 != $0.lowercased() }
        #expect(!capitals.isEmpty && capitals.allSatisfy { !text.contains($0) && text.contains("\"id\":\"\($0.lowercased())\"") })
        }
    }

    @Test("a damaged row is refused as corrupt data by both, whatever the viewer is shown")
    func damagedRows() async throws {
        try await APIFixture.withStore { fixture in
            let ids = try await Self.seed(fixture.store, count: 12, seed: 7)
            let damages = [
                "kind = 'not-a-kind'", "state = 'limbo'", "case_id = 'not-an-id'", "opened_by = 'x'", "round = 'three'",
                "opened_at = X'00'", "updated_at = 'not a time'", "earliest_due_at = 'soon'", "employer_score = 'five'",
            ]
            for (index, damage) in damages.enumerated() {
                let id = ids[index]
                try await fixture.store.withRawDatabase { db in
                    try await db.raw("PRAGMA foreign_keys = OFF").run()
                    try await db.raw("UPDATE case_summaries SET \(unsafeRaw: damage) WHERE case_id = \(bind: id)").run()
                    try await db.raw("PRAGMA foreign_keys = ON").run()
                }
                // Every row: the damaged one is the only one (an id damaged is not found by its id).
                let filter = CaseFilter()
                for panel in [true, false] {
                    await #expect(throws: StoreError.self, "\(damage): the summaries") {
                        _ = try await Self.both(fixture.store, filter, PageRequest(size: 500), calibration: false, panel: panel)
                    }
                    do {
                        _ = try await fixture.store.records.readCaseSummaryRows(filter, page: PageRequest(size: 500)) { rows in
                            try CaseSummaryRowsJSON.page(&rows, .init(filter: filter, page: PageRequest(size: 500), showCalibration: false, showPanel: panel), now: Self.now).writer.bytes
                        }
                        Issue.record("\(damage): the rows were written")
                    } catch {
                        #expect((error as? StoreError)?.code == .corruptData, "\(damage): \(error)")
                    }
                }
                try await fixture.store.withRawDatabase { db in
                    try await db.raw("DELETE FROM case_summaries WHERE case_id IN (\(bind: id), 'not-an-id')").run()
                }
            }
        }
    }

    @Test("a read connection cannot write: query_only refuses every change")
    func readersCannotWrite() async throws {
        try await APIFixture.withStore { fixture in
            guard case .sqlite(let path) = fixture.store.configuration else { throw TestFailure("the API fixture is on SQLite") }
            let readers = SQLiteReaders(path: path)
            defer { readers.shutdown() }
            let before = try await fixture.store.withRawDatabase { db in
                try await db.raw("SELECT COUNT(*) AS n FROM case_summaries").first(decodingColumn: "n", as: Int.self)
            }
            for statement in ["DELETE FROM case_summaries", "UPDATE case_summaries SET version = version + 1", "CREATE TABLE t (x)",
                              "INSERT INTO organisations (id, name, kind) VALUES ('x', 'y', 'employer')"] {
                #expect(throws: StoreError.self, "\(statement)") { try readers.read(statement, []) { rows in _ = try rows.next() } }
            }
            let after = try await fixture.store.withRawDatabase { db in
                try await db.raw("SELECT COUNT(*) AS n FROM case_summaries").first(decodingColumn: "n", as: Int.self)
            }
            #expect(before == after && (after ?? 0) > 0)
            // A missing file is not made: the reader fails instead of opening an empty database.
            let missing = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-missing-\(UUID()).sqlite").path
            #expect(throws: StoreError.self) { try SQLiteReaders(path: missing).read("SELECT 1", []) { rows in _ = try rows.next() } }
            #expect(!FileManager.default.fileExists(atPath: missing))
        }
    }

    @Test("every shape of filter gets its own rows, past the statements a connection keeps")
    func statementsKeptAreBounded() async throws {
        try await APIFixture.withStore { fixture in
            let ids = try await Self.seed(fixture.store, count: 150, seed: 11, capitals: false)  // a filter names ids in lower case
            // A filter naming one case per statement shape; twice round, so kept statements are reused and dropped.
            for round in 0..<2 {
                for (index, id) in ids.enumerated() {
                    let caseID = CaseID(rawValue: UUID(uuidString: id)!)
                    let extra = (0..<(index % 70)).map { _ in CaseID() }
                    let listed = try await fixture.store.records.readCaseSummaryRows(CaseFilter(caseIDs: [caseID] + extra), page: PageRequest()) { rows in
                        var seen: [String] = []
                        while try rows.next() { seen.append(try rows.caseID().withUTF8 { String(decoding: $0, as: UTF8.self) }) }
                        return seen
                    }
                    #expect(listed == [id.lowercased()], "round \(round), case \(index)")
                }
            }
        }
    }

    @Test("what was just written is listed at once, under reads and writes at the same time; after the store closes a read is refused")
    func currentAndClosed() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            func listed() async throws -> [[String: Any]] { try await CaseListAPITests.items(client, fixture, "?pageSize=50", as: .lead) }
            let before = try #require(try await listed().first)
            let version = try #require(before["version"] as? Int)
            let id = try #require(before["id"] as? String)
            // Writes (flags) and reads of the list at once: every read answers a whole page, and the last shows the last write.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<8 {
                    group.addTask {
                        let response = try await client.execute(
                            uri: "/api/v1/cases/\(id)/transitions", method: .post, headers: fixture.headers(.assessor, json: true),
                            body: ByteBuffer(string: #"{"action":"flag","expectedVersion":\#(version + n),"reason":"Seen again \#(n)."}"#))
                        _ = response.status
                    }
                }
                for _ in 0..<32 {
                    group.addTask {
                        let count = try await listed().count
                        #expect(count == 1)
                    }
                }
                try await group.waitForAll()
            }
            let stored = try #require(try await fixture.store.records.cases.find(CaseID(rawValue: UUID(uuidString: id)!)))
            let after = try #require(try await listed().first)
            #expect(after["version"] as? Int == stored.version)
        }
        await fixture.store.shutdown()
        do {
            _ = try await fixture.store.records.readCaseSummaryRows(CaseFilter(), page: PageRequest()) { rows in try rows.next() }
            Issue.record("a read after the store closed")
        } catch {
            #expect(error.code == .unavailable, "\(error)")
        }
    }
}
