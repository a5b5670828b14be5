import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ReviewDomain
@testable import ReviewServer
@testable import ReviewStore
import SQLKit
import Synchronization
import Testing

/// The case list's pages kept while nothing is committed (issue 21 item 1, decision 44), attacked the ways a kept page
/// could go wrong: served after a commit of this process or of another, to a viewer who may see less, after the clock
/// made a case overdue, after an erasure, during a storm of writes and identical reads, or past its memory.
@Suite struct ListPageCacheTests {
    typealias Caller = APIFixture.Caller

    static func list(_ client: some TestClientProtocol, _ fixture: APIFixture, _ query: String = "", as caller: Caller) async throws -> ByteBuffer {
        let response = try await client.execute(uri: "/api/v1/cases" + query, method: .get, headers: fixture.headers(caller))
        #expect(response.status == .ok, "\(caller) \(query): \(response.status) \(String(buffer: response.body))")
        return response.body
    }

    static func items(_ body: ByteBuffer) throws -> [[String: Any]] {
        try #require((try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["items"] as? [[String: Any]])
    }

    static func rename(_ store: ReviewStore, _ caseID: CaseID, to name: String) async throws {
        try await store.withRawDatabase { db in
            try await db.raw("UPDATE case_summaries SET candidate_name = \(bind: name) WHERE case_id = \(bind: caseID.description)").run()
        }
    }

    @Test("a kept page is the page read afresh, byte for byte, and is served again only until something is committed")
    func keptUntilCommitted() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let first = try await Self.list(client, fixture, as: .lead)
            let before = fixture.listPages.counts
            let again = try await Self.list(client, fixture, as: .lead)
            #expect(again == first)
            #expect(fixture.listPages.counts.hits == before.hits + 1, "the same page with nothing committed is served kept")

            // The employer corrects its rating through the workflow: the employer's score on the list changes at once.
            let o = fixture.observation.observation.id
            let employerRating = try #require(try await fixture.store.records.ratings.ratings(of: o).first { $0.source == .employer })
            _ = try await fixture.store.workflow.recordRating(
                observationID: o, score: try Score(6), rationale: "Better on a second look.", supersedes: employerRating.id,
                correctionReason: "Typed 5 for 6.", by: fixture.users[.employer]!.actor)
            let afterRating = try #require(try Self.items(try await Self.list(client, fixture, as: .lead)).first)
            #expect(afterRating["employerScore"] as? Int == 6)

