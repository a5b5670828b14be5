import Foundation
import ReviewDomain
import SQLKit
import SQLiteNIO

/// One column's value in an insert, typed as the store keeps it, so that the same row can be bound through SQLKit (either
/// database) or straight to a SQLite statement (``SQLInsert/run(_:on:dialect:)`` inside ``DirectBinds``).
enum SQLValue: Sendable {
    case text(String)
    case integer(Int)
    case bool(Bool)
    /// An id: a UUID on PostgreSQL, the lower-case text on SQLite (``Dialect/id(_:)``).
    case id(UUID)
    /// A time, rounded to the millisecond (``Dialect/time(_:)``).
    case time(Date)
    /// JSON text (``Dialect/json(_:)``).
    case json(String)
    case null

    static func id(_ id: some RawRepresentable<UUID>) -> Self { .id(id.rawValue) }
    static func id(_ id: (some RawRepresentable<UUID>)?) -> Self { id.map { .id($0.rawValue) } ?? .null }
    static func text(_ text: String?) -> Self { text.map(Self.text) ?? .null }
    static func integer(_ value: Int?) -> Self { value.map(Self.integer) ?? .null }
    static func integer(_ value: Int64) -> Self { .integer(Int(value)) }

    /// The value as SQLKit binds it for `dialect`.
    func sql(_ dialect: Dialect) -> SQLQueryString {
        switch self {
        case .text(let text): "\(bind: text)"
        case .integer(let value): "\(bind: value)"
        case .bool(let value): "\(bind: value)"
        case .id(let uuid): dialect.id(uuid)
        case .time(let date): dialect.time(date)
        case .json(let text): dialect.json(text)
        case .null: "NULL"
        }
    }

    /// The value as sqlite-kit's encoder would hand it to SQLite for the same bind (ids as lower-case text, times as
    /// seconds since 1970 rounded to the millisecond, booleans as 0 or 1): a row written either way reads back the same.
    var sqliteData: SQLiteData {
        switch self {
        case .text(let text), .json(let text): .text(text)
        case .integer(let value): .integer(value)
        case .bool(let value): .integer(value ? 1 : 0)
        case .id(let uuid): .text(uuid.lowercasedString)
        case .time(let date): .float(Dialect.normalised(date).timeIntervalSince1970)
        case .null: .null
        }
    }
}

/// Where a bulk write binds its rows straight to SQLite (decision 34): the connection of the transaction it runs in,
/// set around the load by the import. Unset, every insert goes through SQLKit.
enum DirectBinds {
    @TaskLocal static var connection: SQLiteConnection?
}

/// One table's insert: its columns and how a value becomes a row of values. The repositories' single-row
/// inserts and the bulk import write through the same definitions, so a row is encoded one way only.
struct SQLInsert<Value>: Sendable {
    let table: String
    let columns: [String]
    /// What a row that is already there does (`ON CONFLICT …`), or nothing: a plain insert.
    var onConflict: String? = nil
    let row: @Sendable (Value) throws -> [SQLValue]
    /// What else the insert changes in the same transaction: the case summaries a new case, rating or assignment
    /// alters (decision 26).
    var afterwards: (@Sendable ([Value], any SQLDatabase, Dialect) async throws -> Void)? = nil

    /// Inserts `values` with multi-row statements, as many rows per statement as the bind limits of both
    /// databases allow (SQLite 32,766 binds, PostgreSQL 65,535).
    ///
    /// On SQLite inside ``DirectBinds`` (a bulk import), each statement goes to sqlite-nio's connection with its binds
    /// built directly as `SQLiteData`: no SQLKit serialisation, no per-bind `Encodable` boxing, the statement's text
    /// built once for every full batch.
    func run(_ values: [Value], on db: any SQLDatabase, dialect: Dialect) async throws {
        guard !values.isEmpty else { return }
        let perStatement = max(1, 30_000 / columns.count)
        if dialect == .sqlite, let connection = DirectBinds.connection {
            try await runDirect(values, perStatement: perStatement, on: connection)
        } else {
            var start = values.startIndex
            while start < values.endIndex {
                let end = min(start + perStatement, values.endIndex)
                let rows = try values[start..<end].map { value -> SQLQueryString in
                    "(\(try row(value).map { $0.sql(dialect) }.joined(separator: ", ")))"
                }
                try await db.raw("INSERT INTO \(ident: table) (\(idents: columns, joinedBy: ", ")) VALUES \(rows.joined(separator: ", "))\(unsafeRaw: onConflict.map { " " + $0 } ?? "")").run()
                start = end
            }
        }
        try await afterwards?(values, db, dialect)
    }

    func run(_ value: Value, on db: any SQLDatabase, dialect: Dialect) async throws {
        try await run([value], on: db, dialect: dialect)
    }

    /// The statement for `rows` rows, with `?` placeholders.
    private func statement(rows: Int) -> String {
        let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        return "INSERT INTO \"\(table)\" (\(names)) VALUES " + Array(repeating: placeholders, count: rows).joined(separator: ", ")
            + (onConflict.map { " " + $0 } ?? "")
    }

