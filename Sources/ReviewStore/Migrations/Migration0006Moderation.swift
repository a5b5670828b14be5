/// Moderation: the service's own account (for the steps it takes itself), moderator profiles and declared
/// conflicts, the assignment life cycle, append-only second opinions and case threads, routing problems,
/// calibration seeds, quality-sample draws, development plans for near misses, and the moderation policy.
struct Migration0006Moderation: Migration {
    let version = 6
    let name = "moderation: profiles, conflicts, assignments, opinions, threads, seeds, samples, plans, policy"

    static let assignmentStates = ["offered", "accepted", "declined", "submitted", "expired", "cancelled"]
    static let moderatorKinds = ["professional", "lay"]

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType, json = dialect.jsonType, bool = dialect.booleanType
        let real = dialect == .postgres ? "DOUBLE PRECISION" : "REAL"
        let system = "00000000-0000-0000-0000-000000000001"
        func oneOf(_ values: [String]) -> String { "(" + values.map { "'\($0)'" }.joined(separator: ", ") + ")" }
        var statements = [
            // ActingUser.system: inactive and without credentials, so it can never sign in.
            "INSERT INTO organisations (id, name, kind) VALUES ('\(system)', 'ObservationReview (automatic steps)', 'accrediting_body')",
            """
            INSERT INTO users (id, name, role, organisation_id, active)
            VALUES ('\(system)', 'ObservationReview (automatic steps)', 'lead', '\(system)', \(dialect.literal(false)))
            """,
            """
            CREATE TABLE moderator_profiles (
                user_id \(id) PRIMARY KEY REFERENCES users (id),
                practice_areas TEXT NOT NULL,
                capacity INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 100),
                updated_at \(time) NOT NULL)
            """,
            """
            CREATE TABLE moderator_conflicts (
                id \(id) PRIMARY KEY,
                moderator_id \(id) NOT NULL REFERENCES users (id),
                candidate_id \(id) REFERENCES candidates (id),
                organisation_id \(id) REFERENCES organisations (id),
                reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
                declared_by \(id) NOT NULL REFERENCES users (id),
                declared_at \(time) NOT NULL,
                CHECK ((candidate_id IS NULL) <> (organisation_id IS NULL)))
            """,
            "CREATE INDEX moderator_conflicts_moderator ON moderator_conflicts (moderator_id)",
            "ALTER TABLE case_assignments ADD COLUMN kind TEXT NOT NULL DEFAULT 'professional' CHECK (kind IN \(oneOf(Self.moderatorKinds)))",
            "ALTER TABLE case_assignments ADD COLUMN state TEXT NOT NULL DEFAULT 'accepted' CHECK (state IN \(oneOf(Self.assignmentStates)))",
            "ALTER TABLE case_assignments ADD COLUMN round INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1)",
            "ALTER TABLE case_assignments ADD COLUMN due_at \(time)",
            "ALTER TABLE case_assignments ADD COLUMN reasons \(json) NOT NULL DEFAULT '[]'",
            "ALTER TABLE case_assignments ADD COLUMN ended_at \(time)",
            "ALTER TABLE case_assignments ADD COLUMN end_reason TEXT",
            "CREATE INDEX case_assignments_open ON case_assignments (state, due_at)",
            "CREATE INDEX case_assignments_moderator_state ON case_assignments (moderator_id, state)",
            """
            CREATE TABLE opinions (
                append_order \(dialect.appendOrderKey),
                id \(id) NOT NULL UNIQUE,
                case_id \(id) NOT NULL REFERENCES cases (id),
                moderator_id \(id) NOT NULL REFERENCES users (id),
                round INTEGER NOT NULL CHECK (round >= 1),
                score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 7),
                rationale TEXT NOT NULL CHECK (length(trim(rationale)) > 0),
                annotations \(json) NOT NULL,
                submitted_at \(time) NOT NULL,
                supersedes \(id) UNIQUE REFERENCES opinions (id),
                correction_reason TEXT,
                CHECK ((supersedes IS NULL) = (correction_reason IS NULL)))
            """,
            "CREATE INDEX opinions_case ON opinions (case_id, append_order)",
            "CREATE INDEX opinions_moderator ON opinions (moderator_id, append_order)",
            """
            CREATE TABLE case_messages (
                append_order \(dialect.appendOrderKey),
                id \(id) NOT NULL UNIQUE,
                case_id \(id) NOT NULL REFERENCES cases (id),
                author_id \(id) NOT NULL REFERENCES users (id),
                body TEXT NOT NULL CHECK (length(trim(body)) > 0),
                at_seconds \(real) CHECK (at_seconds IS NULL OR at_seconds >= 0),
                posted_at \(time) NOT NULL)
            """,
            "CREATE INDEX case_messages_case ON case_messages (case_id, append_order)",
            """
            CREATE TABLE case_routing (
                case_id \(id) PRIMARY KEY REFERENCES cases (id),
                problem TEXT,
                updated_at \(time) NOT NULL)
            """,
            "ALTER TABLE cases ADD COLUMN calibration \(bool) NOT NULL DEFAULT \(dialect.literal(false))",
            """
            CREATE TABLE calibration_seeds (
                observation_id \(id) PRIMARY KEY REFERENCES observations (id),
                score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 7),
                reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
                marked_by \(id) NOT NULL REFERENCES users (id),
                marked_at \(time) NOT NULL,
                active \(bool) NOT NULL)
            """,
            """
            CREATE TABLE sample_draws (
                id \(id) PRIMARY KEY,
                seed \(dialect.bigintType) NOT NULL,
                rate \(real) NOT NULL,
                population INTEGER NOT NULL,
                drawn_by \(id) NOT NULL REFERENCES users (id),
                drawn_at \(time) NOT NULL,
                picks \(json) NOT NULL)
            """,
            """
            CREATE TABLE sample_picks (
                case_id \(id) PRIMARY KEY REFERENCES cases (id),
                draw_id \(id) NOT NULL REFERENCES sample_draws (id),
                why TEXT NOT NULL)
            """,
            """
            CREATE TABLE development_plans (
                case_id \(id) PRIMARY KEY REFERENCES cases (id),
                employer_id \(id) NOT NULL REFERENCES organisations (id),
                created_at \(time) NOT NULL,
                acknowledged_by \(id) REFERENCES users (id),
                acknowledged_at \(time),
                note TEXT,
                CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL)))
            """,
            """
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value \(json) NOT NULL,
                updated_by \(id) NOT NULL REFERENCES users (id),
                updated_at \(time) NOT NULL)
            """,
        ]
        statements += dialect.appendOnlyTriggers("opinions") + dialect.appendOnlyTriggers("case_messages")
        return statements
    }
}
