public import Foundation
public import ReviewDomain
import SQLKit

/// What an indexing job carries.
public struct IndexJobPayload: Codable, Sendable, Hashable {
    public let recordingID: RecordingID
    /// Where the recording's bytes are (the content-addressed blob).
    public let blobPath: String

    public init(recordingID: RecordingID, blobPath: String) {
        self.recordingID = recordingID
        self.blobPath = blobPath
    }
}

/// The recording a completed upload became, and its indexing job when this call created them.
public struct StoredUpload: Sendable, Hashable {
    public let recordingID: RecordingID
    /// Nil when the upload had already been stored (a retried completion).
    public let job: JobID?
}

extension ReviewStore {
    /// The account the indexing worker acts as in the audit trail.
    public static let indexingWorker = UserID(rawValue: UUID(uuid: (0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0xa0, 0x01)))

    /// Stores a completed upload as a Recording (status `stored`) with its `recording.stored` audit event and an
    /// indexing job, in one transaction. Idempotent per `uploadID`: a retried completion returns the same
    /// recording and enqueues nothing.
    public func storeUploadedRecording(
        uploadID: String, observationID: ObservationID, uploadedBy: UserID, fileName: String,
        sha256: String, byteCount: Int64, blobPath: String, at time: Date = Date()
    ) async throws -> StoredUpload {
        try await transaction { tx in
            let d = tx.context.dialect
            if let existing = try await tx.context.run({ db in
                try await db.raw("SELECT recording_id FROM recording_uploads WHERE upload_id = \(bind: uploadID)").first()
            }) {
                return StoredUpload(recordingID: try existing.id("recording_id"), job: nil)
            }
            guard try await tx.observations.find(observationID) != nil else {
                throw StoreError(.notFound, "There is no observation \(observationID): create the observation (import its ratings) before uploading its recording.")
            }
            var recording = Recording(observationID: observationID, uploadedBy: uploadedBy, fileName: fileName)
            do { try recording.markStored(sha256: sha256, byteCount: byteCount) } catch {
                throw StoreError(.invalidArgument, (error as? DomainError)?.message ?? "\(error)", cause: error)
            }
            try await tx.recordings.insert(recording, at: time)
            try await tx.context.run { db in
                try await db.raw("INSERT INTO recording_uploads (upload_id, recording_id) VALUES (\(bind: uploadID), \(d.id(recording.id)))").run()
            }
            _ = try await tx.audit.append(Self.event(recording, "recording.stored", by: uploadedBy, at: time, details: [
                "observation": observationID.description, "sha256": sha256, "bytes": String(byteCount), "file_name": fileName,
            ]))
            let job = try await tx.jobs.enqueue(
                kind: .indexRecording, payload: IndexJobPayload(recordingID: recording.id, blobPath: blobPath), runAt: time, maxAttempts: 3)
            return StoredUpload(recordingID: recording.id, job: job.id)
        }
    }

    /// `stored → indexing`, audited.
    @discardableResult
    public func beginIndexing(_ id: RecordingID, at time: Date = Date()) async throws -> Recording {
        try await moveRecording(id, "recording.indexing", at: time) { try $0.beginIndexing() }
    }

    /// `indexing → ready`, keeping the index report (the `obsreview index --json` document), audited.
    @discardableResult
    public func finishIndexing(_ id: RecordingID, report: String, at time: Date = Date()) async throws -> Recording {
        try await moveRecording(id, "recording.ready", at: time, report: report) { try $0.markReady() }
    }

    /// `→ rejected` with the reason people will read (what was wrong and what to do), audited.
    @discardableResult
    public func rejectRecording(_ id: RecordingID, reason: String, at time: Date = Date()) async throws -> Recording {
        try await moveRecording(id, "recording.rejected", at: time, reason: reason) { try $0.reject(reason: reason) }
    }

    /// The stored index report of a recording that became ready.
    public func indexReport(of id: RecordingID) async throws -> String? {
        let d = context.dialect
        return try await withRawDatabase { db in
            try await db.raw("SELECT \(d.jsonText("report")) FROM recording_indexes WHERE recording_id = \(d.id(id))")
                .first()?.decode(column: "report", as: String.self)
        }
    }

    private func moveRecording(
        _ id: RecordingID, _ action: AuditEvent.Action, at time: Date, reason: String? = nil, report: String? = nil,
        _ change: (inout Recording) throws -> Void
    ) async throws -> Recording {
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
                let d = tx.context.dialect
                try await tx.context.run { db in
                    try await db.raw("""
                        INSERT INTO recording_indexes (recording_id, report, indexed_at) VALUES (\(d.id(id)), \(d.json(report)), \(d.time(time)))
                        """).run()
                }
            }
            _ = try await tx.audit.append(Self.event(recording, action, by: Self.indexingWorker, at: time, reason: reason, details: ["from": before]))
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
