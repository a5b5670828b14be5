/// The per-employer work queues: an employer's cases in a state, oldest first, read a page at a time.
struct Migration0002CaseQueues: Migration {
    let version = 2
    let name = "case queues by employer"

    func statements(for dialect: Dialect) -> [String] {
        ["CREATE INDEX cases_employer_queue ON cases (employer_id, state, opened_at, id)"]
    }
}
