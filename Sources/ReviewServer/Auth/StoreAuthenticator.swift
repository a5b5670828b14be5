public import Hummingbird
public import ReviewDomain
public import ReviewStore

/// Authenticates API tokens and session cookies against the store, which keeps only their SHA-256.
public struct StoreAuthenticator: Authenticator {
    let store: ReviewStore

    public init(store: ReviewStore) {
        self.store = store
    }

    public func authenticate(bearerToken: String, request: Request) async throws -> ReviewDomain.Actor? {
        try await store.apiTokenUser(tokenHash: Secrets.hash(bearerToken))?.actor
    }

    public func authenticate(sessionToken: String, request: Request) async throws -> (actor: ReviewDomain.Actor, csrfToken: String)? {
        guard let session = try await store.session(tokenHash: Secrets.hash(sessionToken)) else { return nil }
        return (session.user.actor, session.csrfToken)
    }
}
