public import Foundation
public import ReviewDomain
import SQLKit

/// How long each kind of record is kept, in days, and from which event (decision 12; docs/data-protection.md).
public struct RetentionPolicy: Hashable, Sendable {
    /// The kinds of record the schedule covers.
    public enum RecordType: String, Hashable, Sendable, CaseIterable, Codable {
        /// Uploaded video files (blobs).
        case originals
        /// Proxies, thumbnails, captions and index reports.
        case media
        /// The free text of ratings and second opinions (rationales, notes); scores stay.
        case ratings
        /// A case's free text: messages, development-plan notes, note drafts; states and outcomes stay.
        case cases
        /// The personal part of audit events (reasons, details); the chain stays.
        case auditDetails = "audit_details"
        /// Candidate attributes held with consent.
        case attributes
        /// Deactivated accounts: name, sign-in credentials, second factors, tokens.
        case accounts
        /// Sign-in sessions and revoked API tokens.
        case sessions
        /// Uploads never finished: the recording's placeholder and the upload's files.
        case uploads

        /// The event the period is counted from.
        public var countedFrom: String {
            switch self {
            case .originals, .media, .ratings, .cases: "the observation's outcome became final (its last case decided, closed or withdrawn, or its last rating when it had no case)"
            case .attributes: "the outcomes of all the candidate's observations became final"
            case .auditDetails: "the event"
            case .accounts: "the account's last activity, once it is deactivated"
            case .sessions: "the session's expiry, or the token's revocation"
            case .uploads: "the upload's last change (abandoned)"
            }
        }

        /// The settings key: `retention_<type>_days`.
        public var settingsKey: String { "retention_\(rawValue)_days" }
    }

    /// Days per record type.
    public var days: [RecordType: Int]

    /// The defaults (justified in decision 12): originals and derived media a year after the outcome is final,
    /// free text and audit details six years (the Limitation Act 1980's six years for claims), attributes a year,
    /// deactivated accounts two years, ended sessions 30 days, abandoned uploads 7 days.
    public static let defaultDays: [RecordType: Int] = [
        .originals: 365, .media: 365, .ratings: 2190, .cases: 2190, .auditDetails: 2190, .attributes: 365, .accounts: 730,
        .sessions: 30, .uploads: 7,
    ]

    public static let `default` = RetentionPolicy(days: defaultDays)

    public init(days: [RecordType: Int] = Self.defaultDays) {
        self.days = Self.defaultDays.merging(days) { $1 }
    }

    /// The period for `type`.
    public func period(_ type: RecordType) -> TimeInterval { TimeInterval(days[type] ?? Self.defaultDays[type]!) * 86_400 }
}

/// One record the retention pass deleted (or, in a dry run, would delete).
public struct RetentionItem: Hashable, Sendable, Codable {
    public let type: RetentionPolicy.RecordType
    /// What the record is: `recording`, `rating`, `opinion`, `case`, `candidate`, `user`, `session`, `audit_event`.
    public let subjectType: String
    /// Its id (pseudonymous).
    public let subjectID: String
    /// When it became due.
    public let dueSince: Date
}

/// What a retention pass did, or would do.
public struct RetentionReport: Hashable, Sendable, Codable {
    public let now: Date
    public let dryRun: Bool
    public let items: [RetentionItem]
    /// Files for the caller to delete (none in a dry run).
    public let files: FilesToDelete

    /// How many items per record type.
    public var counts: [RetentionPolicy.RecordType: Int] { items.reduce(into: [:]) { $0[$1.type, default: 0] += 1 } }
}

