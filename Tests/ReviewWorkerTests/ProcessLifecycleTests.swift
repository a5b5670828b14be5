import Foundation
import ReviewStore
import SQLKit
import Testing

/// `obsreview serve` and `obsreview worker` as operators run them: the built binary, stopped with SIGTERM while a job
/// is in hand, and started against a database that is not there (decision 19).
@Suite(.serialized) struct ProcessLifecycleTests {
    /// A running `obsreview` with its log (standard output and error) in a file.
    final class Running {
        let process = Process()
        let log: URL

        init(_ binary: URL, _ arguments: [String], in folder: URL, environment: [String: String] = [:]) throws {
            log = folder.appendingPathComponent("log-\(UUID().uuidString).txt")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.executableURL = binary
            process.arguments = arguments
            process.currentDirectoryURL = folder
            process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OBSREVIEW_") }.merging(environment) { $1 }
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var text: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// Waits up to `seconds` for the process to exit; its status, or nil (then it is killed).
        func exitStatus(within seconds: Double) async -> Int32? {
            let ended = await eventually(within: seconds) { !process.isRunning }
            guard ended else {
                process.terminate()
                kill(process.processIdentifier, SIGKILL)
                return nil
            }
            process.waitUntilExit()
            return process.terminationStatus
        }

        /// The position of the first log line containing every one of `parts`, or nil.
        func line(_ parts: String...) -> Int? {
            text.split(separator: "\n").firstIndex { line in parts.allSatisfy { line.contains($0) } }
        }
    }

    /// A folder with the sample ratings imported and one recording waiting for indexing, and a stand-in indexer that
    /// writes its pid and hangs (so that the job is certainly in hand when the signal comes).
    func prepared() async throws -> (folder: URL, binary: URL, indexer: HangingIndexer) {
        let binary = try builtBinary()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-lifecycle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for arguments in [
            ["import", repositoryRoot.appendingPathComponent("samples/ratings.csv").path],
            ["ingest", repositoryRoot.appendingPathComponent("samples/observation-h264-aac.mp4").path, "--observation", "OBS-2026-0001"],
        ] {
            let step = try Running(binary, arguments, in: folder)
            guard await step.exitStatus(within: 60) == 0 else { throw TestFailure("obsreview \(arguments[0]) failed:\n\(step.text)") }
        }
        return (folder, binary, try HangingIndexer(in: folder))
    }

    struct JobRow: Sendable {
        let state: String
        let attempts: Int
        let owner: String?
    }

    /// The one job's state, attempts and lease owner, read through a store of its own on the process's database.
    func jobState(in folder: URL) async throws -> (state: String, attempts: Int, owner: String?) {
        let store = try ReviewStore(.sqlite(path: folder.appendingPathComponent("data/obsreview.sqlite").path))
        let job = try await store.run {
            try await store.withRawDatabase { db -> JobRow? in
                guard let row = try await db.raw("SELECT state, attempts, lease_owner FROM jobs").first() else { return nil }
                return JobRow(state: try row.decode(column: "state", as: String.self), attempts: try row.decode(column: "attempts", as: Int.self),
                              owner: try row.decode(column: "lease_owner", as: String?.self))
            }
        }
        guard let job else { throw TestFailure("no job") }
        return (job.state, job.attempts, job.owner)
    }

    @Test(arguments: ["serve", "worker"]) func sigtermWithAJobInHandStopsInOrderAndGivesTheJobBack(_ command: String) async throws {
        let (folder, binary, indexer) = try await prepared()
        defer { try? FileManager.default.removeItem(at: folder) }
        let arguments = command == "serve"
            ? ["serve", "--port", "0", "--indexer-path", indexer.executable.path]
            : ["worker", "--poll", "0.2", "--indexer-path", indexer.executable.path]
        let running = try Running(binary, arguments, in: folder)
        #expect(await eventually(within: 60) { indexer.hasStarted }, "no child started:\n\(running.text)")
        #expect(try await jobState(in: folder).state == "running")
        kill(running.process.processIdentifier, SIGTERM)
        let status = await running.exitStatus(within: 30)
        #expect(status == 0, "\(command) exited with \(status.map(String.init) ?? "nothing (killed after 30 s)"):\n\(running.text)")
        // No job lost: back in the queue at once, its attempt not used, nobody's lease.
        let job = try await jobState(in: folder)
        #expect(job.state == "failed" && job.attempts == 0 && job.owner == nil, "\(job)")
        #expect(!isRunning(try indexer.pid()), "the child indexer outlived the stop")
        // The declared order, read back from the log: started database → migrations → worker (→ periodic services →
        // server), stopped in reverse, the database last.
        let order = ["database", "migrations", "indexing worker"] + (command == "serve" ? ["upload clean-up", "routing pass"] : [])
        let started = try order.map { name in try #require(running.line("service started", "service=\(name)"), "\(name):\n\(running.text)") }
        let stopped = try order.map { name in try #require(running.line("service stopped", "service=\(name)"), "\(name):\n\(running.text)") }
        // The group starts them in this order, but each logs "started" from its own child task, so those lines may
        // interleave; stopping is one at a time, in reverse, and its lines are in order.
        #expect(started.count == order.count, "\(running.text)")
        #expect(stopped == stopped.sorted(by: >), "\(running.text)")
        if command == "serve" {
            #expect(running.line("listening") != nil, "the server never listened:\n\(running.text)")
        }
    }

    @Test func serveRefusesToStartWhenTheDatabaseCannotBeReached() async throws {
        let binary = try builtBinary()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-lifecycle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Port 1 on the loopback: nothing listens, the connection is refused at once.
        let running = try Running(binary, ["serve", "--port", "0", "--database-url", "postgres://obsreview:hunter2@127.0.0.1:1/obsreview"], in: folder)
        let status = await running.exitStatus(within: 60)
        #expect(status == 69, "serve exited with \(status.map(String.init) ?? "nothing (killed after 60 s)"):\n\(running.text)")
        let text = running.text
        #expect(text.contains("obsreview serve: cannot use the database"), "\(text)")
        #expect(text.contains("Check database_url"), "\(text)")
        // Said at once and in words (the refused connection, not the pool's retries running out after 20 s).
        #expect(text.contains("Nothing accepts connections at 127.0.0.1:1"), "\(text)")
        #expect(!text.contains("hunter2"), "the password was printed")
        #expect(!text.contains("Started and listening") && !text.contains("started and listening"), "it listened without a database")
        #expect(!text.contains("Fatal error") && !text.contains("Stack dump"), "\(text)")
    }
}
