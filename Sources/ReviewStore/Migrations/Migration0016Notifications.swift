/// Notifications (issue 20, decision 24): the notices derived from the audit trail, the e-mail outbox that carries
/// them, each person's preferences, and the derivation's cursor. No e-mail body is stored: a message is composed
/// from its notices when it is sent, so that erasing a notice leaves nothing of it behind.
struct Migration0016Notifications: Migration {
    let version = 16
    let name = "notices, e-mail outbox, notification preferences"

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType
        return [
            """
            CREATE TABLE notification_preferences (
                user_id \(id) PRIMARY KEY REFERENCES users (id),
                email TEXT CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
                delivery TEXT NOT NULL CHECK (delivery IN ('immediate', 'daily', 'off')),
                muted_kinds TEXT NOT NULL DEFAULT '',
                updated_at \(time) NOT NULL)
            """,
            """
            CREATE TABLE notification_emails (
                id \(id) PRIMARY KEY,
                user_id \(id) NOT NULL REFERENCES users (id),
                digest \(dialect.booleanType) NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at \(time) NOT NULL,
                lease_owner TEXT,
                lease_expires_at \(time),
                last_error TEXT,
                created_at \(time) NOT NULL,
                sent_at \(time))
            """,
            "CREATE INDEX notification_emails_due ON notification_emails (state, next_attempt_at)",
            """
            CREATE TABLE notices (
                id \(dialect.appendOrderKey),
                user_id \(id) NOT NULL REFERENCES users (id),
                kind TEXT NOT NULL,
                case_id \(id) REFERENCES cases (id),
                dedupe_key TEXT NOT NULL UNIQUE,
                email_state TEXT NOT NULL CHECK (email_state IN ('none', 'immediate', 'digest')),
                email_id \(id) REFERENCES notification_emails (id),
                created_at \(time) NOT NULL,
                read_at \(time))
            """,
            "CREATE INDEX notices_user ON notices (user_id, id)",
            "CREATE INDEX notices_case ON notices (case_id)",
            "CREATE INDEX notices_email ON notices (email_id)",
            """
            CREATE TABLE notification_cursor (
                name TEXT PRIMARY KEY,
                last_sequence \(dialect.bigintType) NOT NULL)
            """,
            // Derivation starts at the trail's end: an upgraded store does not mail its whole history.
            "INSERT INTO notification_cursor (name, last_sequence) SELECT 'audit', COALESCE(MAX(sequence), 0) FROM audit_events",
            // Taken (FOR UPDATE) by whoever composes the daily digests: two servers never compose the same one.
            "INSERT INTO notification_cursor (name, last_sequence) VALUES ('digest', 0)",
        ]
    }
}
