public import Foundation
public import ReviewDomain
import SQLKit

/// What an indexing job carries: the recording and the key of its bytes in the blob store (the file's SHA-256),
/// never a path — the worker resolves the key against its own data directory.
public struct IndexJobPayload: Codable, Sendable, Hashable {
    public let recordingID: RecordingID
    /// The blob's key: lower-case hex SHA-256.
    public let blobKey: String

    public init(recordingID: RecordingID, blobKey: String) {
        self.recordingID = recordingID
        self.blobKey = blobKey
    }

    private enum CodingKeys: String, CodingKey { case recordingID, blobKey, blobPath }

    /// Jobs queued before blobs were addressed by key carry `blobPath` (`…/ab/cd/<sha256>`): its last component
    /// is the key.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        recordingID = try container.decode(RecordingID.self, forKey: .recordingID)
        if let key = try container.decodeIfPresent(String.self, forKey: .blobKey) {
            blobKey = key
        } else {
            let path = try container.decode(String.self, forKey: .blobPath)
            blobKey = String(path.split(separator: "/").last ?? "")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(recordingID, forKey: .recordingID)
        try container.encode(blobKey, forKey: .blobKey)
    }
}

/// The recording a completed upload became, and its indexing job when this call created them.
public struct StoredUpload: Sendable, Hashable {
    public let recordingID: RecordingID
    /// Nil when the upload had already been stored (a retried completion) or the same file was already a
    /// recording of the observation.
    public let job: JobID?
    /// The same file (same SHA-256) was already a recording of this observation: that recording is returned and
    /// no second one is made.
    public let alreadyUploaded: Bool

    public init(recordingID: RecordingID, job: JobID?, alreadyUploaded: Bool = false) {
        self.recordingID = recordingID
        self.job = job
        self.alreadyUploaded = alreadyUploaded
    }
}

extension IngestStore {
    /// The account the indexing worker acts as in the audit trail.
    public static let indexingWorker = UserID(rawValue: UUID(uuid: (0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0xa0, 0x01)))

    /// Stores a completed upload as a Recording (status `stored`) with its `recording.stored` audit event and an
    /// indexing job, in one transaction. Idempotent per `uploadID`: a retried completion returns the same
    /// recording and enqueues nothing. The same file (SHA-256) uploaded again for the same observation returns
    /// the recording it already is (`alreadyUploaded`), under a lock on the observation, so two concurrent
    /// uploads of one file make one recording on PostgreSQL too.
    public func storeUploadedRecording(
        uploadID: String, observationID: ObservationID, uploadedBy: UserID, fileName: String,
        sha256: String, byteCount: Int64, at time: Date = Date()
    ) async throws(StoreError) -> StoredUpload {
        try await transaction { tx in
            let dialect = tx.context.dialect
            if let existing = try await tx.context.run({ db in
                try await db.raw("SELECT recording_id FROM recording_uploads WHERE upload_id = \(bind: uploadID)").first()
            }) {
                return StoredUpload(recordingID: try existing.id("recording_id"), job: nil)
            }
            let observationExists = try await tx.context.run { db in
                try await db.raw("SELECT id FROM observations WHERE id = \(dialect.id(observationID))\(dialect.forUpdate)").first() != nil
            }
            guard observationExists else {
                throw StoreError(.notFound, "There is no observation \(observationID): create the observation (import its ratings) before uploading its recording.")
            }
            try await tx.context.run { db in try await DataProtectionStore.refuseIfErased(observation: observationID, on: db, dialect: dialect) }
            if let same = try await tx.context.run({ db in
                try await db.raw("""
                    SELECT id FROM recordings WHERE observation_id = \(dialect.id(observationID)) AND sha256 = \(bind: sha256.lowercased())
                    ORDER BY created_at LIMIT 1
                    """).first()
            }) {
                let recordingID: RecordingID = try same.id("id")
                try await tx.context.run { db in
                    try await db.raw("INSERT INTO recording_uploads (upload_id, recording_id) VALUES (\(bind: uploadID), \(dialect.id(recordingID)))").run()
                }
                return StoredUpload(recordingID: recordingID, job: nil, alreadyUploaded: true)
            }
            var recording = Recording(observationID: observationID, uploadedBy: uploadedBy, fileName: fileName)
            do { try recording.markStored(sha256: sha256, byteCount: byteCount) } catch {
                throw StoreError(.invalidArgument, (error as? DomainError)?.message ?? "\(error)", cause: error)
            }
            try await tx.recordings.insert(recording, at: time)
            try await tx.context.run { db in
                try await db.raw("INSERT INTO recording_uploads (upload_id, recording_id) VALUES (\(bind: uploadID), \(dialect.id(recording.id)))").run()
            }
            _ = try await tx.audit.append(Self.event(recording, "recording.stored", by: uploadedBy, at: time, details: [
                "observation": observationID.description, "sha256": sha256, "bytes": String(byteCount), "file_name": fileName,
            ]))
            let job = try await tx.jobs.enqueue(
                kind: .indexRecording, payload: IndexJobPayload(recordingID: recording.id, blobKey: recording.sha256 ?? sha256), runAt: time, maxAttempts: 3)
            return StoredUpload(recordingID: recording.id, job: job.id)
        }
    }