            // Whatever the list reads afresh and what it serves kept agree, request after request.
            try await Self.rename(fixture.store, fixture.dispute.id, to: "Renamed Once")
            let renamed = try await Self.list(client, fixture, as: .lead)
            #expect(try Self.items(renamed).first?["candidateName"] as? String == "Renamed Once")
            let fresh = try await fixture.store.records.readCaseSummaryRows(CaseFilter(), page: PageRequest()) { rows in
                try CaseSummaryRowsJSON.page(&rows, .init(filter: CaseFilter(), page: PageRequest(), showCalibration: true, showPanel: true),
                                             now: fixture.clock.now).writer.buffer
            }
            #expect(try await Self.list(client, fixture, as: .lead) == fresh)
        }
    }

    @Test("a commit through another store on the same file (a second server, an obsreview command) is seen at the next request")
    func anotherProcessCommits() async throws {
        let fixture = try await APIFixture.make()
        let other = try ReviewStore(.sqlite(path: fixture.directory.appendingPathComponent("test.sqlite").path))
        try await fixture.withClient { client in
            for round in 1...5 {
                _ = try await Self.list(client, fixture, as: .lead)
                _ = try await Self.list(client, fixture, as: .lead)
                try await Self.rename(other, fixture.dispute.id, to: "Elsewhere \(round)")
                let item = try #require(try Self.items(try await Self.list(client, fixture, as: .lead)).first)
                #expect(item["candidateName"] as? String == "Elsewhere \(round)", "round \(round)")
            }
        }
        await other.shutdown()
    }

    @Test("a page kept for one viewer is never another's: each role and organisation gets what it may see, in either order")
    func viewersApart() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let a = fixture.employerA.id
            for query in ["", "?employerId=\(a)", "?q=casey", "?pageSize=1", "?sort=candidate"] {
                // Those who see most first, then those who see less, then back: nothing kept crosses.
                for caller in [Caller.lead, .auditor, .employer, .otherEmployer, .assessor, .lead, .otherEmployer, .employer] {
                    let items = try Self.items(try await Self.list(client, fixture, query, as: caller))
                    switch caller {
                    case .otherEmployer:
                        #expect(items.isEmpty, "another employer was listed employer A's case (\(query))")
                    case .employer, .assessor:
                        #expect(items.count == 1 && items[0]["moderatorIds"] == nil && items[0]["earliestDueAt"] == nil
                                && items[0]["overdue"] == nil, "\(caller) \(query) was shown the panel")
                    default:
                        #expect(items.count == 1 && items[0]["moderatorIds"] != nil, "\(caller) \(query)")
                    }
                }
            }
            // Moderators review blind: never served a page kept for anyone else.
            _ = try await Self.list(client, fixture, as: .lead)
            let blind = try #require(try Self.items(try await Self.list(client, fixture, as: .assignedModerator)).first)
            #expect(blind["blind"] as? Bool == true && blind["employerScore"] == nil)
        }
    }

    @Test("a case turns overdue on a kept page when the clock passes its due date, with nothing committed")
    func overdueByTheClock() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            // The panel's due date an hour ahead of the clock.
            let due = fixture.clock.now.addingTimeInterval(3_600)
            try await fixture.store.withRawDatabase { db in
                try await db.raw("UPDATE case_summaries SET earliest_due_at = \(bind: due)").run()
            }
            let item = try #require(try Self.items(try await Self.list(client, fixture, as: .lead)).first)
            #expect(item["overdue"] as? Bool == false)
            #expect(try Self.items(try await Self.list(client, fixture, "?overdue=true", as: .lead)).isEmpty)
            _ = try await Self.list(client, fixture, as: .lead)
            let hits = fixture.listPages.counts.hits
            #expect(hits >= 1)
            fixture.clock.advance(by: due.timeIntervalSince(fixture.clock.now) + 1)
            let late = try #require(try Self.items(try await Self.list(client, fixture, as: .lead)).first)
            #expect(late["overdue"] as? Bool == true, "a page kept before the due date was served after it")
            #expect(fixture.listPages.counts.hits == hits)
            // The overdue filter depends on the clock alone: never kept, and right after the clock moves.
            let before = fixture.listPages.counts
            #expect(try Self.items(try await Self.list(client, fixture, "?overdue=true", as: .lead)).count == 1)
            #expect(try Self.items(try await Self.list(client, fixture, "?overdue=true", as: .lead)).count == 1)
            #expect(fixture.listPages.counts.hits == before.hits && fixture.listPages.counts.misses == before.misses,
                    "a list filtered by the clock was looked up among kept pages")
        }
    }

    @Test("an erasure empties the kept pages, and the candidate's name is not listed again")
    func erasure() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            for caller in [Caller.lead, .employer, .auditor] {
                _ = try await Self.list(client, fixture, as: caller)
                #expect(String(buffer: try await Self.list(client, fixture, as: caller)).contains("Casey Candidate"))
            }
            #expect(fixture.listPages.counts.bytes > 0)
            try await fixture.eraseCandidate(through: client)
            #expect(fixture.listPages.counts.bytes == 0, "pages with the erased candidate's name were still held")
            for caller in [Caller.lead, .employer, .auditor] {
                #expect(!String(buffer: try await Self.list(client, fixture, as: caller)).contains("Casey"), "\(caller)")
            }
        }
    }

    @Test("a retention pass of the server that deletes anything empties the kept pages; one that deletes nothing keeps them")
    func retentionPass() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            _ = try await Self.list(client, fixture, as: .lead)
            let kept = fixture.listPages.counts.bytes
            #expect(kept > 0)
            let logger = Logger(label: "test")
            let now = fixture.clock.now
            let idle = PeriodicService.retention(fixture.store, policy: .default, data: fixture.configuration.dataLayout, listPages: fixture.listPages,
                                                 interval: .seconds(3600), now: { now }, logger: logger)
            try await idle.work(logger)
            #expect(fixture.listPages.counts.bytes == kept, "a pass that deleted nothing emptied the kept pages")
            let later = now + 20 * 365 * 86_400
            let pass = PeriodicService.retention(fixture.store, policy: .default, data: fixture.configuration.dataLayout, listPages: fixture.listPages,
                                                 interval: .seconds(3600), now: { later }, logger: logger)
            try await pass.work(logger)
            #expect(fixture.listPages.counts.bytes == 0, "pages read before the retention pass were still held")
        }
    }

    @Test("under identical reads from many tasks, every write is listed as soon as it is committed")
    func writesDuringReads() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                let done = ManagedAtomicFlag()
                for reader in 0..<6 {
                    group.addTask {
                        while !done.isSet {
                            _ = try await Self.list(client, fixture, reader.isMultiple(of: 2) ? "" : "?pageSize=1", as: reader < 3 ? .lead : .employer)
                        }
                    }
                }
                group.addTask {
                    defer { done.set() }
                    for round in 1...40 {
                        try await Self.rename(fixture.store, fixture.dispute.id, to: "Round \(round)")
                        for caller in [Caller.lead, .employer] {
                            let item = try #require(try Self.items(try await Self.list(client, fixture, as: caller)).first)
                            #expect(item["candidateName"] as? String == "Round \(round)", "\(caller) was served an older page")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(fixture.listPages.counts.hits > 0, "the readers were never served a kept page")
        }
    }

    @Test("the kept pages stay within their bytes, least recently used out first; a page larger than an eighth is not kept")
    func bounded() throws {
        let cache = ListPageCache(capacityBytes: 80_000)
        let version = StoreDataVersion(connection: 1, value: 7)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func key(_ number: Int) -> ListPageCache.Key {
            .init(filter: CaseFilter(), page: PageRequest(number: number, size: 50), showCalibration: true, showPanel: true)
        }
        func page(_ bytes: Int) -> ListPageCache.Written {
            var writer = JSONWriter()
            writer.beginArray()
            writer.string(String(repeating: "x", count: bytes - 4))
            writer.endArray()
            return .init(writer: writer, goodUntil: nil)
        }
        for number in 1...40 {
            // 7,000 bytes written hold 8 KB of storage, and an entry's overhead is counted too.
            cache.keep(page(7_000), for: key(number), version: version, emptied: cache.emptied, now: now)
            _ = cache.page(key(1), version: version, now: now)  // page 1 stays in use
            #expect(cache.counts.bytes <= 80_000)
        }
        #expect(cache.page(key(1), version: version, now: now) != nil, "the page in use was dropped")
        #expect(cache.page(key(2), version: version, now: now) == nil, "the least recently used page was kept")
        #expect(cache.page(key(40), version: version, now: now) != nil)
        // What a viewer may be shown is part of the key, whatever the filter: no page of the lead's for someone else.
        for (calibration, panel) in [(false, true), (true, false), (false, false)] {
            let narrower = ListPageCache.Key(filter: CaseFilter(), page: PageRequest(number: 40, size: 50), showCalibration: calibration, showPanel: panel)
            #expect(cache.page(narrower, version: version, now: now) == nil, "a page kept for the lead was served to a viewer shown less")
        }
        cache.keep(page(12_000), for: key(99), version: version, emptied: cache.emptied, now: now)
        #expect(cache.page(key(99), version: version, now: now) == nil)
        // Another version, or a time before the page was written or past its due date: not served.
        #expect(cache.page(key(40), version: StoreDataVersion(connection: 2, value: 7), now: now) == nil)
        #expect(cache.counts.bytes == 0, "pages of an older version were kept")
        cache.keep(.init(writer: page(100).writer, goodUntil: now + 60), for: key(3), version: version, emptied: cache.emptied, now: now)
        #expect(cache.page(key(3), version: version, now: now - 1) == nil)
        #expect(cache.page(key(3), version: version, now: now + 59) != nil)
        #expect(cache.page(key(3), version: version, now: now + 60) == nil)
    }

    @Test("the store's data version stays while nothing is committed and changes with any commit, of this store or another")
    func dataVersion() async throws {
        try await APIFixture.withStore { fixture in
            let first = try #require(fixture.store.records.dataVersion())
            #expect(fixture.store.records.dataVersion() == first)
            _ = try await fixture.store.records.listCaseSummaries(CaseFilter(), page: PageRequest())
            #expect(fixture.store.records.dataVersion() == first, "a read changed the version")
            try await Self.rename(fixture.store, fixture.dispute.id, to: "Here")
            let second = try #require(fixture.store.records.dataVersion())
            #expect(second != first)
            let other = try ReviewStore(.sqlite(path: fixture.directory.appendingPathComponent("test.sqlite").path))
            try await Self.rename(other, fixture.dispute.id, to: "There")
            await other.shutdown()
            #expect(fixture.store.records.dataVersion() != second)
        }
        try await APIFixture.withStore { fixture in
            await fixture.store.shutdown()
            #expect(fixture.store.records.dataVersion() == nil, "a shut store answered a version")
        }
    }
}

/// A flag set once, read by many tasks.
final class ManagedAtomicFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
