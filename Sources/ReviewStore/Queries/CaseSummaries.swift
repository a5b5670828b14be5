public import Foundation
public import ReviewDomain
import SQLKit

/// A case as the lists and the board show it (decision 26): the case's own columns, why it exists, the scores, who
/// it is about, its recording's status and its panel, read from `case_summaries` (migration 17) without decoding the
/// case's document. Access is the reader's business: the API leaves out what a viewer may not see (scores for a blind
/// moderator, the panel for the employer and the assessor).
public struct CaseSummary: Sendable, Hashable {
    /// Why a case exists, in the words a list filters on.
    public enum Reason: String, Sendable, Hashable, CaseIterable, Codable {
        /// The employer's and the assessor's scores straddle the pass line.
        case straddle
        /// The scores differ by the tolerance or more.
        case gap
        /// Someone flagged the observation.
        case flag
        /// A sample draw picked it.
        case sample
        /// A calibration seed, routed to test the moderators.
        case calibration
    }

    public let caseID: CaseID
    public let observationID: ObservationID
    public let employerID: OrganisationID
    public let kind: Case.Kind
    public let state: Case.State
    public let round: Int
    public let version: Int
    public let isCalibration: Bool
    public let calibrationScore: Int?
    public let reasons: [Reason]
    /// The decided score, when decided or closed.
    public let outcomeScore: Int?
    public let openedBy: UserID
    public let openedAt: Date
    public let updatedAt: Date
    /// The observation's reference ("OBS-2026-0040"), if it has one.
    public let reference: String?
    /// The candidate's name; `nil` once the candidate is erased.
    public let candidateName: String?
    public let employerName: String
    /// The employer's and the assessor's current scores (a correction replaces the score it corrects).
    public let employerScore: Int?
    public let assessorScore: Int?
    /// The status of the observation's newest recording (`ready`, `indexing`, …), if it has one.
    public let recordingStatus: String?
    /// The moderators on the current round's panel (offered, accepted or submitted).
    public let moderatorIDs: [UserID]
    /// The earliest due date of the panel's open assignments.
    public let earliestDueAt: Date?

    /// Whether an open assignment on the case is past its due date at `now`.
    public func isOverdue(at now: Date) -> Bool { earliestDueAt.map { $0 < now } ?? false }
}

/// How a list of cases is ordered.
public enum CaseSort: String, Sendable, Hashable, CaseIterable {
    /// Oldest first (the API's order before sorting existed).
    case opened
    /// Most recently changed first.
    case updated
    /// The earliest due assignment first; cases without one last.
    case due
    /// By the candidate's name; erased candidates last.
    case candidate

    var orderBy: String {
        switch self {
        case .opened: "s.opened_at, s.case_id"
        case .updated: "s.updated_at DESC, s.case_id"
        case .due: "CASE WHEN s.earliest_due_at IS NULL THEN 1 ELSE 0 END, s.earliest_due_at, s.case_id"
        case .candidate: "CASE WHEN s.candidate_name IS NULL THEN 1 ELSE 0 END, lower(s.candidate_name), s.opened_at, s.case_id"
        }
    }
}

/// The one place that writes `case_summaries` (decision 26). Every write that changes what a summary shows calls it
/// in its own transaction: a case's insert or replacement (``write(_:on:dialect:)``: the case's columns, then the
/// rest), and a rating, an assignment, a recording or an erasure (``refresh(_:on:dialect:)``: what comes from other
/// tables, in one statement for every case in scope).
enum CaseSummaries {
    enum Scope {
        case cases([CaseID])
        case observations([ObservationID])
        case candidate(CandidateID)
        /// The cases on the observations of these recordings.
        case recordings([UUID])
        case all
    }

    /// The assignment states that put a moderator on a case's panel.
    static let panelStates = "('offered', 'accepted', 'submitted')"

    /// Why `value` exists.
    static func reasons(of value: Case) -> [CaseSummary.Reason] {
        var reasons: [CaseSummary.Reason] = []
        if let finding = value.finding {
            if finding.reasons.contains(.straddlesPassLine) { reasons.append(.straddle) }
            if finding.reasons.contains(.exceedsTolerance) { reasons.append(.gap) }
        }
        if value.kind == .manualFlag || value.flagCount > 0 { reasons.append(.flag) }
        if value.kind == .sample { reasons.append(.sample) }
        if value.isCalibration { reasons.append(.calibration) }
        return reasons
    }

    /// Reasons as stored: ",straddle,gap," (so that one reason is matched with LIKE '%,gap,%').
    static func storedReasons(_ reasons: [CaseSummary.Reason]) -> String {
        "," + reasons.map(\.rawValue).joined(separator: ",") + ","
    }

