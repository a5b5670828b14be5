import SQLKit

/// What the case lists and the board show, one row per case, kept current in the transaction of every write that
/// changes it (issue 20 item 1, issue 21 item 1, decision 26): the lists read these columns instead of decoding each
/// case's document, and filter, search and sort on them. ``CaseSummaries`` writes the rows; this migration fills them
/// for the cases already stored, with the same code.
struct Migration0017CaseSummaries: Migration {
    let version = 17
    let name = "case summaries for the lists and the board"

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType, bool = dialect.booleanType
        return [
            """
            CREATE TABLE case_summaries (
                case_id \(id) PRIMARY KEY REFERENCES cases (id),
                observation_id \(id) NOT NULL REFERENCES observations (id),
                employer_id \(id) NOT NULL REFERENCES organisations (id),
                kind TEXT NOT NULL,
                state TEXT NOT NULL,
                round INTEGER NOT NULL,
                version INTEGER NOT NULL,
                calibration \(bool) NOT NULL,
                calibration_score INTEGER,
                reasons TEXT NOT NULL,
                outcome_score INTEGER,
                opened_by \(id) NOT NULL,
                opened_at \(time) NOT NULL,
                updated_at \(time) NOT NULL,
                reference TEXT,
                candidate_name TEXT,
                employer_name TEXT NOT NULL DEFAULT '',
                employer_score INTEGER,
                assessor_score INTEGER,
                recording_status TEXT,
                moderator_count INTEGER NOT NULL DEFAULT 0,
                moderator_ids TEXT NOT NULL DEFAULT '',
                earliest_due_at \(time))
            """,
            "CREATE INDEX case_summaries_opened ON case_summaries (opened_at, case_id)",
            "CREATE INDEX case_summaries_state ON case_summaries (state, opened_at, case_id)",
            "CREATE INDEX case_summaries_employer ON case_summaries (employer_id, state, opened_at)",
            "CREATE INDEX case_summaries_observation ON case_summaries (observation_id)",
            "CREATE INDEX case_summaries_due ON case_summaries (earliest_due_at)",
        ]
    }

    func backfill(_ database: any SQLDatabase, dialect: Dialect) async throws {
        try await CaseSummaries.rebuildAll(on: database, dialect: dialect)
    }
}
