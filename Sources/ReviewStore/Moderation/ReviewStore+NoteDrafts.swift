public import Foundation
public import ReviewDomain
import SQLKit

/// A moderator's unsubmitted notes on one recording of a case: theirs alone, kept across devices, discarded when
/// their opinion is submitted.
public struct NoteDraft: Sendable, Hashable {
    public let caseID: CaseID
    public let moderatorID: UserID
    public let recordingID: RecordingID
    public let notes: [Annotation]
    public let updatedAt: Date?
}

extension ModerationStore {
    /// The moderator's draft notes on a recording of a case (empty when there are none).
    public func noteDraft(of moderatorID: UserID, on caseID: CaseID, recording recordingID: RecordingID) async throws(StoreError) -> NoteDraft {
        try await reading { sql in
            guard let row = try await sql.db.raw("""
                SELECT CAST(notes AS TEXT) AS notes, updated_at FROM note_drafts
                WHERE case_id = \(sql.dialect.id(caseID)) AND moderator_id = \(sql.dialect.id(moderatorID)) AND recording_id = \(sql.dialect.id(recordingID))
                """).first()
            else { return NoteDraft(caseID: caseID, moderatorID: moderatorID, recordingID: recordingID, notes: [], updatedAt: nil) }
            return NoteDraft(caseID: caseID, moderatorID: moderatorID, recordingID: recordingID, notes: try row.json("notes"),
                             updatedAt: try row.time("updated_at"))
        }
    }

    /// Replaces the moderator's draft notes on a recording of a case (an empty list removes the draft). Only while
    /// their assignment in the case's round is open: once the opinion is in, drafts are gone (`.conflict`).
    public func saveNoteDraft(
        _ notes: [Annotation], of moderatorID: UserID, on caseID: CaseID, recording recordingID: RecordingID, at time: Date = Date()
    ) async throws(StoreError) -> NoteDraft {
        guard notes.count <= Annotation.maximumCount else {
            throw StoreError(.invalidArgument, "A draft holds at most \(Annotation.maximumCount) notes.")
        }
        return try await moderation { sql in
            _ = try await sql.currentAssignment(of: caseID, moderator: moderatorID)
            try await sql.db.raw("""
                DELETE FROM note_drafts
                WHERE case_id = \(sql.dialect.id(caseID)) AND moderator_id = \(sql.dialect.id(moderatorID)) AND recording_id = \(sql.dialect.id(recordingID))
                """).run()
            guard !notes.isEmpty else {
                return NoteDraft(caseID: caseID, moderatorID: moderatorID, recordingID: recordingID, notes: [], updatedAt: nil)
            }
            try await sql.db.raw("""
                INSERT INTO note_drafts (case_id, moderator_id, recording_id, notes, updated_at)
                VALUES (\(sql.dialect.id(caseID)), \(sql.dialect.id(moderatorID)), \(sql.dialect.id(recordingID)), \(sql.dialect.json(try JSONCoding.text(notes))),
                    \(sql.dialect.time(time)))
                """).run()
            return NoteDraft(caseID: caseID, moderatorID: moderatorID, recordingID: recordingID, notes: notes, updatedAt: Dialect.normalised(time))
        }
    }
}

extension ModerationSQL {
    /// Discards every draft of the moderator on the case (their opinion is in).
    func discardNoteDrafts(of moderatorID: UserID, on caseID: CaseID) async throws {
        try await db.raw("DELETE FROM note_drafts WHERE case_id = \(dialect.id(caseID)) AND moderator_id = \(dialect.id(moderatorID))").run()
    }
}