    private static let caseColumns = [
        "case_id", "observation_id", "employer_id", "kind", "state", "round", "version", "calibration", "calibration_score", "reasons",
        "outcome_score", "opened_by", "opened_at", "updated_at",
    ]

    /// Writes what the cases' documents say, then what comes from other tables: after a case is inserted or replaced.
    static func write(_ cases: [Case], on db: any SQLDatabase, dialect: Dialect) async throws {
        try await writeOwnColumns(cases, on: db, dialect: dialect)
        try await refresh(.cases(cases.map(\.id)), on: db, dialect: dialect)
    }

    private static func writeOwnColumns(_ cases: [Case], on db: any SQLDatabase, dialect: Dialect) async throws {
        let updates = caseColumns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        for start in stride(from: 0, to: cases.count, by: 1_000) {
            let rows = cases[start..<min(start + 1_000, cases.count)].map { c -> SQLQueryString in
                """
                (\(dialect.id(c.id)), \(dialect.id(c.observationID)), \(dialect.id(c.employerID)), \(bind: c.kind.rawValue), \
                \(bind: c.state.rawValue), \(bind: c.round), \(bind: c.version), \(bind: c.isCalibration), \(bind: c.calibrationScore?.value), \
                \(bind: storedReasons(reasons(of: c))), \(bind: c.outcome?.score.value), \(dialect.id(c.openedBy)), \(dialect.time(c.openedAt)), \
                \(dialect.time(c.updatedAt)))
                """
            }
            try await db.raw("""
                INSERT INTO case_summaries (\(unsafeRaw: caseColumns.joined(separator: ", "))) VALUES \(SQLList(rows))
                ON CONFLICT (case_id) DO UPDATE SET \(unsafeRaw: updates)
                """).run()
        }
    }

    /// Recomputes what the summaries in `scope` take from other tables: the reference, the candidate's name (none once
    /// erased), the employer's name, both current scores, the newest recording's status and the current panel.
    static func refresh(_ scope: Scope, on db: any SQLDatabase, dialect: Dialect) async throws {
        switch scope {
        case .cases(let ids):
            for start in stride(from: 0, to: ids.count, by: 1_000) {
                let chunk = ids[start..<min(start + 1_000, ids.count)]
                try await refresh(where: "case_id IN (\(SQLList(chunk.map { dialect.id($0) })))", on: db, dialect: dialect)
            }
        case .observations(let ids):
            for start in stride(from: 0, to: ids.count, by: 1_000) {
                let chunk = Array(Set(ids[start..<min(start + 1_000, ids.count)]))
                try await refresh(where: "observation_id IN (\(SQLList(chunk.map { dialect.id($0) })))", on: db, dialect: dialect)
            }
        case .candidate(let id):
            try await refresh(where: "observation_id IN (SELECT id FROM observations WHERE candidate_id = \(dialect.id(id)))", on: db, dialect: dialect)
        case .recordings(let ids):
            for start in stride(from: 0, to: ids.count, by: 1_000) {
                let chunk = ids[start..<min(start + 1_000, ids.count)]
                try await refresh(where: "observation_id IN (SELECT observation_id FROM recordings WHERE id IN (\(SQLList(chunk.map { dialect.id($0) }))))",
                                  on: db, dialect: dialect)
            }
        case .all:
            try await refresh(where: "1 = 1", on: db, dialect: dialect)
        }
    }

    private static func refresh(where condition: SQLQueryString, on db: any SQLDatabase, dialect: Dialect) async throws {
        let summary = "case_summaries"
        func current(_ source: String) -> String {
            """
            (SELECT r.score FROM ratings r WHERE r.observation_id = \(summary).observation_id AND r.source = '\(source)'
               AND NOT EXISTS (SELECT 1 FROM ratings later WHERE later.supersedes = r.id) ORDER BY r.append_order DESC LIMIT 1)
            """
        }
        let panel = "FROM case_assignments a WHERE a.case_id = \(summary).case_id AND a.round = \(summary).round"
        try await db.raw("""
            UPDATE case_summaries SET
              reference = (SELECT o.ref FROM observations o WHERE o.id = case_summaries.observation_id),
              candidate_name = (SELECT CASE WHEN c.erased_at IS NULL THEN c.name END FROM observations o JOIN candidates c ON c.id = o.candidate_id
                                WHERE o.id = case_summaries.observation_id),
              employer_name = COALESCE((SELECT g.name FROM organisations g WHERE g.id = case_summaries.employer_id), ''),
              employer_score = \(unsafeRaw: current("employer")),
              assessor_score = \(unsafeRaw: current("assessor")),
              recording_status = (SELECT r.status FROM recordings r WHERE r.observation_id = case_summaries.observation_id
                                  ORDER BY r.created_at DESC, r.id DESC LIMIT 1),
              moderator_count = (SELECT COUNT(*) \(unsafeRaw: panel) AND a.state IN \(unsafeRaw: panelStates)),
              moderator_ids = COALESCE((SELECT \(unsafeRaw: dialect.joinedWithCommas("a.moderator_id")) \(unsafeRaw: panel)
                                        AND a.state IN \(unsafeRaw: panelStates)), ''),
              earliest_due_at = (SELECT MIN(a.due_at) \(unsafeRaw: panel) AND a.state IN ('offered', 'accepted'))
            WHERE \(condition)
            """).run()
    }

