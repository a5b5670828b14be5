import Foundation
import ReviewDomain
import SQLKit

/// Cases: the queue columns (state, kind, version, times) beside the whole case as a JSON document; the flags raised
/// on a case in rows of their own (``SQLCaseFlags``).
struct SQLCases: CaseRepository {
    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func create(_ opened: Case, event: AuditEvent) async throws(StoreError) -> AuditEntry {
        _ = try Self.document(opened)  // refuse an unencodable case before touching the database
        return try await context.atomically { db in
            try await SQLInserts.case.run(opened, on: db, dialect: dialect)
            return try await SQLAuditLog.append(event, on: db, dialect: dialect)
        }
    }

    func update(_ updated: Case, expectedVersion: Int, event: AuditEvent) async throws(StoreError) -> AuditEntry {
        guard updated.version == expectedVersion + 1 else {
            throw StoreError(
                .invalidArgument,
                "Case \(updated.id) at version \(updated.version) does not follow version \(expectedVersion): save the result of one transition."
            )
        }
        let document = try Self.document(updated)
        return try await context.atomically { db in
            try await Self.replace(updated, document: document, expectedVersion: expectedVersion, on: db, dialect: dialect)
            return try await SQLAuditLog.append(event, on: db, dialect: dialect)
        }
    }

    /// Replaces the stored case with `updated` if it is still at `expectedVersion` (`.conflict` otherwise); the
    /// caller appends the transition's audit event in the same transaction.
    static func replace(_ updated: Case, document: String? = nil, expectedVersion: Int, on db: any SQLDatabase, dialect: Dialect) async throws {
        let document = try document ?? Self.document(updated)
        let changed = try await db.raw("""
            UPDATE cases SET state = \(bind: updated.state.rawValue), version = \(bind: updated.version),
                document = \(dialect.json(document)), updated_at = \(dialect.time(updated.updatedAt))
            WHERE id = \(dialect.id(updated.id)) AND version = \(bind: expectedVersion)
            RETURNING version
            """).first() != nil
        if changed {
            try await CaseSummaries.write([updated], on: db, dialect: dialect)
            try await SQLCaseFlags.insertLast(of: updated, on: db, dialect: dialect)
        }
        guard changed else {
            let stored = try await db.raw("SELECT version FROM cases WHERE id = \(dialect.id(updated.id))").first(decodingColumn: "version", as: Int.self)
            guard let stored else { throw StoreError(.notFound, "There is no case \(updated.id).") }
            throw StoreError(
                .conflict,
                "Case \(updated.id) changed meanwhile (it is at version \(stored), not \(expectedVersion)): reload it and try again."
            )
        }
    }

    func find(_ id: CaseID) async throws(StoreError) -> Case? {
        try await context.run { db in
            try await db.raw("SELECT \(dialect.jsonText("document")) FROM cases WHERE id = \(dialect.id(id))").first().map(Self.case)
        }
    }

    func cases(in state: Case.State, limit: Int) async throws(StoreError) -> [Case] {
        try await context.run { db in
            try await db.raw("""
                SELECT \(dialect.jsonText("document")) FROM cases WHERE state = \(bind: state.rawValue)
                ORDER BY updated_at, id LIMIT \(literal: max(0, limit))
                """).all().map(Self.case)
        }
    }

    func cases(of observationID: ObservationID) async throws(StoreError) -> [Case] {
        try await context.run { db in try await Self.cases(of: observationID, on: db, dialect: dialect) }
    }

    func cases(in state: Case.State, employer: OrganisationID, page: Int, pageSize: Int) async throws(StoreError) -> [Case] {
        let size = min(max(pageSize, 1), 500)
        let offset = (max(page, 1) - 1) * size
        return try await context.run { db in
            try await db.raw("""
                SELECT \(dialect.jsonText("document")) FROM cases
                WHERE employer_id = \(dialect.id(employer)) AND state = \(bind: state.rawValue)
                ORDER BY opened_at, id LIMIT \(literal: size) OFFSET \(literal: offset)
                """).all().map(Self.case)
        }
    }

    func flags(of id: CaseID, offset: Int, limit: Int) async throws(StoreError) -> [Case.Flag] {
        try await context.run { db in try await SQLCaseFlags.flags(of: id, offset: offset, limit: limit, on: db, dialect: dialect) }
    }

    static func cases(of observationID: ObservationID, on db: any SQLDatabase, dialect: Dialect) async throws -> [Case] {
        try await db.raw("""
            SELECT \(dialect.jsonText("document")) FROM cases WHERE observation_id = \(dialect.id(observationID)) ORDER BY opened_at, id
            """).all().map(Self.case)
    }

    static func document(_ value: Case) throws(StoreError) -> String {
        do {
            return try JSONCoding.text(value)
        } catch {
            throw StoreError(.invalidArgument, "Case \(value.id) cannot be encoded.", cause: error)
        }
    }

    static func `case`(_ row: any SQLRow) throws -> Case {
        try row.json("document")
    }
}
