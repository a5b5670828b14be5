public import Foundation
import Metrics
import NIOFileSystem
import ReviewDomain
public import ReviewServer
public import ReviewStore
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// One worker: claims an indexing job, runs the child indexer (`INDEXER index --json …`, see ``ChildProcess`` and
/// ``ChildSandbox``) on the recording's original, records the outcome. It reaches MediaIndex only through that child.
public struct IndexingWorker: Sendable {
    public let store: ReviewStore
    public let data: DataLayout
    public var limits = IndexingLimits()
    /// The executable whose `index` subcommand indexes a file (``IndexerLocation``).
    public var indexer: URL
    /// The lease owner's name: host and process id, so that a worker on the same host can tell that this one is gone.
    public var name = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    /// A job's lease: short, and renewed every ``heartbeat`` while its child runs, so that a worker that stops anywhere
    /// (another machine included) gives its job back within a minute and a half, not after the index timeout.
    public var leaseSeconds = 90
    public var heartbeat: Duration = .seconds(30)

    public init(store: ReviewStore, data: DataLayout, limits: IndexingLimits = IndexingLimits(), indexer: URL) {
        self.store = store
        self.data = data
        self.limits = limits
        self.indexer = indexer
    }

    /// Works until graceful shutdown or cancellation, or with `stopWhenIdle` until no job is due. Expired leases (a
    /// worker that died) are returned to the queue first in every round, and recordings whose jobs have died become
    /// `rejected`. An error in a round goes to `onError` and the loop carries on after `poll`; without `onError` it
    /// ends the loop.
    public func run(poll: Duration, stopWhenIdle: Bool = false, onError: (@Sendable (any Error) -> Void)? = nil) async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await store.jobs.reclaimExpiredLeases(now: Date())
                try await releaseLeasesOfEndedWorkers()
                try await store.ingest.rejectRecordingsOfDeadJobs()
                if try await runOne() { continue }
            } catch is CancellationError {
                return  // stopping: not an error
            } catch {
                guard let onError else { throw error }
                onError(error)
            }
            if stopWhenIdle { return }
            // Idle: wait for the next poll, or less if the process is asked to stop.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) }
        }
    }

    /// Jobs leased by a worker process of this host that no longer exists (killed with its server, say) go back to
    /// the queue now rather than when their lease runs out. Workers on other hosts are left to their leases: their
    /// processes cannot be seen from here.
    func releaseLeasesOfEndedWorkers() async throws {
        let host = ProcessInfo.processInfo.hostName + "-"
        for owner in try await store.ingest.leaseOwnersOfRunningJobs() where owner.hasPrefix(host) && owner != name {
            guard let pid = Int32(owner.dropFirst(host.count)), pid > 0, kill(pid, 0) != 0, errno == ESRCH else { continue }
            try await store.ingest.releaseLeases(heldBy: owner)
        }
    }

    /// Processes one due job; false when none was due.
    public func runOne() async throws -> Bool {
        guard let job = try await store.jobs.claim(kinds: [.indexRecording], worker: name, leaseSeconds: leaseSeconds, now: Date()) else {
            return false
        }
        let payload: IndexJobPayload
        do { payload = try job.decodePayload(as: IndexJobPayload.self) } catch {
            _ = try await store.jobs.fail(job.id, worker: name, error: "unreadable job payload: \(error)", retryable: false, now: Date())
            return true
        }
        guard let recording = try await store.records.recordings.find(payload.recordingID) else {
            _ = try await store.jobs.fail(job.id, worker: name, error: "the recording no longer exists", retryable: false, now: Date())
            return true
        }
        if recording.status == .stored {
            try await store.ingest.beginIndexing(payload.recordingID)
        }
        guard let key = BlobKey(payload.blobKey), try await data.blobs.contains(key) else {
            try await store.jobs.complete(job.id, worker: name, now: Date())
            try await store.ingest.rejectRecording(
                payload.recordingID, reason: "The recording's original file is missing from the server: upload it again.", code: IndexFailureCode.blobMissing)
            return true
        }
        let media = URL(fileURLWithPath: data.media.appending(payload.recordingID.description).string)
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // This job is ours (leased): whatever an earlier, killed attempt left here is stale.
        Self.removeLeftovers(in: media)
        let progressFile = media.appendingPathComponent(".progress")
        defer { try? FileManager.default.removeItem(at: progressFile) }
        let started = ContinuousClock.now
        defer { Timer(label: "obsreview_index_job_duration_seconds", preferredDisplayUnit: .seconds).record(duration: ContinuousClock.now - started) }
        let timeout = limits.timeout(forBytes: recording.byteCount)
        let outcome: ChildProcess.Outcome
        let blob: String
        do {
            // FFmpeg reads files: the blob itself from a folder, a scratch copy (deleted after) from a bucket. The lease is
            // renewed from the claim on, while a large copy downloads too.
            (outcome, blob) = try await withLease(of: job) { lease in
                try await data.blobs.withLocalFile(key) { path in
                    (try await runChild(media: media, progressFile: progressFile, blob: path, timeout: timeout, job: job, lease: lease), path.string)
                }
            }
        } catch let error as ObjectStorageError {
            // The bucket did not answer or the copy failed: a passing problem, retried with back-off like a crash.
            try await retryOrReject(job, payload, "the original could not be read from the object store (\(error.status.map { "HTTP \($0)" } ?? "no answer"))", media: media)
            return true
        } catch is CancellationError {
            // Cancelled (the process is ending hard): the child was killed. The lease is given back if the database still
            // answers a cancelled task; otherwise it runs out, or the next worker on this host sees this one is gone.
            Self.removeLeftovers(in: media)
            _ = try? await store.ingest.releaseLeases(heldBy: name, refundingAttempt: true)
            throw CancellationError()
        }
        switch outcome {
        case .abandoned:
            // Another worker holds the job now: leave its folder and its result to it.
            return true
        case .stopped:
            // Asked to stop (SIGTERM, a deploy): the job goes back to the queue now, without using an attempt, instead of
            // waiting for its lease; the child was killed with its partial output.
            Self.removeLeftovers(in: media)
            try await store.ingest.releaseLeases(heldBy: name, refundingAttempt: true)
            return true
        default:
            break
        }
        // A worker that was paused or cut off past its lease must not write a result over the worker that took the job
        // over: renewing the lease is the check (it fails once another worker holds it).
        guard await renewLease(of: job) else { return true }
        switch outcome {
        case .abandoned, .stopped:
            return true
        case .finished(let status, let output) where status <= 1:
            guard let report = IndexReportDocument(json: output) else {
                try await retryOrReject(job, payload, "the indexer printed no report (exit status \(status))", media: media)
                return true
            }
            if !report.isIndexed {
                // FFmpeg could not index the file: that is final, and the message says what to do.
                // Messages name the recording's own file, never the blob's path on this server.
                let reason = (report.failure?.message ?? "The file could not be indexed.").replacingOccurrences(of: blob, with: recording.fileName)
                try await store.ingest.rejectRecording(payload.recordingID, reason: reason, code: IndexFailureCode.wire(report.failure?.code ?? "notMedia"))
                Self.removeLeftovers(in: media)
            } else {
                // Indexed; a proxy that could not be made stays visible as the report's error (stage `proxy`).
                try await store.ingest.finishIndexing(payload.recordingID, report: report.naming(recording.fileName).json)
            }
            try await store.jobs.complete(job.id, worker: name, now: Date())
            Counter(label: "obsreview_index_jobs_total", dimensions: [("outcome", report.isIndexed ? "ready" : "rejected")]).increment()
        case .finished(let status, _):
            try await retryOrReject(job, payload, "the indexer exited with status \(status)", media: media)
        case .crashed(let signal):
            let what = signal == SIGXCPU || signal == SIGKILL || signal == SIGSEGV || signal == SIGABRT
                ? "the indexer ran out of its memory or CPU allowance, or crashed (signal \(signal)), on this file"
                : "the indexer crashed (signal \(signal)) on this file"
            try await retryOrReject(job, payload, what, media: media)
        case .timedOut:
            try await retryOrReject(job, payload, String(format: "indexing took longer than %.0f s and was stopped", timeout), media: media)
        }
        return true
    }

    /// The child indexer on `blob`, writing into `media`, its progress reported onto the job every second; it is
    /// ended when the lease is lost.
    private func runChild(media: URL, progressFile: URL, blob: FilePath, timeout: Double, job: Job, lease: Lease) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            indexer,
            arguments: [
                "index", "--json", "--keyframes", "--thumbnails", media.path, "--proxy", media.path, "--progress-file", progressFile.path,
            ] + ChildSandbox(childOfThisProcessUnder: limits).arguments + [blob.string],
            workingDirectory: media, timeout: timeout
        ) {
            // Another worker has the job when the lease cannot be renewed: stop, and leave its folder to it.
            if lease.isLost { return false }
            if let text = try? String(contentsOf: progressFile, encoding: .utf8),
                let fraction = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                try? await store.jobs.reportProgress(of: job.id, fraction)
            }
            return true
        }
    }

    /// A crash or a timeout may be passing (memory, load): retry with back-off; after the last attempt the
    /// recording is rejected with what happened. Partial output is removed either way.
    private func retryOrReject(_ job: Job, _ payload: IndexJobPayload, _ what: String, media: URL) async throws {
        Self.removeLeftovers(in: media)
        Counter(label: "obsreview_index_jobs_total", dimensions: [("outcome", "failed")]).increment()
        let failed = try await store.jobs.fail(job.id, worker: name, error: what, retryable: true, now: Date())
        if failed.state == .dead {
            try await store.ingest.rejectRecording(
                payload.recordingID,
                reason: """
                    The recording could not be indexed: \(what), \(failed.attempts) times. The original is kept: use \
                    "Index again" on the recording's page after a passing problem, or upload the file again if it may be damaged.
                    """, code: IndexFailureCode.indexingFailed)
        }
    }
}
