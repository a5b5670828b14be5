public import Logging
public import ServiceLifecycle

/// Runs ``UploadStore/removeExpired()`` every `interval` until graceful shutdown.
public struct UploadCleanupService: Service {
    let store: UploadStore
    let interval: Duration
    let logger: Logger

    public init(store: UploadStore, interval: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                do {
                    let report = try await store.removeExpired()
                    if report.expired + report.forgotten > 0 {
                        logger.info("Upload cleanup", metadata: ["expired": "\(report.expired)", "forgotten": "\(report.forgotten)"])
                    }
                } catch {
                    logger.error("Upload cleanup failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
