public import Logging
import SQLKit
public import ServiceLifecycle
import Synchronization

/// The store is a service (decision 19): its PostgreSQL client's connections live in ``run()``'s task, not in a loose
/// `Task`, so that a process closes its database in the order its service group declares — last, after the HTTP
/// server and the worker have stopped — rather than while a query is still under way.
extension ReviewStore: Service {
    /// Runs the connection pool until graceful shutdown (or cancellation), then closes the connections.
    public func run() async {
        await backend.run()
        await backend.shutdown()
    }

    /// Runs the store for the duration of `body`, then closes it: for commands and tests that use a store outside a
    /// service group. Whatever `body` throws is rethrown after the store has closed.
    public func run<R>(while body: () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.backend.run() }
            do {
                let result = try await body()
                group.cancelAll()
                try await group.waitForAll()
                await backend.shutdown()
                return result
            } catch {
                group.cancelAll()
                try? await group.waitForAll()
                await backend.shutdown()
                throw error
            }
        }
    }
}

/// Applies the pending migrations as the service after the store: the services that need the schema (the worker,
/// the HTTP server before it listens) wait for ``waitUntilCompleted()``; a failure (the database out of reach, a
/// migration that does not apply) ends the whole group before any of them has begun.
public final class StoreMigrations: Service, Sendable {
    private enum State {
        case running([CheckedContinuation<Void, any Error>])
        case completed
        case failed(any Error)
    }

    private let store: ReviewStore
    private let logger: Logger
    private let reachWithin: Duration
    private let afterwards: @Sendable (ReviewStore) async throws -> Void
    private let state = Mutex(State.running([]))

    /// `afterwards` runs once the schema is current, before anyone waiting is let through (demo data, development
    /// accounts). A database that does not answer within `reachWithin` stops the start (the PostgreSQL pool would
    /// otherwise keep retrying for a minute before it gives up).
    public init(store: ReviewStore, logger: Logger, reachWithin: Duration = .seconds(20),
                afterwards: @escaping @Sendable (ReviewStore) async throws -> Void = { _ in }) {
        self.store = store
        self.logger = logger
        self.reachWithin = reachWithin
        self.afterwards = afterwards
    }

    /// Migrates, then waits for graceful shutdown (a service that returned early would end its group).
    public func run() async throws {
        do {
            try await reach()
            try await store.migrate()
            try await afterwards(store)
            finish(.completed)
            logger.debug("database ready", metadata: ["database": "\(store.configuration)"])
        } catch {
            finish(.failed(error))
            throw error
        }
        try? await gracefulShutdown()
    }

    /// Returns once the migrations have been applied; throws what stopped them.
    public func waitUntilCompleted() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let resumeNow: Result<Void, any Error>? = state.withLock { state in
                switch state {
                case .running(var waiting):
                    waiting.append(continuation)
                    state = .running(waiting)
                    return nil
                case .completed: return .success(())
                case .failed(let error): return .failure(error)
                }
            }
            if let resumeNow { continuation.resume(with: resumeNow) }
        }
    }

    /// One query, given up after ``reachWithin``.
    private func reach() async throws(StoreError) {
        let (store, limit) = (store, reachWithin)
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await store.withRawDatabase { db in _ = try await db.raw("SELECT 1 AS one").all() }
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return false
                }
                let answered = try await group.next() ?? false
                group.cancelAll()
                guard answered else {
                    throw StoreError(.unavailable, "The database server did not answer within \(limit.components.seconds) s.")
                }
            }
        } catch {
            throw StoreError(wrapping: error)
        }
    }

    private func finish(_ outcome: State) {
        let waiting: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            guard case .running(let waiting) = state else { return [] }
            state = outcome
            return waiting
        }
        for continuation in waiting {
            if case .failed(let error) = outcome { continuation.resume(throwing: error) } else { continuation.resume() }
        }
    }
}
