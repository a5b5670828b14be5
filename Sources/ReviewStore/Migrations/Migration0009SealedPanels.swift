/// Sealed panels (decision 10): when a moderator could first see the rest of their round's panel — the moment
/// the round's panel was complete. Until then they are blind and may correct their own opinion; from then on
/// they see the others' views and their opinion is final.
///
/// Existing assignments: a submitted one on a case that has escalated or been decided was on a panel that was
/// complete at some point (escalation and the rule's decision both follow a complete panel), so it is marked
/// as seen from its submission.
struct Migration0009SealedPanels: Migration {
    let version = 9
    let name = "sealed panels"

    func statements(for dialect: Dialect) -> [String] {
        [
            "ALTER TABLE case_assignments ADD COLUMN unsealed_at \(dialect.timestampType)",
            """
            UPDATE case_assignments SET unsealed_at = ended_at
            WHERE state = 'submitted' AND case_id IN (SELECT id FROM cases WHERE state IN ('escalated', 'decided', 'closed'))
            """,
        ]
    }
}
