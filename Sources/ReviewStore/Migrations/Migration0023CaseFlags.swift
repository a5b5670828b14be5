import Foundation
import ReviewDomain
import SQLKit

/// Flags in rows of their own (issue 21 item 1, decision 35): a case's document held every flag raised on it, so a
/// case flagged thousands of times was read, decoded, encoded and written whole on every step. Each flag is now one row
/// of `case_flags`, numbered from 1 on its case; the document keeps the count and the newest flag. One flag per case,
/// person and reason as flags are compared (``Case/Flag/comparable(_:)``, kept as its SHA-256 in `reason_key`): a
/// repeated flag racing another is refused by the database. The backfill moves the flags out of every stored document.
/// Also an index that answers the board's counts per state without reading the summaries' rows.
struct Migration0023CaseFlags: Migration {
    let version = 23
    let name = "case flags in rows of their own"

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType
        return [
            """
            CREATE TABLE case_flags (
                case_id \(id) NOT NULL REFERENCES cases (id),
                number INTEGER NOT NULL CHECK (number > 0),
                raised_by \(id) NOT NULL,
                role TEXT NOT NULL,
                raised_at \(time) NOT NULL,
                reason TEXT NOT NULL,
                reason_key TEXT NOT NULL,
                PRIMARY KEY (case_id, number))
            """,
            "CREATE UNIQUE INDEX case_flags_once ON case_flags (case_id, raised_by, reason_key)",
            // The board's counts per state and overdue (`caseCounts`) from the index alone: without it each of the
            // 10,000 summaries of a busy board was looked up in the table, a third of a board request in `perf`.
            // `state` first: led by `calibration`, SQLite chose it for the unfiltered list too and sorted every row.
            "CREATE INDEX case_summaries_counts ON case_summaries (state, calibration, earliest_due_at)",
        ]
    }

    func backfill(_ database: any SQLDatabase, dialect: Dialect) async throws {
        struct EarlierFlags: Decodable { let flags: [Case.Flag]? }
        var after: SQLQueryString? = nil
        while true {
            var condition: SQLQueryString = ""
            if let after { condition = "WHERE id > \(after)" }
            let page = try await database.raw("SELECT id, \(dialect.jsonText("document")) FROM cases \(condition) ORDER BY id LIMIT 1000").all()
            guard let last = page.last else { break }
            for row in page {
                let text = try row.value("document", as: String.self)
                let earlier = try JSONCoding.decoder.decode(EarlierFlags.self, from: Data(text.utf8)).flags ?? []
                guard !earlier.isEmpty else { continue }
                // The case as decoded counts the same distinct flags (``Case/Flag/distinct(_:)``).
                let kept = Case.Flag.distinct(earlier)
                let value = try SQLCases.case(row)
                for (index, flag) in kept.enumerated() {
                    try await SQLCaseFlags.insert(flag, number: index + 1, of: value.id, on: database, dialect: dialect)
                }
                try await database.raw("UPDATE cases SET document = \(dialect.json(try SQLCases.document(value))) WHERE id = \(dialect.id(value.id))").run()
            }
            after = dialect.id(try last.uuid("id"))
        }
    }
}
