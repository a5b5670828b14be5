import Foundation
public import Hummingbird
public import ReviewDomain
public import ReviewStore
import Synchronization

/// Authenticates API tokens and session cookies against the store, which keeps only their SHA-256.
///
/// A successful lookup is remembered for a few seconds (``AuthenticationCache``), so that a player's many
/// range requests do not each cost a database round trip. Revoking a token, signing out or deactivating a
/// user on this server forgets the entries at once; on another server they live out the few seconds.
public struct StoreAuthenticator: Authenticator {
    let store: ReviewStore
    let cache: AuthenticationCache

    public init(store: ReviewStore, cache: AuthenticationCache = AuthenticationCache()) {
        self.store = store
        self.cache = cache
    }

    public func authenticate(bearerToken: String, request: Request) async throws -> ActingUser? {
        try await authenticateBearer(bearerToken, request: request)?.actor
    }

    public func authenticateBearer(_ token: String, request: Request) async throws -> BearerIdentity? {
        let hash = Secrets.hash(token)
        let key = "bearer:" + hash
        if let hit = cache.lookup(key) { return BearerIdentity(actor: hit.actor, readOnly: hit.readOnly) }
        guard let (user, readOnly) = try await store.accounts.apiToken(tokenHash: hash) else { return nil }
        cache.remember(key, actor: user.actor, csrfToken: nil, readOnly: readOnly)
        return BearerIdentity(actor: user.actor, readOnly: readOnly)
    }

    public func authenticate(sessionToken: String, request: Request) async throws -> (actor: ActingUser, csrfToken: String)? {
        let hash = Secrets.hash(sessionToken)
        let key = "session:" + hash
        if let hit = cache.lookup(key), let csrf = hit.csrfToken { return (hit.actor, csrf) }
        guard let session = try await store.accounts.session(tokenHash: hash) else { return nil }
        cache.remember(key, actor: session.user.actor, csrfToken: session.csrfToken)
        return (session.user.actor, session.csrfToken)
    }
}

/// Recently authenticated credentials, for `lifetime` seconds, keyed by the credential's hash.
public final class AuthenticationCache: Sendable {
    struct Entry {
        let actor: ActingUser
        let csrfToken: String?
        let readOnly: Bool
        let until: ContinuousClock.Instant
    }

    let lifetime: Duration
    private let entries = Mutex<[String: Entry]>([:])

    public init(lifetime: Duration = .seconds(5)) {
        self.lifetime = lifetime
    }

    func lookup(_ key: String) -> Entry? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.until > now else {
                entries[key] = nil
                return nil
            }
            return entry
        }
    }

    func remember(_ key: String, actor: ActingUser, csrfToken: String?, readOnly: Bool = false) {
        let entry = Entry(actor: actor, csrfToken: csrfToken, readOnly: readOnly, until: ContinuousClock.now + lifetime)
        entries.withLock { entries in
            if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
    }

    /// Forgets a token or session (by the SHA-256 the store keeps).
    func forget(tokenHash: String) {
        entries.withLock { entries in
            entries["bearer:" + tokenHash] = nil
            entries["session:" + tokenHash] = nil
        }
    }

    /// Forgets everything of one user (deactivated) or, with `nil`, everyone.
    func forget(user: UserID?) {
        entries.withLock { entries in
            guard let user else { return entries.removeAll() }
            entries = entries.filter { $0.value.actor.userID != user }
        }
    }
}
