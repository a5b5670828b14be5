public import Hummingbird
public import ReviewDomain

/// Turns a request's credentials into the acting user: an API token (`Authorization: Bearer`) or a browser
/// session (the session cookie). Return `nil` when the credentials are not recognised;
/// ``AuthenticationMiddleware`` answers 401.
public protocol Authenticator: Sendable {
    /// The actor for a bearer token, or `nil` if the token is unknown or revoked.
    func authenticate(bearerToken: String, request: Request) async throws -> ReviewDomain.Actor?
    /// The actor and the session's CSRF token for a session cookie, or `nil` if the session is unknown or over.
    func authenticate(sessionToken: String, request: Request) async throws -> (actor: ReviewDomain.Actor, csrfToken: String)?
}

extension Authenticator {
    public func authenticate(sessionToken: String, request: Request) async throws -> (actor: ReviewDomain.Actor, csrfToken: String)? {
        nil
    }
}

/// A fixed token → actor table: for tests and for development servers.
///
/// Never use it in production: the tokens are shared secrets given on the command line.
public struct StaticTokenAuthenticator: Authenticator {
    public let actors: [String: ReviewDomain.Actor]

    public init(_ actors: [String: ReviewDomain.Actor]) {
        self.actors = actors
    }

    public func authenticate(bearerToken: String, request: Request) async throws -> ReviewDomain.Actor? {
        actors[bearerToken]
    }
}
