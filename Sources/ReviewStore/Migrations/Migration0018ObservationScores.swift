/// Each observation's current scores, kept with every rating (issue 21 item 7, decision 29): the statistics read one
/// row per observation instead of every rating and the ratings that supersede them. Filled from the stored ratings.
struct Migration0018ObservationScores: Migration {
    let version = 18
    let name = "current scores per observation"

    func statements(for dialect: Dialect) -> [String] {
        [
            """
            CREATE TABLE observation_scores (
                observation_id \(dialect.idType) PRIMARY KEY REFERENCES observations (id),
                employer_score INTEGER CHECK (employer_score BETWEEN 1 AND 7),
                assessor_score INTEGER CHECK (assessor_score BETWEEN 1 AND 7),
                assessor_id \(dialect.idType) REFERENCES users (id),
                other_assessor_scores TEXT NOT NULL DEFAULT '')
            """,
            SQLObservationScores.backfill(dialect),
        ]
    }
}
