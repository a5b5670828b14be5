public import Foundation
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a child process with a time limit, in its own process group and with an allow-listed environment; its
/// standard output goes to a temporary file (a pipe could fill and block the child). The child of the indexing worker
/// is `obsreview index`, which limits itself further (``ChildSandbox``).
public enum ChildProcess {
    public enum Outcome: Sendable, Equatable {
        case finished(status: Int32, output: String)
        case crashed(signal: Int32)
        case timedOut
        /// `everySecond` said to stop (the job's lease was lost): the child was killed.
        case abandoned
        /// The process is shutting down gracefully (SIGTERM, a deploy): the child was killed.
        case stopped
    }

    /// The only environment a child gets: no database URL, no credentials.
    public static let environment: [String: String] = {
        var allowed = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        if let tmp = ProcessInfo.processInfo.environment["TMPDIR"] { allowed["TMPDIR"] = tmp }
        return allowed
    }()

    /// Runs `executable` with `arguments`; `everySecond` is called about once a second while it runs, and ends it by
    /// answering false. A graceful shutdown of the service running this ends the child too (``Outcome/stopped``);
    /// cancellation kills it and throws `CancellationError`.
    public static func run(
        _ executable: URL, arguments: [String], workingDirectory: URL? = nil, timeout: Double, everySecond: (() async -> Bool)? = nil
    ) async throws -> Outcome {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-child-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: output.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output.path])
        }
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        var ended: Outcome?
        var nextTick = ContinuousClock.now + .seconds(1)
        while process.isRunning {
            if let everySecond, ContinuousClock.now >= nextTick {
                if !(await everySecond()) { ended = .abandoned }
                nextTick = ContinuousClock.now + .seconds(1)
            }
            // The first reason found stands: a loop that ran late (two busy cores) finds the caller's giving up before a
            // deadline that passed meanwhile.
            if ended == nil, Task.isShuttingDownGracefully || Task.isCancelled { ended = .stopped }
            if ended == nil, ContinuousClock.now >= deadline { ended = .timedOut }
            if ended != nil {
                // The child leads its own process group (``ChildSandbox``): end it and anything it started.
                kill(-process.processIdentifier, SIGKILL)
                kill(process.processIdentifier, SIGKILL)
                // Waits for the killed child without holding one of the few cooperative threads (waitUntilExit would).
                while process.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        if let ended {
            try Task.checkCancellation()
            return ended
        }
        if process.terminationReason == .uncaughtSignal { return .crashed(signal: process.terminationStatus) }
        return .finished(status: process.terminationStatus, output: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
