/// A second administrator's approval of second-factor resets of leads, auditors and administrators (decision 41): the
/// link is issued at once but works only once another administrator has approved it, so that one administrator alone
/// cannot take over a privileged account by removing its second factor.
struct Migration0027ResetApprovals: Migration {
    let version = 27
    let name = "second-factor resets of privileged accounts approved by a second administrator"

    func statements(for dialect: Dialect) -> [String] {
        let id = dialect.idType, time = dialect.timestampType
        return [
            "ALTER TABLE account_resets ADD COLUMN needs_approval \(dialect.booleanType) NOT NULL DEFAULT \(dialect == .postgres ? "FALSE" : "0")",
            "ALTER TABLE account_resets ADD COLUMN approved_by \(id) REFERENCES users (id)",
            "ALTER TABLE account_resets ADD COLUMN approved_at \(time)",
        ]
    }
}
