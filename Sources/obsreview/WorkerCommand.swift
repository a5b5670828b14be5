import ArgumentParser
import Crypto
import Foundation
import MediaIndex
import Metrics
import NIOFileSystem
import ReviewDomain
import ReviewServer
import ReviewStore
import Synchronization

/// `obsreview worker`: claims indexing jobs and indexes each recording in a child process.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Index stored recordings: claim indexing jobs and run each in a child process with a time limit.",
        discussion: """
            Each recording is indexed by a child `obsreview index` process (probe, keyframes, thumbnails, proxy) with \
            resource limits and no credentials in its environment, so a demuxer that crashes, hangs or balloons on a \
            malformed file fails that job, never the worker. A file FFmpeg cannot index is rejected with the reason; a \
            crash or a timeout is retried with back-off and, after the last attempt, rejects the recording.
            """
    )

    @OptionGroup var options: DatabaseOptions
    @Option(help: "The data folder (relative to the working directory or absolute; blobs are found in DATA/blobs by key, media go to DATA/media).")
    var data = "./data"
    @Option(help: "The most seconds a child may take (the limit grows with the file's size up to this).") var timeout: Double = 1800
    @Option(help: "Seconds between polls when no job is due.") var poll: Double = 2
    @Flag(help: "Work until no job is due, then exit (for scripts and cron).") var once = false
    @OptionGroup var objectStorage: ObjectStorageOptions

    func run() async throws {
        let layout = try objectStorage.layout(data: data)
        IndexingWorker.removeStrayFiles(in: layout)
        // A round that fails (the database out of reach, a job another worker finished first) is reported and the
        // worker carries on; with --once it stops at the first.
        let onError: (@Sendable (any Error) -> Void)? = once ? nil : Self.reportError
        let (limits, poll, once) = (IndexingLimits(timeoutCap: timeout), poll, once)
        try await options.withStore { (store: ReviewStore) async throws -> Void in
            try await IndexingWorker(store: store, data: layout, limits: limits).run(poll: .seconds(poll), stopWhenIdle: once, onError: onError)
        }
    }

    /// A failed round, on standard error (the worker's log).
    @Sendable static func reportError(_ error: any Error) {
        FileHandle.standardError.write(Data("worker: \(String(describing: error))\n".utf8))
    }
}

/// What a child indexer may use. The time limit scales with the file's size (a minute per 200 MB on top of five
/// minutes), capped, rather than a fixed half hour for every file.
struct IndexingLimits: Sendable {
    var timeoutCap: Double = 1800
    var baseSeconds: Double = 300
    var secondsPerMegabyte: Double = 0.3
    var addressSpaceBytes: UInt64 = 2 << 30
    var cpuSeconds: UInt64 = 2 * 3600
    var fileBytes: UInt64 = 8 << 30
    var openFiles: UInt64 = 256

    func timeout(forBytes bytes: Int64?) -> Double {
        min(timeoutCap, baseSeconds + Double(bytes ?? 0) / 1_000_000 * secondsPerMegabyte)
    }
}

/// One worker: claims a job, runs the child, records the outcome.
struct IndexingWorker {
    let store: ReviewStore
    let data: DataLayout
    var limits = IndexingLimits()
    let name = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"

    /// Works until cancelled, or with `stopWhenIdle` until no job is due. Expired leases (a worker that died)
    /// are returned to the queue first in every round, and recordings whose jobs have died become `rejected`.
    /// An error in a round goes to `onError` and the loop carries on after `poll`; without `onError` it ends the
    /// loop.
    func run(poll: Duration, stopWhenIdle: Bool = false, onError: (@Sendable (any Error) -> Void)? = nil) async throws {
        while !Task.isCancelled {
            do {
                try await store.jobs.reclaimExpiredLeases(now: Date())
                try await releaseLeasesOfEndedWorkers()
                try await store.ingest.rejectRecordingsOfDeadJobs()
                if try await runOne() { continue }
            } catch let error as StoreError where error.cause is CancellationError {
                return  // stopping: the store reports a cancelled query as unavailable, with the cancellation as its cause
            } catch is CancellationError {
                return  // stopping: not an error
            } catch {
                guard let onError else { throw error }
                onError(error)
            }
            if stopWhenIdle { return }
            try await Task.sleep(for: poll)
        }
    }

