/// Statistics released to employers, frozen at their first reading (issue 15, decision 15): an employer who changed
/// an ended period's data (a flag, a rating) and read the period again could see which group the change moved — so a
/// period's release is computed once, kept, and served as kept. Aggregates only, after suppression: nothing personal.
struct Migration0015StatisticsReleases: Migration {
    let version = 15
    let name = "statistics releases frozen per employer and period"

    func statements(for dialect: Dialect) -> [String] {
        [
            """
            CREATE TABLE statistics_releases (
                employer_id \(dialect.idType) NOT NULL REFERENCES organisations (id),
                period TEXT NOT NULL CHECK (length(period) BETWEEN 7 AND 7),
                released_at \(dialect.timestampType) NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (employer_id, period))
            """,
        ]
    }
}
