import ArgumentParser
import Crypto
import Foundation
import MediaIndex
import Metrics
import ReviewDomain
import ReviewStore

/// `obsreview worker`: claims indexing jobs and indexes each recording in a child process.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Index stored recordings: claim indexing jobs and run each in a child process with a time limit.",
        discussion: """
            Each recording is indexed by a child `obsreview index` process (probe, keyframes, thumbnails, proxy), so a \
            demuxer that crashes or hangs on a malformed file fails that job, never the worker. A file FFmpeg cannot \
            index is rejected with the reason; a crash or a timeout is retried with back-off and, after the last \
            attempt, rejects the recording.
            """
    )

    @OptionGroup var options: DatabaseOptions
    @Option(help: "The data folder (blobs are resolved against it; media go to DATA/media).") var data = "./data"
    @Option(help: "Seconds a child may take before it is killed.") var timeout: Double = 1800
    @Option(help: "Seconds between polls when no job is due.") var poll: Double = 2
    @Flag(help: "Work until no job is due, then exit (for scripts and cron).") var once = false

    func run() async throws {
        try await options.withStore { store in
            try await IndexingWorker(store: store, dataDirectory: URL(fileURLWithPath: data), timeout: timeout)
                .run(poll: .seconds(poll), stopWhenIdle: once)
        }
    }
}

/// One worker: claims a job, runs the child, records the outcome.
struct IndexingWorker {
    let store: ReviewStore
    let dataDirectory: URL
    let timeout: Double
    let name = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"

    /// Works until cancelled, or with `stopWhenIdle` until no job is due. Expired leases (a worker that died)
    /// are returned to the queue first in every round. An error in a round goes to `onError` and the loop
    /// carries on after `poll`; without `onError` it ends the loop.
    func run(poll: Duration, stopWhenIdle: Bool = false, onError: (@Sendable (any Error) -> Void)? = nil) async throws {
        while !Task.isCancelled {
            do {
                try await store.jobs.reclaimExpiredLeases(now: Date())
                if try await runOne() { continue }
            } catch {
                guard let onError else { throw error }
                onError(error)
            }
            if stopWhenIdle { return }
            try await Task.sleep(for: poll)
        }
    }

    /// Processes one due job; false when none was due.
    func runOne() async throws -> Bool {
        guard let job = try await store.jobs.claim(kinds: [.indexRecording], worker: name, leaseSeconds: Int(timeout) + 60, now: Date()) else {
            return false
        }
        let payload: IndexJobPayload
        do { payload = try job.decodePayload(as: IndexJobPayload.self) } catch {
            _ = try await store.jobs.fail(job.id, worker: name, error: "unreadable job payload: \(error)", retryable: false, now: Date())
            return true
        }
        if try await store.recordings.find(payload.recordingID)?.status == .stored {
            try await store.beginIndexing(payload.recordingID)
        }
        let blob = payload.blobPath.hasPrefix("/") ? URL(fileURLWithPath: payload.blobPath) : dataDirectory.appendingPathComponent(payload.blobPath)
        let media = dataDirectory.appendingPathComponent("media").appendingPathComponent(payload.recordingID.description)
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        let progressFile = media.appendingPathComponent(".progress")
        defer { try? FileManager.default.removeItem(at: progressFile) }
        let started = ContinuousClock.now
        defer { Timer(label: "obsreview_index_job_duration_seconds", preferredDisplayUnit: .seconds).record(duration: ContinuousClock.now - started) }
        let outcome = try await ChildProcess.run(
            arguments: ["index", "--json", "--keyframes", "--thumbnails", media.path, "--proxy", media.path, "--progress-file", progressFile.path, blob.path],
            timeout: timeout
        ) {
            // Every second: the proxy's progress onto the job, for the API and the player page.
            guard let text = try? String(contentsOf: progressFile, encoding: .utf8),
                let fraction = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
            try? await store.reportProgress(of: job.id, fraction)
        }
        switch outcome {
        case .finished(let status, let output) where status <= 1:
            let line = output.split(separator: "\n").first.map(String.init) ?? ""
            guard let report = try? JSONDecoder().decode(IndexReport.self, from: Data(line.utf8)) else {
                try await retryOrReject(job, payload, "the indexer printed no report (exit status \(status))")
                return true
            }
            if report.format == nil {
                // FFmpeg could not index the file: that is final, and the message says what to do.
                try await store.rejectRecording(payload.recordingID, reason: report.error?.message ?? "The file could not be indexed.")
            } else {
                // Indexed; a proxy that could not be made stays visible as the report's error (stage `proxy`).
                try await store.finishIndexing(payload.recordingID, report: line)
            }
            try await store.jobs.complete(job.id, worker: name, now: Date())
            Counter(label: "obsreview_index_jobs_total", dimensions: [("outcome", report.format == nil ? "rejected" : "ready")]).increment()
        case .finished(let status, _):
            try await retryOrReject(job, payload, "the indexer exited with status \(status)")
        case .crashed(let signal):
            try await retryOrReject(job, payload, "the indexer crashed (signal \(signal)) on this file")
        case .timedOut:
            try await retryOrReject(job, payload, String(format: "indexing took longer than %.0f s and was stopped", timeout))
        }
        return true
    }

    /// A crash or a timeout may be passing (memory, load): retry with back-off; after the last attempt the
    /// recording is rejected with what happened.
    private func retryOrReject(_ job: Job, _ payload: IndexJobPayload, _ what: String) async throws {
        Counter(label: "obsreview_index_jobs_total", dimensions: [("outcome", "failed")]).increment()
        let failed = try await store.jobs.fail(job.id, worker: name, error: what, retryable: true, now: Date())
        if failed.state == .dead {
            try await store.rejectRecording(
                payload.recordingID,
                reason: "The recording could not be indexed: \(what), \(failed.attempts) times. The file may be damaged: upload it again from the original.")
        }
    }
}

/// Runs `obsreview` itself as a child process with a time limit; its standard output goes to a temporary file
/// (a pipe could fill and block the child).
enum ChildProcess {
    enum Outcome: Sendable {
        case finished(status: Int32, output: String)
        case crashed(signal: Int32)
        case timedOut
    }

    /// Runs the child; `everySecond` is called about once a second while it runs.
    static func run(arguments: [String], timeout: Double, everySecond: (() async -> Void)? = nil) async throws -> Outcome {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-child-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output.path])
        }
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        var timedOut = false
        var nextTick = ContinuousClock.now + .seconds(1)
        while process.isRunning {
            if let everySecond, ContinuousClock.now >= nextTick {
                await everySecond()
                nextTick = ContinuousClock.now + .seconds(1)
            }
            if ContinuousClock.now >= deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        if timedOut { return .timedOut }
        if process.terminationReason == .uncaughtSignal { return .crashed(signal: process.terminationStatus) }
        return .finished(status: process.terminationStatus, output: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
