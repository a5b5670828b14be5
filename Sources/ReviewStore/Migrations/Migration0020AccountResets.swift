/// Reset links an administrator issues (issue 20, item 4; decision 28): for a forgotten password, and with it a lost
/// second factor. Only the SHA-256 of the link's secret is kept; a link expires, is good once (`used_at`, set by one
/// conditional UPDATE), and a newer link for the same person withdraws the older.
struct Migration0020AccountResets: Migration {
    let version = 20
    let name = "account reset links"

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType
        return [
            """
            CREATE TABLE account_resets (
                token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
                user_id \(id) NOT NULL REFERENCES users (id),
                second_factor \(dialect.booleanType) NOT NULL,
                issued_by \(id) NOT NULL REFERENCES users (id),
                issued_at \(time) NOT NULL,
                expires_at \(time) NOT NULL,
                used_at \(time),
                withdrawn_at \(time),
                CHECK (expires_at > issued_at))
            """,
            "CREATE INDEX account_resets_user ON account_resets (user_id)",
        ]
    }
}
