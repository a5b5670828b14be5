public import Foundation
public import ReviewDomain
import SQLKit

/// One page of a list: `number` counts from 1; `size` is 1…500.
public struct PageRequest: Sendable, Hashable {
    public static let maximumSize = 500
    /// The highest page number (far past any list; it keeps `offset` from overflowing).
    public static let maximumNumber = 1_000_000
    public let number: Int
    public let size: Int

    public init(number: Int = 1, size: Int = 50) {
        self.number = min(max(1, number), Self.maximumNumber)
        self.size = min(max(1, size), Self.maximumSize)
    }

    /// Rows to skip.
    public var offset: Int { (number - 1) * size }
    /// Rows to fetch: one more than the page, to learn whether another page follows.
    var fetch: Int { size + 1 }
}

/// Which audit events a reader asks for (``ReviewStore/auditEntries(newestFirst:actionPrefixes:limit:)``).
public struct AuditFilter: Sendable, Hashable {
    public var actor: UserID?
    /// One action, e.g. `case.decided`.
    public var action: String?
    public var subjectType: String?
    public var subjectID: String?
    /// From this time (inclusive) to that (exclusive).
    public var from: Date?
    public var to: Date?
    /// Only events before this sequence number (the next page, newest first).
    public var before: Int64?

    public init(actor: UserID? = nil, action: String? = nil, subjectType: String? = nil, subjectID: String? = nil,
                from: Date? = nil, to: Date? = nil, before: Int64? = nil) {
        self.actor = actor; self.action = action; self.subjectType = subjectType; self.subjectID = subjectID
        self.from = from; self.to = to; self.before = before
    }
}

/// Which cases a list shows.
public struct CaseFilter: Sendable, Hashable {
    public var state: Case.State?
    /// Only this employer's cases.
    public var employerID: OrganisationID?
    /// Only cases this moderator is assigned to.
    public var assignedTo: UserID?
    /// Whether calibration seed cases are listed (not for employers and assessors: they review no candidate).
    public var includeCalibration: Bool
    /// Only cases that exist for this reason (summaries only).
    public var reason: CaseSummary.Reason?
    /// Only cases with an open assignment past its due date at this time (summaries only).
    public var overdueAt: Date?
    /// Words in the candidate's name or the observation's reference (summaries only; any case, ignoring letter case).
    public var search: String?
    /// The order (summaries only).
    public var sort: CaseSort
    /// Only these cases (summaries only): a page naming the cases of a list of things (notices) in one read.
    public var caseIDs: [CaseID]?

    public init(state: Case.State? = nil, employerID: OrganisationID? = nil, assignedTo: UserID? = nil, includeCalibration: Bool = true,
                reason: CaseSummary.Reason? = nil, overdueAt: Date? = nil, search: String? = nil, sort: CaseSort = .opened,
                caseIDs: [CaseID]? = nil) {
        self.state = state
        self.employerID = employerID
        self.assignedTo = assignedTo
        self.includeCalibration = includeCalibration
        self.reason = reason
        self.overdueAt = overdueAt
        self.search = search
        self.sort = sort
        self.caseIDs = caseIDs
    }
}

/// The paged, filtered lists the API serves. Each returns up to `page.size + 1` rows (see ``PageRequest``),
/// in a stable order, so pages never skip or repeat a row while nothing changes. They are called `list…` so that
/// they never share a name with a repository (`records.cases` finds one case; `records.listCases` pages through them).
extension RecordStore {
    public func listUsers(organisationID: OrganisationID?, role: Role?, page: PageRequest) async throws(StoreError) -> [User] {
        let dialect = context.dialect
        // The service's own account (ActingUser.system) is nobody's to manage.
        var conditions: [SQLQueryString] = ["id <> \(dialect.id(UserID.system))"]
        if let organisationID { conditions.append("organisation_id = \(dialect.id(organisationID))") }
        if let role { conditions.append("role = \(bind: role.rawValue)") }
        return try await list("SELECT * FROM users", conditions, order: "name, id", page: page, SQLUsers.user)
    }

