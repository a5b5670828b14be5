public import HTTPTypes
public import Hummingbird

/// Sets ``ReviewRequestContext/identity`` from an `Authorization: Bearer <token>` header or, failing that, from
/// the session cookie; checks the CSRF token on cookie-authenticated requests that change something.
///
/// No credentials: the request goes on anonymously (routes that need a caller call `requireIdentity()`).
/// A bearer header that is malformed or names no one: 401 `unauthenticated`, whatever the route. An unknown
/// or expired session cookie is ignored (the request is anonymous), so that a stale cookie never blocks
/// signing in again.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = ReviewRequestContext
    /// The session cookie's name.
    public static let sessionCookie = "obsreview_session"
    /// The header a cookie-authenticated unsafe request must carry.
    public static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let authenticator: any Authenticator

    public init(authenticator: any Authenticator) {
        self.authenticator = authenticator
    }

    public func handle(
        _ request: Request,
        context: ReviewRequestContext,
        next: (Request, ReviewRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard let token = Self.bearerToken(header) else {
                throw APIError(
                    .unauthorized,
                    code: .unauthenticated,
                    message: "Use an Authorization header of the form \"Bearer <token>\".",
                    headers: [.wwwAuthenticate: "Bearer"]
                )
            }
            guard let identity = try await authenticator.authenticateBearer(token, request: request) else {
                throw APIError(
                    .unauthorized,
                    code: .unauthenticated,
                    message: "The bearer token is not recognised (revoked, expired, or mistyped): create a new API token.",
                    headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""]
                )
            }
            if identity.readOnly, !request.method.isSafe {
                throw APIError(
                    .forbidden, code: .forbidden,
                    message: "This API token is read-only: it can only read (GET). Create a token without readOnly to make changes.")
            }
            context.identity = identity.actor
        } else if let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty,
            let (actor, csrfToken) = try await authenticator.authenticate(sessionToken: cookie, request: request)
        {
            if !request.method.isSafe {
                guard let sent = request.headers[Self.csrfHeader], Secrets.equal(sent, csrfToken) else {
                    throw APIError(
                        .forbidden,
                        code: .csrfFailed,
                        message: "This change needs the session's CSRF token in the X-CSRF-Token header (GET /api/v1/session gives it)."
                    )
                }
            }
            context.identity = actor
            context.sessionToken = cookie
        }
        return try await next(request, context)
    }
}

extension AuthenticationMiddleware {
    /// The token of an `Authorization: Bearer <token>` header (the scheme in any case), or `nil` if the header has
    /// another form. The token may still be empty.
    static func bearerToken(_ header: String) -> String? {
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix) else { return nil }
        return String(header.dropFirst(prefix.count)).trimmingSpaces
    }
}

extension HTTPRequest.Method {
    /// GET, HEAD and OPTIONS change nothing (RFC 9110 §9.2.1).
    var isSafe: Bool { self == .get || self == .head || self == .options }
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
