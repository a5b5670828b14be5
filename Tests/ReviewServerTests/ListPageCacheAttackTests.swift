import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ReviewDomain
@testable import ReviewServer
@testable import ReviewStore
import Testing

/// The kept pages of the case list (decision 44) attacked by a hostile tester: what they hold in memory against what
/// they count, and what an erasure leaves behind.
@Suite struct ListPageCacheAttackTests {
    typealias Caller = APIFixture.Caller

    @Test("empty pages of 500 asked for by page number hold no more memory than the cache's bound")
    func emptyLargePagesStayWithinTheBound() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            // Pages far past the one case: each is an empty list of 45 bytes, written into a buffer made for 500 cases.
            for number in 2...61 {
                let response = try await client.execute(uri: "/api/v1/cases?pageSize=500&page=\(number)", method: .get, headers: fixture.headers(.lead))
                #expect(response.status == .ok)
            }
            let held = fixture.listPages.heldBytes
            #expect(held <= fixture.listPages.capacityBytes, "60 empty pages hold \(held) bytes against a bound of \(fixture.listPages.capacityBytes)")
            #expect(held <= fixture.listPages.counts.bytes, "the cache counts \(fixture.listPages.counts.bytes) bytes but holds \(held)")
        }
    }

    @Test("a search of 200 characters that are each many bytes is refused as too long, not answered 500")
    func searchOfManyBytesPerCharacter() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            // 200 characters as the check counts them, each a letter and 300 combining accents: 120 KB, past SQLite's
            // longest LIKE pattern (50,000 bytes), and a key of 120 KB if it were kept.
            let search = String(repeating: "e" + String(repeating: "\u{301}", count: 300), count: 200)
            #expect(search.count == 200)
            let encoded = try #require(search.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let response = try await client.execute(uri: "/api/v1/cases?q=\(encoded)", method: .get, headers: fixture.headers(.lead))
            #expect(response.status == .badRequest, "\(response.status) \(String(buffer: response.body))")
            #expect(fixture.listPages.counts.bytes == 0)
        }
    }

    @Test("the search text of kept pages' keys is counted in the cache's bytes")
    func searchKeysCounted() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            for number in 0..<40 {
                // 200 characters of two bytes each: no case matches, an empty page under a key of 400 bytes of search.
                let search = "\(number)" + String(repeating: "\u{E9}", count: 195)
                let encoded = try #require(search.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                let response = try await client.execute(uri: "/api/v1/cases?q=\(encoded)", method: .get, headers: fixture.headers(.lead))
                #expect(response.status == .ok)
            }
            let held = fixture.listPages.heldBytes
            #expect(held <= fixture.listPages.counts.bytes, "the cache counts \(fixture.listPages.counts.bytes) bytes but holds \(held)")
        }
    }

    @Test("tiny pages under many keys are bounded in number, not only in their bodies' bytes")
    func tinyPagesBoundedInNumber() throws {
        let cache = ListPageCache(capacityBytes: 1 << 20)
        let version = StoreDataVersion(connection: 1, value: 1)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for number in 1...20_000 {
            var writer = JSONWriter(capacity: 16)
            writer.beginArray()
            writer.endArray()
            let key = ListPageCache.Key(filter: CaseFilter(), page: PageRequest(number: number, size: 1), showCalibration: true, showPanel: true)
            cache.keep(.init(writer: writer, goodUntil: nil), for: key, version: version, emptied: cache.emptied, now: now)
        }
        // Each entry costs a key, a dictionary slot and a buffer's storage (hundreds of bytes) whatever its body, and
        // each eviction looks at every entry: 1 MB of bodies of 2 bytes would be half a million entries.
        #expect(cache.entryCount <= cache.capacityBytes / 512, "\(cache.entryCount) entries kept under \(cache.capacityBytes) bytes")
    }

    @Test("a page read before an erasure and kept after the erasure emptied the cache is not held")
    func pageReadBeforeAnErasure() throws {
        let cache = ListPageCache()
        let version = StoreDataVersion(connection: 1, value: 3)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let key = ListPageCache.Key(filter: CaseFilter(), page: PageRequest(), showCalibration: true, showPanel: true)
        var writer = JSONWriter()
        writer.beginArray()
        writer.string("Casey Candidate")
        writer.endArray()
        // A list request asked the version and began its read; the erasure commits and empties the cache; the request
        // then keeps what it read, the erased name with it, until some later list request happens to drop it.
        let emptied = cache.emptied
        cache.removeAll()
        cache.keep(.init(writer: writer, goodUntil: nil), for: key, version: version, emptied: emptied, now: now)
        #expect(cache.counts.bytes == 0, "a page with the erased candidate's name is held after the erasure")
    }

    @Test("a commit followed by a checkpoint that empties the log, or by VACUUM, of this store or another, is seen at the next request")
    func checkpointsAndVacuum() async throws {
        let fixture = try await APIFixture.make()
        let other = try ReviewStore(.sqlite(path: fixture.directory.appendingPathComponent("test.sqlite").path))
        try await fixture.withClient { client in
            for round in 1...6 {
                _ = try await ListPageCacheTests.list(client, fixture, as: .lead)
                _ = try await ListPageCacheTests.list(client, fixture, as: .lead)
                let store = round.isMultiple(of: 2) ? other : fixture.store
                try await ListPageCacheTests.rename(store, fixture.dispute.id, to: "Checkpointed \(round)")
                try await store.withRawDatabase { db in
                    _ = try await db.raw(round % 3 == 0 ? "VACUUM" : "PRAGMA wal_checkpoint(TRUNCATE)").all()
                }
                let item = try #require(try ListPageCacheTests.items(try await ListPageCacheTests.list(client, fixture, as: .lead)).first)
                #expect(item["candidateName"] as? String == "Checkpointed \(round)", "round \(round)")
                // A checkpoint or VACUUM alone commits nothing: whatever it does to the version, the page is the same.
                try await store.withRawDatabase { db in _ = try await db.raw("PRAGMA wal_checkpoint(TRUNCATE)").all() }
                let again = try #require(try ListPageCacheTests.items(try await ListPageCacheTests.list(client, fixture, as: .lead)).first)
                #expect(again["candidateName"] as? String == "Checkpointed \(round)", "round \(round), after a checkpoint alone")
            }
        }
        await other.shutdown()
    }

    @Test("HEAD on the list is not answered from a kept page with a body, nor does it keep one")
    func head() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            _ = try await ListPageCacheTests.list(client, fixture, as: .lead)
            let before = fixture.listPages.counts
            let response = try await client.execute(uri: "/api/v1/cases", method: .head, headers: fixture.headers(.lead))
            #expect(response.body.readableBytes == 0, "HEAD \(response.status) answered with a body")
            #expect(fixture.listPages.counts.bytes == before.bytes)
        }
    }
}
