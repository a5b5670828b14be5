public import Foundation
public import ReviewDomain

/// The repositories of the records, bound to one unit of work: the store's pool (``ReviewStore/records``, each call
/// its own transaction) or one ``StoreTransaction`` (everything commits or rolls back together).
public protocol RecordRepositories: Sendable {
    var organisations: any OrganisationRepository { get }
    var users: any UserRepository { get }
    var candidates: any CandidateRepository { get }
    var observations: any ObservationRepository { get }
    var recordings: any RecordingRepository { get }
    var ratings: any RatingRepository { get }
    var cases: any CaseRepository { get }
}

/// Every repository of one ``StoreTransaction``: the records', the audit trail and the job queue.
public protocol Repositories: RecordRepositories {
    var audit: any AuditLog { get }
    var jobs: any JobQueue { get }
}

/// Organisations taking part in the scheme.
public protocol OrganisationRepository: Sendable {
    /// Stores a new organisation; `.duplicate` if the id is taken.
    func insert(_ organisation: Organisation) async throws(StoreError)
    func find(_ id: OrganisationID) async throws(StoreError) -> Organisation?
    /// Every organisation, by name.
    func all() async throws(StoreError) -> [Organisation]
}

/// User accounts.
public protocol UserRepository: Sendable {
    /// Stores a new user; its organisation must exist.
    func insert(_ user: User) async throws(StoreError)
    func find(_ id: UserID) async throws(StoreError) -> User?
    /// The users acting for `organisationID`, by name.
    func users(of organisationID: OrganisationID) async throws(StoreError) -> [User]
    /// Activates or deactivates an account; `.notFound` if there is none.
    func setActive(_ id: UserID, _ active: Bool) async throws(StoreError)
}

/// Candidates (the social workers assessed).
public protocol CandidateRepository: Sendable {
    /// Stores a new candidate; `.duplicate` if the registration number is taken.
    func insert(_ candidate: Candidate, name: String) async throws(StoreError)
    func find(_ id: CandidateID) async throws(StoreError) -> CandidateRecord?
    func find(registrationNumber: String) async throws(StoreError) -> CandidateRecord?
}

/// Observations (assessed events).
public protocol ObservationRepository: Sendable {
    /// Stores a new observation; `.duplicate` if `ref` is taken.
    func insert(_ observation: Observation, ref: String?) async throws(StoreError)
    func find(_ id: ObservationID) async throws(StoreError) -> ObservationRecord?
    func find(ref: String) async throws(StoreError) -> ObservationRecord?
    /// A candidate's observations, oldest first.
    func observations(of candidateID: CandidateID) async throws(StoreError) -> [ObservationRecord]
}

/// Uploaded recordings and their ingest status.
public protocol RecordingRepository: Sendable {
    /// Stores a new recording (normally `uploading`).
    func insert(_ recording: Recording, at time: Date) async throws(StoreError)
    /// Saves the recording's checksum, size and status; `.notFound` if it was never inserted.
    func update(_ recording: Recording, at time: Date) async throws(StoreError)
    func find(_ id: RecordingID) async throws(StoreError) -> Recording?
    /// Recordings whose file has this SHA-256 (lower-case hex): duplicate uploads.
    func recordings(sha256: String) async throws(StoreError) -> [Recording]
    /// An observation's recordings, oldest first.
    func recordings(of observationID: ObservationID) async throws(StoreError) -> [Recording]
}

/// The append-only ratings; every append writes its audit event in the same transaction.
public protocol RatingRepository: Sendable {
    /// Appends a rating made with ``RatingLedger`` and records `rating.recorded` (or `rating.corrected` for a
    /// correction) by `actor`. The ratings stored for the observation plus this one must still form a valid
    /// ledger (`.constraintViolation` otherwise).
    @discardableResult
    func append(_ rating: Rating, by actor: ActingUser) async throws(StoreError) -> AuditEntry
    /// An observation's ratings in append order.
    func ratings(of observationID: ObservationID) async throws(StoreError) -> [Rating]
    /// An observation's ratings as a ledger; `.notFound` if there is no such observation.
    func ledger(of observationID: ObservationID) async throws(StoreError) -> RatingLedger
}