    /// Jobs leased by a worker process of this host that no longer exists (killed with its server, say) go back to
    /// the queue now rather than when their lease runs out half an hour later. Workers on other hosts are left to
    /// their leases: their processes cannot be seen from here.
    func releaseLeasesOfEndedWorkers() async throws {
        let host = ProcessInfo.processInfo.hostName + "-"
        for owner in try await store.ingest.leaseOwnersOfRunningJobs() where owner.hasPrefix(host) && owner != name {
            guard let pid = Int32(owner.dropFirst(host.count)), pid > 0, kill(pid, 0) != 0, errno == ESRCH else { continue }
            try await store.ingest.releaseLeases(heldBy: owner)
        }
    }

    /// Processes one due job; false when none was due.
    func runOne() async throws -> Bool {
        guard let job = try await store.jobs.claim(kinds: [.indexRecording], worker: name, leaseSeconds: Self.leaseSeconds, now: Date()) else {
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
            // renewed while a large copy downloads too (the child's own heartbeat starts only with the child).
            let (store, name, jobID) = (store, name, job.id)
            let renewal = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(Self.heartbeatSeconds))
                    try? await store.jobs.heartbeat(jobID, worker: name, leaseSeconds: Self.leaseSeconds, now: Date())
                }
            }
            defer { renewal.cancel() }
            let ran = try await data.blobs.withLocalFile(key) { path in
                (outcome: try await runChild(job: job, media: media, progressFile: progressFile, blob: path, timeout: timeout), blob: path.string)
            }
            outcome = ran.outcome
            blob = ran.blob
        } catch let error as ObjectStorageError {
            // The bucket did not answer or the copy failed: a passing problem, retried with back-off like a crash.
            try await retryOrReject(job, payload, "the original could not be read from the object store (\(error.status.map { "HTTP \($0)" } ?? "no answer"))", media: media)
            return true
        } catch is CancellationError {
            // Asked to stop (SIGTERM, a deploy): the job goes back to the queue now, without using an attempt, instead of
            // waiting half an hour for its lease; the child was killed with its partial output.
            Self.removeLeftovers(in: media)
            // In a task of its own: this one is cancelled, and the database client would refuse to start its query.
            let (store, name) = (store, name)
            _ = await Task.detached { try? await store.ingest.releaseLeases(heldBy: name, refundingAttempt: true) }.value
            throw CancellationError()
        }
        // A worker that was paused or cut off past its lease must not write a result over the worker that took the job
        // over: renewing the lease is the check (it fails once another worker holds it).
        if case .abandoned = outcome { return true }
        guard await renewLease(of: job) else { return true }
        switch outcome {
        case .abandoned:
            return true
        case .finished(let status, let output) where status <= 1:
            let line = output.split(separator: "\n").first.map(String.init) ?? ""
            guard var report = try? JSONDecoder().decode(IndexReport.self, from: Data(line.utf8)) else {
                try await retryOrReject(job, payload, "the indexer printed no report (exit status \(status))", media: media)
                return true
            }
            if report.format == nil {
                // FFmpeg could not index the file: that is final, and the message says what to do.
                // Messages name the recording's own file, never the blob's path on this server.
                let reason = (report.error?.message ?? "The file could not be indexed.").replacingOccurrences(of: blob, with: recording.fileName)
                try await store.ingest.rejectRecording(payload.recordingID, reason: reason, code: IndexFailureCode.wire(report.error?.code ?? "notMedia"))
                Self.removeLeftovers(in: media)
            } else {
                // Indexed; a proxy that could not be made stays visible as the report's error (stage `proxy`). The
                // report names the recording's own file, never a path on this server.
                report.file = recording.fileName
                if var proxy = report.proxy {
                    proxy.file = URL(fileURLWithPath: proxy.file).lastPathComponent
                    report.proxy = proxy
                }
                try await store.ingest.finishIndexing(payload.recordingID, report: JSONLines.line(report))
            }
            try await store.jobs.complete(job.id, worker: name, now: Date())
            Counter(label: "obsreview_index_jobs_total", dimensions: [("outcome", report.format == nil ? "rejected" : "ready")]).increment()
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

    /// Renews the job's lease; false only when another worker holds it now (a database out of reach for a moment is
    /// not a lost lease: the lease has a minute in hand).
    private func renewLease(of job: Job) async -> Bool {
        do {
            try await store.jobs.heartbeat(job.id, worker: name, leaseSeconds: Self.leaseSeconds, now: Date())
            return true
        } catch {
            return error.code != .leaseLost
        }
    }

    /// A job's lease: short, and renewed every ``heartbeatSeconds`` while its child runs, so that a worker that stops
    /// anywhere (another machine included) gives its job back within a minute and a half, not after the index timeout.
    static let leaseSeconds = 90
    static let heartbeatSeconds = 30.0

    /// The child indexer on `blob`, writing into `media`, its progress reported onto the job every second and its
    /// lease renewed every ``heartbeatSeconds``.
    private func runChild(job: Job, media: URL, progressFile: URL, blob: FilePath, timeout: Double) async throws -> ChildProcess.Outcome {
        let lastBeat = Mutex(ContinuousClock.now)
        return try await ChildProcess.run(
            arguments: [
                "index", "--json", "--keyframes", "--thumbnails", media.path, "--proxy", media.path, "--progress-file", progressFile.path,
                "--parent-process", String(getpid()), "--limit-memory", String(limits.addressSpaceBytes),
                "--limit-cpu-seconds", String(limits.cpuSeconds), "--limit-file-bytes", String(limits.fileBytes),
                "--limit-open-files", String(limits.openFiles), blob.string,
            ],
            workingDirectory: media, timeout: timeout
        ) {
            let due = lastBeat.withLock { last in
                guard ContinuousClock.now - last >= .seconds(Self.heartbeatSeconds) else { return false }
                last = ContinuousClock.now
                return true
            }
            // Another worker has the job when the lease cannot be renewed: stop, and leave its folder to it.
            if due, !(await renewLease(of: job)) { return false }
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

    /// Deletes what a failed or killed child left in a recording's media folder (a partial proxy, thumbnails).
    /// Captions (added by people to a ready recording) are kept.
    static func removeLeftovers(in media: URL) {
        guard let walker = FileManager.default.enumerator(atPath: media.path) else { return }
        while let relative = walker.nextObject() as? String {
            let path = media.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                path.lastPathComponent != "captions.vtt" else { continue }
            try? FileManager.default.removeItem(at: path)
        }
    }

    /// At start: temporary files that a killed process left behind (`.proxy-*.partial.*`, Foundation's
    /// `.dat.nosync*` from atomic writes, `.progress`, scratch copies of blobs) anywhere under `media/`, `uploads/`
    /// and `scratch/`, when older than
    /// an hour (another process may be writing a younger one).
    static func removeStrayFiles(in layout: DataLayout, olderThan age: TimeInterval = 3600) {
        let manager = FileManager.default
        let cutoff = Date().addingTimeInterval(-age)
        for folder in [layout.media.string, layout.uploads.string, layout.scratch.string] {
            guard let walker = manager.enumerator(atPath: folder) else { continue }
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                guard name.contains(".partial") || name.contains(".dat.nosync") || name == ".progress" else { continue }
                let path = (folder as NSString).appendingPathComponent(relative)
                guard let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < cutoff else { continue }
                try? manager.removeItem(atPath: path)
            }
        }
    }
}

/// Runs `obsreview` itself as a child process with a time limit, in its own process group and with an
/// allow-listed environment; its standard output goes to a temporary file (a pipe could fill and block the child).
enum ChildProcess {
    enum Outcome: Sendable {
        case finished(status: Int32, output: String)
        case crashed(signal: Int32)
        case timedOut
        /// `everySecond` said to stop (the job's lease was lost): the child was killed.
        case abandoned
    }

    /// The only environment a child gets: no database URL, no credentials.
    static let environment: [String: String] = {
        var allowed = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        if let tmp = ProcessInfo.processInfo.environment["TMPDIR"] { allowed["TMPDIR"] = tmp }
        return allowed
    }()

    /// Runs the child; `everySecond` is called about once a second while it runs, and ends it by answering false.
    static func run(arguments: [String], workingDirectory: URL? = nil, timeout: Double, everySecond: (() async -> Bool)? = nil) async throws -> Outcome {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-child-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: output.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output.path])
        }
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        var timedOut = false, abandoned = false
        var nextTick = ContinuousClock.now + .seconds(1)
        while process.isRunning {
            if let everySecond, ContinuousClock.now >= nextTick {
                abandoned = !(await everySecond())
                nextTick = ContinuousClock.now + .seconds(1)
            }
            if ContinuousClock.now >= deadline || Task.isCancelled || abandoned {
                timedOut = true
                // The child leads its own process group: end it and anything it started.
                kill(-process.processIdentifier, SIGKILL)
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        if timedOut {
            try Task.checkCancellation()
            return abandoned ? .abandoned : .timedOut
        }
        if process.terminationReason == .uncaughtSignal { return .crashed(signal: process.terminationStatus) }
        return .finished(status: process.terminationStatus, output: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
