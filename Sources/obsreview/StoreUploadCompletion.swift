import Foundation
import ReviewDomain
import ReviewServer
import ReviewStore

/// Completed uploads become stored Recordings with an indexing job (the composition root joins the HTTP
/// layer's seam to the store).
struct StoreUploadCompletion: UploadCompletionHandler {
    let store: ReviewStore

    func uploadCompleted(_ upload: CompletedUpload) async throws -> RecordingReference {
        do {
            let stored = try await store.storeUploadedRecording(
                uploadID: upload.uploadID.description, observationID: upload.observationID, uploadedBy: upload.uploadedBy,
                fileName: upload.fileName, sha256: upload.sha256, byteCount: upload.byteCount, blobPath: upload.blobPath)
            return RecordingReference(recordingID: stored.recordingID)
        } catch let error as StoreError where error.code == .notFound {
            throw APIError(.unprocessableContent, code: .invalidMetadata, message: error.message, cause: error)
        }
    }
}
