/// Indexes for the API's lists: all cases oldest first, and cases in one state oldest first (the queue index
/// of migration 1 orders by `updated_at`, the lists by `opened_at`). Without them a page of 100,000 cases
/// sorted the whole table.
struct Migration0005ListIndexes: Migration {
    let version = 5
    let name = "case list indexes"

    func statements(for dialect: Dialect) -> [String] {
        [
            "CREATE INDEX cases_opened ON cases (opened_at, id)",
            "CREATE INDEX cases_state_opened ON cases (state, opened_at, id)",
            "CREATE INDEX recordings_created ON recordings (created_at, id)",
        ]
    }
}
