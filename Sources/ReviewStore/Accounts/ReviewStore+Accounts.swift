public import Foundation
public import ReviewDomain
import SQLKit

/// An API token as stored: never the secret, only its hash (kept in the database, not here).
public struct APITokenRecord: Hashable, Sendable {
    /// A short public identifier (shown in lists, used to revoke).
    public let id: String
    public let userID: UserID
    public let name: String
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?
    /// When it stops working (tokens made before issue 16: 90 days after creation).
    public let expiresAt: Date
    /// Whether it may only read (GET, HEAD): a script that reports needs nothing more.
    public let readOnly: Bool
}

/// A signed-in browser session: whose, and the token a form must echo (CSRF).
public struct SessionRecord: Hashable, Sendable {
    public let user: User
    public let csrfToken: String
    public let expiresAt: Date
}

/// Accounts: credentials, sessions and API tokens. Secrets arrive here already hashed (SHA-256 hex for
/// random tokens, bcrypt for passwords); the store never sees a secret.
extension AccountStore {
    /// Sets (or replaces) a user's username and password hash; `.duplicate` if another user has the username.
    public func setCredentials(of userID: UserID, username: String, passwordHash: String, at time: Date = Date()) async throws(StoreError) {
        let dialect = context.dialect
        try await context.atomically { db in
            try await db.raw("DELETE FROM credentials WHERE user_id = \(dialect.id(userID))").run()
            try await db.raw("""
                INSERT INTO credentials (user_id, username, password_hash, updated_at)
                VALUES (\(dialect.id(userID)), \(bind: username), \(bind: passwordHash), \(dialect.time(time)))
                """).run()
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: userID, action: "user.credentials_set", subject: .init(type: "user", id: userID.description),
                details: ["username": username]), on: db, dialect: dialect)
        }
    }

    /// The user with this username and their password hash.
    public func credentials(username: String) async throws(StoreError) -> (user: User, passwordHash: String)? {
        try await context.run { db in
            guard let row = try await db.raw("""
                SELECT u.*, c.password_hash FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.username = \(bind: username)
                """).first() else { return nil }
            return (try SQLUsers.user(row), try row.value("password_hash", as: String.self))
        }
    }

    /// Usernames by user (users without credentials are absent).
    public func usernames(of userIDs: [UserID]) async throws(StoreError) -> [UserID: String] {
        guard !userIDs.isEmpty else { return [:] }
        let dialect = context.dialect
        return try await context.run { db in
            let list = SQLList(userIDs.map { dialect.id($0) })
            var names: [UserID: String] = [:]
            for row in try await db.raw("SELECT user_id, username FROM credentials WHERE user_id IN (\(list))").all() {
                names[try row.id("user_id")] = try row.value("username")
            }
            return names
        }
    }

    /// Starts a session.
    public func createSession(tokenHash: String, userID: UserID, csrfToken: String, expiresAt: Date, at time: Date = Date()) async throws(StoreError) {
        let dialect = context.dialect
        try await context.atomically { db in
            try await db.raw("DELETE FROM sessions WHERE expires_at < \(dialect.time(time))").run()
            try await db.raw("""
                INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                VALUES (\(bind: tokenHash), \(dialect.id(userID)), \(bind: csrfToken), \(dialect.time(time)), \(dialect.time(expiresAt)))
                """).run()
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: userID, action: "session.started", subject: .init(type: "user", id: userID.description)), on: db, dialect: dialect)
        }
    }

    /// The live session with this token hash, if it has not expired and its user is active.
    public func session(tokenHash: String, at time: Date = Date()) async throws(StoreError) -> SessionRecord? {
        let dialect = context.dialect
        return try await context.run { db in
            guard let row = try await db.raw("""
                SELECT u.*, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = \(bind: tokenHash) AND s.expires_at > \(dialect.time(time))
                """).first() else { return nil }
            let user = try SQLUsers.user(row)
            guard user.active else { return nil }
            return SessionRecord(user: user, csrfToken: try row.value("csrf_token"), expiresAt: try row.time("expires_at"))
        }
    }

    /// Ends a session (signing out); audited.
    public func endSession(tokenHash: String, userID: UserID, at time: Date = Date()) async throws(StoreError) {
        let dialect = context.dialect
        try await context.atomically { db in
            try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: tokenHash)").run()
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: userID, action: "session.ended", subject: .init(type: "user", id: userID.description)), on: db, dialect: dialect)
        }
    }

    /// How long an API token lasts unless its creator says otherwise.
    public static let defaultTokenLifetime: TimeInterval = 90 * 24 * 3600

    /// Stores a new API token for `userID` (its secret already hashed), expiring at `expiresAt` (default: 90
    /// days from `time`), read-only or not; audited.
    public func createAPIToken(
        id: String, userID: UserID, name: String, tokenHash: String, expiresAt: Date? = nil, readOnly: Bool = false, at time: Date = Date()
    ) async throws(StoreError) -> APITokenRecord {
        let dialect = context.dialect
        let expiry = expiresAt ?? time.addingTimeInterval(Self.defaultTokenLifetime)
        try await context.atomically { db in
            try await db.raw("""
                INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at, read_only)
                VALUES (\(bind: id), \(dialect.id(userID)), \(bind: name), \(bind: tokenHash), \(dialect.time(time)), \(dialect.time(expiry)), \(bind: readOnly))
                """).run()
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: userID, action: "api_token.created", subject: .init(type: "api_token", id: id),
                details: ["name": name, "expiresAt": ISO8601DateFormatter().string(from: expiry), "scope": readOnly ? "read_only" : "read_write"]),
                on: db, dialect: dialect)
        }
        return APITokenRecord(id: id, userID: userID, name: name, createdAt: Dialect.normalised(time), lastUsedAt: nil, revokedAt: nil,
                              expiresAt: Dialect.normalised(expiry), readOnly: readOnly)
    }

    /// The active user owning the unrevoked token with this hash. Notes the token's use at most every five
    /// minutes (a write per request would cost every API call).
    public func apiTokenUser(tokenHash: String, at time: Date = Date()) async throws(StoreError) -> User? {
        try await apiToken(tokenHash: tokenHash, at: time)?.user
    }

    /// The active user owning the unrevoked, unexpired token with this hash, and whether the token is
    /// read-only. Notes the token's use at most every five minutes.
    public func apiToken(tokenHash: String, at time: Date = Date()) async throws(StoreError) -> (user: User, readOnly: Bool)? {
        let dialect = context.dialect
        return try await context.run { db in
            // Tokens from before expiry existed (expires_at NULL) last the default lifetime from their creation.
            guard let row = try await db.raw("""
                SELECT u.*, t.id AS token_id, t.last_used_at, t.read_only FROM api_tokens t JOIN users u ON u.id = t.user_id
                WHERE t.token_hash = \(bind: tokenHash) AND t.revoked_at IS NULL
                AND (t.expires_at > \(dialect.time(time)) OR (t.expires_at IS NULL AND t.created_at > \(dialect.time(time.addingTimeInterval(-Self.defaultTokenLifetime)))))
                """).first() else { return nil }
            let user = try SQLUsers.user(row)
            guard user.active else { return nil }
            let readOnly = try row.value("read_only", as: Bool.self)
            if let lastUsed = try row.optionalTime("last_used_at"), time.timeIntervalSince(lastUsed) < 300 { return (user, readOnly) }
            let tokenID: String = try row.value("token_id")
            try await db.raw("UPDATE api_tokens SET last_used_at = \(dialect.time(time)) WHERE id = \(bind: tokenID)").run()
            return (user, readOnly)
        }
    }

    /// A user's tokens, newest first, revoked ones left out.
    public func apiTokens(of userID: UserID) async throws(StoreError) -> [APITokenRecord] {
        let dialect = context.dialect
        return try await context.run { db in
            try await db.raw("""
                SELECT * FROM api_tokens WHERE user_id = \(dialect.id(userID)) AND revoked_at IS NULL ORDER BY created_at DESC, id
                """).all().map { row in
                let created = try row.time("created_at")
                return APITokenRecord(
                    id: try row.value("id"), userID: try row.id("user_id"), name: try row.value("name"),
                    createdAt: created, lastUsedAt: try row.optionalTime("last_used_at"), revokedAt: try row.optionalTime("revoked_at"),
                    expiresAt: try row.optionalTime("expires_at") ?? created.addingTimeInterval(Self.defaultTokenLifetime),
                    readOnly: try row.value("read_only", as: Bool.self))
            }
        }
    }

    /// Revokes `userID`'s token `id`; `false` if they have no such live token. Audited.
    public func revokeAPIToken(id: String, of userID: UserID, at time: Date = Date()) async throws(StoreError) -> Bool {
        let dialect = context.dialect
        return try await context.atomically { db in
            let revoked = try await db.raw("""
                UPDATE api_tokens SET revoked_at = \(dialect.time(time))
                WHERE id = \(bind: id) AND user_id = \(dialect.id(userID)) AND revoked_at IS NULL RETURNING id
                """).first() != nil
            if revoked {
                _ = try await SQLAuditLog.append(AuditEvent(
                    at: time, actorID: userID, action: "api_token.revoked", subject: .init(type: "api_token", id: id)), on: db, dialect: dialect)
            }
            return revoked
        }
    }

}