    /// The names of these users, in one query (a page naming the people on its rows without reading the directory).
    public func userNames(_ ids: [UserID]) async throws(StoreError) -> [UserID: String] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        let dialect = context.dialect
        return try await context.run { db in
            var names: [UserID: String] = [:]
            for start in stride(from: 0, to: unique.count, by: 500) {
                let chunk = unique[start..<min(start + 500, unique.count)]
                for row in try await db.raw("SELECT id, name FROM users WHERE id IN (\(SQLList(chunk.map { dialect.id($0) })))").all() {
                    names[try row.id("id")] = try row.value("name", as: String.self)
                }
            }
            return names
        }
    }

    public func listCandidates(employerID: OrganisationID?, page: PageRequest) async throws(StoreError) -> [CandidateRecord] {
        let dialect = context.dialect
        let conditions: [SQLQueryString] = employerID.map { ["employer_id = \(dialect.id($0))"] } ?? []
        return try await list("SELECT * FROM candidates", conditions, order: "registration_number, id", page: page, SQLCandidates.candidate)
    }

    public func listObservations(candidateID: CandidateID?, employerID: OrganisationID?, page: PageRequest) async throws(StoreError) -> [ObservationRecord] {
        let dialect = context.dialect
        var conditions: [SQLQueryString] = []
        if let candidateID { conditions.append("o.candidate_id = \(dialect.id(candidateID))") }
        if let employerID { conditions.append("c.employer_id = \(dialect.id(employerID))") }
        return try await list("SELECT o.* FROM observations o JOIN candidates c ON c.id = o.candidate_id", conditions,
                              order: "o.observed_at, o.id", page: page, SQLObservations.observation)
    }

    /// Recordings, optionally of one observation, of one employer's staff, in one status, or of the observations
    /// of cases assigned to one moderator.
    public func listRecordings(
        observationID: ObservationID?, employerID: OrganisationID?, status: String?, assignedTo moderator: UserID? = nil, page: PageRequest
    ) async throws(StoreError) -> [Recording] {
        let dialect = context.dialect
        var conditions: [SQLQueryString] = []
        if let moderator {
            conditions.append("""
                r.observation_id IN (SELECT k.observation_id FROM cases k JOIN case_assignments a ON a.case_id = k.id
                                     WHERE a.moderator_id = \(dialect.id(moderator)) AND a.state IN ('offered', 'accepted', 'submitted'))
                """)
            // Never a recording whose people withdrew consent to moderation (decision 13).
            conditions.append("""
                NOT EXISTS (SELECT 1 FROM recording_consents rc WHERE rc.recording_id = r.id AND rc.purpose = 'moderation' AND rc.granted = \(bind: false))
                """)
        }
        if let observationID { conditions.append("r.observation_id = \(dialect.id(observationID))") }
        if let employerID { conditions.append("c.employer_id = \(dialect.id(employerID))") }
        // `deleted`: recordings whose video is gone (erased, past retention); the ingest statuses list those still there.
        if let status {
            conditions.append(status == "deleted" ? "r.media_deleted_at IS NOT NULL" : "r.status = \(bind: status) AND r.media_deleted_at IS NULL")
        }
        return try await list("""
            SELECT r.* FROM recordings r JOIN observations o ON o.id = r.observation_id JOIN candidates c ON c.id = o.candidate_id
            """, conditions, order: "r.created_at, r.id", page: page, SQLRecordings.recording)
    }

    public func listCases(_ filter: CaseFilter, page: PageRequest) async throws(StoreError) -> [Case] {
        let dialect = context.dialect
        var conditions: [SQLQueryString] = []
        if let state = filter.state { conditions.append("state = \(bind: state.rawValue)") }
        if let employerID = filter.employerID { conditions.append("employer_id = \(dialect.id(employerID))") }
        if let moderator = filter.assignedTo {
            conditions.append("id IN (SELECT case_id FROM case_assignments WHERE moderator_id = \(dialect.id(moderator)) AND state IN ('offered', 'accepted', 'submitted'))")
        }
        if !filter.includeCalibration { conditions.append("calibration = \(bind: false)") }
        return try await list("SELECT \(dialect.jsonText("document")) FROM cases", conditions, order: "opened_at, id", page: page, SQLCases.case)
    }

    /// Cases as the lists show them (``CaseSummary``), filtered, searched and sorted on the summary's columns: one
    /// query whatever the number of cases, no case document decoded.
    public func listCaseSummaries(_ filter: CaseFilter, page: PageRequest) async throws(StoreError) -> [CaseSummary] {
        try await list("SELECT \(unsafeRaw: CaseSummaries.selectColumns) FROM case_summaries s", summaryConditions(filter),
                       order: filter.sort.orderBy, page: page, byPosition: { try CaseSummaries.summary($0) })
    }

    /// How many cases of `filter` are in each state, and how many have an overdue assignment at `now`. Every case
    /// (the board's and the home page's counts): the counts kept per state (`case_state_counts`, migration 24) and the
    /// overdue ones from the due-date index, so no page view counts every summary; a filtered count: one query.
    public func caseCounts(_ filter: CaseFilter, now: Date) async throws(StoreError) -> (byState: [Case.State: Int], overdue: Int) {
        let dialect = context.dialect
        let conditions = summaryConditions(filter)
        let whereClause: SQLQueryString = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try await context.run { db in
            var counts: [Case.State: Int] = [:]
            var overdue = 0
            if conditions.isEmpty {
                for row in try await db.raw("SELECT state, cases FROM case_state_counts WHERE cases > 0").all() {
                    guard let state = Case.State(rawValue: try row.value("state")) else { continue }
                    counts[state] = try row.value("cases", as: Int.self)
                }
                overdue = try await db.raw("SELECT COUNT(*) AS late FROM case_summaries WHERE earliest_due_at < \(dialect.time(now))")
                    .first(decodingColumn: "late", as: Int.self) ?? 0
                return (counts, overdue)
            }
            for row in try await db.raw("""
                SELECT s.state, COUNT(*) AS n, SUM(CASE WHEN s.earliest_due_at < \(dialect.time(now)) THEN 1 ELSE 0 END) AS late
                FROM case_summaries s\(whereClause) GROUP BY s.state
                """).all() {
                guard let state = Case.State(rawValue: try row.value("state")) else { continue }
                counts[state] = try row.value("n", as: Int.self)
                overdue += try row.value("late", as: Int?.self) ?? 0
            }
            return (counts, overdue)
        }
    }

    func summaryConditions(_ filter: CaseFilter) -> [SQLQueryString] {
        let dialect = context.dialect
        var conditions: [SQLQueryString] = []
        if let state = filter.state { conditions.append("s.state = \(bind: state.rawValue)") }
        if let employerID = filter.employerID { conditions.append("s.employer_id = \(dialect.id(employerID))") }
        if let moderator = filter.assignedTo {
            conditions.append("""
                s.case_id IN (SELECT case_id FROM case_assignments WHERE moderator_id = \(dialect.id(moderator)) AND state IN ('offered', 'accepted', 'submitted'))
                """)
        }
        if !filter.includeCalibration { conditions.append("s.calibration = \(bind: false)") }
        if let ids = filter.caseIDs {
            conditions.append(ids.isEmpty ? "1 = 0" : "s.case_id IN (\(SQLList(Array(Set(ids)).map { dialect.id($0) })))")
        }
        if let reason = filter.reason { conditions.append("s.reasons LIKE \(bind: "%,\(reason.rawValue),%")") }
        if let now = filter.overdueAt { conditions.append("s.earliest_due_at < \(dialect.time(now))") }
        if let search = filter.search?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(), !search.isEmpty {
            // LIKE's own wildcards in what was typed match themselves.
            let escaped = search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            let pattern = "%\(escaped)%"
            conditions.append("""
                (lower(s.candidate_name) LIKE \(bind: pattern) ESCAPE '\\' OR lower(s.reference) LIKE \(bind: pattern) ESCAPE '\\')
                """)
        }
        return conditions
    }

}

