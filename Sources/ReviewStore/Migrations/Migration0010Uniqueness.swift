/// Invariants the database keeps even when two writers race (issue 14: under READ COMMITTED, check-then-insert let
/// the same employer rating and the same flag through twice on PostgreSQL):
/// - a rater gives at most one rating per source and observation (`ratings_one_per_rater`: one uncorrected original
///   per rater; a change of mind is a correction, which supersedes at most once, so each rater has one current rating);
/// - an observation has at most one active case (`cases_one_active`; calibration cases, which review moderators and
///   not the candidate, are outside it).
///
/// Rows that earlier races already duplicated would stop the indexes from being built, so they are first marked
/// `duplicate_of` the earlier identical row (nothing is deleted; reads are unchanged). Ratings are append-only: the
/// trigger is lifted for that one update, inside this migration's transaction, and restored at once.
struct Migration0010Uniqueness: Migration {
    let version = 10
    let name = "one current rating per rater, one active case per observation"

    static let activeStates = "('open', 'local_review', 'awaiting_moderation', 'in_moderation', 'escalated')"

    func statements(for dialect: Dialect) -> [String] {
        let lift: [String], restore: [String]
        switch dialect {
        case .postgres:
            lift = ["ALTER TABLE ratings DISABLE TRIGGER ratings_append_only"]
            restore = ["ALTER TABLE ratings ENABLE TRIGGER ratings_append_only"]
        case .sqlite:
            lift = ["DROP TRIGGER ratings_no_update"]
            restore = [dialect.appendOnlyTriggers("ratings")[0]]
        }
        func notCalibration(_ table: String) -> String { dialect == .postgres ? "NOT \(table).calibration" : "\(table).calibration = 0" }
        return [
            "ALTER TABLE ratings ADD COLUMN duplicate_of \(dialect.idType)",
            "ALTER TABLE cases ADD COLUMN duplicate_of \(dialect.idType)",
        ] + lift + [
            """
            UPDATE ratings SET duplicate_of = (
                SELECT r2.id FROM ratings r2
                WHERE r2.observation_id = ratings.observation_id AND r2.source = ratings.source AND r2.rater_id = ratings.rater_id
                AND r2.supersedes IS NULL AND r2.append_order < ratings.append_order ORDER BY r2.append_order LIMIT 1)
            WHERE supersedes IS NULL AND EXISTS (
                SELECT 1 FROM ratings r2
                WHERE r2.observation_id = ratings.observation_id AND r2.source = ratings.source AND r2.rater_id = ratings.rater_id
                AND r2.supersedes IS NULL AND r2.append_order < ratings.append_order)
            """,
        ] + restore + [
            """
            UPDATE cases SET duplicate_of = (
                SELECT c2.id FROM cases c2
                WHERE c2.observation_id = cases.observation_id AND c2.state IN \(Self.activeStates) AND \(notCalibration("c2"))
                AND (c2.opened_at < cases.opened_at OR (c2.opened_at = cases.opened_at AND c2.id < cases.id))
                ORDER BY c2.opened_at, c2.id LIMIT 1)
            WHERE state IN \(Self.activeStates) AND \(notCalibration("cases")) AND EXISTS (
                SELECT 1 FROM cases c2
                WHERE c2.observation_id = cases.observation_id AND c2.state IN \(Self.activeStates) AND \(notCalibration("c2"))
                AND (c2.opened_at < cases.opened_at OR (c2.opened_at = cases.opened_at AND c2.id < cases.id)))
            """,
            """
            CREATE UNIQUE INDEX ratings_one_per_rater ON ratings (observation_id, source, rater_id)
            WHERE supersedes IS NULL AND duplicate_of IS NULL
            """,
            """
            CREATE UNIQUE INDEX cases_one_active ON cases (observation_id)
            WHERE state IN \(Self.activeStates) AND \(dialect == .postgres ? "NOT calibration" : "calibration = 0") AND duplicate_of IS NULL
            """,
        ]
    }
}
