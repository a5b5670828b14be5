public import Hummingbird

/// Sets ``ReviewRequestContext/identity`` from an `Authorization: Bearer <token>` header.
///
/// No header: the request goes on anonymously (routes that need a caller call `requireIdentity()`).
/// A header that is malformed or names no one: 401 `unauthenticated`, whatever the route.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = ReviewRequestContext
    let authenticator: any Authenticator

    public init(authenticator: any Authenticator) {
        self.authenticator = authenticator
    }

    public func handle(
        _ request: Request,
        context: ReviewRequestContext,
        next: (Request, ReviewRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix) else {
            throw APIError(
                .unauthorized,
                code: .unauthenticated,
                message: "Use an Authorization header of the form \"Bearer <token>\".",
                headers: [.wwwAuthenticate: "Bearer"]
            )
        }
        let token = String(header.dropFirst(prefix.count)).trimmingSpaces
        guard let actor = try await authenticator.authenticate(bearerToken: token, request: request) else {
            throw APIError(
                .unauthorized,
                code: .unauthenticated,
                message: "The bearer token is not recognised: sign in again.",
                headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""]
            )
        }
        var context = context
        context.identity = actor
        return try await next(request, context)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs (HTTP optional whitespace).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