/// Dispute cases, with optimistic concurrency on ``Case/version``.
public protocol CaseRepository: Sendable {
    /// Stores a newly opened case and its `case.opened` event together.
    @discardableResult
    func create(_ opened: Case, event: AuditEvent) async throws(StoreError) -> AuditEntry
    /// Replaces the stored case with `updated` if the stored version is still `expectedVersion`, and appends
    /// `event`, together. A stale `expectedVersion` throws `.conflict` and writes nothing.
    /// `updated.version` must be `expectedVersion + 1` (what ``Case/apply(_:by:at:reason:policy:eventID:)`` returns).
    @discardableResult
    func update(_ updated: Case, expectedVersion: Int, event: AuditEvent) async throws(StoreError) -> AuditEntry
    func find(_ id: CaseID) async throws(StoreError) -> Case?
    /// A work queue: cases in `state`, least recently updated first.
    func cases(in state: Case.State, limit: Int) async throws(StoreError) -> [Case]
    /// An observation's cases, oldest first.
    func cases(of observationID: ObservationID) async throws(StoreError) -> [Case]
    /// One page of an employer's queue: its cases in `state`, oldest opened first (pages count from 1).
    func cases(in state: Case.State, employer: OrganisationID, page: Int, pageSize: Int) async throws(StoreError) -> [Case]
    /// The flags raised on case `id` after the first `offset`, at most `limit` (and at most 1,000), oldest first; the
    /// case's ``Case/flagCount`` says how many there are.
    func flags(of id: CaseID, offset: Int, limit: Int) async throws(StoreError) -> [Case.Flag]
}

/// The hash-chained audit trail; see ``AuditChain`` for the hash.
public protocol AuditLog: Sendable {
    /// Appends `event` at the end of the chain (assigning its sequence) and returns it as stored.
    @discardableResult
    func append(_ event: AuditEvent) async throws(StoreError) -> AuditEntry
    /// The events about `subject`, in order.
    func entries(about subject: AuditEvent.Subject) async throws(StoreError) -> [AuditEntry]
    /// Up to `limit` events after `sequence`, in order.
    func entries(after sequence: Int64, limit: Int) async throws(StoreError) -> [AuditEntry]
    /// Walks the whole chain and names the first broken link.
    func verify() async throws(StoreError) -> AuditVerification
}

/// The background job queue in the same database.
public protocol JobQueue: Sendable {
    /// Queues a job to run at or after `runAt`.
    @discardableResult
    func enqueue(kind: Job.Kind, payload: some Encodable & Sendable, runAt: Date, maxAttempts: Int) async throws(StoreError) -> Job
    /// Leases the next due job of one of `kinds` (any kind when empty) to `worker` until `now + leaseSeconds`,
    /// counting an attempt; `nil` when nothing is due. Two workers never hold the same job.
    func claim(kinds: [Job.Kind], worker: String, leaseSeconds: Int, now: Date) async throws(StoreError) -> Job?
    /// Extends `worker`'s lease to `now + leaseSeconds`; `.leaseLost` if the worker no longer holds the job.
    func heartbeat(_ id: JobID, worker: String, leaseSeconds: Int, now: Date) async throws(StoreError)
    /// Marks the job done; `.leaseLost` if the worker no longer holds it.
    func complete(_ id: JobID, worker: String, now: Date) async throws(StoreError)
    /// Records a failure: retried after ``JobBackoff`` (state `failed`) while attempts remain and `retryable`,
    /// otherwise `dead`. Returns the job as it now stands; `.leaseLost` if the worker no longer holds it.
    @discardableResult
    func fail(_ id: JobID, worker: String, error: String, retryable: Bool, now: Date) async throws(StoreError) -> Job
    /// Returns jobs whose lease expired before `now` to the queue (or `dead`, with no attempts left); returns how many.
    @discardableResult
    func reclaimExpiredLeases(now: Date) async throws(StoreError) -> Int
    func find(_ id: JobID) async throws(StoreError) -> Job?
}
