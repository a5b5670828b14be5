/// Candidate attributes for fairness statistics (e.g. ethnicity, disability), held only with the candidate's
/// recorded consent: each row names the consent it rests on; withdrawing consent deletes the rows.
struct Migration0007CandidateAttributes: Migration {
    let version = 7
    let name = "candidate attributes held with consent"

    func statements(for dialect: Dialect) -> [String] {
        [
            """
            CREATE TABLE candidate_attributes (
                candidate_id \(dialect.idType) NOT NULL REFERENCES candidates (id),
                name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
                value TEXT NOT NULL CHECK (length(trim(value)) BETWEEN 1 AND 100),
                consent_reference TEXT NOT NULL CHECK (length(trim(consent_reference)) > 0),
                consented_at \(dialect.timestampType) NOT NULL,
                recorded_by \(dialect.idType) NOT NULL REFERENCES users (id),
                recorded_at \(dialect.timestampType) NOT NULL,
                PRIMARY KEY (candidate_id, name))
            """,
        ]
    }
}