extension AuditStore {
    /// Audit events after `sequence`, optionally about one subject, in chain order.
    public func listEntries(
        after sequence: Int64, subject: AuditEvent.Subject?, actionPrefixes: [String]? = nil, page: PageRequest
    ) async throws(StoreError) -> [AuditEntry] {
        var conditions: [SQLQueryString] = ["sequence > \(bind: sequence)"]
        if let actionPrefixes {
            // Only events whose action starts with one of the prefixes (an administrator's view: account events).
            let matches = actionPrefixes.map { prefix -> SQLQueryString in "substr(action, 1, \(bind: prefix.count)) = \(bind: prefix)" }
            conditions.append(matches.isEmpty ? "1 = 0" : "(\(SQLList(matches, separator: SQLRaw(" OR "))))")
        }
        if let subject {
            conditions.append("subject_type = \(bind: subject.type)")
            conditions.append("subject_id = \(bind: subject.id)")
        }
        let dialect = context.dialect
        return try await list(SQLAuditLog.select(dialect), conditions, order: "sequence", page: page, SQLAuditLog.entry)
    }

    /// The audit trail newest first, for people reading it (the audit page): filtered by who, what action, subject and
    /// time, `limit` entries older than `before` (a sequence number; `nil` from the newest). Returns one more than
    /// `limit` when an older page follows. `actionPrefixes` limits it as in ``listEntries(after:subject:actionPrefixes:page:)``.
    public func listEntries(newestFirst filter: AuditFilter, actionPrefixes: [String]? = nil, limit: Int) async throws(StoreError) -> [AuditEntry] {
        let dialect = context.dialect
        var conditions: [SQLQueryString] = []
        if let before = filter.before { conditions.append("e.sequence < \(bind: before)") }
        if let actionPrefixes {
            let matches = actionPrefixes.map { prefix -> SQLQueryString in "substr(e.action, 1, \(bind: prefix.count)) = \(bind: prefix)" }
            conditions.append(matches.isEmpty ? "1 = 0" : "(\(SQLList(matches, separator: SQLRaw(" OR "))))")
        }
        if let actor = filter.actor { conditions.append("e.actor_id = \(dialect.id(actor))") }
        if let action = filter.action { conditions.append("e.action = \(bind: action)") }
        if let type = filter.subjectType { conditions.append("e.subject_type = \(bind: type)") }
        if let id = filter.subjectID { conditions.append("e.subject_id = \(bind: id)") }
        if let from = filter.from { conditions.append("e.at >= \(dialect.time(from))") }
        if let to = filter.to { conditions.append("e.at < \(dialect.time(to))") }
        return try await list(SQLAuditLog.select(dialect), conditions, order: "e.sequence DESC", page: PageRequest(size: limit), SQLAuditLog.entry)
    }

