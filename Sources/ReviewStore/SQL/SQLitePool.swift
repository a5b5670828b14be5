import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteKit

/// A small pool of SQLite connections to one file, each opened with the store's pragmas.
///
/// Connections are opened on demand up to `capacity`; the thread pool has as many threads, so a connection
/// waiting in SQLite's busy handler can never starve the one holding the write lock.
actor SQLitePool {
    private let path: String
    private let capacity: Int
    private let threadPool: NIOThreadPool
    private let logger: Logger
    /// Read connections driven through SQLite's C API, on the same threads (``read(_:_:_:)``).
    private let readers: SQLiteReaders
    private var idle: [SQLiteConnection] = []
    private var opened = 0
    private var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
    private var isShutDown = false
    /// Whether a write transaction of this process holds (or is about to take) the file's write lock, and who waits
    /// for it, in order of arrival.
    private var writing = false
    private var writeWaiters: [CheckedContinuation<Void, Never>] = []

    /// Set while a task runs a write transaction through ``withWriteConnection(_:)``: a write it starts meanwhile
    /// (nested, on another connection) goes straight to SQLite rather than waiting behind itself.
    @TaskLocal private static var holdsWriteTurn = false

    /// The connection the current task leased (inside ``withConnection(_:)``): a bulk import binds its rows straight
    /// to the connection its transaction runs on (``DirectBinds``, decision 34).
    @TaskLocal static var leased: SQLiteConnection?

    /// How long a connection waits for another's write lock before failing with `SQLITE_BUSY`.
    /// The page cache of each connection (16 MB); a large import raises it for its transaction and sets it back.
    static let cacheSize = "PRAGMA cache_size = -16384"
    static let busyTimeoutMilliseconds = 10_000

    init(path: String, capacity: Int = 4, logger: Logger) {
        self.path = path
        self.capacity = capacity
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: capacity)
        self.readers = SQLiteReaders(path: path)
        threadPool.start()
    }

    /// Runs `sql` on a read connection (``SQLiteReaders``) in one trip to the pool's threads, handing its rows to
    /// `body` there: a page written as its rows are stepped, with no hop per row and no pooled connection leased.
    nonisolated func read<R: Sendable>(
        _ sql: String, _ binds: [SQLiteData], _ body: @escaping @Sendable (inout StoredRows) throws -> R
    ) async throws -> R {
        do {
            return try await threadPool.runIfActive { [readers] in try readers.read(sql, binds, body) }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw StoreError(.unavailable, "The store is shut down.")
        }
    }

    /// Runs `body` on a read connection inside one read transaction (``SQLiteReaders/snapshot(_:)``), in one trip to
    /// the pool's threads.
    nonisolated func snapshot<R: Sendable>(_ body: @escaping @Sendable (ReadConnection) throws -> R) async throws -> R {
        do {
            return try await threadPool.runIfActive { [readers] in try readers.snapshot(body) }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw StoreError(.unavailable, "The store is shut down.")
        }
    }

    /// The file's data version (``SQLiteReaders/dataVersion()``), asked on the calling thread.
    nonisolated func dataVersion() -> StoreDataVersion? { readers.dataVersion() }

    /// Runs `body` with a connection leased for its duration.
    nonisolated func withConnection<R: Sendable>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        let connection = try await lease()
        do {
            let result = try await Self.$leased.withValue(connection) { try await body(connection) }
            await release(connection)
            return result
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Runs `body`, a write transaction (`BEGIN IMMEDIATE`), with a connection, once this process's earlier write
    /// transactions have finished: one writer at a time, first come first served.
    ///
    /// SQLite allows one writer per file; the others wait in its busy handler, which polls with growing sleeps, does
    /// not queue, and gives up after ``busyTimeoutMilliseconds``. Under load (twenty requests flagging one case at once
    /// on two busy cores) a writer could lose every race for ten seconds and fail with "the database is busy". Taking
    /// turns here leaves the busy handler only other processes to wait for (`obsreview` commands, a second worker).
    nonisolated func withWriteConnection<R: Sendable>(_ body: (SQLiteConnection) async throws -> R) async throws -> R {
        if Self.holdsWriteTurn { return try await withConnection(body) }
        await takeWriteTurn()
        do {
            let result = try await Self.$holdsWriteTurn.withValue(true) { try await withConnection(body) }
            await passWriteTurn()
            return result
        } catch {
            await passWriteTurn()
            throw error
        }
    }

    private func takeWriteTurn() async {
        guard writing else {
            writing = true
            return
        }
        await withCheckedContinuation { writeWaiters.append($0) }
    }

    private func passWriteTurn() {
        if writeWaiters.isEmpty { writing = false } else { writeWaiters.removeFirst().resume() }
    }

    private func lease() async throws -> SQLiteConnection {
        guard !isShutDown else { throw StoreError(.unavailable, "The store is shut down.") }
        if let connection = idle.popLast() { return connection }
        if opened < capacity {
            opened += 1
            do {
                return try await open()
            } catch {
                opened -= 1
                throw error
            }
        }
        return try await withCheckedThrowingContinuation { waiters.append($0) }
    }

    private func release(_ connection: SQLiteConnection) async {
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: connection)
        } else if isShutDown {
            try? await connection.close()
        } else {
            idle.append(connection)
        }
    }

    private func open() async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any()
        )
        do {
            // foreign_keys and busy_timeout are per connection; WAL is a property of the file, kept once set.
            for pragma in [
                "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)",
                "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                // Deleted content is overwritten with zeros, so erased personal data does not linger in free pages.
                "PRAGMA secure_delete = ON",
                // Reads through a memory map instead of a pread and a copy per page, and 16 MB of pages kept per
                // connection instead of 2 MB: a board over 10,000 cases spent 16% of its time in pread (decision 35).
                "PRAGMA mmap_size = 268435456", Self.cacheSize,
                // The statement journal of a multi-row insert (which may fail half-way) and the sorts of an index
                // build in memory: in a temporary file they were 10% of a bulk import's time, most of it `pwrite`
                // (decision 40). It cannot be changed inside a transaction, so it is set for every connection.
                "PRAGMA temp_store = MEMORY",
            ] {
                _ = try await connection.query(pragma)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        return connection
    }

    /// Closes idle connections now and busy ones when released, fails waiters, then stops the threads.
    func shutdown() async {
        isShutDown = true
        for waiter in waiters { waiter.resume(throwing: StoreError(.unavailable, "The store is shutting down.")) }
        waiters = []
        for connection in idle { try? await connection.close() }
        idle = []
        readers.shutdown()
        try? await threadPool.shutdownGracefully()
    }
}
