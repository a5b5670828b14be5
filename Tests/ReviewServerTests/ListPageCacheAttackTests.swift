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

    @Test("searches of 200 characters that are each many bytes hold no more memory than the cache's bound")
    func longSearchKeysStayWithinTheBound() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            // 200 characters as the check counts them, each a letter and 300 combining accents: 120 KB of key, no match.
            let accented = "e" + String(repeating: "\u{301}", count: 300)
            for number in 0..<40 {
                let search = "\(number)" + String(repeating: accented, count: 190)
                #expect(search.count <= 200)
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
            cache.keep(.init(writer: writer, goodUntil: nil), for: key, version: version, now: now)
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
        cache.removeAll()
        cache.keep(.init(writer: writer, goodUntil: nil), for: key, version: version, now: now)
        #expect(cache.counts.bytes == 0, "a page with the erased candidate's name is held after the erasure")
    }
}
