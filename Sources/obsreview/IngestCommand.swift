import ArgumentParser
import Foundation
import MediaIndex
import ReviewDomain
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
    @Option(help: "The data folder; files are copied to DATA/blobs/ab/cd/<sha256>.") var data = "./data"

    func run() async throws {
        try await options.withStore { store in
            guard let record = try await store.observations.find(ref: observation) else {
                throw ValidationError("No observation “\(observation)”: import its ratings first (obsreview import).")
            }
            // The assessor who rated the observation uploads its recording.
            guard let uploader = try await store.ratings.ledger(of: record.observation.id).current(source: .assessor)?.raterID else {
                throw ValidationError("Observation \(observation) has no assessor rating yet; its assessor uploads the recording.")
            }
            for file in files {
                let hash = try FileHasher.sha256(path: file)
                let relative = "blobs/\(hash.prefix(2))/\(hash.dropFirst(2).prefix(2))/\(hash)"
                let blob = URL(fileURLWithPath: data).appendingPathComponent(relative)
                let size = try Self.copyIntoBlobStore(file, to: blob)
                let stored = try await store.storeUploadedRecording(
                    uploadID: "file:\(hash):\(record.observation.id)", observationID: record.observation.id, uploadedBy: uploader,
                    fileName: URL(fileURLWithPath: file).lastPathComponent, sha256: hash, byteCount: size, blobPath: relative)
                print("\(file): recording \(stored.recordingID) \(stored.job == nil ? "(already stored)" : "queued for indexing")")
            }
        }
    }

    /// Copies `file` to `blob` (written to a temporary name, then renamed); an existing blob is the same bytes.
    static func copyIntoBlobStore(_ file: String, to blob: URL) throws -> Int64 {
        let manager = FileManager.default
        let size = Int64((try manager.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
        guard size > 0 else { throw ValidationError("\(file) is empty: nothing to store.") }
        if manager.fileExists(atPath: blob.path) { return size }
        try manager.createDirectory(at: blob.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = blob.deletingLastPathComponent().appendingPathComponent(".\(blob.lastPathComponent).\(UUID().uuidString).partial")
        try manager.copyItem(atPath: file, toPath: partial.path)
        try manager.moveItem(at: partial, to: blob)
        return size
    }
}
