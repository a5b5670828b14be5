import Foundation
import HTTPTypes
import Logging
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
        Self.log(context.logger, method: request.method, route: context.endpointPath ?? request.uri.path, status: response.status, elapsed: elapsed)
        return response
    }

    /// The request's line (also written for ranges answered on the event loop, decision 45).
    static func log(_ logger: Logger, method: HTTPRequest.Method, route: String, status: HTTPResponse.Status, elapsed: Duration) {
        logger.info("request", metadata: [
            "http.method": "\(method)",
            "http.route": "\(route)",
            "http.status": "\(status.code)",
            "duration_ms": "\(Self.milliseconds(elapsed))",
        ])
    }

    /// `duration` in milliseconds to two decimals ("12.34"), by integer arithmetic: `String(format:)` went through
    /// Foundation's formatter on every request (2% of a small request's time).
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let hundredths = max(0, seconds * 100_000 + (attoseconds + 5_000_000_000_000) / 10_000_000_000_000)
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
