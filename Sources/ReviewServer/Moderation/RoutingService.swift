public import Logging
public import ReviewStore
public import ServiceLifecycle

/// Runs a routing pass every `interval` until graceful shutdown: overdue assignments expire and their cases are
/// re-routed, due calibration cases open, and cases waiting for moderators get them as moderators become free.
public struct RoutingService: Service {
    let store: ReviewStore
    let interval: Duration
    let logger: Logger

    public init(store: ReviewStore, interval: Duration, logger: Logger) {
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
                    let report = try await store.route(trigger: "schedule")
                    let assigned = report.routed.reduce(0) { $0 + $1.assigned.count }
                    if assigned + report.expired.count + report.calibrationCasesOpened.count > 0 {
                        logger.info("Routing pass", metadata: [
                            "assigned": "\(assigned)", "expired": "\(report.expired.count)",
                            "calibration_cases": "\(report.calibrationCasesOpened.count)",
                            "short": "\(report.routed.filter { $0.problem != nil }.count)",
                        ])
                    }
                } catch {
                    logger.error("Routing pass failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
