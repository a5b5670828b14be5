public import Hummingbird

/// `GET /healthz`: 200 `{"status":"ok"}` while the process serves requests.
public struct HealthController: Sendable {
    public init() {}

    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("healthz") { _, _ in Health(status: "ok") }
    }

    struct Health: ResponseEncodable {
        let status: String
    }
}
