import ArgumentParser
import Foundation
import MediaIndex
import NIOFileSystem
import ReviewDomain
import ReviewServer
import ReviewStore

/// `obsreview ingest`: recordings already on disk (a room camera's card, an export) become Recordings with
/// indexing jobs, exactly as a completed upload does.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store recording files for an observation and queue them for indexing (run `obsreview worker` next)."
    )

    @Argument(help: "Recording files.") var files: [String]
    @Option(help: "The observation's ref (as in the ratings CSV, e.g. OBS-2026-0001).") var observation: String
    @OptionGroup var options: DatabaseOptions
    @Option(help: "The data folder (relative to the working directory or absolute); files are copied into its blob store.") var data = "./data"
    @OptionGroup var objectStorage: ObjectStorageOptions

    func run() async throws {
        try await options.withStore { store in
            guard let record = try await store.records.observations.find(ref: observation) else {
                throw ValidationError("No observation “\(observation)”: import its ratings first (obsreview import).")
            }
            // The assessor who rated the observation uploads its recording.
            guard let uploader = try await store.records.ratings.ledger(of: record.observation.id).current(source: .assessor)?.raterID else {
                throw ValidationError("Observation \(observation) has no assessor rating yet; its assessor uploads the recording.")
            }
            let layout = try objectStorage.layout(data: data)
            for file in files {
                let blob = try await Self.store(file, in: layout)
                let stored = try await store.ingest.storeUploadedRecording(
                    uploadID: "file:\(blob.key):\(record.observation.id)", observationID: record.observation.id, uploadedBy: uploader,
                    fileName: URL(fileURLWithPath: file).lastPathComponent, sha256: blob.key.sha256, byteCount: blob.bytes)
                let what = stored.alreadyUploaded ? "(already uploaded for this observation)" : stored.job == nil ? "(already stored)" : "queued for indexing"
                print("\(file): recording \(stored.recordingID) \(what)")
            }
        }
    }

    /// Copies `file` into the data folder's blob store under its SHA-256 (a copy in `uploads/`, then adopted, so a
    /// blob appears only whole); returns its key and size.
    static func store(_ file: String, in layout: DataLayout) async throws -> (key: BlobKey, bytes: Int64) {
        let manager = FileManager.default
        let size = Int64((try manager.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
        guard size > 0 else { throw ValidationError("\(file) is empty: nothing to store.") }
        guard let key = BlobKey(try FileHasher.sha256(path: file)) else { throw ValidationError("\(file) could not be hashed.") }
        if try await layout.blobs.contains(key) { return (key, size) }
        try manager.createDirectory(atPath: layout.uploads.string, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let partial = layout.uploads.appending("ingest-\(UUID().uuidString).partial")
        try manager.copyItem(atPath: file, toPath: partial.string)
        try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: partial.string)  // a copy keeps the source's mode
        _ = try await layout.blobs.adopt(file: partial, key: key)
        return (key, size)
    }
}
