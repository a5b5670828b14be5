public import Logging
public import ServiceLifecycle

/// The indexing worker as a service of the process's group (`serve` with its built-in worker, `obsreview worker`):
/// it waits for the store's migrations, then works until graceful shutdown, when it stops claiming and gives the job
/// in hand back to the queue (its child killed, no attempt used), before the store closes.
public struct IndexingWorkerService: Service {
    let worker: IndexingWorker
    let poll: Duration
    let stopWhenIdle: Bool
    let logger: Logger
    let waitUntilReady: @Sendable () async throws -> Void

    /// With `stopWhenIdle` the service returns once no job is due (`worker --once`); a failing round then ends it.
    public init(_ worker: IndexingWorker, poll: Duration, stopWhenIdle: Bool = false, logger: Logger,
                waitUntilReady: @escaping @Sendable () async throws -> Void = {}) {
        self.worker = worker
        self.poll = poll
        self.stopWhenIdle = stopWhenIdle
        self.logger = logger
        self.waitUntilReady = waitUntilReady
    }

    public func run() async throws {
        try await waitUntilReady()
        let logger = logger
        // A round that fails (the database out of reach, a job another worker finished first) is logged and the worker
        // carries on; with `stopWhenIdle` it stops at the first.
        let report: @Sendable (any Error) -> Void = { (error: any Error) in
            logger.error("indexing round failed", metadata: ["error": .string(String(describing: error))])
        }
        let onError = stopWhenIdle ? nil : report
        try await worker.run(poll: poll, stopWhenIdle: stopWhenIdle, onError: onError)
    }
}
