public import Hummingbird

/// `Strict-Transport-Security` on every response when the public address is https: a browser that has
/// seen the site once will not be talked down to plain http (and its session cookie) by a network attacker.
/// One year, subdomains included; not `preload`, which is the operator's decision to make.
public struct StrictTransportSecurityMiddleware<Context: RequestContext>: RouterMiddleware {
    public static var value: String { "max-age=31536000; includeSubDomains" }

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.strictTransportSecurity] = Self.value
        return response
    }
}