extension DataProtectionStore {
    /// The retention pass: finds what the schedule says is due at `now` and, unless `dryRun`, deletes it, each
    /// deletion audited pseudonymously (`retention.deleted` on the record; audit details in one `retention.audit_details_deleted`
    /// event). Records a legal hold applies to are skipped; a second pass deletes nothing more. Files are the caller's:
    /// see ``RetentionReport/files``.
    public func retentionPass(policy: RetentionPolicy = .default, now: Date, dryRun: Bool, by actor: ActingUser = .system) async throws(StoreError) -> RetentionReport {
        let report = try await moderation { sql in
            let due = try await sql.dueForRetention(policy: policy, now: now)
            guard !dryRun else { return RetentionReport(now: now, dryRun: true, items: due.items, files: FilesToDelete()) }
            let files = try await sql.applyRetention(due, now: now)
            var events = due.items.filter { $0.type != .auditDetails }.map { item in
                AuditEvent(at: now, actorID: actor.userID, action: "retention.deleted", subject: .init(type: item.subjectType, id: item.subjectID),
                           details: ["record_type": item.type.rawValue, "due_since": AuditEvent.canonicalTimestamp(item.dueSince)])
            }
            let auditDetails = due.items.filter { $0.type == .auditDetails }
            if !auditDetails.isEmpty {
                events.append(AuditEvent(at: now, actorID: actor.userID, action: "retention.audit_details_deleted", subject: .init(type: "audit", id: "trail"),
                                         details: ["count": String(auditDetails.count), "last_sequence": auditDetails.last?.subjectID ?? ""]))
            }
            _ = try await SQLAuditLog.append(contentsOf: events, on: sql.db, dialect: sql.dialect)
            return RetentionReport(now: now, dryRun: false, items: due.items, files: files)
        }
        if !dryRun && !report.items.isEmpty { try await purgeDeletedPages() }
        return report
    }
}

/// What is due, with what applying it needs.
struct DueForRetention {
    var items: [RetentionItem] = []
    var originals: [UUID] = []
    var media: [UUID] = []
    var ratings: [UUID] = []
    var opinions: [UUID] = []
    var cases: [UUID] = []
    var attributes: [UUID] = []
    var auditEvents: [UUID] = []
    var accounts: [UUID] = []
    var sessions: [String] = []
    var tokens: [String] = []
    var uploads: [UUID] = []
}

extension ModerationSQL {
    static let activeCaseStates: SQLQueryString = "('open', 'local_review', 'awaiting_moderation', 'in_moderation', 'escalated')"

    /// Whether an active hold applies to observation `o` (alias), on it, its candidate or one of its cases.
    static let observationHeld: SQLQueryString = """
        EXISTS (SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL AND (h.subject_id = o.id OR h.subject_id = o.candidate_id
            OR h.subject_id IN (SELECT c.id FROM cases c WHERE c.observation_id = o.id)))
        """