    /// `stored → indexing`, audited.
    @discardableResult
    public func beginIndexing(_ id: RecordingID, at time: Date = Date()) async throws(StoreError) -> Recording {
        try await moveRecording(id, "recording.indexing", at: time) { try $0.beginIndexing() }
    }

    /// `indexing → ready`, keeping the index report (the `obsreview index --json` document), audited.
    @discardableResult
    public func finishIndexing(_ id: RecordingID, report: String, at time: Date = Date()) async throws(StoreError) -> Recording {
        try await moveRecording(id, "recording.ready", at: time, report: report) { try $0.markReady() }
    }

    /// `→ rejected` with the reason people will read (what was wrong and what to do), audited with `code` (the
    /// indexer's error code in the API's spelling, e.g. `not_media`, or `indexing_failed`: `IndexFailureCode`) for scripts and statistics.
    @discardableResult
    public func rejectRecording(_ id: RecordingID, reason: String, code: String? = nil, at time: Date = Date()) async throws(StoreError) -> Recording {
        try await moveRecording(id, "recording.rejected", at: time, reason: reason, code: code) { try $0.reject(reason: reason) }
    }

    /// Recordings left `stored` or `indexing` whose latest indexing job is dead (every attempt used: crashes,
    /// time-outs, or leases that died with their worker) become `rejected`, with what happened and what to do,
    /// so that nothing stays "indexing" for ever. Returns the recordings rejected.
    @discardableResult
    public func rejectRecordingsOfDeadJobs(at time: Date = Date()) async throws(StoreError) -> [RecordingID] {
        // One query, run by every worker round: dead jobs are few, and a re-indexed recording's older dead job is
        // passed over because a newer job of the same recording exists.
        let dialect = context.dialect
        let kind = Job.Kind.indexRecording.rawValue
        let due: [(id: RecordingID, attempts: Int, lastError: String?)] = try await context.run { db in
            try await db.raw("""
                SELECT r.id, j.attempts, j.last_error FROM jobs j
                JOIN recordings r ON \(unsafeRaw: dialect == .postgres ? "r.id::text" : "r.id") = \(Self.indexedRecording(ofJob: "j", dialect))
                WHERE j.kind = \(bind: kind) AND j.state = 'dead' AND r.status IN ('stored', 'indexing')
                  AND NOT EXISTS (SELECT 1 FROM jobs later WHERE later.kind = \(bind: kind)
                                  AND \(Self.indexedRecording(ofJob: "later", dialect)) = \(Self.indexedRecording(ofJob: "j", dialect))
                                  AND later.created_at > j.created_at)
                ORDER BY r.created_at
                """).all().map { (try $0.id("id"), try $0.decode(column: "attempts", as: Int.self), try $0.decode(column: "last_error", as: String?.self)) }
        }
        var rejected: [RecordingID] = []
        for (id, attempts, lastError) in due {
            let what = lastError.map { " (\($0))" } ?? ""
            do throws(StoreError) {
                try await rejectRecording(id, reason: """
                    The recording could not be indexed after \(attempts) attempts\(what). The original is kept: \
                    use "Index again" on the recording's page, or upload the file again if it may be damaged.
                    """, code: "indexing_failed", at: time)
                rejected.append(id)
            } catch let error where error.code == .conflict {
                continue  // moved on meanwhile (another worker finished it)
            }
        }
        return rejected
    }