    /// Fills the summaries of every stored case (migration 17), a thousand documents at a time.
    static func rebuildAll(on db: any SQLDatabase, dialect: Dialect) async throws {
        var after: SQLQueryString? = nil
        while true {
            var condition: SQLQueryString = ""
            if let after { condition = "WHERE id > \(after)" }
            let page = try await db.raw("SELECT id, \(dialect.jsonText("document")) FROM cases \(condition) ORDER BY id LIMIT 1000").all()
            guard let last = page.last else { break }
            try await writeOwnColumns(try page.map(SQLCases.case), on: db, dialect: dialect)
            after = dialect.id(try last.uuid("id"))
        }
        try await refresh(.all, on: db, dialect: dialect)
    }

    /// The columns a list reads, by their position in ``selectColumns`` (``summary(_:)`` and ``CaseSummaryRows`` read
    /// them by position).
    enum Column: Int, CaseIterable {
        case caseID, observationID, employerID, kind, state, round, version, calibration, calibrationScore, reasons
        case outcomeScore, openedBy, openedAt, updatedAt, reference, candidateName, employerName, employerScore
        case assessorScore, recordingStatus, moderatorIDs, earliestDueAt

        /// The column's name in `case_summaries`.
        var name: String {
            switch self {
            case .caseID: "case_id"
            case .observationID: "observation_id"
            case .employerID: "employer_id"
            case .kind: "kind"
            case .state: "state"
            case .round: "round"
            case .version: "version"
            case .calibration: "calibration"
            case .calibrationScore: "calibration_score"
            case .reasons: "reasons"
            case .outcomeScore: "outcome_score"
            case .openedBy: "opened_by"
            case .openedAt: "opened_at"
            case .updatedAt: "updated_at"
            case .reference: "reference"
            case .candidateName: "candidate_name"
            case .employerName: "employer_name"
            case .employerScore: "employer_score"
            case .assessorScore: "assessor_score"
            case .recordingStatus: "recording_status"
            case .moderatorIDs: "moderator_ids"
            case .earliestDueAt: "earliest_due_at"
            }
        }
    }

    static let columns = Column.allCases.map(\.name)

    static let selectColumns = columns.map { "s.\($0)" }.joined(separator: ", ")

    static func summary(_ row: any SQLRow) throws -> CaseSummary { try summary(NamedColumns(row: row)) }

    /// A summary from a row of ``selectColumns``, by position where the driver allows it (``ColumnReader``).
    static func summary(_ row: some ColumnReader) throws -> CaseSummary {
        func name(_ index: Int) -> String { columns[index] }
        let moderators = try row.requiredText(20, name(20)).split(separator: ",").compactMap { UUID(canonical: String($0)) ?? UUID(uuidString: String($0)) }
        return CaseSummary(
            caseID: try row.id(0, name(0)), observationID: try row.id(1, name(1)), employerID: try row.id(2, name(2)),
            kind: try row.raw(3, name(3)), state: try row.raw(4, name(4)), round: try row.requiredInteger(5, name(5)),
            version: try row.requiredInteger(6, name(6)), isCalibration: try row.bool(7, name(7)), calibrationScore: try row.integer(8, name(8)),
            reasons: try row.requiredText(9, name(9)).split(separator: ",").compactMap { CaseSummary.Reason(rawValue: String($0)) },
            outcomeScore: try row.integer(10, name(10)), openedBy: try row.id(11, name(11)), openedAt: try row.requiredTime(12, name(12)),
            updatedAt: try row.requiredTime(13, name(13)), reference: try row.text(14, name(14)), candidateName: try row.text(15, name(15)),
            employerName: try row.requiredText(16, name(16)), employerScore: try row.integer(17, name(17)),
            assessorScore: try row.integer(18, name(18)), recordingStatus: try row.text(19, name(19)),
            moderatorIDs: moderators.sorted { $0.uuidString < $1.uuidString }.map(UserID.init(rawValue:)),
            earliestDueAt: try row.time(21, name(21)))
    }
}