    /// The actions the audit trail holds (for the audit page's filter), in order.
    public func actionsRecorded() async throws(StoreError) -> [String] {
        try await context.run { db in
            try await db.raw("SELECT DISTINCT action FROM audit_events ORDER BY action").all().map { try $0.decode(column: "action", as: String.self) }
        }
    }
}

extension RecordStore {
    /// The employer of the candidate observed.
    public func employer(ofObservation observationID: ObservationID) async throws(StoreError) -> OrganisationID? {
        let dialect = context.dialect
        return try await context.run { db in try await SQLRatings.employer(of: observationID, on: db, dialect: dialect) }
    }

}

extension IngestStore {
    /// The recording an indexing job of table alias `job` is for, as lower-case text (from its JSON payload).
    static func indexedRecording(ofJob job: String, _ dialect: Dialect) -> SQLQueryString {
        dialect == .postgres
            ? "lower(\(unsafeRaw: job).payload->>'recordingID')" : "lower(json_extract(\(unsafeRaw: job).payload, '$.recordingID'))"
    }

    /// The newest indexing job of a recording and its reported progress (0…1), if one was queued. A finished job reads 1
    /// whatever its last report said: the worker reports as it goes, and its last report may precede the end.
    public func indexJob(of recordingID: RecordingID) async throws(StoreError) -> (job: Job, progress: Double?)? {
        let dialect = context.dialect
        let key = recordingID.description
        let found: (JobID, Double?)? = try await context.run { db in
            let match: SQLQueryString = "\(Self.indexedRecording(ofJob: "jobs", dialect)) = \(bind: key)"
            return try await db.raw("""
                SELECT id, progress FROM jobs WHERE kind = \(bind: Job.Kind.indexRecording.rawValue) AND \(match)
                ORDER BY created_at DESC LIMIT 1
                """).first().map { (try $0.id("id"), try $0.value("progress", as: Double?.self)) }
        }
        guard let (id, progress) = found, let job = try await store.jobs.find(id) else { return nil }
        return (job, job.state == .done ? 1 : progress)
    }

}

