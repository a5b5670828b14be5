public import Foundation
public import ReviewDomain
import SQLKit

/// A candidate's attributes for fairness statistics, and the consent they rest on.
public struct CandidateAttributes: Sendable, Equatable {
    public let candidateID: CandidateID
    /// Attribute name → value, e.g. `ethnicity` → `Black British`.
    public let values: [String: String]
    /// The consent form or record the attributes rest on.
    public let consentReference: String
    public let consentedAt: Date
    public let recordedBy: UserID
    public let recordedAt: Date
}

extension InsightStore {
    /// Attribute names: lower-case letters, digits and underscores, starting with a letter (at most 40).
    public static func isValidAttributeName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter, first.isLowercase, name.count <= 40 else { return false }
        return name.allSatisfy { ($0.isLetter && $0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "_" }
    }

    /// Replaces a candidate's attributes with `values`, held on the consent `consentReference` given at
    /// `consentedAt`. Audited with the attribute names (never the values: the trail is widely read).
    public func recordAttributes(
        of candidateID: CandidateID, _ values: [String: String], consentReference: String, consentedAt: Date, by actor: ActingUser, at time: Date = Date()
    ) async throws(StoreError) -> CandidateAttributes {
        let reference = consentReference.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reference.isEmpty else {
            throw StoreError(.invalidArgument, "Attributes are held only with recorded consent: give consentReference (e.g. the consent form's number).")
        }
        guard !values.isEmpty else { throw StoreError(.invalidArgument, "Give at least one attribute; to erase them all, withdraw consent instead.") }
        for (name, value) in values {
            guard Self.isValidAttributeName(name) else {
                throw StoreError(.invalidArgument, "\"\(name)\" is not an attribute name: use lower-case letters, digits and underscores (e.g. age_band).")
            }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(trimmed.count) else {
                throw StoreError(.invalidArgument, "The value of \(name) must be 1 to 100 characters.")
            }
        }
        return try await moderation { sql in
            guard try await sql.db.raw("SELECT 1 AS one FROM candidates WHERE id = \(sql.dialect.id(candidateID))").first() != nil else {
                throw StoreError(.notFound, "There is no candidate \(candidateID).")
            }
            try await DataProtectionStore.refuseIfErased(candidate: candidateID, on: sql.db, dialect: sql.dialect)
            try await sql.db.raw("DELETE FROM candidate_attributes WHERE candidate_id = \(sql.dialect.id(candidateID))").run()
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                try await sql.db.raw("""
                    INSERT INTO candidate_attributes (candidate_id, name, value, consent_reference, consented_at, recorded_by, recorded_at)
                    VALUES (\(sql.dialect.id(candidateID)), \(bind: name), \(bind: value.trimmingCharacters(in: .whitespacesAndNewlines)),
                            \(bind: reference), \(sql.dialect.time(consentedAt)), \(sql.dialect.id(actor.userID)), \(sql.dialect.time(time)))
                    """).run()
            }
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: "candidate.attributes_recorded",
                subject: .init(type: "candidate", id: candidateID.description),
                details: ["names": values.keys.sorted().joined(separator: ","), "consent_reference": reference]))
            return CandidateAttributes(
                candidateID: candidateID, values: values.mapValues { $0.trimmingCharacters(in: .whitespacesAndNewlines) },
                consentReference: reference, consentedAt: consentedAt, recordedBy: actor.userID, recordedAt: time)
        }
    }

    /// When the first observation was made, if any (where the reporting periods begin).
    public func earliestObservationDate() async throws(StoreError) -> Date? {
        try await reading { sql in
            try await sql.db.raw("SELECT MIN(observed_at) AS earliest FROM observations").first()?.optionalTime("earliest")
        }
    }

    /// The statistics of `period` (`2026-Q1`, `2026-03`) as released to `employer`, frozen at its first reading, or nil
    /// before it is first read.
    public func statisticsRelease(of employer: OrganisationID, period: String) async throws(StoreError) -> (body: String, releasedAt: Date)? {
        try await reading { sql in
            guard let row = try await sql.db.raw("""
                SELECT body, released_at FROM statistics_releases WHERE employer_id = \(sql.dialect.id(employer)) AND period = \(bind: period)
                """).first() else { return nil }
            return (try row.value("body", as: String.self), try row.time("released_at"))
        }
    }

    /// Freezes `body` as the release of `period` to `employer` (audited as `statistics.released`), unless another reading
    /// froze one first; returns the release as frozen (so two first readings at once see the same figures).
    public func freezeStatisticsRelease(
        of employer: OrganisationID, period: String, body: String, by actor: ActingUser, at time: Date = Date()
    ) async throws(StoreError) -> (body: String, releasedAt: Date) {
        try await moderation { sql in
            let inserted = try await sql.db.raw("""
                INSERT INTO statistics_releases (employer_id, period, released_at, body)
                VALUES (\(sql.dialect.id(employer)), \(bind: period), \(sql.dialect.time(time)), \(bind: body))
                ON CONFLICT (employer_id, period) DO NOTHING RETURNING period
                """).first() != nil
            if inserted {
                try await sql.append(AuditEvent(
                    at: time, actorID: actor.userID, action: "statistics.released",
                    subject: .init(type: "organisation", id: employer.description), details: ["period": period]))
            }
            guard let row = try await sql.db.raw("""
                SELECT body, released_at FROM statistics_releases WHERE employer_id = \(sql.dialect.id(employer)) AND period = \(bind: period)
                """).first() else { throw StoreError(.database, "The statistics release could not be kept.") }
            return (try row.value("body", as: String.self), try row.time("released_at"))
        }
    }

    /// Consent withdrawn: deletes every attribute of the candidate (audited); `false` if there were none.
    @discardableResult
    public func withdrawAttributes(of candidateID: CandidateID, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> Bool {
        let withdrawn = try await moderation { sql in
            let had = try await sql.db.raw("SELECT 1 AS one FROM candidate_attributes WHERE candidate_id = \(sql.dialect.id(candidateID))").first() != nil
            guard had else { return false }
            try await sql.db.raw("DELETE FROM candidate_attributes WHERE candidate_id = \(sql.dialect.id(candidateID))").run()
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: "candidate.attributes_withdrawn",
                subject: .init(type: "candidate", id: candidateID.description), details: [:]))
            return true
        }
        if withdrawn { try await purgeDeletedPages() }
        return withdrawn
    }

}

