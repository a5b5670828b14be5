public import Foundation
public import ReviewDomain
import SQLKit

/// A reset link as redeemed: whose account, and whether it also removed their second factor.
public struct AccountReset: Hashable, Sendable {
    public let userID: UserID
    public let secondFactor: Bool
}

/// What became of an approval of a reset (decision 41).
public enum ResetApprovalOutcome: Hashable, Sendable {
    case approved
    /// The approver issued the reset: the two-person rule needs someone else.
    case issuedByApprover
    /// The approver is the account's owner.
    case ownAccount
}

/// A reset link waiting for a second administrator (decision 41).
public struct ResetAwaitingApproval: Hashable, Sendable {
    public let userID: UserID
    /// It also removes the second factor and recovery codes.
    public let secondFactor: Bool
    public let issuedBy: UserID
    public let issuedAt: Date
    public let expiresAt: Date
}

/// Reset links an administrator issues for a forgotten password or a lost second factor (decision 28). The link's
/// secret arrives hashed; the store keeps the hash only.
extension AccountStore {
    /// Issues a reset of `userID`'s password (and, with `secondFactor`, the removal of their second factor and recovery
    /// codes) good until `expiresAt`. An earlier link of theirs not used yet is withdrawn. Audited `user.reset_issued` by
    /// `actorID`. `.conflict` when the account has no password to reset (API tokens only, or the service's own).
    /// With `needsApproval` the link works only once another administrator approves it (``approveReset(of:by:at:)``).
    public func issueReset(
        of userID: UserID, tokenHash: String, secondFactor: Bool, needsApproval: Bool = false, expiresAt: Date, by actorID: UserID,
        at time: Date = Date()
    ) async throws(StoreError) {
        let dialect = context.dialect
        try await context.atomically { db in
            guard try await db.raw("SELECT 1 AS one FROM credentials WHERE user_id = \(dialect.id(userID))").first() != nil else {
                throw StoreError(.conflict, "This account has no password to reset: it signs in with API tokens only.")
            }
            let withdrawn = try await db.raw("""
                UPDATE account_resets SET withdrawn_at = \(dialect.time(time))
                WHERE user_id = \(dialect.id(userID)) AND used_at IS NULL AND withdrawn_at IS NULL RETURNING token_hash
                """).all().count
            try await db.raw("""
                INSERT INTO account_resets (token_hash, user_id, second_factor, needs_approval, issued_by, issued_at, expires_at)
                VALUES (\(bind: tokenHash), \(dialect.id(userID)), \(bind: secondFactor), \(bind: needsApproval), \(dialect.id(actorID)),
                        \(dialect.time(time)), \(dialect.time(expiresAt)))
                """).run()
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: actorID, action: "user.reset_issued", subject: .init(type: "user", id: userID.description),
                details: ["secondFactor": String(secondFactor), "expiresAt": ISO8601DateFormatter().string(from: expiresAt),
                          "withdrawnEarlier": String(withdrawn), "needsApproval": String(needsApproval)]), on: db, dialect: dialect)
        }
    }

    /// A second administrator approves the pending reset link of `userID` (one that would let its holder in): from then it
    /// works. Not by the
    /// administrator who issued it, nor by the account's owner (the outcome says which, and nothing changes); `.conflict`
    /// when no reset of theirs awaits approval (none issued, used, replaced, expired, or approved already). Audited
    /// `user.reset_approved`.
    public func approveReset(of userID: UserID, by approverID: UserID, at time: Date = Date()) async throws(StoreError) -> ResetApprovalOutcome {
        let dialect = context.dialect
        return try await context.atomically { db in
            guard let pending = try await db.raw("""
                SELECT issued_by FROM account_resets
                WHERE user_id = \(dialect.id(userID)) AND needs_approval = \(bind: true) AND approved_at IS NULL
                  AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > \(dialect.time(time))
                """).first() else {
                throw StoreError(.conflict, "No reset of this account awaits approval: it was approved, used, replaced or has expired, or none was issued.")
            }
            let issuer: UserID = try pending.id("issued_by")
            if issuer == approverID { return .issuedByApprover }
            if userID == approverID { return .ownAccount }
            // Conditional, so that of two approvals racing (or an approval racing a newer link) exactly one lands.
            let approved = try await db.raw("""
                UPDATE account_resets SET approved_by = \(dialect.id(approverID)), approved_at = \(dialect.time(time))
                WHERE user_id = \(dialect.id(userID)) AND needs_approval = \(bind: true) AND approved_at IS NULL
                  AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > \(dialect.time(time)) AND issued_by = \(dialect.id(issuer))
                RETURNING user_id
                """).all().count
            guard approved == 1 else { throw StoreError(.conflict, "This reset was approved or replaced a moment ago.") }
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: approverID, action: "user.reset_approved", subject: .init(type: "user", id: userID.description),
                details: ["issuedBy": issuer.description]), on: db, dialect: dialect)
            return .approved
        }
    }

    /// Second-factor resets waiting for a second administrator, oldest first (the users page lists them).
    public func resetsAwaitingApproval(at time: Date = Date()) async throws(StoreError) -> [ResetAwaitingApproval] {
        let dialect = context.dialect
        return try await context.run { db in
            try await db.raw("""
                SELECT user_id, second_factor, issued_by, issued_at, expires_at FROM account_resets
                WHERE needs_approval = \(bind: true) AND approved_at IS NULL AND used_at IS NULL AND withdrawn_at IS NULL
                  AND expires_at > \(dialect.time(time))
                ORDER BY issued_at, user_id
                """).all().map { row throws in
                ResetAwaitingApproval(userID: try row.id("user_id"), secondFactor: try row.value("second_factor", as: Bool.self), issuedBy: try row.id("issued_by"), issuedAt: try row.time("issued_at"),
                                      expiresAt: try row.time("expires_at"))
            }
        }
    }

    /// The reset whose secret hashes to `tokenHash` if it can still be redeemed at `time` (not used, withdrawn or expired).
    public func pendingReset(tokenHash: String, at time: Date = Date()) async throws(StoreError) -> AccountReset? {
        let dialect = context.dialect
        return try await context.run { db in
            guard let row = try await db.raw("""
                SELECT user_id, second_factor FROM account_resets
                WHERE token_hash = \(bind: tokenHash) AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > \(dialect.time(time))
                  AND (needs_approval = \(bind: false) OR approved_at IS NOT NULL)
                """).first() else { return nil }
            return AccountReset(userID: try row.id("user_id"), secondFactor: try row.value("second_factor", as: Bool.self))
        }
    }

    /// Redeems the reset whose secret hashes to `tokenHash`: sets the password to `passwordHash`, ends every session of
    /// the account, and for a second-factor reset removes its second factor and recovery codes. Good once: one conditional
    /// UPDATE claims the link, so two requests with the same link cannot both pass. Audited `user.reset_used` by the
    /// account's owner. Refused with `.notFound` (unknown), `.conflict` (used, withdrawn, expired, or the account is
    /// deactivated), saying which.
    public func redeemReset(tokenHash: String, passwordHash: String, at time: Date = Date()) async throws(StoreError) -> AccountReset {
        let dialect = context.dialect
        return try await context.atomically { db in
            guard let claimed = try await db.raw("""
                UPDATE account_resets SET used_at = \(dialect.time(time))
                WHERE token_hash = \(bind: tokenHash) AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > \(dialect.time(time))
                  AND (needs_approval = \(bind: false) OR approved_at IS NOT NULL)
                RETURNING user_id, second_factor
                """).first() else {
                throw try await Self.refusal(ofReset: tokenHash, on: db, at: time)
            }
            let reset = AccountReset(userID: try claimed.id("user_id"),
                                     secondFactor: try claimed.value("second_factor", as: Bool.self))
            guard let user = try await SQLUsers(context: SQLContext(target: .transaction(db), dialect: dialect)).find(reset.userID), user.active else {
                throw StoreError(.conflict, "This account is deactivated; an administrator must reactivate it first.")
            }
            try await db.raw("""
                UPDATE credentials SET password_hash = \(bind: passwordHash), updated_at = \(dialect.time(time)) WHERE user_id = \(dialect.id(reset.userID))
                """).run()
            // A reset is how a taken-over account is recovered: whoever held it loses its sessions and its API tokens.
            let ended = try await Self.endSessionsAndTokens(of: reset.userID, revokingTokens: true, on: db, dialect: dialect, at: time)
            if reset.secondFactor {
                try await db.raw("DELETE FROM recovery_codes WHERE user_id = \(dialect.id(reset.userID))").run()
                try await db.raw("DELETE FROM second_factors WHERE user_id = \(dialect.id(reset.userID))").run()
            }
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: reset.userID, action: "user.reset_used", subject: .init(type: "user", id: reset.userID.description),
                details: ["secondFactor": String(reset.secondFactor), "tokens": String(ended.tokens)]), on: db, dialect: dialect)
            return reset
        }
    }

    /// Why the link whose secret hashes to `tokenHash` cannot be redeemed at `time`, read without changing anything; `nil`
    /// if it can. The API asks this when ``pendingReset(tokenHash:at:)`` found nothing, instead of trying to redeem:
    /// an approval landing between the two calls would otherwise let a placeholder redemption through (decision 41).
    public func resetRefusal(tokenHash: String, at time: Date = Date()) async throws(StoreError) -> StoreError? {
        let dialect = context.dialect
        return try await context.run { db in
            guard try await db.raw("""
                SELECT 1 AS one FROM account_resets
                WHERE token_hash = \(bind: tokenHash) AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > \(dialect.time(time))
                  AND (needs_approval = \(bind: false) OR approved_at IS NOT NULL)
                """).first() == nil else { return nil }
            return try await Self.refusal(ofReset: tokenHash, on: db, at: time)
        }
    }

    /// The refusal, in words, for a link that cannot be redeemed at `time`.
    private static func refusal(ofReset tokenHash: String, on db: any SQLDatabase, at time: Date) async throws -> StoreError {
        guard let row = try await db.raw("SELECT * FROM account_resets WHERE token_hash = \(bind: tokenHash)").first() else {
            return StoreError(.notFound, "This reset link is not recognised: ask an administrator for a new one.")
        }
        if try row.optionalTime("used_at") != nil {
            return StoreError(.conflict, "This reset link was used already; each link works once. Ask an administrator for a new one.")
        }
        if try row.optionalTime("withdrawn_at") != nil {
            return StoreError(.conflict, "This reset link was replaced by a newer one: use the newest link you were given.")
        }
        if try row.time("expires_at") <= time {
            return StoreError(.conflict, "This reset link has expired. Ask an administrator for a new one.")
        }
        return StoreError(.conflict, """
            This reset link would let whoever holds it into the account, so a second administrator must approve it first. \
            Ask another administrator to approve it, then use the same link again.
            """)
    }
}
