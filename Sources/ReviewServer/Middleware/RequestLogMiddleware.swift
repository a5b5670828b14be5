import Foundation
import HTTPTypes
import ReviewDomain
public import Hummingbird

/// One structured log line per request, after it is answered: method, route, status and duration, with the
/// request id that every other line about the request carries (`hb.request.id`); and the id in the
/// `X-Request-Id` response header, so a user's report can be matched to the log.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestIDHeader: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[Self.requestIDHeader] = context.id
        let elapsed = ContinuousClock.now - start
        let milliseconds = elapsed.seconds * 1000
        context.logger.info("request", metadata: [
            "http.method": "\(request.method)",
            "http.route": "\(context.endpointPath ?? request.uri.path)",
            "http.status": "\(response.status.code)",
            "duration_ms": "\(String(format: "%.2f", milliseconds))",
        ])
        return response
    }
}