    func dueForRetention(policy: RetentionPolicy, now: Date) async throws -> DueForRetention {
        var due = DueForRetention()
        func isDue(_ type: RetentionPolicy.RecordType, since: Date?) -> Date? {
            guard let since else { return nil }
            let at = since.addingTimeInterval(policy.period(type))
            return at <= now ? at : nil
        }
        func add(_ type: RetentionPolicy.RecordType, _ subjectType: String, _ id: String, _ at: Date) {
            due.items.append(RetentionItem(type: type, subjectType: subjectType, subjectID: id, dueSince: at))
        }
        // When each observation's outcome became final (no active case; its last case change, else its last rating),
        // for observations no hold applies to.
        var final: [UUID: (candidate: UUID, at: Date)] = [:]
        var candidatesNotFinal = Set<UUID>()
        for row in try await db.raw("""
            SELECT o.id, o.candidate_id,
                (SELECT MAX(c.updated_at) FROM cases c WHERE c.observation_id = o.id) AS case_at,
                (SELECT MAX(r.rated_at) FROM ratings r WHERE r.observation_id = o.id) AS rated_at,
                (SELECT COUNT(*) FROM cases c WHERE c.observation_id = o.id AND c.state IN \(Self.activeCaseStates)) AS active,
                CASE WHEN \(Self.observationHeld) THEN 1 ELSE 0 END AS held
            FROM observations o ORDER BY o.id
            """).all() {
            let id = try row.uuid("id"), candidate = try row.uuid("candidate_id")
            let at = [try row.optionalTime("case_at"), try row.optionalTime("rated_at")].compactMap { $0 }.max()
            guard try row.value("active", as: Int.self) == 0, try row.value("held", as: Int.self) == 0, let at else {
                candidatesNotFinal.insert(candidate)
                continue
            }
            final[id] = (candidate, at)
        }
        let observations = final.keys.sorted { $0.uuidString < $1.uuidString }
        func rows(_ query: SQLQueryString) async throws -> [any SQLRow] { try await db.raw(query).all() }
        for observation in observations {
            let since = final[observation]!.at, o = dialect.id(observation)
            for row in try await rows("""
                SELECT id, original_deleted_at, media_deleted_at, sha256 FROM recordings WHERE observation_id = \(o) AND status <> 'uploading' ORDER BY id
                """) {
                let id = try row.uuid("id")
                if try row.optionalTime("original_deleted_at") == nil, try row.value("sha256", as: String?.self) != nil, let at = isDue(.originals, since: since) {
                    due.originals.append(id)
                    add(.originals, "recording", id.lowercasedString, at)
                }
                if try row.optionalTime("media_deleted_at") == nil, let at = isDue(.media, since: since) {
                    due.media.append(id)
                    add(.media, "recording", id.lowercasedString, at)
                }
            }
            if let at = isDue(.ratings, since: since) {
                for id in try await rows("SELECT id FROM ratings WHERE observation_id = \(o) AND rationale <> \(bind: ErasureMarker.text) ORDER BY append_order").map({ try $0.uuid("id") }) {
                    due.ratings.append(id)
                    add(.ratings, "rating", id.lowercasedString, at)
                }
                for id in try await rows("""
                    SELECT p.id FROM opinions p JOIN cases c ON c.id = p.case_id WHERE c.observation_id = \(o) AND p.rationale <> \(bind: ErasureMarker.text)
                    ORDER BY p.append_order
                    """).map({ try $0.uuid("id") }) {
                    due.opinions.append(id)
                    add(.ratings, "opinion", id.lowercasedString, at)
                }
            }
            if let at = isDue(.cases, since: since) {
                for id in try await rows("""
                    SELECT c.id FROM cases c WHERE c.observation_id = \(o) AND (
                        EXISTS (SELECT 1 FROM case_messages m WHERE m.case_id = c.id AND m.body <> \(bind: ErasureMarker.text))
                        OR EXISTS (SELECT 1 FROM development_plans p WHERE p.case_id = c.id AND p.note IS NOT NULL)
                        OR EXISTS (SELECT 1 FROM note_drafts n WHERE n.case_id = c.id)) ORDER BY c.id
                    """).map({ try $0.uuid("id") }) {
                    due.cases.append(id)
                    add(.cases, "case", id.lowercasedString, at)
                }
            }
        }
        // Attributes: once every observation of the candidate is final (and none held), counted from the last.
        var lastFinal: [UUID: Date] = [:]
        for (_, value) in final where !candidatesNotFinal.contains(value.candidate) {
            lastFinal[value.candidate] = max(lastFinal[value.candidate] ?? value.at, value.at)
        }
        for row in try await rows("SELECT DISTINCT candidate_id FROM candidate_attributes ORDER BY candidate_id") {
            let candidate = try row.uuid("candidate_id")
            if let at = isDue(.attributes, since: lastFinal[candidate]) {
                due.attributes.append(candidate)
                add(.attributes, "candidate", candidate.lowercasedString, at)
            }
        }
        // Audit details, except those about a held candidate's records.
        let held = try await heldSubjectIDs()
        let cutoff = now.addingTimeInterval(-policy.period(.auditDetails))
        for row in try await rows("""
            SELECT e.id, e.sequence, e.at, e.subject_id FROM audit_events e JOIN audit_event_personal p ON p.event_id = e.id
            WHERE e.at <= \(dialect.time(cutoff)) ORDER BY e.sequence
            """) {
            guard !held.contains(try row.value("subject_id", as: String.self)) else { continue }
            due.auditEvents.append(try row.uuid("id"))
            add(.auditDetails, "audit_event", String(try row.value("sequence", as: Int64.self)), try row.time("at").addingTimeInterval(policy.period(.auditDetails)))
        }
        // Deactivated accounts, by their last activity.
        for row in try await rows("""
            SELECT u.id, (SELECT MAX(e.at) FROM audit_events e WHERE e.actor_id = u.id) AS acted_at,
                (SELECT MAX(s.created_at) FROM sessions s WHERE s.user_id = u.id) AS session_at
            FROM users u WHERE u.active = \(bind: false) AND u.erased_at IS NULL AND u.id <> \(dialect.id(UserID.system)) ORDER BY u.id
            """) {
            let since = [try row.optionalTime("acted_at"), try row.optionalTime("session_at")].compactMap { $0 }.max()
            if let at = isDue(.accounts, since: since) {
                let id = try row.uuid("id")
                due.accounts.append(id)
                add(.accounts, "user", id.lowercasedString, at)
            }
        }
        let sessionCutoff = now.addingTimeInterval(-policy.period(.sessions))
        for row in try await rows("SELECT token_hash, user_id, expires_at FROM sessions WHERE expires_at <= \(dialect.time(sessionCutoff)) ORDER BY token_hash") {
            due.sessions.append(try row.value("token_hash"))
            add(.sessions, "session", (try row.uuid("user_id")).lowercasedString, try row.time("expires_at").addingTimeInterval(policy.period(.sessions)))
        }
        for row in try await rows("SELECT id, revoked_at FROM api_tokens WHERE revoked_at <= \(dialect.time(sessionCutoff)) ORDER BY id") {
            due.tokens.append(try row.value("id"))
            add(.sessions, "api_token", try row.value("id"), try row.time("revoked_at").addingTimeInterval(policy.period(.sessions)))
        }
        // Uploads never finished, unless their observation is held.
        let uploadCutoff = now.addingTimeInterval(-policy.period(.uploads))
        for row in try await rows("""
            SELECT r.id, r.updated_at FROM recordings r JOIN observations o ON o.id = r.observation_id
            WHERE r.status = 'uploading' AND r.updated_at <= \(dialect.time(uploadCutoff)) AND NOT \(Self.observationHeld) ORDER BY r.id
            """) {
            let id = try row.uuid("id")
            due.uploads.append(id)
            add(.uploads, "recording", id.lowercasedString, try row.time("updated_at").addingTimeInterval(policy.period(.uploads)))
        }
        return due
    }

