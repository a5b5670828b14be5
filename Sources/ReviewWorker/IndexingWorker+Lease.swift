import Foundation
import ReviewStore
import Synchronization

/// Whether a job's lease is still this worker's, as the heartbeat last found.
final class Lease: Sendable {
    private let lost = Atomic(false)

    var isLost: Bool { lost.load(ordering: .relaxed) }
    func markLost() { lost.store(true, ordering: .relaxed) }
}

extension IndexingWorker {
    /// Runs `body` while a heartbeat renews `job`'s lease every ``heartbeat`` (decision 17), in a child task of this
    /// one: it ends with `body`, never outlives it. The lease is marked lost when another worker holds the job now.
    func withLease<R: Sendable>(of job: Job, _ body: (Lease) async throws -> R) async throws -> R {
        let lease = Lease()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: heartbeat) } catch { return }
                    if !(await renewLease(of: job)) {
                        lease.markLost()
                        return
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body(lease)
        }
    }

    /// Renews the job's lease; false only when another worker holds it now (a database out of reach for a moment is
    /// not a lost lease: the lease has a minute in hand).
    func renewLease(of job: Job) async -> Bool {
        do {
            try await store.jobs.heartbeat(job.id, worker: name, leaseSeconds: leaseSeconds, now: Date())
            return true
        } catch {
            return error.code != .leaseLost
        }
    }
}