extension StoreArea {
    /// After personal data is deleted: on SQLite, the write-ahead log still holds the pages as they were; a
    /// checkpoint copies the (zeroed, `secure_delete`) pages into the database file and TRUNCATE empties the log.
    /// PostgreSQL keeps deleted row versions until VACUUM (docs/data-protection.md).
    func purgeDeletedPages() async throws(StoreError) {
        guard context.dialect == .sqlite else { return }
        try await context.run { db in _ = try await db.raw("PRAGMA wal_checkpoint(TRUNCATE)").all() }
    }
}

extension InsightStore {

    /// A candidate's attributes, or `nil` when none are held.
    public func attributes(of candidateID: CandidateID) async throws(StoreError) -> CandidateAttributes? {
        try await reading { sql in
            let rows = try await sql.db.raw("SELECT * FROM candidate_attributes WHERE candidate_id = \(sql.dialect.id(candidateID)) ORDER BY name").all()
            guard let first = rows.first else { return nil }
            var values: [String: String] = [:]
            for row in rows { values[try row.value("name", as: String.self)] = try row.value("value", as: String.self) }
            return CandidateAttributes(
                candidateID: candidateID, values: values, consentReference: try first.value("consent_reference"),
                consentedAt: try first.time("consented_at"), recordedBy: try first.id("recorded_by"), recordedAt: try first.time("recorded_at"))
        }
    }