    private func runDirect(_ values: [Value], perStatement: Int, on connection: SQLiteConnection) async throws {
        let full = statement(rows: min(perStatement, values.count))
        var start = values.startIndex
        while start < values.endIndex {
            let end = min(start + perStatement, values.endIndex)
            var binds: [SQLiteData] = []
            binds.reserveCapacity((end - start) * columns.count)
            for value in values[start..<end] {
                let row = try row(value)
                precondition(row.count == columns.count, "\(table): a row of \(row.count) values for \(columns.count) columns")
                for column in row { binds.append(column.sqliteData) }
            }
            try await connection.query(end - start == perStatement || end - start == values.count ? full : statement(rows: end - start), binds) { _ in }
            start = end
        }
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
    static let organisation = SQLInsert<Organisation>(table: "organisations", columns: ["id", "name", "kind"]) { o in
        [.id(o.id), .text(o.name), .text(o.kind.rawValue)]
    }

    static let user = SQLInsert<User>(table: "users", columns: ["id", "name", "role", "organisation_id", "active"]) { u in
        [.id(u.id), .text(u.name), .text(u.role.rawValue), .id(u.organisationID), .bool(u.active)]
    }

    static let candidate = SQLInsert<CandidateRecord>(table: "candidates", columns: ["id", "registration_number", "name", "employer_id"]) { c in
        [.id(c.candidate.id), .text(c.candidate.registrationNumber), .text(c.name), .id(c.candidate.employerID)]
    }

    static let observation = SQLInsert<ObservationRecord>(
        table: "observations", columns: ["id", "ref", "candidate_id", "observed_at", "scenario", "practice_area"]
    ) { o in
        [.id(o.observation.id), .text(o.ref), .id(o.observation.candidateID), .time(o.observation.date), .text(o.observation.scenario),
         .text(o.observation.practiceArea.rawValue)]
    }

    static let rating = SQLInsert<Rating>(
        table: "ratings",
        columns: ["id", "observation_id", "source", "score", "rater_id", "rationale", "rated_at", "supersedes", "correction_reason"]
    ) { r in
        [.id(r.id), .id(r.observationID), .text(r.source.rawValue), .integer(r.score.value), .id(r.raterID), .text(r.rationale), .time(r.ratedAt),
         .id(r.supersedes), .text(r.correctionReason)]
    }.then { ratings, db, dialect in try await CaseSummaries.refresh(.observations(ratings.map(\.observationID)), on: db, dialect: dialect) }

    static let `case` = SQLInsert<Case>(
        table: "cases", columns: ["id", "observation_id", "employer_id", "kind", "state", "version", "document", "opened_at", "updated_at", "calibration"]
    ) { c in
        [.id(c.id), .id(c.observationID), .id(c.employerID), .text(c.kind.rawValue), .text(c.state.rawValue), .integer(c.version),
         .json(try SQLCases.document(c)), .time(c.openedAt), .time(c.updatedAt), .bool(c.isCalibration)]
    }.then { cases, db, dialect in
        try await CaseSummaries.write(cases, on: db, dialect: dialect)
        for opened in cases { try await SQLCaseFlags.insertLast(of: opened, on: db, dialect: dialect) }
    }

    static let assignment = SQLInsert<Assignment>(
        table: "case_assignments",
        columns: ["case_id", "moderator_id", "assigned_by", "assigned_at", "kind", "state", "round", "due_at", "reasons"]
    ) { a in
        [.id(a.caseID), .id(a.moderatorID), .id(a.assignedBy), .time(a.assignedAt), .text(a.kind.rawValue), .text(a.state.rawValue), .integer(a.round),
         .time(a.dueAt), .json(try JSONCoding.text(a.reasons))]
    }.then { assignments, db, dialect in try await CaseSummaries.refresh(.cases(assignments.map(\.caseID)), on: db, dialect: dialect) }

    static let auditEvent = SQLInsert<AuditEntry>(
        table: "audit_events",
        columns: ["sequence", "id", "at", "actor_id", "action", "subject_type", "subject_id", "reason", "details", "previous_hash", "hash"]
    ) { e in
        [.integer(e.event.sequence.map(Int.init)), .id(e.event.id), .time(e.event.at), .id(e.event.actorID), .text(e.event.action.rawValue),
         .text(e.event.subject.type), .text(e.event.subject.id), .text(e.event.reason), .json(e.event.canonicalDetailsJSON), .text(e.previousHash),
         .text(e.hash)]
    }

    /// An audit event's personal part (its `reason` and `details` with the salt), kept apart from the chain.
    static let auditPersonalPart = SQLInsert<AuditEvent>(
        table: "audit_event_personal", columns: ["event_id", "reason", "details"]
    ) { e in
        [.id(e.id), .text(e.reason), .json(e.canonicalDetailsJSON)]
    }
}
