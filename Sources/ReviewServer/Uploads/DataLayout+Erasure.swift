public import Foundation
public import ReviewDomain
public import ReviewStore

extension DataLayout {
    /// Deletes what an erasure or a retention pass leaves outside the database: blobs no remaining original uses,
    /// recordings' media folders (proxy, thumbnails, captions) and upload leftovers. Returns how many paths went; a
    /// file already gone is no error.
    @discardableResult
    public func remove(_ files: FilesToDelete) async throws -> Int {
        var removed = 0
        // From the configured store: the folder or the bucket.
        for key in files.blobKeys.compactMap(BlobKey.init) where try await blobs.contains(key) {
            try await blobs.remove(key)
            removed += 1
        }
        var paths = files.mediaOf.map { media.appending($0.description).string }
        // Streaming keeps proxies open (``OpenFileCache``): close them before their folders go.
        for recording in files.mediaOf {
            OpenFileCache.shared.forget(under: media.appending(recording.description))
        }
        paths += files.uploadIDs.filter { !$0.contains("/") && !$0.hasPrefix(".") }
            .flatMap { [uploads.appending("\($0).part").string, uploads.appending("\($0).json").string] }
        // Uploads still under way name their observation in their record (`uploads/<id>.json`), not yet in the database.
        let wanted = files.uploadsTo.map(\.description)
        if !wanted.isEmpty, let names = try? FileManager.default.contentsOfDirectory(atPath: uploads.string) {
            for name in names where name.hasSuffix(".json") {
                guard let text = try? String(contentsOfFile: uploads.appending(name).string, encoding: .utf8),
                    wanted.contains(where: { text.lowercased().contains($0) })
                else { continue }
                let base = String(name.dropLast(".json".count))
                paths += [uploads.appending(name).string, uploads.appending(base + ".part").string]
            }
        }
        for path in paths where FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
            removed += 1
        }
        return removed
    }
}

/// Erasing a candidate everywhere: the database (``ReviewStore/eraseCandidate(_:reason:by:at:)``), then their files.
public enum CandidateErasure {
    public static func erase(
        _ candidateID: CandidateID, reason: String?, by actor: ActingUser, store: ReviewStore, data: DataLayout, at time: Date = Date()
    ) async throws -> (report: ErasureReport, filesRemoved: Int) {
        let report = try await store.dataProtection.eraseCandidate(candidateID, reason: reason, by: actor, at: time)
        return (report, try await data.remove(report.files))
    }
}
