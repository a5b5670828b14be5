public import Hummingbird
public import ReviewDomain

/// Turns a request's credentials into the acting user. The seam for real authentication (sessions, OIDC…).
///
/// Return `nil` when the credentials are not recognised; ``AuthenticationMiddleware`` answers 401.
public protocol Authenticator: Sendable {
    /// The actor for a bearer token, or `nil` if the token is unknown.
    func authenticate(bearerToken: String, request: Request) async throws -> ReviewDomain.Actor?
}

/// A fixed token → actor table: for tests and for development servers until real sign-in exists.
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
