import Foundation
import ReviewStore

/// Finds and removes blobs that no recording refers to once they have been unreferenced for a grace period (so
/// an upload that has just been stored, whose recording is being made, is never taken).
struct BlobCollector: Sendable {
    let store: ReviewStore
    let blobs: any BlobStore
    let grace: TimeInterval
    var now: @Sendable () -> Date = { Date() }

    @discardableResult
    func collect() async throws -> [BlobKey] {
        let referenced = try await store.ingest.recordingBlobKeys()
        let cutoff = now().addingTimeInterval(-grace)
        var removed: [BlobKey] = []
        for (key, storedAt) in try await blobs.keys() where storedAt < cutoff && !referenced.contains(key.sha256) {
            try await blobs.remove(key)
            removed.append(key)
        }
        return removed
    }
}
