import Crypto
public import Foundation
import ReviewDomain
import ReviewStore

/// What checking an export offline found.
public struct BundleVerification: Hashable, Sendable {
    /// One thing that does not hold.
    public struct Problem: Hashable, Sendable, CustomStringConvertible {
        public enum Kind: String, Hashable, Sendable {
            /// There is no `manifest.json`, or it cannot be read.
            case missingManifest = "missing_manifest"
            /// A file the manifest lists is not in the archive.
            case missingFile = "missing_file"
            /// A file's bytes do not match the SHA-256 (or size) the manifest lists.
            case tamperedFile = "tampered_file"
            /// A file is in the archive but not in the manifest.
            case unlistedFile = "unlisted_file"
            /// `audit-events.json` cannot be read as audit events.
            case unreadableEvents = "unreadable_events"
            /// An event does not hash, with its previous hash, to its stored hash: it was edited.
            case editedEvent = "edited_event"
            /// The events are not in increasing sequence: they were reordered or one was duplicated.
            case eventsOutOfOrder = "events_out_of_order"
            /// Two consecutive events (sequence n and n+1) whose later one does not name the earlier one's hash.
            case brokenLink = "broken_link"
        }

        public let kind: Kind
        public let message: String

        public var description: String { "\(kind.rawValue): \(message)" }
    }

    /// `obsreview-evidence-bundle` or `obsreview-subject-access-export`, when the manifest says.
    public let format: String?
    /// What the export is about, e.g. `case/…`.
    public let subject: String?
    /// Files listed in the manifest.
    public let files: Int
    /// Audit events re-hashed.
    public let events: Int
    /// The SHA-256 of `manifest.json` as found: compare it with the one in the export's audit event.
    public let manifestSHA256: String?
    /// Everything that does not hold, in the order found; empty when the export verifies.
    public let problems: [Problem]

    public var isIntact: Bool { problems.isEmpty }
}

/// Checks an export (an evidence bundle or a subject-access export) with nothing but its own bytes: no database,
/// no network. Every file matches the manifest's size and SHA-256, the archive holds nothing the manifest does not
/// list, and every audit event hashes — with ``AuditChain/hash(of:previousHash:)``, the chain's own rule — to its
/// stored hash from its previous hash, in strictly increasing sequence, consecutive events linked.
public enum BundleVerifier {
    /// Verifies the archive at `url`; throws only when the file cannot be read or is not a ZIP archive.
    public static func verify(contentsOf url: URL) throws(ZipArchiveError) -> BundleVerification {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ZipArchiveError(.io, "Cannot read \(url.lastPathComponent): \(error.localizedDescription)")
        }
        return try verify(archive: data)
    }

    public static func verify(archive: Data) throws(ZipArchiveError) -> BundleVerification {
        let entries = try ZipReader.entries(of: archive)
        var files: [String: Data] = [:]
        for entry in entries { files[entry.name] = entry.data }
        var problems: [BundleVerification.Problem] = []
        func problem(_ kind: BundleVerification.Problem.Kind, _ message: String) {
            problems.append(.init(kind: kind, message: message))
        }
        guard let manifestData = files[ExportManifest.fileName],
            let manifest = try? JSONDecoder().decode(ExportManifest.self, from: manifestData)
        else {
            problem(.missingManifest, "The archive has no readable manifest.json, so nothing in it can be checked. Ask the service for the export again.")
            return BundleVerification(format: nil, subject: nil, files: 0, events: 0, manifestSHA256: nil, problems: problems)
        }
        var listed: Set<String> = [ExportManifest.fileName]
        for file in manifest.files {
            listed.insert(file.path)
            guard let data = files[file.path] else {
                problem(.missingFile, "\(file.path) is listed in the manifest but missing from the archive.")
                continue
            }
            if Int64(data.count) != file.bytes || ExportArchive.hex(SHA256.hash(data: data)) != file.sha256 {
                problem(.tamperedFile, "\(file.path) was changed after export: its SHA-256 does not match the manifest.")
            }
        }
        for entry in entries where !listed.contains(entry.name) {
            problem(.unlistedFile, "\(entry.name) is in the archive but not in the manifest: it was added after export.")
        }
        var eventCount = 0
        if let eventsData = files[ExportManifest.auditEventsFile] {
            if let events = try? JSONDecoder().decode([ExportedAuditEvent].self, from: eventsData) {
                eventCount = events.count
                for message in chainProblems(events) { problems.append(message) }
            } else {
                problem(.unreadableEvents, "\(ExportManifest.auditEventsFile) cannot be read as a list of audit events.")
            }
        } else if manifest.format == ExportManifest.evidenceBundle {
            problem(.missingFile, "\(ExportManifest.auditEventsFile) is missing: an evidence bundle always carries the case's audit events.")
        }
        return BundleVerification(
            format: manifest.format, subject: "\(manifest.subject.type)/\(manifest.subject.id)", files: manifest.files.count,
            events: eventCount, manifestSHA256: ExportArchive.hex(SHA256.hash(data: manifestData)), problems: problems)
    }

    static func chainProblems(_ events: [ExportedAuditEvent]) -> [BundleVerification.Problem] {
        var problems: [BundleVerification.Problem] = []
        var previous: ExportedAuditEvent?
        for event in events {
            if let before = previous {
                if event.sequence <= before.sequence {
                    problems.append(.init(kind: .eventsOutOfOrder, message: "event \(event.sequence) comes after event \(before.sequence): the events were reordered or repeated."))
                } else if event.sequence == before.sequence + 1, event.previousHash != before.hash {
                    problems.append(.init(kind: .brokenLink, message: "event \(event.sequence) does not name the hash of event \(before.sequence) before it."))
                }
            }
            if let parsed = event.event {
                if AuditChain.hash(of: parsed, previousHash: event.previousHash) != event.hash {
                    problems.append(.init(kind: .editedEvent, message: "event \(event.sequence) (\(event.action)) was edited: its contents do not hash to its stored hash."))
                }
            } else {
                problems.append(.init(kind: .editedEvent, message: "event \(event.sequence) has an identifier or time that cannot be read, so it was edited."))
            }
            previous = event
        }
        return problems
    }
}
