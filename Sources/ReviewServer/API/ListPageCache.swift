import Foundation
import Metrics
import NIOCore
import ReviewStore
import Synchronization

/// Pages of the case list as last written from SQLite's rows, served again while nothing has been committed to the
/// file since (issue 21 item 1, decision 44).
///
/// A page is a function of what the file holds and of its ``Key``: the filter as the viewer's access narrowed it, the
/// page, and what the viewer may be shown. Two viewers with the same key are shown the same bytes, whoever they are.
/// The only other input is the time, through `overdue`, which the lead and the auditor see: a page stays good only until
/// the earliest due date on it that had not passed when it was written, and a list filtered by `overdue` is never kept.
///
/// A kept page is served only under the data version it was read at (``RecordStore/dataVersion()``): any commit, by
/// this process or another (a second server, an `obsreview` command), an erasure included, makes every kept page
/// unusable, and the next list request drops them all. Bounded by ``capacityBytes``; least recently used first out.
final class ListPageCache: Sendable {
    /// Everything a page of the list is written from, besides the file and the time.
    struct Key: Hashable, Sendable {
        let filter: CaseFilter
        let page: PageRequest
        let showCalibration: Bool
        let showPanel: Bool
    }

    /// A page as written, and until when it is good whatever the file holds (`nil`: as long as the file is unchanged).
    struct Written: Sendable {
        let writer: JSONWriter
        let goodUntil: Date?
    }

    private struct Entry {
        let body: ByteBuffer
        /// What the entry holds in memory (``ListPageCache/cost(of:for:)``), counted against ``capacityBytes``.
        let cost: Int
        let writtenAt: Date
        let goodUntil: Date?
        var used: UInt64
    }

    private struct State {
        var version: StoreDataVersion?
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var uses: UInt64 = 0
        var hits = 0
        var misses = 0
        /// How many times ``removeAll()`` emptied the cache: a page read before that is not kept after it.
        var emptied: UInt64 = 0

        /// Forgets every page, to keep pages of `version` from now on.
        mutating func drop(keeping version: StoreDataVersion?) {
            self.version = version
            entries.removeAll()
            bytes = 0
        }
    }

    /// At most this many bytes of pages are kept (a page of 50 cases is about 29 KB; of 500, about 290 KB), counted as
    /// what each holds in memory (``cost(of:for:)``).
    let capacityBytes: Int
    /// What an entry holds besides its body's storage and its search text: the key, the entry, its dictionary slot, the
    /// buffer's header. Counted so that pages of a few bytes (empty pages far past the end) are bounded in number too.
    static let entryOverhead = 512
    private let state = Mutex(State())
    private let hitCounter: Counter
    private let missCounter: Counter

    init(capacityBytes: Int = 16 << 20) {
        self.capacityBytes = capacityBytes
        // The counters are made through swift-metrics' factory, which must be the Prometheus registry's by then.
        _ = Observability.registry
        hitCounter = Counter(label: "obsreview_list_pages_total", dimensions: [("served", "kept")])
        missCounter = Counter(label: "obsreview_list_pages_total", dimensions: [("served", "read")])
    }

    /// How many pages were served kept, how many were read afresh, and the bytes kept now (for tests).
    var counts: (hits: Int, misses: Int, bytes: Int) { state.withLock { ($0.hits, $0.misses, $0.bytes) } }

    /// The memory the kept pages hold, summed from their buffers' storage and the search text of their keys rather than
    /// from the costs counted when they were kept (for tests, which check the counting against it).
    var heldBytes: Int { state.withLock { $0.entries.reduce(0) { $0 + $1.value.body.storageCapacity + ($1.key.filter.search?.utf8.count ?? 0) } } }

    /// What keeping `body` for `key` holds in memory: the buffer's whole storage (not only what was written into it), the
    /// search text of the key (200 characters may be many kilobytes: combining marks) and ``entryOverhead``.
    static func cost(of body: ByteBuffer, for key: Key) -> Int {
        body.storageCapacity + (key.filter.search?.utf8.count ?? 0) + entryOverhead
    }

    /// How many pages are kept (for tests).
    var entryCount: Int { state.withLock { $0.entries.count } }

    /// The page kept for `key` if it was written at `version` and is still good at `now`.
    func page(_ key: Key, version: StoreDataVersion, now: Date) -> JSONWriter? {
        let body = state.withLock { state -> ByteBuffer? in
            guard state.version == version else {
                // Something was committed: nothing kept can be served again, so nothing is kept.
                state.drop(keeping: version)
                state.misses += 1
                return nil
            }
            guard let entry = state.entries[key], entry.writtenAt <= now, entry.goodUntil.map({ now < $0 }) ?? true else {
                state.misses += 1
                return nil
            }
            state.uses += 1
            state.entries[key]?.used = state.uses
            state.hits += 1
            return entry.body
        }
        guard let body else {
            missCounter.increment()
            return nil
        }
        hitCounter.increment()
        return JSONWriter(written: body)
    }

    /// Which emptying of the cache (``removeAll()``) the next page is read after: asked before the data version, and
    /// handed back to ``keep(_:for:version:emptied:now:)``.
    var emptied: UInt64 { state.withLock { $0.emptied } }

    /// Keeps `written`, read at `version` (asked before the read began) at `now`, for `key`, unless the cache was emptied
    /// since `emptied` was asked (an erasure while the page was read: it would hold the erased name until the next list).
    func keep(_ written: Written, for key: Key, version: StoreDataVersion, emptied: UInt64, now: Date) {
        var body = written.writer.buffer
        // The page was written into a buffer made for a full page (450 KB for 500 cases, even when the page is empty):
        // kept, it would hold all of it. A copy holds at most twice what was written.
        if body.storageCapacity > 2 * body.readableBytes {
            var copy = ByteBufferAllocator().buffer(capacity: body.readableBytes)
            copy.writeImmutableBuffer(body)
            body = copy
        }
        let cost = Self.cost(of: body, for: key)
        guard cost <= capacityBytes / 8 else { return }
        state.withLock { state in
            guard state.emptied == emptied else { return }
            // A page read at an older version than the kept ones (or a newer) replaces them: only one version is kept.
            if state.version != version { state.drop(keeping: version) }
            if let old = state.entries.removeValue(forKey: key) { state.bytes -= old.cost }
            if state.bytes + cost > capacityBytes {
                // Least recently used out first, in one pass down to seven eighths: a page kept does not look at
                // every other one each time (thousands of them when they are small).
                let target = capacityBytes - capacityBytes / 8 - cost
                for (oldKey, old) in state.entries.sorted(by: { $0.value.used < $1.value.used }) {
                    guard state.bytes > target else { break }
                    state.entries[oldKey] = nil
                    state.bytes -= old.cost
                }
            }
            state.uses += 1
            state.entries[key] = Entry(body: body, cost: cost, writtenAt: now, goodUntil: written.goodUntil, used: state.uses)
            state.bytes += cost
        }
    }

    /// Forgets every kept page.
    func removeAll() {
        state.withLock { state in
            state.drop(keeping: nil)
            state.emptied &+= 1
        }
    }
}
