import Crypto
import Foundation
import ReviewDomain
import SQLKit

/// The flags raised on cases, one row each (migration 23, decision 35), numbered from 1 on their case in the order
/// they were raised. A case's document keeps only the count and the newest flag.
enum SQLCaseFlags {
    /// The most flags one read returns.
    static let maximumPageSize = 1_000

    /// What makes a flag the same flag again on its case, with who raised it: the SHA-256 of the reason as flags are
    /// compared (a reason can be long; its digest fits any index).
    static func key(_ reason: String) -> String {
        SHA256.hash(data: Data(Case.Flag.comparable(reason).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Stores `flag` as flag `number` of case `caseID`. Storing the same number again writes nothing (a case saved by
    /// a later step still holds its newest flag); the same person's same reason under another number is refused by
    /// the database (`.duplicate`), which the caller turns into "already raised".
    static func insert(_ flag: Case.Flag, number: Int, of caseID: CaseID, on db: any SQLDatabase, dialect: Dialect) async throws {
        try await db.raw("""
            INSERT INTO case_flags (case_id, number, raised_by, role, raised_at, reason, reason_key)
            VALUES (\(dialect.id(caseID)), \(bind: number), \(dialect.id(flag.raisedBy)), \(bind: flag.role.rawValue), \(dialect.time(flag.at)),
                    \(bind: flag.reason), \(bind: key(flag.reason)))
            ON CONFLICT (case_id, number) DO NOTHING
            """).run()
    }

    /// Stores the newest flag of `value`, if it has one (after a case is created or replaced).
    static func insertLast(of value: Case, on db: any SQLDatabase, dialect: Dialect) async throws {
        guard let flag = value.lastFlag, value.flagCount > 0 else { return }
        try await insert(flag, number: value.flagCount, of: value.id, on: db, dialect: dialect)
    }

    /// Whether `raisedBy` already raised `reason` (as flags are compared) on case `caseID`: one indexed probe.
    static func raised(_ reason: String, by raisedBy: UserID, on caseID: CaseID, db: any SQLDatabase, dialect: Dialect) async throws -> Bool {
        try await db.raw("""
            SELECT 1 AS found FROM case_flags
            WHERE case_id = \(dialect.id(caseID)) AND raised_by = \(dialect.id(raisedBy)) AND reason_key = \(bind: key(reason))
            """).first() != nil
    }

    /// Case `caseID`'s flags from the one after `offset` on, at most `limit` (and at most ``maximumPageSize``), oldest
    /// first: a range of the primary key, as quick for the last flags as for the first.
    static func flags(of caseID: CaseID, offset: Int, limit: Int, on db: any SQLDatabase, dialect: Dialect) async throws -> [Case.Flag] {
        let first = max(offset, 0) + 1, limit = min(max(limit, 0), maximumPageSize)
        return try await db.raw("""
            SELECT raised_by, role, raised_at, reason FROM case_flags
            WHERE case_id = \(dialect.id(caseID)) AND number >= \(literal: first) AND number < \(literal: first + limit)
            ORDER BY number
            """).all().map { row in
                Case.Flag(raisedBy: try row.id("raised_by"), role: try row.raw("role"), at: try row.time("raised_at"), reason: try row.value("reason"))
            }
    }
}
