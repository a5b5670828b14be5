/// A second administrator's approval of reset links that would let their holder in (decision 41): the link removes the
/// second factor, or the account has none. It is issued at once but works only once another administrator has approved
/// it, so that one administrator alone cannot take an account over. Links not used yet at the upgrade need approval too.
struct Migration0027ResetApprovals: Migration {
    let version = 27
    let name = "reset links approved by a second administrator"

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType
        return [
            "ALTER TABLE account_resets ADD COLUMN needs_approval \(dialect.booleanType) NOT NULL DEFAULT \(dialect.literal(false))",
            "ALTER TABLE account_resets ADD COLUMN approved_by \(id) REFERENCES users (id)",
            "ALTER TABLE account_resets ADD COLUMN approved_at \(time)",
            // Issued before the rule and not used yet: they wait for a second administrator like a new one.
            "UPDATE account_resets SET needs_approval = \(dialect.literal(true)) WHERE used_at IS NULL AND withdrawn_at IS NULL",
        ]
    }
}
