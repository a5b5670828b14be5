import Foundation
import Hummingbird
import Metrics
import Prometheus
import ReviewStore

/// What operators and tools call: liveness, readiness, Prometheus metrics and the OpenAPI document.
struct OperationsController: Sendable {
    let store: ReviewStore

    func addRoutes(to router: Router<ReviewRequestContext>) {
        router.get("readyz", use: ready)
        router.get("metrics", use: metrics)
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }

    struct Ready: ResponseEncodable {
        let status: String
        let database: String
    }

    /// 200 when the database answers and every migration is applied; 503 with the reason otherwise.
    @Sendable func ready(_ request: Request, context: ReviewRequestContext) async throws -> Ready {
        let pending: [Int]
        do {
            pending = try await store.readiness().pendingMigrations
        } catch {
            context.logger.warning("not ready: \(String(reflecting: error))")
            throw APIError(.serviceUnavailable, code: .notReady, message: "The database cannot be reached: \(error)")
        }
        guard pending.isEmpty else {
            throw APIError(.serviceUnavailable, code: .notReady,
                           message: "The database lacks migrations \(pending): run `obsreview migrate` (or start a server that migrates).")
        }
        return Ready(status: "ready", database: store.backendName)
    }

    /// Prometheus text format: requests and their latency (by route), uploads, and jobs by state.
    @Sendable func metrics(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let registry = Observability.registry
        if let counts = try? await store.jobCounts() {
            for state in ["queued", "running", "done", "failed", "dead"] {
                Gauge(label: "obsreview_jobs", dimensions: [("state", state)]).record(Double(counts[state] ?? 0))
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}
