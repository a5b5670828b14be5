import Dispatch
public import Hummingbird
import Metrics
import Synchronization

/// Counts and times requests under the names Hummingbird's `MetricsMiddleware` uses (`hb.requests`,
/// `hb.request.errors`, `http.server.request.duration`, `http.server.active_requests`), so `/metrics` reads as before,
/// but records them when the response is ready instead of after its body is written.
///
/// Why not Hummingbird's own: it wraps every response body in a closure to record afterwards, and a body that is a
/// closure is written as three writes to the connection (head, body, end), each a hop to the event loop, where a
/// buffer body goes as one. That was a third of the fixed cost of a small response (issue 21, decision 45). The price:
/// a duration is the time to the response's head, like the request log's `duration_ms`, and does not include the time
/// a large body (a whole-file download) takes to reach the client.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let metrics = RequestMetrics.shared

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = metrics.active(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let endpoint = metrics.endpoint(context.endpointPath ?? "Unknown", request.method, response.status)
            endpoint.counter.increment()
            endpoint.timer.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let endpoint = metrics.endpoint(context.endpointPath ?? "NotFound", request.method, status)
            endpoint.counter.increment()
            endpoint.errorCounter.increment()
            throw error
        }
    }
}

/// The meters, counters and timers of ``RequestMetricsMiddleware``, made once per method and per route, method and
/// status.
final class RequestMetrics: Sendable {
    /// The process's: a series is the same whichever middleware or handler counts it.
    static let shared = RequestMetrics()

    struct Endpoint: Sendable {
        let counter: Counter
        let timer: Metrics.Timer
        let errorCounter: Counter
    }
    private struct EndpointKey: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }
    private let meters = Mutex<[HTTPRequest.Method: Meter]>([:])
    private let endpoints = Mutex<[EndpointKey: Endpoint]>([:])

    /// Counts and times a request answered outside the router (``HotRangeHandler``).
    func record(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status, nanoseconds: Int64) {
        let endpoint = endpoint(route, method, status)
        endpoint.counter.increment()
        endpoint.timer.recordNanoseconds(nanoseconds)
    }

    func active(_ method: HTTPRequest.Method) -> Meter {
        meters.withLock { meters in
            if let meter = meters[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
            meters[method] = meter
            return meter
        }
    }

    func endpoint(_ route: String, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status) -> Endpoint {
        let key = EndpointKey(route: route, method: method, status: status)
        return endpoints.withLock { endpoints in
            if let endpoint = endpoints[key] { return endpoint }
            let code = String(status.code)
            let endpoint = Endpoint(
                counter: Counter(label: "hb.requests", dimensions: [
                    ("http.route", route), ("http.request.method", method.rawValue), ("http.response.status_code", code),
                ]),
                timer: Metrics.Timer(label: "http.server.request.duration", dimensions: [
                    ("http.route", route), ("http.request.method", method.rawValue), ("http.response.status_code", code),
                ], preferredDisplayUnit: .seconds),
                errorCounter: Counter(label: "hb.request.errors", dimensions: [
                    ("http.route", route), ("http.request.method", method.rawValue), ("error.type", code),
                ])
            )
            endpoints[key] = endpoint
            return endpoint
        }
    }
}
