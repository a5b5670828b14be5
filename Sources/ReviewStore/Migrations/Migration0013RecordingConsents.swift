/// Consent per purpose (issue 17, decision 13): for each recording, each person on it (the candidate, role-play actors
/// by number) and each purpose (assessment, moderation, training), the current answer with who recorded it and when.
/// No rows for existing recordings: assessment and moderation hold by default (public task), training reuse does not.
/// The history of answers is the audit trail (`recording.consent_given` / `recording.consent_withdrawn`).
struct Migration0013RecordingConsents: Migration {
    let version = 13
    let name = "consent per recording, person and purpose"

    func statements(for dialect: Dialect) -> [String] {
        [
            """
            CREATE TABLE recording_consents (
                recording_id \(dialect.idType) NOT NULL REFERENCES recordings (id),
                person TEXT NOT NULL,
                purpose TEXT NOT NULL CHECK (purpose IN ('assessment', 'moderation', 'training')),
                granted \(dialect.booleanType) NOT NULL,
                reference TEXT,
                recorded_by \(dialect.idType) NOT NULL REFERENCES users (id),
                recorded_at \(dialect.timestampType) NOT NULL,
                PRIMARY KEY (recording_id, person, purpose))
            """,
            "CREATE INDEX recording_consents_refusals ON recording_consents (purpose, granted)",
        ]
    }
}