    /// Every fact the insight statistics are computed from, in one read: observations with their current
    /// employer and assessor scores and first upload, cases with their outcomes and when they were decided,
    /// current second opinions, assignments, and consented candidate attributes.
    ///
    /// The large results (an observation or a case a row) are read by column position (``PositionalRow``, decision
    /// 39), with the first upload and the decision time joined in the database rather than matched by id here.
    public func insightData(now: Date = Date()) async throws(StoreError) -> InsightData {
        try await reading { sql in
            let dialect = sql.dialect
            var observations: [InsightData.ObservationFacts] = []
            // Each observation with its current scores as kept with every rating (migration 18, decision 29): one row
            // per observation, where reading every rating and the ratings superseding them was most of the read.
            try await sql.eachRow("""
                SELECT o.id, o.ref, o.candidate_id, c.employer_id, o.observed_at,
                       s.employer_score, s.assessor_score, s.assessor_id, s.other_assessor_scores, u.first_upload
                FROM observations o JOIN candidates c ON c.id = o.candidate_id LEFT JOIN observation_scores s ON s.observation_id = o.id
                LEFT JOIN (SELECT observation_id, MIN(created_at) AS first_upload FROM recordings WHERE status <> 'uploading'
                           GROUP BY observation_id) u ON u.observation_id = o.id
                ORDER BY o.observed_at, COALESCE(o.ref, ''), o.id
                """) { row in
                observations.append(InsightData.ObservationFacts(
                    id: try row.id(0), candidateID: try row.id(2), employerID: try row.id(3), observedAt: try row.requiredTime(4),
                    employerScore: try row.integer(5), assessorScore: try row.integer(6), assessorID: try row.optionalID(7),
                    firstUploadAt: try row.time(9), reference: try row.text(1),
                    otherAssessorScores: CurrentScores.otherAssessorScores(try row.text(8))))
            }
            // The few fields of a case document the statistics need, taken out in the database: decoding 30,000
            // documents in Swift was a fifth of the read (docs/benchmarks.md). When each was decided: the latest
            // decision in the audit trail, joined by the case's id as text.
            let (score, rule, definitive, caseText): (String, String, String, String) = dialect == .sqlite
                ? ("json_extract(c.document, '$.outcome.score')", "json_extract(c.document, '$.outcome.basis.rule._0')",
                   "json_extract(c.document, '$.calibrationScore')", "c.id")
                : ("CAST(c.document #>> '{outcome,score}' AS INTEGER)", "c.document #>> '{outcome,basis,rule,_0}'",
                   "CAST(c.document #>> '{calibrationScore}' AS INTEGER)", "CAST(c.id AS TEXT)")
            var cases: [InsightData.CaseFacts] = []
            try await sql.eachRow("""
                SELECT c.id, c.observation_id, c.kind, c.state, c.opened_at, c.updated_at, \(score) AS outcome_score,
                       \(rule) AS outcome_rule, \(definitive) AS calibration_score, d.decided_at
                FROM cases c
                LEFT JOIN (SELECT subject_id, MAX(at) AS decided_at FROM audit_events
                           WHERE subject_type = 'case' AND action IN ('case.decided', 'case.local_score_agreed') GROUP BY subject_id) d
                       ON d.subject_id = \(caseText)
                ORDER BY c.opened_at, c.id
                """) { row in
                let state: Case.State = try row.raw(3)
                let calibration = try row.integer(8)
                let outcome = state.hasOutcome ? try row.integer(6) : nil
                let kind: Case.Kind? = calibration == nil ? try row.raw(2) : nil
                let decidedAt = outcome == nil ? nil : try row.time(9) ?? row.requiredTime(5)
                let rule = try row.text(7)
                cases.append(InsightData.CaseFacts(
                    id: try row.id(0), observationID: try row.id(1), kind: kind, state: state, openedAt: try row.requiredTime(4),
                    decidedAt: decidedAt, outcomeScore: outcome,
                    decidedLocally: outcome != nil && rule == Outcome.Rule.localAgreement.rawValue, calibrationScore: calibration))
            }
            var kinds: [CaseModerator: ModeratorKind] = [:]
            var assignments: [InsightData.AssignmentFacts] = []
            try await sql.eachRow("SELECT case_id, moderator_id, kind, state, assigned_at, due_at, ended_at FROM case_assignments") { row in
                let caseID: CaseID = try row.id(0), moderatorID: UserID = try row.id(1)
                kinds[CaseModerator(caseID: caseID, moderatorID: moderatorID)] = ModeratorKind(rawValue: try row.requiredText(2)) ?? .professional
                let assignedAt = try row.requiredTime(4)
                let state = try row.requiredText(3)
                assignments.append(InsightData.AssignmentFacts(
                    caseID: caseID, moderatorID: moderatorID, assignedAt: assignedAt, dueAt: try row.time(5) ?? assignedAt,
                    endedAt: try row.time(6), isOpen: state == "offered" || state == "accepted"))
            }
            // Current opinions (none supersedes them, as `SecondOpinion.current`), without their rationale and
            // annotations: read by position, in the order they were given.
            var opinions: [(id: OpinionID, facts: InsightData.OpinionFacts)] = [], superseded = Set<OpinionID>()
            try await sql.eachRow("""
                SELECT id, case_id, moderator_id, round, score, submitted_at, supersedes FROM opinions ORDER BY append_order
                """) { row in
                let caseID: CaseID = try row.id(1), moderatorID: UserID = try row.id(2)
                if let supersedes: OpinionID = try row.optionalID(6) { superseded.insert(supersedes) }
                opinions.append((try row.id(0), InsightData.OpinionFacts(
                    caseID: caseID, moderatorID: moderatorID,
                    moderatorKind: kinds[CaseModerator(caseID: caseID, moderatorID: moderatorID)] ?? .professional,
                    round: try row.requiredInteger(3), score: try row.requiredInteger(4), submittedAt: try row.requiredTime(5))))
            }
            let attributes = try await sql.db.raw("SELECT candidate_id, name, value FROM candidate_attributes").all().map { row in
                InsightData.AttributeFacts(candidateID: try row.id("candidate_id"), name: try row.value("name"), value: try row.value("value"))
            }
            var names: [OrganisationID: String] = [:]
            for row in try await sql.db.raw("SELECT id, name FROM organisations WHERE kind = 'employer'").all() {
                names[try row.id("id")] = try row.value("name")
            }
            return InsightData(
                observations: observations, cases: cases,
                opinions: superseded.isEmpty ? opinions.map(\.facts) : opinions.filter { !superseded.contains($0.id) }.map(\.facts),
                assignments: assignments,
                attributes: attributes, employerNames: names, now: now)
        }
    }
}

/// A moderator's assignment to a case, as a key: the assignment's kind labels the moderator's opinion on the case.
private struct CaseModerator: Hashable {
    let caseID: CaseID
    let moderatorID: UserID
}