    /// The ids (as audit subjects) of what an active hold applies to: a held candidate and all of theirs; a held
    /// observation, its recordings, ratings, cases and opinions; a held case, its opinions and its observation's
    /// records (the evidence). The candidate of any hold is kept too.
    func heldSubjectIDs() async throws -> Set<String> {
        let active: SQLQueryString = "SELECT subject_id FROM legal_holds WHERE released_at IS NULL"
        let observations: SQLQueryString = """
            SELECT o.id FROM observations o WHERE o.candidate_id IN (\(active)) OR o.id IN (\(active))
                OR o.id IN (SELECT c.observation_id FROM cases c WHERE c.id IN (\(active)))
            """
        let cases: SQLQueryString = "SELECT id FROM cases WHERE observation_id IN (\(observations))"
        var ids = Set<String>()
        for query: SQLQueryString in [
            "SELECT candidate_id AS id FROM legal_holds WHERE released_at IS NULL", observations, cases,
            "SELECT id FROM recordings WHERE observation_id IN (\(observations))",
            "SELECT id FROM ratings WHERE observation_id IN (\(observations))",
            "SELECT id FROM opinions WHERE case_id IN (\(cases))",
        ] {
            for row in try await db.raw(query).all() { ids.insert(try row.uuid("id").lowercasedString) }
        }
        return ids
    }

