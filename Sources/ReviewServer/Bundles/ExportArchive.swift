import Crypto
import Foundation
import ReviewDomain
import ReviewStore

/// `manifest.json` of an export: what the archive is, and the size and SHA-256 of every other file in it.
public struct ExportManifest: Codable, Hashable, Sendable {
    public struct File: Codable, Hashable, Sendable {
        public let path: String
        public let bytes: Int64
        public let sha256: String
    }

    public struct Subject: Codable, Hashable, Sendable {
        public let type: String
        public let id: String
    }

    /// `obsreview-evidence-bundle` or `obsreview-subject-access-export`.
    public let format: String
    public let version: Int
    public let createdAt: String
    public let subject: Subject
    /// How the audit events' hashes are computed, for whoever checks them without obsreview.
    public let auditChain: String?
    public let files: [File]

    public static let evidenceBundle = "obsreview-evidence-bundle"
    public static let subjectAccessExport = "obsreview-subject-access-export"
    public static let fileName = "manifest.json"
    public static let auditEventsFile = "audit-events.json"
    static let auditChainRule =
        "hash = lowercase hex SHA-256 of (previousHash as 64 ASCII hex characters followed by the event's canonical JSON: "
        + "keys action, actorID, at, details, id, reason, sequence, subject{id,type}, sorted, no whitespace, at as ISO-8601 UTC with milliseconds)"
}

/// One audit event in an export, with its place in the chain: enough to hash it again with ``AuditChain``.
public struct ExportedAuditEvent: Codable, Hashable, Sendable {
    public struct Subject: Codable, Hashable, Sendable {
        public let type: String
        public let id: String
    }

    public let sequence: Int64
    public let id: String
    /// ISO-8601 UTC with milliseconds, exactly as hashed.
    public let at: String
    public let actorId: String
    public let action: String
    public let subject: Subject
    public let reason: String?
    public let details: [String: String]
    public let previousHash: String
    public let hash: String

    init(_ entry: AuditEntry) {
        let event = entry.event
        sequence = event.sequence ?? 0
        id = event.id.description
        at = AuditEvent.canonicalTimestamp(event.at)
        actorId = event.actorID.description
        action = event.action.rawValue
        subject = Subject(type: event.subject.type, id: event.subject.id)
        reason = event.reason
        details = event.details
        previousHash = entry.previousHash
        hash = entry.hash
    }

    /// The event as the chain hashed it, or nil when an identifier or the time cannot be read.
    var event: AuditEvent? {
        guard let eventID = UUID(uuidString: id), let actor = UUID(uuidString: actorId), let time = Self.parse(at) else { return nil }
        return AuditEvent(
            id: AuditEventID(rawValue: eventID), sequence: sequence, at: time, actorID: UserID(rawValue: actor),
            action: AuditEvent.Action(rawValue: action), subject: .init(type: subject.type, id: subject.id), reason: reason, details: details)
    }

    private static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// What an export wrote.
public struct ExportSummary: Hashable, Sendable {
    /// The files in the archive, `manifest.json` not counted.
    public let files: Int
    /// The archive's size.
    public let bytes: UInt64
    /// The SHA-256 of `manifest.json`: recorded in the export's audit event, so a recipient can check the manifest
    /// they hold is the one the service wrote.
    public let manifestSHA256: String
}

/// The files of an export, gathered in memory (or named on disk, for recordings), then written as one ZIP with
/// `manifest.json` last.
struct ExportArchive {
    enum Contents {
        case data(Data)
        case file(URL)
    }

    private(set) var entries: [(path: String, contents: Contents)] = []

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    mutating func add(_ path: String, text: String) {
        entries.append((path, .data(Data(text.utf8))))
    }

    mutating func add(_ path: String, json value: some Encodable) throws {
        var data = try Self.encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        entries.append((path, .data(data)))
    }

    mutating func add(_ path: String, file: URL) {
        entries.append((path, .file(file)))
    }

    /// Writes the archive to `url` (through a temporary file beside it, renamed into place), readable by its owner only.
    func write(to url: URL, format: String, subject: ExportManifest.Subject, createdAt: Date) throws -> ExportSummary {
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
        do {
            let writer = try ZipWriter(url: partial, modified: createdAt)
            var files: [ExportManifest.File] = []
            for (path, contents) in entries {
                switch contents {
                case .data(let data):
                    try writer.add(path, data: data)
                    files.append(.init(path: path, bytes: Int64(data.count), sha256: Self.hex(SHA256.hash(data: data))))
                case .file(let source):
                    var sha = SHA256()
                    var bytes: Int64 = 0
                    try writer.add(path, contentsOf: source) { chunk in
                        sha.update(data: chunk)
                        bytes += Int64(chunk.count)
                    }
                    files.append(.init(path: path, bytes: bytes, sha256: Self.hex(sha.finalize())))
                }
            }
            let manifest = ExportManifest(
                format: format, version: 1, createdAt: AuditEvent.canonicalTimestamp(createdAt), subject: subject,
                auditChain: entries.contains { $0.path == ExportManifest.auditEventsFile } ? ExportManifest.auditChainRule : nil, files: files)
            let manifestData = try Self.encoder.encode(manifest)
            try writer.add(ExportManifest.fileName, data: manifestData)
            let size = try writer.finish()
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: partial, to: url)
            return ExportSummary(files: files.count, bytes: size, manifestSHA256: Self.hex(SHA256.hash(data: manifestData)))
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    /// Writes the archive to a temporary file and returns its bytes (for an HTTP answer), removing the file.
    func data(format: String, subject: ExportManifest.Subject, createdAt: Date) throws -> (Data, ExportSummary) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-export-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: url) }
        let summary = try write(to: url, format: format, subject: subject, createdAt: createdAt)
        return (try Data(contentsOf: url), summary)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { byte in byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
    }
}