extension JobStore {
    /// How many jobs are in each state.
    /// How long the oldest job that is due (queued, or failed and waiting for its retry time) has been waiting at
    /// `now`, in seconds; 0 when none is due. Alert on it: a growing age means too few workers, or none.
    public func oldestDueJobWait(now: Date = Date()) async throws(StoreError) -> Double {
        let dialect = context.dialect
        return try await context.run { db in
            let row = try await db.raw("""
                SELECT MIN(run_at) AS oldest FROM jobs WHERE state IN ('queued', 'failed') AND run_at <= \(dialect.time(now))
                """).first()
            guard let oldest = try row?.optionalTime("oldest") else { return 0 }
            return max(0, now.timeIntervalSince(oldest))
        }
    }

    public func jobCounts() async throws(StoreError) -> [String: Int] {
        try await context.run { db in
            var counts: [String: Int] = [:]
            for row in try await db.raw("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() {
                counts[try row.value("state")] = try row.value("n")
            }
            return counts
        }
    }
}

extension RecordStore {
    /// An observation and its candidate's employer, in one query (every access check needs both).
    public func observationWithEmployer(_ id: ObservationID) async throws(StoreError) -> (record: ObservationRecord, employerID: OrganisationID)? {
        let dialect = context.dialect
        return try await context.run { db in
            try await db.raw("""
                SELECT o.*, c.employer_id FROM observations o JOIN candidates c ON c.id = o.candidate_id WHERE o.id = \(dialect.id(id))
                """).first().map { (try SQLObservations.observation($0), try $0.id("employer_id")) }
        }
    }

    /// A recording and the employer of the candidate it shows, in one query (each streamed range checks access).
    public func recordingWithEmployer(_ id: RecordingID) async throws(StoreError) -> (recording: Recording, employerID: OrganisationID)? {
        let dialect = context.dialect
        return try await context.run { db in
            try await db.raw("""
                SELECT r.*, c.employer_id FROM recordings r JOIN observations o ON o.id = r.observation_id
                JOIN candidates c ON c.id = o.candidate_id WHERE r.id = \(dialect.id(id))
                """).first().map { (try SQLRecordings.recording($0), try $0.id("employer_id")) }
        }
    }
}

extension ReviewStore {
    /// Whether the database answers and every migration this build knows is applied.
    public func readiness() async throws(StoreError) -> (reachable: Bool, pendingMigrations: [Int]) {
        let applied: Set<Int> = try await context.run { db in
            Set(try await db.raw("SELECT version FROM schema_migrations").all(decodingColumn: "version", as: Int.self))
        }
        return (true, Migrator.all.map(\.version).filter { !applied.contains($0) })
    }
}
