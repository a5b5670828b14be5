/// Issue 16, accounts people can trust: sign-in attempts counted in the database (one limit for every server),
/// API tokens that expire and may be read-only, the second administrator's approval of a privileged account,
/// and second factors (TOTP) with recovery codes.
struct Migration0008SignInHardening: Migration {
    let version = 8
    let name = "sign-in throttle, token expiry and scope, account approvals, second factors"

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType
        let seconds = dialect == .postgres ? "DOUBLE PRECISION" : "REAL"
        return [
            // One row per throttled key (an account, an address, an account from an address). Times are seconds
            // since 1970 so that one UPDATE can do the arithmetic on both databases.
            """
            CREATE TABLE sign_in_throttle (
                key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 300),
                attempts INTEGER NOT NULL CHECK (attempts >= 0),
                delay_seconds \(seconds) NOT NULL CHECK (delay_seconds >= 0),
                last_at \(seconds) NOT NULL,
                allowed_at \(seconds) NOT NULL)
            """,
            "CREATE INDEX sign_in_throttle_last ON sign_in_throttle (last_at)",
            // NULL for tokens made before this migration: they expire 90 days after creation (see apiToken(tokenHash:)).
            "ALTER TABLE api_tokens ADD COLUMN expires_at \(time)",
            "ALTER TABLE api_tokens ADD COLUMN read_only \(dialect.booleanType) NOT NULL DEFAULT \(dialect.literal(false))",
            // A lead, auditor or administrator made by one administrator waits, inactive, for another's approval.
            """
            CREATE TABLE account_approvals (
                user_id \(id) PRIMARY KEY REFERENCES users (id),
                role TEXT NOT NULL,
                requested_by \(id) NOT NULL REFERENCES users (id),
                requested_at \(time) NOT NULL,
                approved_by \(id) REFERENCES users (id),
                approved_at \(time),
                CHECK (approved_by IS NULL OR approved_by <> requested_by),
                CHECK ((approved_by IS NULL) = (approved_at IS NULL)))
            """,
            // The TOTP secret must be readable (it is the HMAC key); last_step makes each code good once.
            """
            CREATE TABLE second_factors (
                user_id \(id) PRIMARY KEY REFERENCES users (id),
                secret TEXT NOT NULL CHECK (length(secret) >= 16),
                confirmed_at \(time),
                last_step BIGINT NOT NULL DEFAULT 0,
                created_at \(time) NOT NULL)
            """,
            """
            CREATE TABLE recovery_codes (
                user_id \(id) NOT NULL REFERENCES users (id),
                code_hash TEXT NOT NULL CHECK (length(code_hash) = 64),
                used_at \(time),
                PRIMARY KEY (user_id, code_hash))
            """,
        ]
    }
}
