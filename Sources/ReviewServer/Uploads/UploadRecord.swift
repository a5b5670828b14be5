public import Foundation
public import ReviewDomain

/// Identifies a tus upload: 32 lower-case hex digits (128 random bits), safe to use as a file name.
public struct UploadID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// A new random id.
    public init() {
        rawValue = UUID().uuidString.lowercased().filter { $0 != "-" }
    }

    /// Validates a string from a URL: `nil` unless it is exactly 32 lower-case hex digits.
    public init?(_ string: some StringProtocol) {
        guard string.utf8.count == 32,
            string.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        rawValue = String(string)
    }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let id = UploadID(string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Not an upload id."))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}

/// What a client asks for when it creates an upload.
public struct NewUpload: Sendable {
    public var owner: ActingUser
    public var observationID: ObservationID
    public var fileName: String
    /// The total size, or `nil` when deferred (creation-defer-length).
    public var length: Int64?
    /// The whole file's SHA-256 (lower-case hex) the client expects, checked on completion.
    public var expectedSHA256: String?
    /// The raw `Upload-Metadata` header, echoed on HEAD.
    public var metadataHeader: String?

    public init(
        owner: ActingUser, observationID: ObservationID, fileName: String, length: Int64?,
        expectedSHA256: String? = nil, metadataHeader: String? = nil
    ) {
        self.owner = owner
        self.observationID = observationID
        self.fileName = fileName
        self.length = length
        self.expectedSHA256 = expectedSHA256
        self.metadataHeader = metadataHeader
    }
}

/// An upload's persisted state: the JSON sidecar `<id>.json` next to the bytes `<id>.part`.
///
/// The sidecar is replaced atomically (write and rename). After a crash the data file's size is the truth
/// for the offset, except while a checksummed PATCH is in flight (`uncommittedFrom`): its bytes are unverified
/// and are cut off on recovery.
public struct UploadRecord: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable {
        /// Bytes are arriving.
        case receiving
        /// All bytes are in and verified; moving into the blob store and telling the app.
        case completing
        /// The app has the recording (`recordingID`).
        case completed
        /// Expired and its bytes deleted: kept a while as a tombstone so the client gets 410, not 404.
        case expired
    }

    public var formatVersion = 1
    public var id: UploadID
    public var owner: ReviewDomain.UserID
    public var observationID: ObservationID
    public var fileName: String
    public var metadataHeader: String?
    /// `nil` while the length is deferred.
    public var length: Int64?
    /// Bytes received and committed.
    public var offset: Int64
    public var expectedSHA256: String?
    public var createdAt: Date
    /// Incomplete uploads expire at this time; refreshed on every PATCH.
    public var expiresAt: Date
    /// Set while a PATCH with `Upload-Checksum` is writing unverified bytes from this offset.
    public var uncommittedFrom: Int64?
    public var state: State
    /// The whole file's SHA-256, from `completing` on.
    public var sha256: String?
    public var isDuplicate: Bool?
    /// The same file was already a recording of this observation (``recordingID`` is that one).
    public var alreadyUploaded: Bool?
    public var recordingID: RecordingID?

    /// Whether all bytes have arrived.
    public var isFinished: Bool { length.map { offset == $0 } ?? false }
}

/// What the HTTP layer reports about an upload.
public struct UploadInfo: Sendable, Hashable {
    public var record: UploadRecord
    /// `true` when this request completed the upload.
    public var completedNow: Bool

    public var id: UploadID { record.id }
    public var offset: Int64 { record.offset }
    public var length: Int64? { record.length }
    /// When it expires, for incomplete uploads only.
    public var expiresAt: Date? { record.state == .receiving ? record.expiresAt : nil }
    public var recordingID: RecordingID? { record.recordingID }
}
