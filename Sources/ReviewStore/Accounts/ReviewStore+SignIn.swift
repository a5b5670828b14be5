public import Foundation
public import ReviewDomain
import SQLKit

/// One sign-in limit: a key (an account, an address, an account from an address) and how many attempts it
/// has before each further one must wait.
public struct SignInLimit: Hashable, Sendable {
    public let key: String
    public let freeAttempts: Int

    public init(key: String, freeAttempts: Int) {
        self.key = key
        self.freeAttempts = freeAttempts
    }
}

/// Whether a sign-in attempt may have its password checked.
public enum SignInAdmission: Hashable, Sendable {
    case admitted
    /// Refused: the earliest time the refusing limit lets another attempt through.
    case refused(until: Date)
}

/// A privileged account waiting for a second administrator (two-person rule).
public struct AccountApproval: Hashable, Sendable {
    public let userID: UserID
    public let role: Role
    public let requestedBy: UserID
    public let requestedAt: Date
    public let approvedBy: UserID?
    public let approvedAt: Date?
}

/// Sign-in throttling, password changes, ending sessions, deactivation and account approvals.
extension AccountStore {
    private struct Refused: Error {
        let until: Double
    }

    /// Counts a sign-in attempt against every limit **before** its password is checked, in one transaction
    /// with one conditional `UPDATE` per key, so that concurrent attempts cannot all slip through a
    /// check-then-record gap: the first `freeAttempts` are admitted at once; after that each admitted attempt
    /// makes the next wait twice as long as the last (1 s, 2 s, 4 s … up to `maximumDelay`). Refused attempts
    /// are not counted (an attacker hammering does not lengthen the wait) and count against no limit. A key
    /// untouched for `forgetAfter` starts again. Keys are taken in sorted order (no deadlocks on PostgreSQL).
    public func admitSignInAttempt(
        _ limits: [SignInLimit], at time: Date = Date(), maximumDelay: TimeInterval = 15 * 60, forgetAfter: TimeInterval = 3600
    ) async throws(StoreError) -> SignInAdmission {
        let now = time.timeIntervalSince1970, stale = now - forgetAfter
        do {
            try await context.atomically { db in
                for limit in limits.sorted(by: { $0.key < $1.key }) {
                    try await db.raw("""
                        INSERT INTO sign_in_throttle (key, attempts, delay_seconds, last_at, allowed_at)
                        VALUES (\(bind: limit.key), 0, 0, \(bind: now), 0) ON CONFLICT (key) DO NOTHING
                        """).run()
                    // `n`: this attempt's number; SET expressions all see the old row, hence the repetition.
                    let n: SQLQueryString = "(CASE WHEN last_at < \(bind: stale) THEN 1 ELSE attempts + 1 END)"
                    let delay: SQLQueryString = """
                        (CASE WHEN \(n) < \(bind: limit.freeAttempts) THEN 0 \
                        WHEN last_at < \(bind: stale) OR delay_seconds < 1 THEN 1 \
                        WHEN delay_seconds * 2 > \(bind: maximumDelay) THEN \(bind: maximumDelay) ELSE delay_seconds * 2 END)
                        """
                    let admitted = try await db.raw("""
                        UPDATE sign_in_throttle SET attempts = \(n), delay_seconds = \(delay), allowed_at = \(bind: now) + \(delay),
                        last_at = \(bind: now)
                        WHERE key = \(bind: limit.key) AND (allowed_at <= \(bind: now) OR last_at < \(bind: stale))
                        RETURNING attempts
                        """).first() != nil
                    if !admitted {
                        let until = try await db.raw("SELECT allowed_at FROM sign_in_throttle WHERE key = \(bind: limit.key)")
                            .first()?.decode(column: "allowed_at", as: Double.self) ?? now + 1
                        // Undoes the counts already taken for the other keys (the transaction rolls back).
                        throw StoreError(.conflict, "Sign-in attempt refused by \(limit.key).", cause: Refused(until: until))
                    }
                }
            }
            return .admitted
        } catch let error where error.cause is Refused {
            return .refused(until: Date(timeIntervalSince1970: (error.cause as? Refused)?.until ?? now + 1))
        }
    }

