public import Foundation
public import ReviewDomain
import SQLKit
import SQLiteKit

// The store's surface: one small façade per area, named after the folder that holds its code (decision 20).
// `ReviewStore` itself keeps only its life cycle (open, migrate, back up, close) and these properties. Every
// façade method throws ``StoreError``: the façades run their SQL through the typed runners below
// (``SQLContext``'s `run` and `atomically`, ``StoreArea``'s `transaction`, `moderation` and `reading`), which map
// whatever went wrong in one place, ``StoreError/init(wrapping:)``.

extension ReviewStore {
    /// Organisations, users, candidates, observations, recordings, ratings and cases: their repositories (each
    /// call its own transaction) and the API's paged lists (`Repositories/`, `Queries/`).
    public var records: RecordStore { RecordStore(store: self) }
    /// Credentials, sessions, API tokens, the second factor, sign-in throttling and account approval (`Accounts/`).
    public var accounts: AccountStore { AccountStore(store: self) }
    /// Ratings, flags and case transitions, and the audited views of recordings (`Workflow/`).
    public var workflow: WorkflowStore { WorkflowStore(store: self) }
    /// The moderation policy, moderators, assignments, opinions, calibration, sampling and routing (`Moderation/`).
    public var moderation: ModerationStore { ModerationStore(store: self) }
    /// Uploaded recordings through indexing, and the indexing jobs' leases (`Ingest/`).
    public var ingest: IngestStore { IngestStore(store: self) }
    /// The facts the statistics are computed from, candidate attributes and frozen releases (`Insight/`).
    public var insight: InsightStore { InsightStore(store: self) }
    /// The ratings CSV import and the exports (`Import/`).
    public var imports: ImportStore { ImportStore(store: self) }
    /// Erasure, legal holds, retention and consent (`DataProtection/`, `Consent/`).
    public var dataProtection: DataProtectionStore { DataProtectionStore(store: self) }
    /// The hash-chained audit trail: appends, reads, the paged list and `verify` (`Audit/`).
    public var audit: AuditStore { AuditStore(store: self) }
    /// The job queue and its figures (`Jobs/`).
    public var jobs: JobStore { JobStore(store: self) }
    /// Notices, their e-mail outbox and each person's preferences (`Notifications/`, decision 24).
    public var notifications: NotificationStore { NotificationStore(store: self) }
}

/// Organisations, users, candidates, observations, recordings, ratings and cases: their repositories, each call
/// its own transaction (inside ``ReviewStore/transaction(_:)`` the same repositories join one), and the paged lists.
public struct RecordStore: RecordRepositories, SQLContextProvider, StoreArea {
    let store: ReviewStore
}

/// Accounts: credentials, sessions, API tokens, the second factor, sign-in throttling and approval.
public struct AccountStore: StoreArea {
    let store: ReviewStore
}

/// The workflow of an observation: ratings, flags, case transitions, and the audited views of its recordings.
public struct WorkflowStore: StoreArea {
    let store: ReviewStore
}

/// Moderation: policy, moderators and conflicts, assignments, opinions, discussion, development plans,
/// calibration seeds, note drafts, quality sampling and routing; each step one transaction (decision 8).
public struct ModerationStore: StoreArea {
    let store: ReviewStore
}

/// Ingest: an uploaded recording stored, indexed, rejected or re-queued, and the indexing jobs' leases.
public struct IngestStore: StoreArea {
    let store: ReviewStore
}

/// Insight: candidate attributes held with consent, the statistics' facts, and frozen statistics releases.
public struct InsightStore: StoreArea {
    let store: ReviewStore
}

/// The ratings CSV import and the exports of ratings and cases.
public struct ImportStore: StoreArea {
    let store: ReviewStore
}

/// Data protection: erasure, legal holds, retention, and consent per recording (decisions 12 and 13).
public struct DataProtectionStore: StoreArea {
    let store: ReviewStore
}

/// The hash-chained audit trail (decision 3): the ``AuditLog`` on the store's pool, and the paged list.
public struct AuditStore: AuditLog, StoreArea {
    let store: ReviewStore
    private var log: SQLAuditLog { SQLAuditLog(context: context) }

    @discardableResult
    public func append(_ event: AuditEvent) async throws(StoreError) -> AuditEntry { try await log.append(event) }
    public func entries(about subject: AuditEvent.Subject) async throws(StoreError) -> [AuditEntry] { try await log.entries(about: subject) }
    public func entries(after sequence: Int64, limit: Int) async throws(StoreError) -> [AuditEntry] { try await log.entries(after: sequence, limit: limit) }
    public func verify() async throws(StoreError) -> AuditVerification { try await log.verify() }
}

/// The job queue (decision 3): the ``JobQueue`` on the store's pool, and the queue's figures.
public struct JobStore: JobQueue, StoreArea {
    let store: ReviewStore
    private var queue: SQLJobQueue { SQLJobQueue(context: context) }

