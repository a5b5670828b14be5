import Foundation
public import Logging
public import ReviewStore
public import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown; a failure is logged and the next round comes anyway.
public struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable (Logger) async throws -> Void

    public init(name: String, interval: Duration, logger: Logger, work: @escaping @Sendable (Logger) async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.work = work
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
                    try await work(logger)
                } catch {
                    logger.error("\(name) failed", metadata: ["error": "\(error)"])
                }
                // A pass may have taken rights away (routing expires assignments, retention erases): remembered access
                // decisions stop counting (decision 22).
                AccessEpoch.advance()
            }
        }
    }
}

extension PeriodicService {
    /// Removes expired uploads (``UploadStore/removeExpired()``).
    static func uploadCleanup(_ store: UploadStore, interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "Upload cleanup", interval: interval, logger: logger) { logger in
            let report = try await store.removeExpired()
            if report.expired + report.forgotten > 0 {
                logger.info("Upload cleanup", metadata: ["expired": "\(report.expired)", "forgotten": "\(report.forgotten)"])
            }
        }
    }

    /// Removes blobs that no recording refers to any more (an erased recording, an upload whose recording was never
    /// made) once they are older than `grace`.
    static func blobCollection(_ store: ReviewStore, blobs: any BlobStore, grace: TimeInterval, interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "Blob collection", interval: interval, logger: logger) { logger in
            let removed = try await BlobCollector(store: store, blobs: blobs, grace: grace).collect()
            if !removed.isEmpty { logger.info("Unreferenced blobs removed", metadata: ["count": "\(removed.count)"]) }
        }
    }

    /// A routing pass (``ReviewStore/route(cases:trigger:at:)``): overdue assignments expire and their cases are
    /// re-routed, due calibration cases open, and cases waiting for moderators get them as moderators become free.
    public static func routing(_ store: ReviewStore, interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "Routing pass", interval: interval, logger: logger) { logger in
            let report = try await store.moderation.route(trigger: "schedule")
            let assigned = report.routed.reduce(0) { $0 + $1.assigned.count }
            if assigned + report.expired.count + report.calibrationCasesOpened.count > 0 {
                logger.info("Routing pass", metadata: [
                    "assigned": "\(assigned)", "expired": "\(report.expired.count)",
                    "calibration_cases": "\(report.calibrationCasesOpened.count)",
                    "short": "\(report.routed.filter { $0.problem != nil }.count)",
                ])
            }
        }
    }

    /// The retention pass (``ReviewStore/retentionPass(policy:now:dryRun:by:)``), then the files it leaves; the kept list
    /// pages and the kept heads of ranges (which name the files) are emptied when it deleted anything (they would never
    /// be served again, but would hold what was deleted).
    static func retention(
        _ store: ReviewStore, policy: RetentionPolicy, data: DataLayout, listPages: ListPageCache, hotRanges: HotRanges? = nil, interval: Duration,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) -> PeriodicService {
        PeriodicService(name: "Retention pass", interval: interval, logger: logger) { logger in
            let report = try await store.dataProtection.retentionPass(policy: policy, now: now(), dryRun: false)
            let files = try await data.remove(report.files)
            if !report.items.isEmpty {
                listPages.removeAll()
                hotRanges?.removeAll()
                logger.info("Retention pass", metadata: ["deleted": "\(report.items.count)", "files": "\(files)",
                                                         "by_type": "\(report.counts.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: ","))"])
            }
        }
    }
}
