public import Foundation

/// An uploaded video file of an ``Observation`` and where it is in ingest.
///
/// Ingest runs `uploading → stored → indexing → ready`, and any step before `ready` may end in
/// `rejected(reason:)`. `ready` and `rejected` are final. Status changes only through the methods in
/// `Recording+Ingest.swift`, which refuse moves the graph does not allow.
public struct Recording: Identifiable, Hashable, Codable, Sendable {
    /// Where a recording is in ingest.
    public enum IngestStatus: Hashable, Codable, Sendable {
        /// Bytes are still arriving.
        case uploading
        /// The whole file is in the blob store and its checksum is known.
        case stored
        /// A worker is probing it and building the timeline, thumbnails and proxy.
        case indexing
        /// Indexed and ready to watch.
        case ready
        /// Ingest failed; the reason is shown to the uploader.
        case rejected(reason: String)
    }

    /// The recording's identity.
    public let id: RecordingID
    /// The observation this recording is evidence for.
    public let observationID: ObservationID
    /// Who uploaded it.
    public let uploadedBy: UserID
    /// The file name supplied at upload.
    public let fileName: String
    /// Lower-case hex SHA-256 of the stored file, known from `stored` on.
    public internal(set) var sha256: String?
    /// Size of the stored file in bytes, known from `stored` on.
    public internal(set) var byteCount: Int64?
    /// Where the recording is in ingest.
    public internal(set) var status: IngestStatus
    /// When its video was deleted from the server — erased with its candidate, or past the retention schedule — so that
    /// nothing of it can be watched, captioned or consented to any more (its row and checksum stay for the records).
    public internal(set) var mediaDeletedAt: Date?

    /// Whether it can be watched: indexed, and its video still on the server.
    public var isWatchable: Bool { status == .ready && mediaDeletedAt == nil }

    /// Creates a recording whose upload has just begun.
    public init(id: RecordingID = RecordingID(), observationID: ObservationID, uploadedBy: UserID, fileName: String) {
        self.id = id
        self.observationID = observationID
        self.uploadedBy = uploadedBy
        self.fileName = fileName
        self.status = .uploading
    }
}