    /// After a successful sign-in: clears `clearing` (the account's limits) and takes the attempt back from
    /// `returning` (the address's), and forgets keys untouched for a day.
    public func signInSucceeded(clearing: [String], returning: [String], at time: Date = Date()) async throws(StoreError) {
        let now = time.timeIntervalSince1970
        try await context.atomically { db in
            for key in clearing.sorted() {
                try await db.raw("DELETE FROM sign_in_throttle WHERE key = \(bind: key)").run()
            }
            for key in returning.sorted() {
                try await db.raw("""
                    UPDATE sign_in_throttle SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE key = \(bind: key)
                    """).run()
            }
            try await db.raw("DELETE FROM sign_in_throttle WHERE last_at < \(bind: now - 86_400) AND allowed_at < \(bind: now)").run()
        }
    }

    /// Replaces a user's password hash and ends every session but `keepingSession` (a token hash); audited as
    /// `action` by `actorID` when given (a silent re-hash to a newer format passes none).
    public func replacePasswordHash(
        of userID: UserID, with passwordHash: String, keepingSession: String?, action: AuditEvent.Action?, by actorID: UserID, at time: Date = Date()
    ) async throws(StoreError) {
        let dialect = context.dialect
        try await context.atomically { db in
            let updated = try await db.raw("""
                UPDATE credentials SET password_hash = \(bind: passwordHash), updated_at = \(dialect.time(time))
                WHERE user_id = \(dialect.id(userID)) RETURNING user_id
                """).first() != nil
            guard updated else { throw StoreError(.notFound, "The user \(userID) has no password to change.") }
            guard let action else { return }
            try await db.raw("""
                DELETE FROM sessions WHERE user_id = \(dialect.id(userID)) AND token_hash <> \(bind: keepingSession ?? "")
                """).run()
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: actorID, action: action, subject: .init(type: "user", id: userID.description)), on: db, dialect: dialect)
        }
    }

    /// Ends every session of `userID` and, with `revokingTokens`, revokes every API token: "sign out
    /// everywhere". Audited. Returns how many sessions and tokens ended.
    @discardableResult
    public func endEverySession(
        of userID: UserID, revokingTokens: Bool, by actorID: UserID, at time: Date = Date()
    ) async throws(StoreError) -> (sessions: Int, tokens: Int) {
        let dialect = context.dialect
        return try await context.atomically { db in
            let ended = try await Self.endSessionsAndTokens(of: userID, revokingTokens: revokingTokens, on: db, dialect: dialect, at: time)
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: actorID, action: "session.ended_everywhere", subject: .init(type: "user", id: userID.description),
                details: ["sessions": String(ended.sessions), "tokens": String(ended.tokens)]), on: db, dialect: dialect)
            return ended
        }
    }

    static func endSessionsAndTokens(
        of userID: UserID, revokingTokens: Bool, on db: any SQLDatabase, dialect: Dialect, at time: Date
    ) async throws -> (sessions: Int, tokens: Int) {
        let sessions = try await db.raw("DELETE FROM sessions WHERE user_id = \(dialect.id(userID)) RETURNING user_id").all().count
        guard revokingTokens else { return (sessions, 0) }
        let tokens = try await db.raw("""
            UPDATE api_tokens SET revoked_at = \(dialect.time(time)) WHERE user_id = \(dialect.id(userID)) AND revoked_at IS NULL RETURNING id
            """).all().count
        return (sessions, tokens)
    }

    /// Activates or deactivates a user, audited. Deactivating ends their sessions and revokes their API tokens
    /// in the same transaction, so that activating them again revives neither. Activating an account that
    /// awaits a second administrator's approval is refused (`.constraintViolation`): approve it instead.
    public func setUserActive(_ userID: UserID, _ active: Bool, by actorID: UserID, at time: Date = Date()) async throws(StoreError) {
        let dialect = context.dialect
        try await context.atomically { db in
            if active, try await db.raw("""
                SELECT 1 AS one FROM account_approvals WHERE user_id = \(dialect.id(userID)) AND approved_by IS NULL
                """).first() != nil {
                throw StoreError(.constraintViolation, "This account awaits a second administrator's approval.")
            }
            let users = SQLUsers(context: SQLContext(target: .transaction(db), dialect: dialect))
            try await users.setActive(userID, active)
            var details: [String: String] = [:]
            if !active {
                let ended = try await Self.endSessionsAndTokens(of: userID, revokingTokens: true, on: db, dialect: dialect, at: time)
                details = ["sessions": String(ended.sessions), "tokens": String(ended.tokens)]
            }
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: actorID, action: active ? "user.activated" : "user.deactivated",
                subject: .init(type: "user", id: userID.description), details: details), on: db, dialect: dialect)
        }
    }

    /// Inserts `user` inactive, awaiting another administrator's approval of its role; audited as
    /// `user.created` and `user.approval_requested` by `requestedBy`.
    public func insertUserAwaitingApproval(_ user: User, requestedBy: UserID, at time: Date = Date()) async throws(StoreError) {
        let dialect = context.dialect
        var user = user
        user.active = false
        try await context.atomically { [user] db in
            try await SQLUsers(context: SQLContext(target: .transaction(db), dialect: dialect)).insert(user)
            try await db.raw("""
                INSERT INTO account_approvals (user_id, role, requested_by, requested_at)
                VALUES (\(dialect.id(user.id)), \(bind: user.role.rawValue), \(dialect.id(requestedBy)), \(dialect.time(time)))
                """).run()
            let subject = AuditEvent.Subject(type: "user", id: user.id.description)
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: requestedBy, action: "user.created", subject: subject,
                details: ["name": user.name, "role": user.role.rawValue, "organisation": user.organisationID.description]), on: db, dialect: dialect)
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: requestedBy, action: "user.approval_requested", subject: subject,
                details: ["role": user.role.rawValue]), on: db, dialect: dialect)
        }
    }

    /// The approval record of `userID`, if its account needed one.
    public func accountApproval(of userID: UserID) async throws(StoreError) -> AccountApproval? {
        let dialect = context.dialect
        return try await context.run { db in
            try await db.raw("SELECT * FROM account_approvals WHERE user_id = \(dialect.id(userID))").first().map(Self.approval)
        }
    }

    /// The accounts awaiting approval, oldest first.
    public func pendingApprovals() async throws(StoreError) -> [AccountApproval] {
        try await context.run { db in
            try await db.raw("SELECT * FROM account_approvals WHERE approved_by IS NULL ORDER BY requested_at, user_id").all().map(Self.approval)
        }
    }

    /// Approves `userID`'s pending account as `approverID` and activates it; audited as `user.approved`.
    /// Returns `nil` if nothing awaits approval; throws `.constraintViolation` when the approver is the one who
    /// asked (the database refuses that too).
    public func approveAccount(_ userID: UserID, by approverID: UserID, at time: Date = Date()) async throws(StoreError) -> AccountApproval? {
        let dialect = context.dialect
        return try await context.atomically { db in
            guard let pending = try await db.raw("""
                SELECT * FROM account_approvals WHERE user_id = \(dialect.id(userID)) AND approved_by IS NULL
                """).first().map(Self.approval) else { return nil }
            guard pending.requestedBy != approverID else {
                throw StoreError(.constraintViolation, "The administrator who asked for an account cannot approve it.")
            }
            try await db.raw("""
                UPDATE account_approvals SET approved_by = \(dialect.id(approverID)), approved_at = \(dialect.time(time))
                WHERE user_id = \(dialect.id(userID)) AND approved_by IS NULL
                """).run()
            try await SQLUsers(context: SQLContext(target: .transaction(db), dialect: dialect)).setActive(userID, true)
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: approverID, action: "user.approved", subject: .init(type: "user", id: userID.description),
                details: ["role": pending.role.rawValue, "requestedBy": pending.requestedBy.description]), on: db, dialect: dialect)
            return AccountApproval(userID: userID, role: pending.role, requestedBy: pending.requestedBy, requestedAt: pending.requestedAt,
                                   approvedBy: approverID, approvedAt: Dialect.normalised(time))
        }
    }

    private static func approval(_ row: any SQLRow) throws -> AccountApproval {
        AccountApproval(
            userID: try row.id("user_id"), role: try row.raw("role"), requestedBy: try row.id("requested_by"),
            requestedAt: try row.time("requested_at"), approvedBy: try row.optionalID("approved_by"), approvedAt: try row.optionalTime("approved_at"))
    }
}
