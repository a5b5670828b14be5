public import Foundation
import NIOPosix
public import NIOFileSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Open read-only descriptors of the files streamed lately (hot recordings' originals and proxies), so that a
/// player's many range requests do not each open, `stat` and close the file on a thread pool.
///
/// - **Bounded**: at most `capacity` files; the least recently used is evicted.
/// - **Never stale for long**: an entry is checked against its path (`stat`: device, inode, size, modification time)
///   when it is older than `revalidateAfter`, and dropped when the path now names another file or none — a proxy made
///   again, a blob deleted by another process.
/// - **Closed when the file goes**: erasure, retention and blob collection delete files through ``DataLayout/remove(_:)``
///   and ``FolderBlobStore/remove(_:)``, which call ``forget(_:)`` / ``forget(under:)``: the descriptor is closed at
///   once, so a deleted recording's bytes are not kept alive on disk, nor servable, by this cache.
/// - **Closed exactly once**: descriptors are counted while in use (``withFile(_:_:)``); one evicted or forgotten
///   while a response is still sending from it is closed when that response ends.
///
/// One cache serves the process (``shared``), as ``FileSystem/shared`` does: every store and every app in it reads
/// and deletes the same files.
public final class OpenFileCache: Sendable {
    /// An open file's identity and what a response says about it.
    public struct Info: Sendable, Hashable {
        public let size: Int64
        public let modified: Date
        /// Device and inode: which file this is, whatever its path names later.
        let device: UInt64
        let inode: UInt64
        let modifiedNanoseconds: Int64
    }

    /// An open descriptor and the number of its users. Closed once retired and unused.
    final class Entry: Sendable {
        let path: String
        let descriptor: CInt
        let info: Info
        private struct State {
            var users = 0
            var retired = false
            var closed = false
            var lastUse: UInt64 = 0
            var checkedAt: ContinuousClock.Instant
        }
        private let state: Mutex<State>

        init(path: String, descriptor: CInt, info: Info, checkedAt: ContinuousClock.Instant) {
            self.path = path
            self.descriptor = descriptor
            self.info = info
            self.state = Mutex(State(checkedAt: checkedAt))
        }

        /// Takes a use; `false` if the entry was retired meanwhile.
        func retain(tick: UInt64) -> Bool {
            state.withLock { state in
                guard !state.retired else { return false }
                state.users += 1
                state.lastUse = tick
                return true
            }
        }

        func release() {
            let close = state.withLock { state -> Bool in
                state.users -= 1
                precondition(state.users >= 0, "An open file was released more often than it was used.")
                return Self.closing(&state)
            }
            if close { Glibc.close(descriptor) }
        }

        /// Marks the entry as gone from the cache; closes the descriptor now if nobody uses it.
        func retire() {
            let close = state.withLock { state -> Bool in
                state.retired = true
                return Self.closing(&state)
            }
            if close { Glibc.close(descriptor) }
        }

        /// Whether the descriptor is to be closed now (retired, unused, not yet closed); marks it closed if so.
        private static func closing(_ state: inout State) -> Bool {
            guard state.retired, state.users == 0, !state.closed else { return false }
            state.closed = true
            return true
        }

        var lastUse: UInt64 { state.withLock { $0.lastUse } }

        /// Whether the entry is due for a check against its path (without taking the check on).
        func isDue(now: ContinuousClock.Instant, after interval: Duration) -> Bool {
            state.withLock { now - $0.checkedAt >= interval }
        }

        /// Whether the entry is due for a check against its path; if so, the check is considered done from now (one
        /// caller checks, the others go on with the entry meanwhile).
        func needsCheck(now: ContinuousClock.Instant, after interval: Duration) -> Bool {
            state.withLock { state in
                guard now - state.checkedAt >= interval else { return false }
                state.checkedAt = now
                return true
            }
        }

        deinit {
            let leaked = state.withLock { !$0.closed }
            if leaked {
                // Only a cache torn down with entries still in it gets here (the shared cache lives as long as the process).
                Glibc.close(descriptor)
            }
        }
    }

    /// The process's cache.
    public static let shared = OpenFileCache()

    public let capacity: Int
    public let revalidateAfter: Duration
    private struct Table {
        var entries: [String: Entry] = [:]
        var tick: UInt64 = 0
    }
    private let table = Mutex(Table())

    public init(capacity: Int = 64, revalidateAfter: Duration = .seconds(1)) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.revalidateAfter = revalidateAfter
    }

    /// Runs `body` with the open file at `path` (kept open for the next request), or returns `nil` when the path names
    /// no regular file. The descriptor is valid only inside `body`; read it with `pread`/`sendfile` at explicit
    /// offsets (it is shared by concurrent responses, so its file position means nothing).
    public func withFile<T>(_ path: FilePath, _ body: (_ descriptor: CInt, _ info: Info) async throws -> T) async throws -> T? {
        guard let entry = try await checkOut(path.string) else { return nil }
        defer { entry.release() }
        return try await body(entry.descriptor, entry.info)
    }

    /// A use of the file at `path` as it is already open here, taken on the caller's thread without opening, checking
    /// or waiting: `nil` when it is not open, or is due for its check against the path (``revalidateAfter``), so that
    /// the caller goes the way that opens and checks (``withFile(_:_:)``). The descriptor stays open until the lease is
    /// ended (``Lease/end()``, or when the lease is released from memory).
    public func lease(_ path: FilePath) -> Lease? {
        let key = path.string
        guard let (entry, tick) = table.withLock({ table in table.entries[key].map { entry in table.tick += 1; return (entry, table.tick) } }),
            !entry.isDue(now: ContinuousClock.now, after: revalidateAfter), entry.retain(tick: tick)
        else { return nil }
        return Lease(entry)
    }

    /// A use of an open file that outlives a scope (a write that completes later); ended once.
    public final class Lease: Sendable {
        private let entry: Entry
        private let ended = Atomic<Bool>(false)
        public var descriptor: CInt { entry.descriptor }
        public var info: Info { entry.info }

        fileprivate init(_ entry: Entry) { self.entry = entry }

        /// Gives the use back; the descriptor is closed if the file was forgotten meanwhile and this was its last use.
        public func end() {
            if !ended.exchange(true, ordering: .acquiringAndReleasing) { entry.release() }
        }

        deinit { end() }
    }

    /// The file's size and identity, opening it (and keeping it open) if need be; `nil` when it is not a regular file.
    public func info(_ path: FilePath) async throws -> Info? {
        try await withFile(path) { _, info in info }
    }

    /// Closes and forgets the file at `path` (it is being deleted or replaced).
    public func forget(_ path: FilePath) {
        let removed = table.withLock { $0.entries.removeValue(forKey: path.string) }
        removed?.retire()
    }

    /// Closes and forgets every file under `directory` (a recording's media folder being deleted).
    public func forget(under directory: FilePath) {
        let prefix = directory.string.hasSuffix("/") ? directory.string : directory.string + "/"
        let removed = table.withLock { table -> [Entry] in
            let gone = table.entries.filter { $0.key.hasPrefix(prefix) }
            for key in gone.keys { table.entries[key] = nil }
            return Array(gone.values)
        }
        removed.forEach { $0.retire() }
    }

    /// Whether `path` is open in the cache (for tests and diagnostics).
    public func isOpen(_ path: FilePath) -> Bool {
        table.withLock { $0.entries[path.string] != nil }
    }

    /// How many files are open in the cache.
    public var count: Int { table.withLock { $0.entries.count } }

    // MARK: -

    /// A used entry for `path`: the cached one (checked against the path if due) or a newly opened one.
    private func checkOut(_ path: String) async throws -> Entry? {
        let now = ContinuousClock.now
        if let (entry, tick) = table.withLock({ table in table.entries[path].map { entry in table.tick += 1; return (entry, table.tick) } }) {
            if entry.needsCheck(now: now, after: revalidateAfter), Self.currentInfo(at: path) != entry.info {
                // The path names another file now, or none: this one goes (closed when its last response ends).
                drop(entry)
            } else if entry.retain(tick: tick) {
                return entry
            }
        }
        // Opening can block (a network file system): off the cooperative pool.
        let opened = try await NIOThreadPool.singleton.runIfActive { () throws -> (CInt, Info)? in
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                if errno == ENOENT || errno == ENOTDIR { return nil }
                throw FileOpenError(path: path, errno: errno)
            }
            var status = stat()
            guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
                close(descriptor)
                return nil
            }
            return (descriptor, Info(status))
        }
        guard let (descriptor, info) = opened else { return nil }
        let fresh = Entry(path: path, descriptor: descriptor, info: info, checkedAt: now)
        let (entry, evicted) = table.withLock { table -> (Entry, [Entry]) in
            table.tick += 1
            // Another request opened the same file meanwhile: use theirs, close ours.
            if let existing = table.entries[path], existing.info == info, existing.retain(tick: table.tick) {
                return (existing, [fresh])
            }
            let replaced = table.entries.updateValue(fresh, forKey: path)
            _ = fresh.retain(tick: table.tick)
            var evicted = replaced.map { [$0] } ?? []
            while table.entries.count > capacity,
                let oldest = table.entries.min(by: { $0.value.lastUse < $1.value.lastUse })
            {
                table.entries[oldest.key] = nil
                evicted.append(oldest.value)
            }
            return (fresh, evicted)
        }
        evicted.forEach { $0.retire() }
        return entry
    }

    private func drop(_ entry: Entry) {
        let removed = table.withLock { table -> Bool in
            guard table.entries[entry.path] === entry else { return false }
            table.entries[entry.path] = nil
            return true
        }
        if removed { entry.retire() }
    }

    /// What `path` names now, or `nil` if it is not a regular file.
    static func currentInfo(at path: String) -> Info? {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Info(status)
    }
}

extension OpenFileCache.Info {
    init(_ status: Glibc.stat) {
        size = Int64(status.st_size)
        modified = Date(timeIntervalSince1970: TimeInterval(status.st_mtim.tv_sec))
        modifiedNanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}

/// A file that exists but could not be opened (permissions, too many open files).
struct FileOpenError: Error, CustomStringConvertible {
    let path: String
    let errno: CInt
    var description: String { "The file could not be opened: \(String(cString: strerror(errno)))." }
}
