/// The initial schema: organisations, users, candidates, observations, recordings, append-only ratings,
/// cases (with a version for optimistic concurrency), the hash-chained audit trail and the job queue.
struct Migration0001Initial: Migration {
    let version = 1
    let name = "initial schema"

    // Frozen copies of the domain's raw values as of this migration (a test checks they still match);
    // a new value in the domain needs a new migration that widens the CHECK.
    static let organisationKinds = ["employer", "accrediting_body", "moderation_panel"]
    static let roles = ["assessor", "employer", "moderator.professional", "moderator.lay", "lead", "auditor", "administrator"]
    static let practiceAreas = ["childrens", "adults", "mental_health", "other"]
    static let ratingSources = ["assessor", "employer", "moderator"]
    static let caseKinds = ["automatic_dispute", "manual_flag", "sample"]
    static let caseStates = [
        "open", "local_review", "awaiting_moderation", "in_moderation", "escalated", "decided", "closed", "withdrawn",
    ]
    static let recordingStatuses = ["uploading", "stored", "indexing", "ready", "rejected"]
    static let jobStates = ["queued", "running", "done", "failed", "dead"]

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType, json = dialect.jsonType, bigint = dialect.bigintType, bool = dialect.booleanType
        func oneOf(_ values: [String]) -> String { "(" + values.map { "'\($0)'" }.joined(separator: ", ") + ")" }
        var statements: [String] = []
        if dialect == .postgres {
            statements.append("""
                CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
                END $$
                """)
        }
        statements += [
            """
            CREATE TABLE organisations (
                id \(id) PRIMARY KEY,
                name TEXT NOT NULL CHECK (length(trim(name)) > 0),
                kind TEXT NOT NULL CHECK (kind IN \(oneOf(Self.organisationKinds))))
            """,
            """
            CREATE TABLE users (
                id \(id) PRIMARY KEY,
                name TEXT NOT NULL CHECK (length(trim(name)) > 0),
                role TEXT NOT NULL CHECK (role IN \(oneOf(Self.roles))),
                organisation_id \(id) NOT NULL REFERENCES organisations (id),
                active \(bool) NOT NULL)
            """,
            "CREATE INDEX users_organisation ON users (organisation_id)",
            """
            CREATE TABLE candidates (
                id \(id) PRIMARY KEY,
                registration_number TEXT NOT NULL UNIQUE CHECK (length(trim(registration_number)) > 0),
                name TEXT NOT NULL,
                employer_id \(id) NOT NULL REFERENCES organisations (id))
            """,
            "CREATE INDEX candidates_employer ON candidates (employer_id)",
            """
            CREATE TABLE observations (
                id \(id) PRIMARY KEY,
                ref TEXT UNIQUE,
                candidate_id \(id) NOT NULL REFERENCES candidates (id),
                observed_at \(time) NOT NULL,
                scenario TEXT NOT NULL,
                practice_area TEXT NOT NULL CHECK (practice_area IN \(oneOf(Self.practiceAreas))))
            """,
            "CREATE INDEX observations_candidate ON observations (candidate_id)",
            """
            CREATE TABLE recordings (
                id \(id) PRIMARY KEY,
                observation_id \(id) NOT NULL REFERENCES observations (id),
                uploaded_by \(id) NOT NULL REFERENCES users (id),
                file_name TEXT NOT NULL,
                sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
                byte_count \(bigint) CHECK (byte_count IS NULL OR byte_count > 0),
                status TEXT NOT NULL CHECK (status IN \(oneOf(Self.recordingStatuses))),
                rejection_reason TEXT,
                created_at \(time) NOT NULL,
                updated_at \(time) NOT NULL,
                CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL)),
                CHECK (status IN ('uploading', 'rejected') OR (sha256 IS NOT NULL AND byte_count IS NOT NULL)))
            """,
            "CREATE INDEX recordings_sha256 ON recordings (sha256)",
            "CREATE INDEX recordings_observation ON recordings (observation_id)",
            "CREATE INDEX recordings_status ON recordings (status, updated_at)",
            // Append-only: a correction is a new row that supersedes an earlier one, at most once.
            """
            CREATE TABLE ratings (
                append_order \(dialect.appendOrderKey),
                id \(id) NOT NULL UNIQUE,
                observation_id \(id) NOT NULL REFERENCES observations (id),
                source TEXT NOT NULL CHECK (source IN \(oneOf(Self.ratingSources))),
                score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 7),
                rater_id \(id) NOT NULL REFERENCES users (id),
                rationale TEXT NOT NULL,
                rated_at \(time) NOT NULL,
                supersedes \(id) UNIQUE REFERENCES ratings (id),
                correction_reason TEXT,
                CHECK ((supersedes IS NULL) = (correction_reason IS NULL)))
            """,
            "CREATE INDEX ratings_observation ON ratings (observation_id, append_order)",
            """
            CREATE TABLE cases (
                id \(id) PRIMARY KEY,
                observation_id \(id) NOT NULL REFERENCES observations (id),
                employer_id \(id) NOT NULL REFERENCES organisations (id),
                kind TEXT NOT NULL CHECK (kind IN \(oneOf(Self.caseKinds))),
                state TEXT NOT NULL CHECK (state IN \(oneOf(Self.caseStates))),
                version INTEGER NOT NULL CHECK (version >= 1),
                document \(json) NOT NULL,
                opened_at \(time) NOT NULL,
                updated_at \(time) NOT NULL)
            """,
            "CREATE INDEX cases_queue ON cases (state, updated_at)",
            "CREATE INDEX cases_observation ON cases (observation_id)",
            // No foreign key on actor_id: the trail outlives the accounts it names.
            """
            CREATE TABLE audit_events (
                sequence \(bigint) PRIMARY KEY CHECK (sequence >= 1),
                id \(id) NOT NULL UNIQUE,
                at \(time) NOT NULL,
                actor_id \(id) NOT NULL,
                action TEXT NOT NULL,
                subject_type TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                reason TEXT,
                details \(json) NOT NULL,
                previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64),
                hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64))
            """,
            "CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id, sequence)",
            // The chain's head, one row: appenders lock it, so the chain never forks.
            """
            CREATE TABLE audit_chain_head (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                sequence \(bigint) NOT NULL CHECK (sequence >= 0),
                hash TEXT NOT NULL CHECK (length(hash) = 64))
            """,
            "INSERT INTO audit_chain_head (id, sequence, hash) VALUES (1, 0, '\(AuditChain.genesisHash)')",
            """
            CREATE TABLE jobs (
                id \(id) PRIMARY KEY,
                kind TEXT NOT NULL,
                payload \(json) NOT NULL,
                state TEXT NOT NULL CHECK (state IN \(oneOf(Self.jobStates))),
                attempts INTEGER NOT NULL CHECK (attempts >= 0),
                max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
                run_at \(time) NOT NULL,
                lease_owner TEXT,
                lease_expires_at \(time),
                last_error TEXT,
                created_at \(time) NOT NULL,
                updated_at \(time) NOT NULL,
                CHECK ((state = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)))
            """,
            "CREATE INDEX jobs_queue ON jobs (state, run_at)",
            "CREATE INDEX jobs_leases ON jobs (state, lease_expires_at)",
        ]
        statements += dialect.appendOnlyTriggers("ratings") + dialect.appendOnlyTriggers("audit_events")
        return statements
    }
}
