import Foundation
public import ReviewDomain
public import ReviewStore

/// Completed uploads become stored Recordings with an indexing job (the composition root joins the HTTP
/// layer's seam to the store).
public struct StoreUploadCompletion: UploadCompletionHandler {
    let store: ReviewStore

    public init(store: ReviewStore) {
        self.store = store
    }

    /// Assessors (and the moderation lead) upload recordings, for observations that exist.
    public func authorizeUpload(observationID: ObservationID, by actor: ActingUser) async throws {
        guard Access.Rule.upload.allows(actor) else {
            throw APIError(.forbidden, code: .forbidden, message: "Only assessors upload observation recordings; you are signed in as \(actor.role).")
        }
        guard let observation = try await store.records.observations.find(observationID) else {
            throw APIError(.unprocessableContent, code: .invalidMetadata,
                           message: "There is no observation \(observationID): check the observation in Upload-Metadata.")
        }
        // Refused before any byte arrives: nothing new is recorded about an erased candidate.
        if try await store.dataProtection.erasedAt(candidate: observation.observation.candidateID) != nil {
            throw APIError(.conflict, code: .conflict,
                           message: "This observation's candidate had their personal data erased: no recording can be added to it.")
        }
    }

    public func uploadCompleted(_ upload: CompletedUpload) async throws -> RecordingReference {
        do {
            let stored = try await store.ingest.storeUploadedRecording(
                uploadID: upload.uploadID.description, observationID: upload.observationID, uploadedBy: upload.uploadedBy,
                fileName: upload.fileName, sha256: upload.sha256, byteCount: upload.byteCount)
            return RecordingReference(recordingID: stored.recordingID, alreadyUploaded: stored.alreadyUploaded)
        } catch let error where error.code == .notFound {
            throw APIError(.unprocessableContent, code: .invalidMetadata, message: error.message, cause: error)
        }
    }
}
