/// Data protection (issue 17, part A; decision 12):
/// - `audit_event_personal`: each audit event's personal part (`reason`, `details` with a random salt), kept apart
///   from the hash-chained row, which holds the sealed event (the part's salted SHA-256); erasure deletes the part
///   and the chain still verifies;
/// - `legal_holds`: a hold on a candidate, an observation or a case, with its reason; held records are exempt from
///   retention and erasure until released;
/// - `candidates.erased_at`, `users.erased_at`: when a candidate's or an account's personal data was erased;
/// - `recordings.original_deleted_at`, `.media_deleted_at`: when the original's blob, and its proxy and thumbnails, went;
/// - the append-only tables (ratings, opinions, case messages) accept one kind of change: their free text replaced
///   by the erased marker ``ErasureMarker/text`` (annotations by `[]`); every other change still fails.
struct Migration0012DataProtection: Migration {
    let version = 12
    let name = "erasable audit details, legal holds, erasure of free text"

    static let holdSubjects = ["candidate", "observation", "case"]

    /// Per append-only table: the columns erasure may blank, and (for SQLite's `UPDATE OF`) every other column.
    static let erasable: [(table: String, erasable: [String], fixed: [String])] = [
        ("ratings", ["rationale", "correction_reason"],
         ["append_order", "id", "observation_id", "source", "score", "rater_id", "rated_at", "supersedes", "duplicate_of"]),
        ("opinions", ["rationale", "annotations", "correction_reason"],
         ["append_order", "id", "case_id", "moderator_id", "round", "score", "submitted_at", "supersedes"]),
        ("case_messages", ["body"], ["append_order", "id", "case_id", "author_id", "at_seconds", "posted_at"]),
    ]

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType
        var statements = [
            """
            CREATE TABLE audit_event_personal (
                event_id \(id) PRIMARY KEY REFERENCES audit_events (id),
                reason TEXT,
                details \(dialect.jsonType) NOT NULL)
            """,
            """
            CREATE TABLE legal_holds (
                id \(id) PRIMARY KEY,
                subject_type TEXT NOT NULL CHECK (subject_type IN ('candidate', 'observation', 'case')),
                subject_id \(id) NOT NULL,
                candidate_id \(id) NOT NULL REFERENCES candidates (id),
                reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
                placed_by \(id) NOT NULL REFERENCES users (id),
                placed_at \(time) NOT NULL,
                released_by \(id) REFERENCES users (id),
                released_at \(time),
                release_reason TEXT,
                CHECK ((released_by IS NULL) = (released_at IS NULL)))
            """,
            "CREATE INDEX legal_holds_candidate ON legal_holds (candidate_id, released_at)",
            "CREATE INDEX legal_holds_subject ON legal_holds (subject_id, released_at)",
            "ALTER TABLE candidates ADD COLUMN erased_at \(time)",
            "ALTER TABLE users ADD COLUMN erased_at \(time)",
            // When the retention pass (or an erasure) deleted the original's blob, and the proxy and thumbnails.
            "ALTER TABLE recordings ADD COLUMN original_deleted_at \(time)",
            "ALTER TABLE recordings ADD COLUMN media_deleted_at \(time)",
        ]
        let marker = "'[erased]'" // ErasureMarker.text, frozen here
        switch dialect {
        case .sqlite:
            for table in Self.erasable {
                let allowed = table.erasable.map { "(NEW.\($0) IS NULL OR NEW.\($0) IN (\(marker), '[]'))" }.joined(separator: " AND ")
                statements += [
                    "DROP TRIGGER \(table.table)_no_update",
                    """
                    CREATE TRIGGER \(table.table)_no_update BEFORE UPDATE OF \(table.fixed.joined(separator: ", ")) ON \(table.table)
                    BEGIN SELECT RAISE(ABORT, '\(table.table) is append-only: UPDATE is not allowed'); END
                    """,
                    """
                    CREATE TRIGGER \(table.table)_erasure_only BEFORE UPDATE OF \(table.erasable.joined(separator: ", ")) ON \(table.table)
                    WHEN NOT (\(allowed))
                    BEGIN SELECT RAISE(ABORT, '\(table.table) is append-only: only erasure may change a row'); END
                    """,
                ]
            }
        case .postgres:
            statements.append("""
                CREATE FUNCTION allow_erasure_only() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    col TEXT;
                BEGIN
                    IF (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
                        RAISE EXCEPTION '% is append-only: UPDATE is not allowed', TG_TABLE_NAME;
                    END IF;
                    FOREACH col IN ARRAY TG_ARGV LOOP
                        IF COALESCE(to_jsonb(NEW) ->> col, \(marker)) NOT IN (\(marker), '[]') THEN
                            RAISE EXCEPTION '% is append-only: only erasure may change a row', TG_TABLE_NAME;
                        END IF;
                    END LOOP;
                    RETURN NEW;
                END $$
                """)
            for table in Self.erasable {
                let arguments = table.erasable.map { "'\($0)'" }.joined(separator: ", ")
                // The UPDATE trigger keeps the name `<table>_append_only` (migration 10 disables and enables it by name).
                statements += [
                    "DROP TRIGGER \(table.table)_append_only ON \(table.table)",
                    "CREATE TRIGGER \(table.table)_no_delete BEFORE DELETE ON \(table.table) FOR EACH ROW EXECUTE FUNCTION forbid_change()",
                    "CREATE TRIGGER \(table.table)_append_only BEFORE UPDATE ON \(table.table) FOR EACH ROW EXECUTE FUNCTION allow_erasure_only(\(arguments))",
                ]
            }
        }
        return statements
    }
}