    @discardableResult
    public func enqueue(kind: Job.Kind, payload: some Encodable & Sendable, runAt: Date, maxAttempts: Int) async throws(StoreError) -> Job {
        try await queue.enqueue(kind: kind, payload: payload, runAt: runAt, maxAttempts: maxAttempts)
    }
    public func claim(kinds: [Job.Kind], worker: String, leaseSeconds: Int, now: Date) async throws(StoreError) -> Job? {
        try await queue.claim(kinds: kinds, worker: worker, leaseSeconds: leaseSeconds, now: now)
    }
    public func heartbeat(_ id: JobID, worker: String, leaseSeconds: Int, now: Date) async throws(StoreError) {
        try await queue.heartbeat(id, worker: worker, leaseSeconds: leaseSeconds, now: now)
    }
    public func complete(_ id: JobID, worker: String, now: Date) async throws(StoreError) { try await queue.complete(id, worker: worker, now: now) }
    @discardableResult
    public func fail(_ id: JobID, worker: String, error: String, retryable: Bool, now: Date) async throws(StoreError) -> Job {
        try await queue.fail(id, worker: worker, error: error, retryable: retryable, now: now)
    }
    @discardableResult
    public func reclaimExpiredLeases(now: Date) async throws(StoreError) -> Int { try await queue.reclaimExpiredLeases(now: now) }
    public func find(_ id: JobID) async throws(StoreError) -> Job? { try await queue.find(id) }
}

/// What every façade shares: the store's pool and the runners that map every error to a ``StoreError``.
protocol StoreArea: Sendable {
    var store: ReviewStore { get }
}

extension StoreArea {
    var context: SQLContext { store.context }

    /// ``ReviewStore/transaction(_:)``, with whatever `body` throws mapped to a ``StoreError``.
    func transaction<R: Sendable>(_ body: (StoreTransaction) async throws -> R) async throws(StoreError) -> R {
        do { return try await store.transaction(body) } catch { throw StoreError(wrapping: error) }
    }

    /// Runs a moderation step in one transaction with the moderation SQL on its connection. Domain refusals
    /// (``DomainError``, ``CaseTransitionError``) become `.invalidArgument` errors carrying the refusal as their cause.
    ///
    /// On PostgreSQL every step first takes one transaction-scoped advisory lock, before any row lock, so that
    /// steps that route (a decline, a submission that escalates, a scheduled pass on another server) never fill the
    /// same place twice and never deadlock; they are short. SQLite's write transaction already runs one at a time.
    func moderation<R: Sendable>(_ body: (ModerationSQL) async throws -> R) async throws(StoreError) -> R {
        try await transaction { tx in
            guard case .transaction(let db) = tx.context.target else {
                throw StoreError(.database, "A transaction has no connection.")
            }
            if tx.context.dialect == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(\(literal: 7_347_002))").run() }
            return try await body(ModerationSQL(db: db, dialect: tx.context.dialect))
        }
    }

    /// Runs reads with the moderation SQL on one pooled connection, without a transaction or lock.
    func reading<R: Sendable>(_ body: (ModerationSQL) async throws -> R) async throws(StoreError) -> R {
        let dialect = context.dialect
        return try await context.run { db in try await body(ModerationSQL(db: db, dialect: dialect)) }
    }

    /// One page of a list: `select` filtered by every condition, in `order` (see ``PageRequest``).
    func list<T>(
        _ select: SQLQueryString, _ conditions: [SQLQueryString], order: String, page: PageRequest,
        _ decode: @escaping @Sendable (any SQLRow) throws -> T
    ) async throws(StoreError) -> [T] where T: Sendable {
        let sql = Self.pageQuery(select, conditions, order: order, page: page)
        return try await context.run { db in try await db.raw(sql).all().map(decode) }
    }

    /// One page of a list whose rows are read by position (``ColumnReader``): on SQLite straight from sqlite-nio's
    /// rows on the connection the read leased (the same statement and binds SQLKit would send), elsewhere through
    /// SQLKit by name.
    func list<T>(
        _ select: SQLQueryString, _ conditions: [SQLQueryString], order: String, page: PageRequest,
        byPosition decode: @escaping @Sendable (any ColumnReader) throws -> T
    ) async throws(StoreError) -> [T] where T: Sendable {
        let sql = Self.pageQuery(select, conditions, order: order, page: page)
        return try await context.run { db in
            guard context.dialect == .sqlite, let connection = SQLitePool.leased else {
                return try await db.raw(sql).all().map { try decode(NamedColumns(row: $0)) }
            }
            let (text, binds) = db.serialize(sql)
            let encoder = SQLiteDataEncoder()
            return try await connection.query(text, try binds.map { try encoder.encode($0) }).map { try decode(SQLiteColumns($0)) }
        }
    }

    private static func pageQuery(_ select: SQLQueryString, _ conditions: [SQLQueryString], order: String, page: PageRequest) -> SQLQueryString {
        var query = select
        if !conditions.isEmpty {
            query = query + " WHERE " + conditions.joined(separator: " AND ")
        }
        return query + " ORDER BY \(unsafeRaw: order) LIMIT \(literal: page.fetch) OFFSET \(literal: page.offset)"
    }
}
