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
    /// 39). On SQLite every query runs on one read connection in one read transaction, so the facts are of one
    /// committed state, with each row read in place as SQLite steps (decision 46); on PostgreSQL each query's rows are
    /// fetched through SQLKit first, in one `REPEATABLE READ` transaction. A value that is not what its column holds
    /// (an id that is not one) fails the whole read with a `corruptData` error naming the table and column.
    public func insightData(now: Date = Date()) async throws(StoreError) -> InsightData {
        let queries = InsightQueries(dialect: context.dialect)
        if case .pool(.sqlite(let pool)) = context.target {
            do {
                return try await pool.snapshot { connection in try queries.facts(from: connection, now: now) }
            } catch {
                throw StoreError(wrapping: error)
            }
        }
        return try await reading { sql in try queries.facts(from: try await FetchedRows(sql.db, queries.all), now: now) }
    }
}

/// The statistics' queries, and the facts read from their rows.
struct InsightQueries: Sendable {
    // Each observation with its employer, its current scores as kept with every rating (migration 18, decision 29)
    // and its first upload. Each table is read in one scan and joined here by id (decision 46): SQLite's join looked
    // each observation's candidate and scores up in their tables' primary-key indexes, two b-tree descents each.
    /// How many candidates and observations, so that the tables joined by id are sized once.
    static let counts = "SELECT (SELECT COUNT(*) FROM candidates) AS candidates, (SELECT COUNT(*) FROM observations) AS observations"
    static let employers = "SELECT id, employer_id FROM candidates"
    static let scores = "SELECT observation_id, employer_score, assessor_score, assessor_id, other_assessor_scores FROM observation_scores"
    static let firstUploads = """
        SELECT observation_id, MIN(created_at) AS first_upload FROM recordings WHERE status <> 'uploading' GROUP BY observation_id
        """
    static let observations = "SELECT id, ref, candidate_id, observed_at FROM observations ORDER BY observed_at, COALESCE(ref, ''), id"
    static let assignments = "SELECT case_id, moderator_id, kind, state, assigned_at, due_at, ended_at FROM case_assignments"
    static let opinions = "SELECT id, case_id, moderator_id, round, score, submitted_at, supersedes FROM opinions ORDER BY append_order"
    static let attributes = "SELECT candidate_id, name, value FROM candidate_attributes"
    static let employerNames = "SELECT id, name FROM organisations WHERE kind = 'employer'"
    /// The few fields of a case document the statistics need, taken out in the database: decoding 30,000 documents in
    /// Swift was a fifth of the read (docs/benchmarks.md). When each was decided: the latest decision in the audit
    /// trail, joined by the case's id as text.
    let cases: String

    init(dialect: Dialect) {
        let (score, rule, definitive, caseText): (String, String, String, String) = dialect == .sqlite
            ? ("json_extract(c.document, '$.outcome.score')", "json_extract(c.document, '$.outcome.basis.rule._0')",
               "json_extract(c.document, '$.calibrationScore')", "c.id")
            : ("CAST(c.document #>> '{outcome,score}' AS INTEGER)", "c.document #>> '{outcome,basis,rule,_0}'",
               "CAST(c.document #>> '{calibrationScore}' AS INTEGER)", "CAST(c.id AS TEXT)")
        cases = """
            SELECT c.id, c.observation_id, c.kind, c.state, c.opened_at, c.updated_at, \(score) AS outcome_score,
                   \(rule) AS outcome_rule, \(definitive) AS calibration_score, d.decided_at
            FROM cases c
            LEFT JOIN (SELECT subject_id, MAX(at) AS decided_at FROM audit_events
                       WHERE subject_type = 'case' AND action IN ('case.decided', 'case.local_score_agreed') GROUP BY subject_id) d
                   ON d.subject_id = \(caseText)
            ORDER BY c.opened_at, c.id
            """
    }

    var all: [String] {
        [Self.counts, Self.employers, Self.scores, Self.firstUploads, Self.observations, cases, Self.assignments, Self.opinions, Self.attributes,
         Self.employerNames]
    }

    func facts(from source: some PositionalRowSource, now: Date) throws -> InsightData {
        var (candidateCount, observationCount) = (0, 0)
        try source.eachRow(Self.counts) { row in (candidateCount, observationCount) = (try row.requiredInteger(0), try row.requiredInteger(1)) }
        var employers: [CandidateID: OrganisationID] = [:]
        employers.reserveCapacity(candidateCount)
        try source.eachRow(Self.employers) { row in employers[try row.id(0)] = try row.id(1) }
        var scores: [ObservationID: (employer: Int?, assessor: Int?, assessorID: UserID?, others: String?)] = [:]
        scores.reserveCapacity(observationCount)
        try source.eachRow(Self.scores) { row in
            scores[try row.id(0)] = (try row.integer(1), try row.integer(2), try row.optionalID(3), try row.text(4))
        }
        var firstUploads: [ObservationID: Date] = [:]
        try source.eachRow(Self.firstUploads) { row in firstUploads[try row.id(0)] = try row.time(1) }
        var observations: [InsightData.ObservationFacts] = []
        observations.reserveCapacity(observationCount)
        try source.eachRow(Self.observations) { row in
            let id: ObservationID = try row.id(0), candidateID: CandidateID = try row.id(2)
            // As the inner join did: an observation whose candidate is not there is not counted.
            guard let employerID = employers[candidateID] else { return }
            let score = scores[id]
            observations.append(InsightData.ObservationFacts(
                id: id, candidateID: candidateID, employerID: employerID, observedAt: try row.requiredTime(3),
                employerScore: score?.employer, assessorScore: score?.assessor, assessorID: score?.assessorID,
                firstUploadAt: firstUploads[id], reference: try row.text(1),
                otherAssessorScores: CurrentScores.otherAssessorScores(score?.others)))
        }
        var cases: [InsightData.CaseFacts] = []
        try source.eachRow(self.cases) { row in
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
        try source.eachRow(Self.assignments) { row in
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
        try source.eachRow(Self.opinions) { row in
            let caseID: CaseID = try row.id(1), moderatorID: UserID = try row.id(2)
            if let supersedes: OpinionID = try row.optionalID(6) { superseded.insert(supersedes) }
            opinions.append((try row.id(0), InsightData.OpinionFacts(
                caseID: caseID, moderatorID: moderatorID,
                moderatorKind: kinds[CaseModerator(caseID: caseID, moderatorID: moderatorID)] ?? .professional,
                round: try row.requiredInteger(3), score: try row.requiredInteger(4), submittedAt: try row.requiredTime(5))))
        }
        var attributes: [InsightData.AttributeFacts] = []
        try source.eachRow(Self.attributes) { row in
            attributes.append(InsightData.AttributeFacts(candidateID: try row.id(0), name: try row.requiredText(1), value: try row.requiredText(2)))
        }
        var names: [OrganisationID: String] = [:]
        try source.eachRow(Self.employerNames) { row in names[try row.id(0)] = try row.requiredText(1) }
        return InsightData(
            observations: observations, cases: cases,
            opinions: superseded.isEmpty ? opinions.map(\.facts) : opinions.filter { !superseded.contains($0.id) }.map(\.facts),
            assignments: assignments,
            attributes: attributes, employerNames: names, now: now)
    }
}

/// A moderator's assignment to a case, as a key: the assignment's kind labels the moderator's opinion on the case.
private struct CaseModerator: Hashable {
    let caseID: CaseID
    let moderatorID: UserID
}
