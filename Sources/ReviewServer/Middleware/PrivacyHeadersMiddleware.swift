import HTTPTypes
public import Hummingbird

/// Headers every answer carries, errors included: `X-Content-Type-Options: nosniff` (a browser never guesses a type,
/// so an uploaded file or a caption cannot be run as a page or script), and `Cache-Control: no-store` unless the
/// handler chose otherwise (the static assets): answers hold personal data — recordings, scores, names — which
/// no browser or shared cache may keep.
public struct PrivacyHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
