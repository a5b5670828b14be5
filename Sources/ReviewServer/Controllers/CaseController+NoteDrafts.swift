import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// A moderator's draft notes on one recording of their case, kept on the server (issue 14): theirs alone (another
/// moderator, even on the same browser, never sees them), kept across devices, discarded when the opinion is
/// submitted; nothing about the case stays in the browser.
extension CaseController {
    func addNoteDraftRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("cases/:caseId/note-drafts/:recordingId", use: noteDraft)
        group.put("cases/:caseId/note-drafts/:recordingId", use: saveNoteDraft)
    }

    struct NoteDraftRepresentation: ResponseEncodable, Sendable {
        let caseId: CaseID
        let recordingId: RecordingID
        let notes: [AnnotationRepresentation]
        let updatedAt: Date?

        init(_ draft: NoteDraft) {
            caseId = draft.caseID
            recordingId = draft.recordingID
            notes = draft.notes.map(AnnotationRepresentation.init)
            updatedAt = draft.updatedAt
        }
    }

    struct NoteDraftBody: Decodable {
        let notes: [AnnotationRepresentation]
    }

    /// The moderator's own case and a recording of its observation, or 403/404.
    private func draftTarget(_ context: ReviewRequestContext) async throws -> (actor: ActingUser, caseID: CaseID, recording: Recording) {
        let actor = try context.requireIdentity()
        try Access.Rule.keepNoteDrafts.require(actor)
        let (value, _) = try await services.access.case(try context.id("caseId"), for: actor)
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        guard recording.observationID == value.observationID else { throw Access.notFound("recording \(recording.id) of this case") }
        return (actor, value.id, recording)
    }

    /// The recording's own duration from its index report, to check the notes against (nil when not indexed).
    private func duration(of id: RecordingID) async throws -> Double? {
        try await services.store.ingest.indexReport(of: id).flatMap { IndexReportDocument(json: $0)?.durationSeconds }
    }

    @Sendable func noteDraft(_ request: Request, context: ReviewRequestContext) async throws -> NoteDraftRepresentation {
        let (actor, caseID, recording) = try await draftTarget(context)
        return NoteDraftRepresentation(try await services.store.moderation.noteDraft(of: actor.userID, on: caseID, recording: recording.id))
    }

    @Sendable func saveNoteDraft(_ request: Request, context: ReviewRequestContext) async throws -> NoteDraftRepresentation {
        let (actor, caseID, recording) = try await draftTarget(context)
        let body = try await request.json(NoteDraftBody.self, context: context)
        let duration = try await duration(of: recording.id)
        var notes: [Annotation] = []
        for (index, note) in body.notes.enumerated() {
            do {
                notes.append(try Annotation(start: note.start, end: note.end, text: note.text, tag: note.tag, duration: duration))
            } catch {
                throw APIError(.unprocessableContent, code: .invalid, message: "Note \(index + 1): \(error.message)")
            }
        }
        return NoteDraftRepresentation(try await services.store.moderation.saveNoteDraft(
            notes, of: actor.userID, on: caseID, recording: recording.id, at: services.now()))
    }
}