    /// Indexes a rejected recording again from its preserved original: `rejected → stored`, a new indexing job,
    /// and a `recording.reindex_requested` audit event naming who asked and why, in one transaction.
    public func requeueRecording(_ id: RecordingID, reason: String, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> (Recording, JobID) {
        try await transaction { tx in
            let dialect = tx.context.dialect
            let locked = try await tx.context.run { db in
                try await db.raw("SELECT id FROM recordings WHERE id = \(dialect.id(id))\(dialect.forUpdate)").first() != nil
            }
            guard locked, var recording = try await tx.recordings.find(id) else {
                throw StoreError(.notFound, "There is no recording \(id).")
            }
            let before = recording.status
            do { try recording.requeueForIndexing() } catch let error as DomainError {
                throw StoreError(.conflict, error.message, cause: error)
            }
            try await tx.recordings.update(recording, at: time)
            try await tx.context.run { db in
                try await db.raw("DELETE FROM recording_indexes WHERE recording_id = \(dialect.id(id))").run()
            }
            var details = ["from": before.name]
            if case .rejected(let why) = before { details["rejection"] = why }
            _ = try await tx.audit.append(
                Self.event(recording, "recording.reindex_requested", by: actor.userID, at: time, reason: reason, details: details))
            let job = try await tx.jobs.enqueue(
                kind: .indexRecording, payload: IndexJobPayload(recordingID: id, blobKey: recording.sha256 ?? ""), runAt: time, maxAttempts: 3)
            return (recording, job.id)
        }
    }

    /// Who holds the leases of running jobs (worker names, `host-pid`).
    public func leaseOwnersOfRunningJobs() async throws(StoreError) -> [String] {
        try await context.run { db in
            try await db.raw("SELECT DISTINCT lease_owner FROM jobs WHERE state = 'running' AND lease_owner IS NOT NULL")
                .all(decodingColumn: "lease_owner", as: String.self)
        }
    }

    /// Gives back at once the jobs of a worker known to be gone (its process ended: a crash or a restart), instead of
    /// waiting for their leases to expire; each counts as an attempt, as an expired lease does — unless
    /// `refundingAttempt` (the worker was asked to stop, so the file is not to blame). Returns how many.
    @discardableResult
    public func releaseLeases(heldBy owner: String, refundingAttempt: Bool = false, at time: Date = Date()) async throws(StoreError) -> Int {
        let dialect = context.dialect
        let refund: SQLQueryString = refundingAttempt ? "attempts = attempts - 1, state = 'failed'," : "state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,"
        return try await context.run { db in
            try await db.raw("""
                UPDATE jobs SET \(refund)
                    last_error = 'the worker stopped while indexing (a crash or a restart)', run_at = \(dialect.time(time)),
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = \(dialect.time(time))
                WHERE state = 'running' AND lease_owner = \(bind: owner)
                RETURNING id
                """).all().count
        }
    }

    /// The SHA-256 (blob key) of every recording's file the service still keeps: what the blob store must keep (an
    /// original deleted by erasure or the retention schedule is not, decision 12).
    public func recordingBlobKeys() async throws(StoreError) -> Set<String> {
        try await context.run { db in
            Set(try await db.raw("SELECT DISTINCT sha256 FROM recordings WHERE sha256 IS NOT NULL AND original_deleted_at IS NULL")
                .all(decodingColumn: "sha256", as: String.self))
        }
    }

    /// The stored index report of a recording that became ready.
    public func indexReport(of id: RecordingID) async throws(StoreError) -> String? {
        let dialect = context.dialect
        return try await context.run { db in
            try await db.raw("SELECT \(dialect.jsonText("report")) FROM recording_indexes WHERE recording_id = \(dialect.id(id))")
                .first()?.decode(column: "report", as: String.self)
        }
    }

    private func moveRecording(
        _ id: RecordingID, _ action: AuditEvent.Action, at time: Date, reason: String? = nil, code: String? = nil, report: String? = nil,
        _ change: (inout Recording) throws -> Void
    ) async throws(StoreError) -> Recording {
        try await transaction { tx in
            guard var recording = try await tx.recordings.find(id) else {
                throw StoreError(.notFound, "There is no recording \(id).")
            }
            let before = recording.status.name
            do { try change(&recording) } catch let error as DomainError {
                throw StoreError(.conflict, error.message, cause: error)
            }
            try await tx.recordings.update(recording, at: time)
            if let report {
                let dialect = tx.context.dialect
                try await tx.context.run { db in
                    try await db.raw("""
                        INSERT INTO recording_indexes (recording_id, report, indexed_at) VALUES (\(dialect.id(id)), \(dialect.json(report)), \(dialect.time(time)))
                        """).run()
                }
            }
            var details = ["from": before]
            if let code { details["code"] = code }
            _ = try await tx.audit.append(Self.event(recording, action, by: Self.indexingWorker, at: time, reason: reason, details: details))
            return recording
        }
    }

    private static func event(
        _ recording: Recording, _ action: AuditEvent.Action, by actor: UserID, at time: Date, reason: String? = nil, details: [String: String]
    ) -> AuditEvent {
        AuditEvent(at: time, actorID: actor, action: action, subject: AuditEvent.Subject(type: "recording", id: recording.id.description),
                   reason: reason, details: details)
    }
}
