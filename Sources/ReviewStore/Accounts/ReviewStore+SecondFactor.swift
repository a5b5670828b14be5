public import Foundation
public import ReviewDomain
import SQLKit

/// A user's second factor (TOTP): its secret, whether it is confirmed, and the last time step accepted.
public struct SecondFactorRecord: Hashable, Sendable {
    public let userID: UserID
    /// The shared secret, base32 (the HMAC key: it must be readable, so it is not hashed).
    public let secret: String
    /// `nil` while being set up: it counts only once a code from it has been typed.
    public let confirmedAt: Date?
    /// The latest time step whose code was accepted: a code is good once.
    public let lastStep: Int64
}

/// Second factors and recovery codes (issue 16). Recovery codes arrive hashed.
extension AccountStore {
    /// The user's second factor, confirmed or being set up.
    public func secondFactor(of userID: UserID) async throws(StoreError) -> SecondFactorRecord? {
        let dialect = context.dialect
        return try await context.run { db in
            guard let row = try await db.raw("SELECT * FROM second_factors WHERE user_id = \(dialect.id(userID))").first() else { return nil }
            return SecondFactorRecord(
                userID: userID, secret: try row.value("secret"), confirmedAt: try row.optionalTime("confirmed_at"),
                lastStep: try row.value("last_step", as: Int64.self))
        }
    }

    /// Starts (or restarts) setting up a second factor with `secret`; `.duplicate` if a confirmed one exists.
    /// Audited (`user.second_factor_setup_started`).
    public func beginSecondFactor(of userID: UserID, secret: String, at time: Date = Date()) async throws(StoreError) {
        let dialect = context.dialect
        try await context.atomically { db in
            if try await db.raw("""
                SELECT 1 AS one FROM second_factors WHERE user_id = \(dialect.id(userID)) AND confirmed_at IS NOT NULL
                """).first() != nil {
                throw StoreError(.duplicate, "This account already has a second factor.")
            }
            try await db.raw("DELETE FROM second_factors WHERE user_id = \(dialect.id(userID))").run()
            try await db.raw("""
                INSERT INTO second_factors (user_id, secret, last_step, created_at)
                VALUES (\(dialect.id(userID)), \(bind: secret), 0, \(dialect.time(time)))
                """).run()
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: userID, action: "user.second_factor_setup_started", subject: .init(type: "user", id: userID.description)),
                on: db, dialect: dialect)
        }
    }

    /// Accepts the code of time step `step` once: true if no later or equal step was accepted before (one
    /// conditional UPDATE, so two requests with the same code cannot both pass). Confirms a factor being set
    /// up, storing `recoveryCodeHashes` then (audited `user.second_factor_enabled`).
    public func acceptSecondFactorStep(
        of userID: UserID, step: Int64, recoveryCodeHashes: [String], at time: Date = Date()
    ) async throws(StoreError) -> (accepted: Bool, confirmedNow: Bool) {
        let dialect = context.dialect
        return try await context.atomically { db in
            guard let row = try await db.raw("""
                UPDATE second_factors SET last_step = \(bind: step) WHERE user_id = \(dialect.id(userID)) AND last_step < \(bind: step)
                RETURNING confirmed_at
                """).first() else { return (false, false) }
            guard try row.optionalTime("confirmed_at") == nil else { return (true, false) }
            try await db.raw("UPDATE second_factors SET confirmed_at = \(dialect.time(time)) WHERE user_id = \(dialect.id(userID))").run()
            try await db.raw("DELETE FROM recovery_codes WHERE user_id = \(dialect.id(userID))").run()
            for hash in recoveryCodeHashes {
                try await db.raw("INSERT INTO recovery_codes (user_id, code_hash) VALUES (\(dialect.id(userID)), \(bind: hash))").run()
            }
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: userID, action: "user.second_factor_enabled", subject: .init(type: "user", id: userID.description),
                details: ["recoveryCodes": String(recoveryCodeHashes.count)]), on: db, dialect: dialect)
            return (true, true)
        }
    }

    /// Uses up one recovery code (by hash): true if it was unused. Audited (`user.recovery_code_used`).
    public func useRecoveryCode(of userID: UserID, codeHash: String, at time: Date = Date()) async throws(StoreError) -> Bool {
        let dialect = context.dialect
        return try await context.atomically { db in
            guard try await db.raw("""
                UPDATE recovery_codes SET used_at = \(dialect.time(time))
                WHERE user_id = \(dialect.id(userID)) AND code_hash = \(bind: codeHash) AND used_at IS NULL RETURNING code_hash
                """).first() != nil else { return false }
            let left = try await db.raw("""
                SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = \(dialect.id(userID)) AND used_at IS NULL
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: userID, action: "user.recovery_code_used", subject: .init(type: "user", id: userID.description),
                details: ["left": String(left)]), on: db, dialect: dialect)
            return true
        }
    }
}
