import Foundation
import ReviewDomain
import SQLKit

/// One table's insert: its columns and how a value becomes a row of binds. The repositories' single-row
/// inserts and the bulk import write through the same definitions, so a row is encoded one way only.
struct SQLInsert<Value>: Sendable {
    let table: String
    let columns: [String]
    /// What a row that is already there does (`ON CONFLICT …`), or nothing: a plain insert.
    var onConflict: String? = nil
    let row: @Sendable (Value, Dialect) throws -> SQLQueryString
    /// What else the insert changes in the same transaction: the case summaries a new case, rating or assignment
    /// alters (decision 26).
    var afterwards: (@Sendable ([Value], any SQLDatabase, Dialect) async throws -> Void)? = nil

    /// Inserts `values` with multi-row statements, as many rows per statement as the bind limits of both
    /// databases allow (SQLite 32,766 binds, PostgreSQL 65,535).
    func run(_ values: [Value], on db: any SQLDatabase, dialect: Dialect) async throws {
        guard !values.isEmpty else { return }
        let perStatement = max(1, 30_000 / columns.count)
        var start = values.startIndex
        while start < values.endIndex {
            let end = min(start + perStatement, values.endIndex)
            let rows = try values[start..<end].map { try row($0, dialect) }
            try await db.raw("INSERT INTO \(ident: table) (\(idents: columns, joinedBy: ", ")) VALUES \(rows.joined(separator: ", "))\(unsafeRaw: onConflict.map { " " + $0 } ?? "")").run()
            start = end
        }
        try await afterwards?(values, db, dialect)
    }

    func run(_ value: Value, on db: any SQLDatabase, dialect: Dialect) async throws {
        try await run([value], on: db, dialect: dialect)
    }
}

extension SQLInsert {
    /// This insert, followed in the same transaction by `afterwards`.
    func then(_ afterwards: @escaping @Sendable ([Value], any SQLDatabase, Dialect) async throws -> Void) -> Self {
        var insert = self
        insert.afterwards = afterwards
        return insert
    }
}

enum SQLInserts {
    static let organisation = SQLInsert<Organisation>(table: "organisations", columns: ["id", "name", "kind"]) { o, dialect in
        "(\(dialect.id(o.id)), \(bind: o.name), \(bind: o.kind.rawValue))"
    }

    static let user = SQLInsert<User>(table: "users", columns: ["id", "name", "role", "organisation_id", "active"]) { u, dialect in
        "(\(dialect.id(u.id)), \(bind: u.name), \(bind: u.role.rawValue), \(dialect.id(u.organisationID)), \(bind: u.active))"
    }

    static let candidate = SQLInsert<CandidateRecord>(table: "candidates", columns: ["id", "registration_number", "name", "employer_id"]) { c, dialect in
        "(\(dialect.id(c.candidate.id)), \(bind: c.candidate.registrationNumber), \(bind: c.name), \(dialect.id(c.candidate.employerID)))"
    }

    static let observation = SQLInsert<ObservationRecord>(
        table: "observations", columns: ["id", "ref", "candidate_id", "observed_at", "scenario", "practice_area"]
    ) { o, dialect in
        "(\(dialect.id(o.observation.id)), \(bind: o.ref), \(dialect.id(o.observation.candidateID)), \(dialect.time(o.observation.date)), \(bind: o.observation.scenario), \(bind: o.observation.practiceArea.rawValue))"
    }

    static let rating = SQLInsert<Rating>(
        table: "ratings",
        columns: ["id", "observation_id", "source", "score", "rater_id", "rationale", "rated_at", "supersedes", "correction_reason"]
    ) { r, dialect in
        "(\(dialect.id(r.id)), \(dialect.id(r.observationID)), \(bind: r.source.rawValue), \(bind: r.score.value), \(dialect.id(r.raterID)), \(bind: r.rationale), \(dialect.time(r.ratedAt)), \(dialect.optionalID(r.supersedes)), \(bind: r.correctionReason))"
    }.then { ratings, db, dialect in try await CaseSummaries.refresh(.observations(ratings.map(\.observationID)), on: db, dialect: dialect) }

    static let `case` = SQLInsert<Case>(
        table: "cases", columns: ["id", "observation_id", "employer_id", "kind", "state", "version", "document", "opened_at", "updated_at", "calibration"]
    ) { c, dialect in
        "(\(dialect.id(c.id)), \(dialect.id(c.observationID)), \(dialect.id(c.employerID)), \(bind: c.kind.rawValue), \(bind: c.state.rawValue), \(bind: c.version), \(dialect.json(try SQLCases.document(c))), \(dialect.time(c.openedAt)), \(dialect.time(c.updatedAt)), \(bind: c.isCalibration))"
    }.then { cases, db, dialect in
        try await CaseSummaries.write(cases, on: db, dialect: dialect)
        for opened in cases { try await SQLCaseFlags.insertLast(of: opened, on: db, dialect: dialect) }
    }

    static let assignment = SQLInsert<Assignment>(
        table: "case_assignments",
        columns: ["case_id", "moderator_id", "assigned_by", "assigned_at", "kind", "state", "round", "due_at", "reasons"]
    ) { a, dialect in
        "(\(dialect.id(a.caseID)), \(dialect.id(a.moderatorID)), \(dialect.id(a.assignedBy)), \(dialect.time(a.assignedAt)), \(bind: a.kind.rawValue), \(bind: a.state.rawValue), \(bind: a.round), \(dialect.time(a.dueAt)), \(dialect.json(try JSONCoding.text(a.reasons))))"
    }.then { assignments, db, dialect in try await CaseSummaries.refresh(.cases(assignments.map(\.caseID)), on: db, dialect: dialect) }

    static let auditEvent = SQLInsert<AuditEntry>(
        table: "audit_events",
        columns: ["sequence", "id", "at", "actor_id", "action", "subject_type", "subject_id", "reason", "details", "previous_hash", "hash"]
    ) { e, dialect in
        "(\(bind: e.event.sequence), \(dialect.id(e.event.id)), \(dialect.time(e.event.at)), \(dialect.id(e.event.actorID)), \(bind: e.event.action.rawValue), \(bind: e.event.subject.type), \(bind: e.event.subject.id), \(bind: e.event.reason), \(dialect.json(e.event.canonicalDetailsJSON)), \(bind: e.previousHash), \(bind: e.hash))"
    }

    /// An audit event's personal part (its `reason` and `details` with the salt), kept apart from the chain.
    static let auditPersonalPart = SQLInsert<AuditEvent>(
        table: "audit_event_personal", columns: ["event_id", "reason", "details"]
    ) { e, dialect in
        "(\(dialect.id(e.id)), \(bind: e.reason), \(dialect.json(e.canonicalDetailsJSON)))"
    }
}
