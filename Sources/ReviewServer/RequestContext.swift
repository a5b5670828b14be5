public import Hummingbird
public import ReviewDomain

/// Per-request data: the core Hummingbird storage and who is asking.
///
/// `identity` is set by ``AuthenticationMiddleware`` from the `Authorization` header; handlers that need a
/// caller use ``requireIdentity()``. Nothing long-lived belongs here (stores and clients are services).
public struct ReviewRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, if the request carried valid credentials.
    public var identity: ReviewDomain.Actor?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.identity = nil
    }

    /// The authenticated caller, or a 401 `unauthenticated` error.
    public func requireIdentity() throws(APIError) -> ReviewDomain.Actor {
        guard let identity else {
            throw APIError(
                .unauthorized,
                code: .unauthenticated,
                message: "Sign in first: send an Authorization: Bearer <token> header."
            )
        }
        return identity
    }
}
