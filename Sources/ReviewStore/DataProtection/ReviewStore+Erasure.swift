public import Foundation
public import ReviewDomain
import SQLKit

/// What erased free text reads as.
public enum ErasureMarker {
    /// Replaces a name, a file name, a rationale, a message or a note that was erased.
    public static let text = "[erased]"

    /// `json` with every string under a key named `reason` replaced by ``text`` (a case document's flags and outcomes),
    /// or nil when it is not JSON. Keys, numbers and the document's shape stay, so the case still decodes.
    static func erasingReasons(inJSON json: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) else { return nil }
        func erase(_ value: Any) -> Any {
            if let dictionary = value as? [String: Any] {
                return Dictionary(uniqueKeysWithValues: dictionary.map { key, value in
                    (key, key == "reason" && value is String ? text : erase(value))
                })
            }
            if let array = value as? [Any] { return array.map(erase) }
            return value
        }
        guard let data = try? JSONSerialization.data(withJSONObject: erase(object), options: [.sortedKeys, .fragmentsAllowed]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// What erasing a candidate did in the database, and what the caller must still delete outside it.
public struct ErasureReport: Hashable, Sendable, Codable {
    public let candidateID: CandidateID
    public let erasedAt: Date
    public let observations: Int
    /// The candidate's observations: unfinished uploads to them (no recording yet) must go too.
    public let observationIDs: [ObservationID]
    /// The candidate's recordings: their derived media (proxy, thumbnails, captions) must go.
    public let recordings: [RecordingID]
    /// Blob keys (SHA-256) that no original still kept uses: the blobs must go.
    public let blobKeys: [String]
    /// Upload ids of the recordings (finished or not): leftovers in the upload folder must go.
    public let uploadIDs: [String]
    /// Ratings, opinions and messages whose free text was erased.
    public let texts: Int
    /// Audit events whose personal part was erased.
    public let auditParts: Int

    /// The files to delete.
    public var files: FilesToDelete { FilesToDelete(blobKeys: blobKeys, mediaOf: recordings, uploadIDs: uploadIDs, uploadsTo: observationIDs) }
}

/// Files outside the database that an erasure or a retention pass leaves for the caller to delete.
public struct FilesToDelete: Hashable, Sendable, Codable {
    /// Blobs (by SHA-256) no remaining original uses.
    public var blobKeys: [String] = []
    /// Recordings whose media folder (proxy, thumbnails, captions) goes.
    public var mediaOf: [RecordingID] = []
    /// Uploads whose leftovers go.
    public var uploadIDs: [String] = []
    /// Observations whose uploads still under way (no recording yet) go too.
    public var uploadsTo: [ObservationID] = []

    public init(blobKeys: [String] = [], mediaOf: [RecordingID] = [], uploadIDs: [String] = [], uploadsTo: [ObservationID] = []) {
        self.blobKeys = blobKeys
        self.mediaOf = mediaOf
        self.uploadIDs = uploadIDs
        self.uploadsTo = uploadsTo
    }
}

extension DataProtectionStore {
    /// Erases a candidate's personal data: name and registration number (replaced by a pseudonym), the free text of
    /// their observations, ratings, opinions, messages and development plans, their recordings' file names, index
    /// reports and upload records, their attributes, and the personal part of every audit event about them or their
    /// records. Pseudonymous facts (ids, scores, states, times) stay for the statistics and the audit chain, which
    /// still verifies. Writes a `candidate.erased` event and purges SQLite's deleted pages.
    ///
    /// Refuses with `conflict` when a legal hold applies to the candidate, one of their observations or cases, or when
    /// they were already erased; `notFound` when there is no such candidate. Files are the caller's: see
    /// ``ErasureReport``.
    public func eraseCandidate(_ candidateID: CandidateID, reason: String?, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> ErasureReport {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        let report = try await moderation { sql in
            let dialect = sql.dialect, candidate = dialect.id(candidateID)
            guard let row = try await sql.db.raw("SELECT erased_at FROM candidates WHERE id = \(candidate)\(dialect.forUpdate)").first() else {
                throw StoreError(.notFound, "There is no candidate \(candidateID).")
            }
            if let erasedAt = try row.optionalTime("erased_at") {
                throw StoreError(.conflict, "Candidate \(candidateID) was already erased on \(AuditEvent.canonicalTimestamp(erasedAt)); nothing is left to erase.")
            }
            let holds = try await sql.activeHolds(onCandidate: candidateID)
            if !holds.isEmpty {
                let held = holds.map { "\($0.subjectType.rawValue) \($0.subjectID.lowercasedString) (hold \($0.id))" }.joined(separator: ", ")
                throw StoreError(.conflict, "Candidate \(candidateID) cannot be erased while a legal hold applies to \(held); release the hold first.")
            }
            let observations: SQLQueryString = "SELECT id FROM observations WHERE candidate_id = \(candidate)"
            let recordings: SQLQueryString = "SELECT id FROM recordings WHERE observation_id IN (\(observations))"
            let cases: SQLQueryString = "SELECT id FROM cases WHERE observation_id IN (\(observations))"
            func ids(_ query: SQLQueryString) async throws -> [UUID] { try await sql.db.raw(query).all().map { try $0.uuid("id") } }
            let observationIDs = try await ids(observations)
            let recordingIDs = try await ids(recordings)
            let caseIDs = try await ids(cases)
            let ratingIDs = try await ids("SELECT id FROM ratings WHERE observation_id IN (\(observations))")
            let opinionIDs = try await ids("SELECT id FROM opinions WHERE case_id IN (\(cases))")
            let uploadIDs = try await sql.db.raw("SELECT upload_id FROM recording_uploads WHERE recording_id IN (\(recordings))").all()
                .map { try $0.value("upload_id", as: String.self) }
            let blobKeys = try await sql.db.raw("""
                SELECT DISTINCT r.sha256 FROM recordings r WHERE r.id IN (\(recordings)) AND r.sha256 IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM recordings r2
                    WHERE r2.sha256 = r.sha256 AND r2.original_deleted_at IS NULL AND r2.id NOT IN (\(recordings)))
                """).all().map { try $0.value("sha256", as: String.self) }

            // The personal parts of the audit events about the candidate or anything of theirs.
            let subjects = ([candidateID.rawValue] + observationIDs + recordingIDs + caseIDs + ratingIDs + opinionIDs).map(\.lowercasedString) + uploadIDs
            var auditParts = 0
            for chunk in subjects.chunked() {
                let list = SQLList(chunk.map { SQLBind($0) })
                let events: SQLQueryString = "SELECT id FROM audit_events WHERE subject_id IN (\(list))"
                auditParts += try await sql.db.raw("DELETE FROM audit_event_personal WHERE event_id IN (\(events)) RETURNING event_id").all().count
            }
            // And of events about someone else that name the candidate or theirs (a moderator's declared conflict).
            for subject in subjects {
                let mentions: SQLQueryString = """
                    CAST(details AS TEXT) LIKE \(bind: "%" + subject + "%") OR reason LIKE \(bind: "%" + subject + "%")
                    """
                auditParts += try await sql.db.raw("DELETE FROM audit_event_personal WHERE \(mentions) RETURNING event_id").all().count
            }

            let erased = SQLBind(ErasureMarker.text)
            let texts = try await sql.eraseFreeText(ratings: "observation_id IN (\(observations))", opinions: "case_id IN (\(cases))",
                                                    messages: "case_id IN (\(cases))")
            let statements: [SQLQueryString] = [
                "UPDATE development_plans SET note = NULL WHERE case_id IN (\(cases)) AND note IS NOT NULL",
                // Notices about the candidate's cases go (decision 24), and e-mails left with nothing to carry are
                // not sent; sent e-mails kept no body.
                "DELETE FROM notices WHERE case_id IN (\(cases))",
                """
                UPDATE notification_emails SET state = 'cancelled', last_error = 'Nothing left to send: its notices were erased.',
                    lease_owner = NULL, lease_expires_at = NULL
                WHERE state IN ('queued', 'sending') AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.email_id = notification_emails.id)
                """,
                "DELETE FROM note_drafts WHERE case_id IN (\(cases)) OR recording_id IN (\(recordings))",
                "DELETE FROM recording_indexes WHERE recording_id IN (\(recordings))",
                "DELETE FROM recording_uploads WHERE recording_id IN (\(recordings))",
                // Consent answers stay (an erased recording is never reused); where the form is kept goes.
                "UPDATE recording_consents SET reference = NULL WHERE recording_id IN (\(recordings)) AND reference IS NOT NULL",
                """
                UPDATE recordings SET file_name = \(erased),
                    rejection_reason = CASE WHEN rejection_reason IS NULL THEN NULL ELSE \(erased) END,
                    original_deleted_at = COALESCE(original_deleted_at, \(dialect.time(time))), media_deleted_at = COALESCE(media_deleted_at, \(dialect.time(time)))
                WHERE id IN (\(recordings))
                """,
                "UPDATE observations SET scenario = \(erased) WHERE candidate_id = \(candidate)",
                // Moderators' words about the candidate: declared conflicts, declined assignments' reasons; a seed made
                // of their recording is no longer used.
                "UPDATE moderator_conflicts SET reason = \(erased) WHERE candidate_id = \(candidate)",
                "UPDATE case_assignments SET end_reason = \(erased) WHERE case_id IN (\(cases)) AND end_reason IS NOT NULL",
                // Flags' reasons (decision 35), each keyed by its number so that erased reasons stay distinct.
                "UPDATE case_flags SET reason = \(erased), reason_key = \(bind: "erased-") || CAST(number AS TEXT) WHERE case_id IN (\(cases))",
                "UPDATE calibration_seeds SET reason = \(erased), active = \(bind: false) WHERE observation_id IN (\(observations))",
                "DELETE FROM candidate_attributes WHERE candidate_id = \(candidate)",
                "UPDATE legal_holds SET reason = \(erased), release_reason = NULL WHERE candidate_id = \(candidate)",
                """
                UPDATE candidates SET name = \(erased), registration_number = \(bind: "erased-\(candidateID)"), erased_at = \(dialect.time(time))
                WHERE id = \(candidate)
                """,
            ]
            for statement in statements { try await sql.db.raw(statement).run() }
            try await CaseSummaries.refresh(.candidate(candidateID), on: sql.db, dialect: dialect)
            // Case documents carry free text too: flags' reasons, outcomes' reasons (the current and those set aside).
            for row in try await sql.db.raw("SELECT id, \(dialect.jsonText("document")) FROM cases WHERE id IN (\(cases))").all() {
                let text = try row.value("document", as: String.self)
                guard let erasedText = ErasureMarker.erasingReasons(inJSON: text), erasedText != text else { continue }
                try await sql.db.raw("UPDATE cases SET document = \(dialect.json(erasedText)) WHERE id = \(dialect.id(try row.uuid("id")))").run()
            }
            // Jobs name recordings and may carry an error quoting the file.
            let recordingTexts = recordingIDs.map(\.lowercasedString)
            if !recordingTexts.isEmpty {
                try await sql.db.raw("""
                    DELETE FROM jobs WHERE id IN (SELECT j.id FROM jobs j WHERE \(IngestStore.indexedRecording(ofJob: "j", dialect)) IN (\(SQLList(recordingTexts.map { SQLBind($0) }))))
                    """).run()
            }
            let report = ErasureReport(
                candidateID: candidateID, erasedAt: Dialect.normalised(time), observations: observationIDs.count,
                observationIDs: observationIDs.map(ObservationID.init(rawValue:)),
                recordings: recordingIDs.map(RecordingID.init(rawValue:)), blobKeys: blobKeys.sorted(), uploadIDs: uploadIDs.sorted(),
                texts: texts, auditParts: auditParts)
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: "candidate.erased", subject: .init(type: "candidate", id: candidateID.description),
                reason: reason,
                details: ["role": actor.role.rawValue, "observations": String(report.observations), "recordings": String(recordingIDs.count),
                          "blobs": String(blobKeys.count), "texts": String(texts), "audit_parts": String(auditParts)]))
            return report
        }
        try await purgeDeletedPages()
        return report
    }

    /// Refuses to record anything new about an observation whose candidate was erased (found by the hostile test: a
    /// rating, a flag, an upload or attributes were accepted after erasure, and could never be erased after it).
    static func refuseIfErased(observation id: ObservationID, on db: any SQLDatabase, dialect: Dialect) async throws {
        let row = try await db.raw("""
            SELECT c.erased_at FROM observations o JOIN candidates c ON c.id = o.candidate_id WHERE o.id = \(dialect.id(id))
            """).first()
        try refuse(erasedAt: try row?.optionalTime("erased_at"))
    }

    /// The same for a candidate.
    static func refuseIfErased(candidate id: CandidateID, on db: any SQLDatabase, dialect: Dialect) async throws {
        let row = try await db.raw("SELECT erased_at FROM candidates WHERE id = \(dialect.id(id))").first()
        try refuse(erasedAt: try row?.optionalTime("erased_at"))
    }

    private static func refuse(erasedAt: Date?) throws {
        guard let erasedAt else { return }
        throw StoreError(.conflict, """
            This candidate's personal data was erased on \(AuditEvent.canonicalTimestamp(erasedAt).prefix(10)): nothing new can be \
            recorded about them.
            """)
    }

    /// Whether a candidate's personal data was erased (and when).
    public func erasedAt(candidate candidateID: CandidateID) async throws(StoreError) -> Date? {
        try await reading { sql in
            try await sql.db.raw("SELECT erased_at FROM candidates WHERE id = \(sql.dialect.id(candidateID))").first()?.optionalTime("erased_at")
        }
    }
}

extension ModerationSQL {
    /// Erases free text in place: the rationales and correction reasons of the ratings and opinions matching their
    /// conditions (opinions' notes too) and the bodies of matching case messages (nil: none of that table). The
    /// append-only triggers accept exactly these changes (migration 12). Returns how many rows changed.
    @discardableResult
    func eraseFreeText(ratings: SQLQueryString? = nil, opinions: SQLQueryString? = nil, messages: SQLQueryString? = nil) async throws -> Int {
        let erased = SQLBind(ErasureMarker.text)
        let reason: SQLQueryString = "correction_reason = CASE WHEN correction_reason IS NULL THEN NULL ELSE \(erased) END"
        let tables: [(table: String, condition: SQLQueryString?, column: String, set: SQLQueryString)] = [
            ("ratings", ratings, "rationale", "rationale = \(erased), \(reason)"),
            ("opinions", opinions, "rationale", "rationale = \(erased), annotations = \(dialect.json("[]")), \(reason)"),
            ("case_messages", messages, "body", "body = \(erased)"),
        ]
        var changed = 0
        for table in tables {
            guard let condition = table.condition else { continue }
            let due: SQLQueryString = "(\(condition)) AND \(unsafeRaw: table.column) <> \(erased)"
            changed += try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table.table) WHERE \(due)").first()?.value("n", as: Int.self) ?? 0
            try await db.raw("UPDATE \(unsafeRaw: table.table) SET \(table.set) WHERE \(due)").run()
        }
        return changed
    }
}
