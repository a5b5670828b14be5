import Foundation
import ReviewDomain
import SQLKit

struct SQLRecordings: RecordingRepository {
    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func insert(_ recording: Recording, at time: Date) async throws(StoreError) {
        try await context.run { db in
            try await db.raw("""
                INSERT INTO recordings (id, observation_id, uploaded_by, file_name, sha256, byte_count, status,
                                        rejection_reason, created_at, updated_at)
                VALUES (\(dialect.id(recording.id)), \(dialect.id(recording.observationID)), \(dialect.id(recording.uploadedBy)),
                        \(bind: recording.fileName), \(bind: recording.sha256), \(bind: recording.byteCount),
                        \(bind: recording.status.name), \(bind: recording.status.rejectionReason), \(dialect.time(time)), \(dialect.time(time)))
                """).run()
        }
    }

    func update(_ recording: Recording, at time: Date) async throws(StoreError) {
        let updated = try await context.run { db in
            try await db.raw("""
                UPDATE recordings SET sha256 = \(bind: recording.sha256), byte_count = \(bind: recording.byteCount),
                    status = \(bind: recording.status.name), rejection_reason = \(bind: recording.status.rejectionReason),
                    updated_at = \(dialect.time(time))
                WHERE id = \(dialect.id(recording.id)) RETURNING id
                """).first() != nil
        }
        guard updated else { throw StoreError(.notFound, "There is no recording \(recording.id).") }
    }

    func find(_ id: RecordingID) async throws(StoreError) -> Recording? {
        try await context.run { db in
            try await db.raw("SELECT * FROM recordings WHERE id = \(dialect.id(id))").first().map(Self.recording)
        }
    }

    func recordings(sha256: String) async throws(StoreError) -> [Recording] {
        try await context.run { db in
            try await db.raw("SELECT * FROM recordings WHERE sha256 = \(bind: sha256.lowercased()) ORDER BY created_at, id")
                .all().map(Self.recording)
        }
    }

    func recordings(of observationID: ObservationID) async throws(StoreError) -> [Recording] {
        try await context.run { db in
            try await db.raw("SELECT * FROM recordings WHERE observation_id = \(dialect.id(observationID)) ORDER BY created_at, id")
                .all().map(Self.recording)
        }
    }

    /// Rebuilds a recording by replaying its ingest steps, so a restored value obeys the same rules as a new one.
    static func recording(_ row: any SQLRow) throws -> Recording {
        var recording = Recording(
            id: try row.id("id"), observationID: try row.id("observation_id"), uploadedBy: try row.id("uploaded_by"),
            fileName: try row.value("file_name")
        )
        let status: String = try row.value("status")
        if let sha256 = try row.value("sha256", as: String?.self), let byteCount = try row.value("byte_count", as: Int64?.self) {
            try recording.markStored(sha256: sha256, byteCount: byteCount)
        }
        switch status {
        case "uploading", "stored": break
        case "indexing": try recording.beginIndexing()
        case "ready": try recording.beginIndexing(); try recording.markReady()
        case "rejected": try recording.reject(reason: try row.value("rejection_reason", as: String?.self) ?? "")
        default: throw StoreError(.corruptData, "Recording \(recording.id) has the unknown status \"\(status)\".")
        }
        guard recording.status.name == status else {
            throw StoreError(.corruptData, "Recording \(recording.id) is stored as \(status) without the checksum that needs.")
        }
        return recording
    }
}

extension Recording.IngestStatus {
    var rejectionReason: String? {
        if case .rejected(let reason) = self { reason } else { nil }
    }
}
