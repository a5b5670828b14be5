import Foundation
import ReviewDomain
import ReviewStore
import ServiceLifecycleTestKit
import Testing

@testable import ReviewWorker

/// The worker with a real SQLite store and real children: the built `obsreview` indexing a sample, and stand-in
/// indexers (shell scripts) that crash, hang, or are still running when the lease is lost or the process stops.
@Suite(.serialized) struct IndexingWorkerTests {
    let sample = repositoryRoot.appendingPathComponent("samples/observation-h264-aac.mp4")

    @Test func theBuiltIndexerMakesTheRecordingReadyWithAReportThatNamesNoServerPath() async throws {
        try await WorkerFixture.with { fixture in
            let (recording, job) = try await fixture.ingest(sample)
            #expect(try await fixture.worker(indexer: try builtBinary()).runOne())
            #expect(try await fixture.job(job).state == .done)
            #expect(try await fixture.store.records.recordings.find(recording)?.status == .ready)
            let report = try #require(try await fixture.store.ingest.indexReport(of: recording))
            let document = try #require(IndexReportDocument(json: report))
            #expect(document.isIndexed)
            #expect((document.durationSeconds ?? 0) > 1)
            #expect(report.contains(#""file":"observation-h264-aac.mp4""#))
            #expect(!report.contains(fixture.folder.path), "the stored report names a path on the server")
            #expect(report.contains(#""file":"proxy.mp4""#))
        }
    }

    @Test func aChildThatCrashesFailsTheJobForARetry() async throws {
        try await WorkerFixture.with { fixture in
            let (recording, job) = try await fixture.ingest(sample)
            let crashing = try fixture.script("crashing-indexer", "kill -SEGV $$")
            #expect(try await fixture.worker(indexer: crashing).runOne())
            let failed = try await fixture.job(job)
            #expect(failed.state == .failed)
            #expect(failed.attempts == 1)
            #expect(failed.lastError?.contains("signal \(SIGSEGV)") == true)
            #expect(try await fixture.store.records.recordings.find(recording)?.status == .indexing)
        }
    }

    @Test func aChildThatHangsPastItsLimitIsKilledAndTheJobRetried() async throws {
        try await WorkerFixture.with { fixture in
            let (_, job) = try await fixture.ingest(sample)
            let hanging = try fixture.hangingIndexer()
            let started = ContinuousClock.now
            #expect(try await fixture.worker(indexer: hanging.executable, timeoutCap: 1).runOne())
            #expect(ContinuousClock.now - started < .seconds(120))  // killed at 1 s, long before the child would end (the suite shares two cores)
            let failed = try await fixture.job(job)
            #expect(failed.state == .failed)
            #expect(failed.lastError?.contains("longer than 1 s") == true)
            let pid = try hanging.pid()
            #expect(!isRunning(pid), "the hanging child outlived its time limit")
        }
    }

    /// Another worker took the job over (this one was paused past its lease): the heartbeat finds the lease lost, the
    /// child is killed, and nothing is written over the other worker's job.
    @Test func aLostLeaseStopsTheChild() async throws {
        try await WorkerFixture.with { fixture in
            let (recording, job) = try await fixture.ingest(sample)
            let hanging = try fixture.hangingIndexer()
            let worker = {
                var worker = fixture.worker(indexer: hanging.executable)
                worker.heartbeat = .milliseconds(200)
                return worker
            }()
            let store = fixture.store
            let started = ContinuousClock.now
            async let ran = worker.runOne()
            // Once the child runs, the lease passes to another worker, as when this one's lease ran out and was reclaimed.
            #expect(await eventually(within: 10) { hanging.hasStarted })
            try await store.withRawDatabase { db in
                try await db.raw("UPDATE jobs SET lease_owner = 'another-worker' WHERE id = \(bind: job.rawValue.uuidString.lowercased())").run()
            }
            #expect(try await ran)
            #expect(ContinuousClock.now - started < .seconds(10))
            let pid = try hanging.pid()
            #expect(!isRunning(pid), "the child kept running after the lease was lost")
            let taken = try await fixture.job(job)
            #expect(taken.state == .running)
            #expect(taken.leaseOwner == "another-worker")
            #expect(taken.attempts == 1)
            #expect(try await fixture.store.records.recordings.find(recording)?.status == .indexing)
        }
    }

    /// SIGTERM with a job in hand (a deploy): the child is killed and the job goes back to the queue at once, without
    /// using an attempt; the service returns.
    @Test func gracefulShutdownGivesTheJobInHandBack() async throws {
        try await WorkerFixture.with { fixture in
            let (_, job) = try await fixture.ingest(sample)
            let hanging = try fixture.hangingIndexer()
            let service = IndexingWorkerService(fixture.worker(indexer: hanging.executable), poll: .milliseconds(100), logger: .init(label: "test"))
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    #expect(await eventually(within: 10) { hanging.hasStarted })
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            let pid = try hanging.pid()
            #expect(!isRunning(pid))
            let released = try await fixture.job(job)
            #expect(released.state == .failed)
            #expect(released.attempts == 0)
            #expect(released.leaseOwner == nil)
        }
    }
}
