/// How many cases are in each state, kept by the database itself with every change to a case summary (issue 21 item
/// 1, decision 38): the board and the home page read a handful of rows instead of counting every summary (a scan of
/// 10,000 index entries per page view at 10,000 open cases). Triggers on `case_summaries` move a case from one count to
/// the other in the statement that changes its state, so no write path can forget it and the counts are never stale:
/// they commit or roll back with the summary. Filled from the stored summaries.
struct Migration0024CaseStateCounts: Migration {
    let version = 24
    let name = "case counts per state"

    func statements(for dialect: Dialect) -> [String] {
        ["CREATE TABLE case_state_counts (state TEXT PRIMARY KEY, cases \(dialect.bigintType) NOT NULL CHECK (cases >= 0))"]
            + Self.triggers(dialect)
            + ["INSERT INTO case_state_counts (state, cases) SELECT state, COUNT(*) FROM case_summaries GROUP BY state"]
    }

    /// Counts one more case in a state (`state` an expression of the trigger's row); the row may not exist yet.
    private static func increment(_ state: String) -> String {
        """
        INSERT INTO case_state_counts (state, cases) VALUES (\(state), 1)
        ON CONFLICT (state) DO UPDATE SET cases = case_state_counts.cases + 1
        """
    }

    /// Counts one case fewer in a state, whose row exists since the case was counted in it. (An upsert of -1 would
    /// fail the CHECK before its conflict is seen.)
    private static func decrement(_ state: String) -> String {
        "UPDATE case_state_counts SET cases = cases - 1 WHERE state = \(state)"
    }

    static func triggers(_ dialect: Dialect) -> [String] {
        switch dialect {
        case .sqlite:
            // One writer at a time: the order of the two changes does not matter.
            [
                "CREATE TRIGGER case_summaries_counted_insert AFTER INSERT ON case_summaries BEGIN \(increment("NEW.state")); END",
                "CREATE TRIGGER case_summaries_counted_delete AFTER DELETE ON case_summaries BEGIN \(decrement("OLD.state")); END",
                """
                CREATE TRIGGER case_summaries_counted_update AFTER UPDATE OF state ON case_summaries WHEN OLD.state IS NOT NEW.state
                BEGIN \(decrement("OLD.state")); \(increment("NEW.state")); END
                """,
            ]
        case .postgres:
            // Concurrent transitions change the two counts' rows in the order of the states' names, so two cases
            // crossing the same pair of states in opposite directions wait for each other instead of deadlocking.
            [
                """
                CREATE OR REPLACE FUNCTION count_case_states() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE added TEXT; removed TEXT;
                BEGIN
                    IF TG_OP <> 'DELETE' THEN added := NEW.state; END IF;
                    IF TG_OP <> 'INSERT' THEN removed := OLD.state; END IF;
                    IF added IS NOT DISTINCT FROM removed THEN RETURN NULL; END IF;
                    IF removed IS NOT NULL AND (added IS NULL OR removed < added) THEN
                        \(decrement("removed"));
                        removed := NULL;
                    END IF;
                    IF added IS NOT NULL THEN
                        \(increment("added"));
                    END IF;
                    IF removed IS NOT NULL THEN
                        \(decrement("removed"));
                    END IF;
                    RETURN NULL;
                END $$
                """,
                """
                CREATE TRIGGER case_summaries_counted AFTER INSERT OR DELETE OR UPDATE OF state ON case_summaries
                FOR EACH ROW EXECUTE FUNCTION count_case_states()
                """,
            ]
        }
    }
}
