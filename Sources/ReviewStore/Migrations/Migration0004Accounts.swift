/// Sign-in and access: password credentials, browser sessions, API tokens (all secrets stored only as
/// hashes), moderators' case assignments (what a moderator may see), and job progress.
struct Migration0004Accounts: Migration {
    let version = 4
    let name = "accounts, sessions, api tokens, assignments, job progress"

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType
        return [
            """
            CREATE TABLE credentials (
                user_id \(id) PRIMARY KEY REFERENCES users (id),
                username TEXT NOT NULL UNIQUE CHECK (length(trim(username)) > 0),
                password_hash TEXT NOT NULL,
                updated_at \(time) NOT NULL)
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
                user_id \(id) NOT NULL REFERENCES users (id),
                csrf_token TEXT NOT NULL,
                created_at \(time) NOT NULL,
                expires_at \(time) NOT NULL)
            """,
            "CREATE INDEX sessions_user ON sessions (user_id)",
            """
            CREATE TABLE api_tokens (
                id TEXT PRIMARY KEY,
                user_id \(id) NOT NULL REFERENCES users (id),
                name TEXT NOT NULL CHECK (length(trim(name)) > 0),
                token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
                created_at \(time) NOT NULL,
                last_used_at \(time),
                revoked_at \(time))
            """,
            "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
            """
            CREATE TABLE case_assignments (
                case_id \(id) NOT NULL REFERENCES cases (id),
                moderator_id \(id) NOT NULL REFERENCES users (id),
                assigned_by \(id) NOT NULL REFERENCES users (id),
                assigned_at \(time) NOT NULL,
                PRIMARY KEY (case_id, moderator_id))
            """,
            "CREATE INDEX case_assignments_moderator ON case_assignments (moderator_id)",
            "ALTER TABLE jobs ADD COLUMN progress \(dialect == .postgres ? "DOUBLE PRECISION" : "REAL") CHECK (progress IS NULL OR (progress >= 0 AND progress <= 1))",
        ]
    }
}
