import Foundation
import ServiceLifecycleTestKit
import Testing

@testable import ReviewWorker

/// The child-process runner with real children (`/bin/sh`): what each way of ending looks like to the worker.
@Suite struct ChildProcessTests {
    let shell = URL(fileURLWithPath: "/bin/sh")

    @Test func aChildThatSucceedsHandsBackItsOutput() async throws {
        let outcome = try await ChildProcess.run(shell, arguments: ["-c", "echo '{\"file\":\"x\"}'; exit 1"], timeout: 10)
        #expect(outcome == .finished(status: 1, output: "{\"file\":\"x\"}\n"))
    }

    @Test func aChildThatCrashesIsReportedWithItsSignal() async throws {
        let outcome = try await ChildProcess.run(shell, arguments: ["-c", "kill -SEGV $$"], timeout: 10)
        #expect(outcome == .crashed(signal: SIGSEGV))
    }

    @Test func aChildThatHangsIsKilledAtItsTimeLimit() async throws {
        let started = ContinuousClock.now
        let outcome = try await ChildProcess.run(shell, arguments: ["-c", "exec sleep 300"], timeout: 0.5)
        #expect(outcome == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(120))  // long before the child would end: the whole suite shares two cores
    }

    @Test func aChildIsStoppedWhenTheCallerGivesUp() async throws {
        let started = ContinuousClock.now
        let outcome = try await ChildProcess.run(shell, arguments: ["-c", "exec sleep 300"], timeout: 60) { false }
        #expect(outcome == .abandoned)
        #expect(ContinuousClock.now - started < .seconds(120))  // long before the child would end: the whole suite shares two cores
    }

    @Test func aChildIsStoppedOnGracefulShutdown() async throws {
        let started = ContinuousClock.now
        let outcome = try await testGracefulShutdown { trigger in
            try await ChildProcess.run(shell, arguments: ["-c", "exec sleep 300"], timeout: 60) {
                trigger.triggerGracefulShutdown()
                return true
            }
        }
        #expect(outcome == .stopped)
        #expect(ContinuousClock.now - started < .seconds(120))  // long before the child would end: the whole suite shares two cores
    }

    /// The child gets the allow-list only: a database URL or a secret in the worker's environment never reaches it.
    @Test func theChildsEnvironmentHoldsNoCredentials() async throws {
        setenv("OBSREVIEW_DATABASE_URL", "postgres://secret@db/obsreview", 1)
        defer { unsetenv("OBSREVIEW_DATABASE_URL") }
        guard case .finished(0, let output) = try await ChildProcess.run(shell, arguments: ["-c", "env"], timeout: 10) else {
            Issue.record("env did not run")
            return
        }
        let names = Set(output.split(separator: "\n").compactMap { $0.split(separator: "=").first.map(String.init) })
        #expect(names.isSubset(of: ["PATH", "LANG", "TMPDIR", "PWD", "SHLVL", "_"]), "\(names.sorted())")
        #expect(!output.contains("secret"))
    }

    @Test func theSandboxTravelsAsTheIndexersFlags() {
        let sandbox = ChildSandbox(parentProcess: 42, addressSpaceBytes: 2 << 30, cpuSeconds: 7200, fileBytes: 8 << 30, openFiles: 256)
        #expect(sandbox.arguments == [
            "--parent-process", "42", "--limit-memory", "2147483648", "--limit-cpu-seconds", "7200", "--limit-file-bytes", "8589934592",
            "--limit-open-files", "256",
        ])
    }
}

/// Where the indexer is found.
@Suite struct IndexerLocationTests {
    @Test func aConfiguredPathMustBeAnExecutableFile() throws {
        #expect(try IndexerLocation.resolve("/bin/sh").path == "/bin/sh")
        do {
            _ = try IndexerLocation.resolve("/no/such/obsreview")
            Issue.record("a missing indexer was accepted")
        } catch {
            #expect(error.description.contains("indexer_path \"/no/such/obsreview\" is not an executable file"))
        }
        #expect(throws: IndexerLocation.Problem.self) { try IndexerLocation.resolve("/tmp") }
    }

    @Test func theRunningExecutableIsFoundFromItsFirstArgument() {
        // Relative to the working directory, on PATH, and /proc/self/exe when argv[0] names nothing.
        #expect(IndexerLocation.runningExecutable(arguments: ["./sh"], workingDirectory: "/bin", environment: [:]).path
            == URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path)
        #expect(IndexerLocation.runningExecutable(arguments: ["sh"], workingDirectory: "/", environment: ["PATH": "/nonexistent:/bin"]).path
            == URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path)
        #expect(IndexerLocation.runningExecutable(arguments: ["made-up-name"], workingDirectory: "/", environment: ["PATH": "/nonexistent"]).path
            == URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
    }
}