extension ModerationStore {
    /// Whether the moderator is on the case (offered, accepted or submitted; not declined, expired or cancelled).
    public func isAssigned(_ moderatorID: UserID, toCase caseID: CaseID) async throws(StoreError) -> Bool {
        let dialect = context.dialect
        return try await context.run { db in
            try await db.raw("""
                SELECT 1 AS one FROM case_assignments WHERE case_id = \(dialect.id(caseID)) AND moderator_id = \(dialect.id(moderatorID))
                AND state IN ('offered', 'accepted', 'submitted')
                """).first() != nil
        }
    }

    /// Whether the moderator is assigned to a case on the observation.
    public func isAssigned(_ moderatorID: UserID, toObservation observationID: ObservationID) async throws(StoreError) -> Bool {
        let dialect = context.dialect
        return try await context.run { db in
            try await db.raw("""
                SELECT 1 AS one FROM case_assignments a JOIN cases c ON c.id = a.case_id
                WHERE c.observation_id = \(dialect.id(observationID)) AND a.moderator_id = \(dialect.id(moderatorID))
                AND a.state IN ('offered', 'accepted', 'submitted')
                """).first() != nil
        }
    }

}

extension JobStore {
    /// Reports an indexing job's progress (0…1).
    public func reportProgress(of jobID: JobID, _ fraction: Double) async throws(StoreError) {
        let dialect = context.dialect
        let clamped = min(max(fraction, 0), 1)
        try await context.run { db in
            try await db.raw("UPDATE jobs SET progress = \(bind: clamped) WHERE id = \(dialect.id(jobID))").run()
        }
    }
}
