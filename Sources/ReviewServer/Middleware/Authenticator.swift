public import Hummingbird
public import ReviewDomain

/// Turns a request's credentials into the acting user: an API token (`Authorization: Bearer`) or a browser
/// session (the session cookie). Return `nil` when the credentials are not recognised;
/// ``AuthenticationMiddleware`` answers 401.
public protocol Authenticator: Sendable {
    /// The actor for a bearer token, or `nil` if the token is unknown or revoked.
    func authenticate(bearerToken: String, request: Request) async throws -> ActingUser?
    /// The actor and the session's CSRF token for a session cookie, or `nil` if the session is unknown or over.
    func authenticate(sessionToken: String, request: Request) async throws -> (actor: ActingUser, csrfToken: String)?
    /// The actor and scope of a bearer token (by default: ``authenticate(bearerToken:request:)``, read and write).
    func authenticateBearer(_ token: String, request: Request) async throws -> BearerIdentity?
}

/// Who a bearer token acts for, and whether it may only read.
public struct BearerIdentity: Sendable {
    public let actor: ActingUser
    /// A read-only token may make only safe requests (GET, HEAD, OPTIONS).
    public let readOnly: Bool

    public init(actor: ActingUser, readOnly: Bool) {
        self.actor = actor
        self.readOnly = readOnly
    }
}

extension Authenticator {
    public func authenticate(sessionToken: String, request: Request) async throws -> (actor: ActingUser, csrfToken: String)? {
        nil
    }

    /// The bearer token's actor and scope; by default every recognised token may read and write.
    public func authenticateBearer(_ token: String, request: Request) async throws -> BearerIdentity? {
        try await authenticate(bearerToken: token, request: request).map { BearerIdentity(actor: $0, readOnly: false) }
    }
}

/// A fixed token → actor table: for tests and for development servers.
///
/// Never use it in production: the tokens are shared secrets given on the command line.
public struct StaticTokenAuthenticator: Authenticator {
    public let actors: [String: ActingUser]

    public init(_ actors: [String: ActingUser]) {
        self.actors = actors
    }

    public func authenticate(bearerToken: String, request: Request) async throws -> ActingUser? {
        actors[bearerToken]
    }
}

/// Asks each authenticator in turn; the first that recognises the credentials wins.
public struct AuthenticatorChain: Authenticator {
    let authenticators: [any Authenticator]

    public init(_ authenticators: [any Authenticator]) {
        self.authenticators = authenticators
    }

    public func authenticate(bearerToken: String, request: Request) async throws -> ActingUser? {
        for authenticator in authenticators {
            if let actor = try await authenticator.authenticate(bearerToken: bearerToken, request: request) { return actor }
        }
        return nil
    }

    public func authenticateBearer(_ token: String, request: Request) async throws -> BearerIdentity? {
        for authenticator in authenticators {
            if let identity = try await authenticator.authenticateBearer(token, request: request) { return identity }
        }
        return nil
    }

    public func authenticate(sessionToken: String, request: Request) async throws -> (actor: ActingUser, csrfToken: String)? {
        for authenticator in authenticators {
            if let found = try await authenticator.authenticate(sessionToken: sessionToken, request: request) { return found }
        }
        return nil
    }
}
