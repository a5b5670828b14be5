import Foundation
import SQLKit

/// The job queue. A claim is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING`: on PostgreSQL the inner
/// select takes the row with `FOR UPDATE SKIP LOCKED`, so concurrent claimers pass over each other's rows; on
/// SQLite it runs in an immediate write transaction, so claims are serialised. Either way the outer `UPDATE`
/// re-checks the state, and a job has at most one lease holder.
struct SQLJobQueue: JobQueue {
    /// The most tries a job gets when its workers keep stopping under it (each stop allows one more try).
    static let crashAllowance = 10

    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func enqueue(kind: Job.Kind, payload: some Encodable & Sendable, runAt: Date, maxAttempts: Int) async throws(StoreError) -> Job {
        guard maxAttempts >= 1 else { throw StoreError(.invalidArgument, "A job needs at least one attempt (maxAttempts ≥ 1).") }
        let text: String
        do {
            text = try JSONCoding.text(payload)
        } catch {
            throw StoreError(.invalidArgument, "The payload of a \(kind) job cannot be encoded as JSON.", cause: error)
        }
        let id = JobID()
        try await context.run { db in
            try await db.raw("""
                INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, run_at, created_at, updated_at)
                VALUES (\(dialect.id(id)), \(bind: kind.rawValue), \(dialect.json(text)), 'queued', 0, \(bind: maxAttempts),
                        \(dialect.time(runAt)), \(dialect.time(Date())), \(dialect.time(Date())))
                """).run()
        }
        return Job(id: id, kind: kind, payload: text, state: .queued, attempts: 0, maxAttempts: maxAttempts, runAt: Dialect.normalised(runAt),
                   leaseOwner: nil, leaseExpiresAt: nil, lastError: nil)
    }

    func claim(kinds: [Job.Kind], worker: String, leaseSeconds: Int, now: Date) async throws(StoreError) -> Job? {
        let kindFilter: SQLQueryString = kinds.isEmpty ? "" : " AND kind IN (\(binds: kinds.map(\.rawValue)))"
        return try await context.atomically { db in
            try await db.raw("""
                UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = \(bind: worker),
                    lease_expires_at = \(dialect.time(now.addingTimeInterval(TimeInterval(leaseSeconds)))), updated_at = \(dialect.time(now))
                WHERE state IN ('queued', 'failed') AND id = (
                    SELECT id FROM jobs WHERE state IN ('queued', 'failed') AND run_at <= \(dialect.time(now))\(kindFilter)
                    ORDER BY run_at, created_at LIMIT 1\(dialect.forUpdateSkipLocked))
                RETURNING \(returning)
                """).first().map(Self.job)
        }
    }

    func heartbeat(_ id: JobID, worker: String, leaseSeconds: Int, now: Date) async throws(StoreError) {
        try await leased(id, worker: worker, """
            UPDATE jobs SET lease_expires_at = \(dialect.time(now.addingTimeInterval(TimeInterval(leaseSeconds)))), updated_at = \(dialect.time(now))
            """)
    }

    func complete(_ id: JobID, worker: String, now: Date) async throws(StoreError) {
        try await leased(id, worker: worker, """
            UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = \(dialect.time(now))
            """)
    }

    func fail(_ id: JobID, worker: String, error: String, retryable: Bool, now: Date) async throws(StoreError) -> Job {
        try await context.atomically { db in
            guard let row = try await db.raw("""
                SELECT attempts, max_attempts FROM jobs
                WHERE id = \(dialect.id(id)) AND state = 'running' AND lease_owner = \(bind: worker)\(dialect.forUpdate)
                """).first()
            else { throw Self.leaseLost(id, worker) }
            let attempts: Int = try row.value("attempts")
            let maxAttempts: Int = try row.value("max_attempts")
            let retry = retryable && attempts < maxAttempts
            let runAt = retry ? now.addingTimeInterval(JobBackoff.delay(afterAttempt: attempts)) : now
            let updated = try await db.raw("""
                UPDATE jobs SET state = \(bind: retry ? "failed" : "dead"), run_at = \(dialect.time(runAt)), last_error = \(bind: error),
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = \(dialect.time(now))
                WHERE id = \(dialect.id(id)) RETURNING \(returning)
                """).first()
            guard let updated else { throw Self.leaseLost(id, worker) }
            return try Self.job(updated)
        }
    }

    /// A lease that ran out means its worker stopped (killed, crashed, its machine lost) — not that the file is at
    /// fault — so the attempt is given back by allowing one more, up to ``crashAllowance`` tries in all: a job whose
    /// worker dies every time still ends, instead of being retried for ever.
    func reclaimExpiredLeases(now: Date) async throws(StoreError) -> Int {
        try await context.atomically { db in
            try await db.raw("""
                UPDATE jobs SET max_attempts = CASE WHEN max_attempts < \(bind: Self.crashAllowance) THEN max_attempts + 1 ELSE max_attempts END,
                    state = CASE WHEN attempts >= max_attempts AND max_attempts >= \(bind: Self.crashAllowance) THEN 'dead' ELSE 'failed' END,
                    last_error = 'lease of ' || lease_owner || ' expired: the worker stopped (not counted against the file)', run_at = \(dialect.time(now)),
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = \(dialect.time(now))
                WHERE state = 'running' AND lease_expires_at < \(dialect.time(now))
                RETURNING id
                """).all().count
        }
    }

    func find(_ id: JobID) async throws(StoreError) -> Job? {
        try await context.run { db in
            try await db.raw("SELECT \(returning) FROM jobs WHERE id = \(dialect.id(id))").first().map(Self.job)
        }
    }

    /// Runs `update` on the job only while `worker` holds its lease.
    private func leased(_ id: JobID, worker: String, _ update: SQLQueryString) async throws(StoreError) {
        let held = try await context.run { db in
            try await db.raw("""
                \(update) WHERE id = \(dialect.id(id)) AND state = 'running' AND lease_owner = \(bind: worker) RETURNING id
                """).first() != nil
        }
        guard held else { throw Self.leaseLost(id, worker) }
    }

    private static func leaseLost(_ id: JobID, _ worker: String) -> StoreError {
        StoreError(.leaseLost, "Worker \(worker) no longer holds job \(id): its lease expired or it finished.")
    }

    private var returning: SQLQueryString {
        """
        id, kind, \(dialect.jsonText("payload")), state, attempts, max_attempts, run_at, lease_owner, lease_expires_at, last_error
        """
    }

    static func job(_ row: any SQLRow) throws -> Job {
        Job(
            id: try row.id("id"), kind: Job.Kind(rawValue: try row.value("kind")), payload: try row.value("payload"),
            state: try row.raw("state"), attempts: try row.value("attempts"), maxAttempts: try row.value("max_attempts"),
            runAt: try row.time("run_at"), leaseOwner: try row.value("lease_owner", as: String?.self),
            leaseExpiresAt: try row.optionalTime("lease_expires_at"), lastError: try row.value("last_error", as: String?.self)
        )
    }
}
