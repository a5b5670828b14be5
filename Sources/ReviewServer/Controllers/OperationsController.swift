import Foundation
import Hummingbird
import Metrics
import Prometheus
import ReviewStore

/// What operators and tools call: liveness, readiness, Prometheus metrics and the OpenAPI document.
struct OperationsController: Sendable {
    let store: ReviewStore
    /// The data folder whose upload folder must be writable, with free space above the reserve, and whose blob store
    /// (a folder or a bucket) must answer.
    var data: DataLayout? = nil
    var reservedFreeBytes: Int64 = 0

    func addRoutes(to router: Router<ReviewRequestContext>) {
        router.get("readyz", use: ready)
        router.get("metrics", use: metrics)
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data)))
        }
    }

    struct Ready: ResponseEncodable {
        let status: String
        let database: String
    }

    /// 200 when the database answers, every migration is applied, and the data folder can take files (its blob
    /// and upload folders exist and are writable, and its disk has more free space than the reserve); 503 with the
    /// reason otherwise, so that a load balancer sends no uploads to a server that would fail them.
    @Sendable func ready(_ request: Request, context: ReviewRequestContext) async throws -> Ready {
        let pending: [Int]
        do {
            pending = try await store.readiness().pendingMigrations
        } catch {
            context.logger.warning("not ready: \(String(reflecting: error))")
            throw APIError(.serviceUnavailable, code: .notReady, message: "The database cannot be reached (the server's log says why).")
        }
        if let problem = await storageProblem() {
            context.logger.warning("not ready: \(problem)")
            throw APIError(.serviceUnavailable, code: .notReady, message: problem)
        }
        guard pending.isEmpty else {
            throw APIError(.serviceUnavailable, code: .notReady,
                           message: "The database lacks migrations \(pending): run `obsreview migrate` (or start a server that migrates).")
        }
        return Ready(status: "ready", database: store.backendName)
    }

    /// Why the data folder or the blob store cannot take files now, or nil.
    func storageProblem() async -> String? {
        guard let data else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: data.uploads.string, isDirectory: &isDirectory), isDirectory.boolValue,
            FileManager.default.isWritableFile(atPath: data.uploads.string)
        else { return "The upload folder is missing or cannot be written to: check the data directory's mount and permissions." }
        if let problem = await data.blobs.problem() { return problem }
        if let free = UploadStore.freeBytes(at: data.uploads), free <= reservedFreeBytes {
            return "The data folder's disk is full (\(ByteSize(max(free, 0))) free, \(ByteSize(reservedFreeBytes)) kept in reserve): free some space."
        }
        return nil
    }

    /// Prometheus text format: requests and their latency (by route), uploads, jobs by state (the queue's depth is
    /// `obsreview_jobs{state="queued"}`) and how long the oldest due job has waited.
    @Sendable func metrics(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let registry = Observability.registry
        if let counts = try? await store.jobs.jobCounts() {
            for state in ["queued", "running", "done", "failed", "dead"] {
                Gauge(label: "obsreview_jobs", dimensions: [("state", state)]).record(Double(counts[state] ?? 0))
            }
        }
        if let wait = try? await store.jobs.oldestDueJobWait() {
            Gauge(label: "obsreview_jobs_oldest_due_seconds").record(wait)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}
