public import ReviewDomain

/// A finished, verified upload whose bytes are in the blob store: what the app needs to create a Recording.
public struct CompletedUpload: Sendable, Hashable {
    /// The tus upload it came from; stable across retries, so a handler can make completion idempotent.
    public let uploadID: UploadID
    /// The observation named in `Upload-Metadata`.
    public let observationID: ObservationID
    /// Who uploaded it.
    public let uploadedBy: UserID
    /// The file name from `Upload-Metadata` (`filename` or `name`).
    public let fileName: String
    /// Lower-case hex SHA-256 of the whole file: also its key in the ``BlobStore``.
    public let sha256: String
    /// The file's size in bytes.
    public let byteCount: Int64
    /// Whether a file with the same SHA-256 was already in the blob store (only one copy is kept).
    public let isDuplicate: Bool

    public init(
        uploadID: UploadID, observationID: ObservationID, uploadedBy: UserID, fileName: String,
        sha256: String, byteCount: Int64, isDuplicate: Bool
    ) {
        self.uploadID = uploadID
        self.observationID = observationID
        self.uploadedBy = uploadedBy
        self.fileName = fileName
        self.sha256 = sha256
        self.byteCount = byteCount
        self.isDuplicate = isDuplicate
    }
}

/// The recording an upload became.
public struct RecordingReference: Sendable, Hashable, Codable {
    /// The recording's id (sent back as `Upload-Recording-Id`).
    public let recordingID: RecordingID
    /// The same file was already this observation's recording: no second one was made (`Upload-Already-Uploaded`).
    public let alreadyUploaded: Bool

    public init(recordingID: RecordingID, alreadyUploaded: Bool = false) {
        self.recordingID = recordingID
        self.alreadyUploaded = alreadyUploaded
    }
}

/// What happens when an upload completes: the real implementation creates the ``Recording`` (status `stored`)
/// and enqueues its indexing job, in one transaction.
///
/// It may be called more than once for the same ``CompletedUpload/uploadID`` (a retried final PATCH, or
/// recovery after a crash between storing the blob and recording the result): return the same reference.
/// A duplicate file (`isDuplicate`) for an observation that already has that recording may return it.
public protocol UploadCompletionHandler: Sendable {
    /// Called when an upload is created, before any bytes are accepted: throw an ``APIError`` to refuse it
    /// (no such observation, or the actor may not upload for it). The default allows every upload.
    func authorizeUpload(observationID: ObservationID, by actor: ActingUser) async throws
    func uploadCompleted(_ upload: CompletedUpload) async throws -> RecordingReference
}

extension UploadCompletionHandler {
    public func authorizeUpload(observationID: ObservationID, by actor: ActingUser) async throws {}
}

/// An in-memory ``UploadCompletionHandler`` for tests and development servers until ReviewStore is wired in:
/// one recording per (observation, SHA-256), one per upload id, nothing persisted.
public actor InMemoryRecordingRegistry: UploadCompletionHandler {
    public private(set) var recordings: [RecordingID: Recording] = [:]
    private var byUpload: [UploadID: RecordingID] = [:]
    private var byContent: [String: RecordingID] = [:]
    /// Every completion received, in order (duplicates and retries included).
    public private(set) var completions: [CompletedUpload] = []

    public init() {}

    public func uploadCompleted(_ upload: CompletedUpload) async throws -> RecordingReference {
        completions.append(upload)
        if let id = byUpload[upload.uploadID] { return RecordingReference(recordingID: id) }
        let contentKey = "\(upload.observationID)/\(upload.sha256)"
        if let id = byContent[contentKey] {
            byUpload[upload.uploadID] = id
            return RecordingReference(recordingID: id)
        }
        var recording = Recording(
            observationID: upload.observationID,
            uploadedBy: upload.uploadedBy,
            fileName: upload.fileName
        )
        try recording.markStored(sha256: upload.sha256, byteCount: upload.byteCount)
        recordings[recording.id] = recording
        byUpload[upload.uploadID] = recording.id
        byContent[contentKey] = recording.id
        return RecordingReference(recordingID: recording.id)
    }
}