    func applyRetention(_ due: DueForRetention, now: Date) async throws -> FilesToDelete {
        let erased = SQLBind(ErasureMarker.text), time = dialect.time(now)
        func list(_ chunk: ArraySlice<UUID>) -> SQLList { SQLList(chunk.map { dialect.id($0) }) }
        func each(_ ids: [UUID], _ statement: (SQLQueryString) -> SQLQueryString) async throws {
            for chunk in ids.chunked() { try await db.raw(statement("(\(list(chunk)))")).run() }
        }
        var files = FilesToDelete()
        if !due.originals.isEmpty {
            try await each(due.originals) { "UPDATE recordings SET original_deleted_at = \(time) WHERE id IN \($0)" }
            // Blobs no original still kept uses (the same file can back two recordings).
            var keys = Set<String>()
            for chunk in due.originals.chunked() {
                for row in try await db.raw("""
                    SELECT DISTINCT r.sha256 FROM recordings r WHERE r.id IN (\(list(chunk))) AND NOT EXISTS (
                        SELECT 1 FROM recordings r2 WHERE r2.sha256 = r.sha256 AND r2.original_deleted_at IS NULL)
                    """).all() { keys.insert(try row.value("sha256")) }
            }
            files.blobKeys = keys.sorted()
        }
        try await each(due.media) { "UPDATE recordings SET media_deleted_at = \(time) WHERE id IN \($0)" }
        try await each(due.media) { "DELETE FROM recording_indexes WHERE recording_id IN \($0)" }
        files.mediaOf = due.media.map(RecordingID.init(rawValue:))
        for chunk in due.ratings.chunked() { try await eraseFreeText(ratings: "id IN (\(list(chunk)))") }
        for chunk in due.opinions.chunked() { try await eraseFreeText(opinions: "id IN (\(list(chunk)))") }
        for chunk in due.cases.chunked() { try await eraseFreeText(messages: "case_id IN (\(list(chunk)))") }
        try await each(due.cases) { "UPDATE development_plans SET note = NULL WHERE case_id IN \($0)" }
        try await each(due.cases) { "DELETE FROM note_drafts WHERE case_id IN \($0)" }
        try await each(due.attributes) { "DELETE FROM candidate_attributes WHERE candidate_id IN \($0)" }
        try await each(due.auditEvents) { "DELETE FROM audit_event_personal WHERE event_id IN \($0)" }
        for table in ["credentials", "sessions", "api_tokens", "second_factors", "recovery_codes", "notification_preferences", "notices", "notification_emails"] {
            try await each(due.accounts) { "DELETE FROM \(unsafeRaw: table) WHERE user_id IN \($0)" }
        }
        try await each(due.accounts) { "UPDATE users SET name = \(erased), erased_at = \(time) WHERE id IN \($0)" }
        for hash in due.sessions { try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: hash)").run() }
        for id in due.tokens { try await db.raw("DELETE FROM api_tokens WHERE id = \(bind: id)").run() }
        if !due.uploads.isEmpty {
            for chunk in due.uploads.chunked() {
                files.uploadIDs += try await db.raw("SELECT upload_id FROM recording_uploads WHERE recording_id IN (\(list(chunk)))").all().map { try $0.value("upload_id") }
            }
            try await each(due.uploads) { "DELETE FROM recording_uploads WHERE recording_id IN \($0)" }
            try await each(due.uploads) { """
                UPDATE recordings SET status = 'rejected', rejection_reason = 'The upload was abandoned and deleted by the retention schedule.',
                    file_name = \(erased), updated_at = \(time), original_deleted_at = \(time), media_deleted_at = \(time) WHERE id IN \($0)
                """ }
            for chunk in due.uploads.chunked() {
                try await CaseSummaries.refresh(.recordings(Array(chunk)), on: db, dialect: dialect)
            }
        }
        return files
    }
}

extension Array {
    /// Slices of at most `size` elements: `IN (…)` lists kept well under both databases' bind limits.
    func chunked(_ size: Int = 500) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
