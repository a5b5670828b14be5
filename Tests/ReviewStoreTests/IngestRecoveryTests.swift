import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// Ingest the way people and crashes go: jobs carry blob keys, not paths; the same file twice (even at once) is one
/// recording; nothing stays "indexing" when its job dies; a rejected recording can be indexed again.
@Suite("Ingest recovery conformance")
struct IngestRecoveryTests {
    static let hash = String(repeating: "5e", count: 32)

    /// A job queued by an older server carries `blobPath` (absolute or relative); it still names the blob by key.
    @Test func jobsCarryAKeyAndOldPayloadsStillResolve() throws {
        let id = RecordingID()
        let encoded = String(decoding: try JSONEncoder().encode(IndexJobPayload(recordingID: id, blobKey: Self.hash)), as: UTF8.self)
        #expect(encoded.contains("blobKey") && !encoded.contains("blobPath") && !encoded.contains("/"))
        for old in ["data/blobs/5e/5e/\(Self.hash)", "/srv/obsreview/blobs/5e/5e/\(Self.hash)", "blobs/5e/5e/\(Self.hash)"] {
            let json = #"{"recordingID":"\#(id)","blobPath":"\#(old)"}"#
            let payload = try JSONDecoder().decode(IndexJobPayload.self, from: Data(json.utf8))
            #expect(payload == IndexJobPayload(recordingID: id, blobKey: Self.hash))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func theSameFileUploadedTwiceAtOnceIsOneRecording(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let results = try await withThrowingTaskGroup(of: StoredUpload.self) { group in
                for attempt in 0..<12 {
                    group.addTask {
                        try await store.ingest.storeUploadedRecording(
                            uploadID: "upload-\(attempt)", observationID: seed.observation.id, uploadedBy: seed.assessor.id,
                            fileName: "visit-\(attempt).mp4", sha256: Self.hash, byteCount: 4096, at: Seed.start)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.map(\.recordingID)).count == 1)
            #expect(results.filter { !$0.alreadyUploaded }.count == 1)
            #expect(results.filter(\.alreadyUploaded).allSatisfy { $0.job == nil })
            #expect(try await store.count("SELECT COUNT(*) AS n FROM recordings") == 1)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM jobs") == 1)
            // Each upload id keeps answering with that recording (a retried completion).
            let retried = try await store.ingest.storeUploadedRecording(
                uploadID: "upload-7", observationID: seed.observation.id, uploadedBy: seed.assessor.id,
                fileName: "visit-7.mp4", sha256: Self.hash, byteCount: 4096)
            #expect(retried.recordingID == results[0].recordingID)
        }
    }

    /// Reproduces the stuck recording: a job whose every lease died with its worker was `dead` while the
    /// recording stayed `indexing` for ever.
    @Test(arguments: TestBackend.allCases)
    func aRecordingWhoseJobDiedIsRejectedWithWhatToDo(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let stored = try await store.ingest.storeUploadedRecording(
                uploadID: "u", observationID: seed.observation.id, uploadedBy: seed.assessor.id, fileName: "visit.mp4",
                sha256: Self.hash, byteCount: 4096, at: Seed.start)
            var now = Seed.start
            // Every worker that takes it dies (its lease expires): each death allows one more try, up to 10 in all.
            for attempt in 1...10 {
                let job = try #require(try await store.jobs.claim(kinds: [.indexRecording], worker: "w\(attempt)", leaseSeconds: 1, now: now))
                #expect(job.id == stored.job)
                if attempt == 1 { try await store.ingest.beginIndexing(stored.recordingID, at: now) }
                now = now.addingTimeInterval(3600)  // the worker died: its lease expires
                _ = try await store.jobs.reclaimExpiredLeases(now: now)
            }
            #expect(try await store.ingest.indexJob(of: stored.recordingID)?.job.state == .dead)
            #expect(try await store.records.recordings.find(stored.recordingID)?.status == .indexing)

            let rejected = try await store.ingest.rejectRecordingsOfDeadJobs(at: now)
            #expect(rejected == [stored.recordingID])
            guard case .rejected(let reason) = try await store.records.recordings.find(stored.recordingID)?.status else {
                Issue.record("the recording is not rejected")
                return
            }
            #expect(reason.contains("10 attempts") && reason.contains("Index again"))
            #expect(try await store.ingest.rejectRecordingsOfDeadJobs(at: now).isEmpty)  // once
            // Indexed again: its new job is the one that counts, the old dead one is passed over.
            _ = try await store.ingest.requeueRecording(stored.recordingID, reason: "the worker was restarted", by: seed.lead.actor)
            #expect(try await store.ingest.rejectRecordingsOfDeadJobs().isEmpty)
            #expect(try await store.records.recordings.find(stored.recordingID)?.status == .stored)
            let events = try await store.audit.entries(about: AuditEvent.Subject(type: "recording", id: stored.recordingID.description))
            #expect(events.contains { $0.event.action == "recording.rejected" && $0.event.details["code"] == "indexing_failed" })
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aRejectedRecordingIsIndexedAgainFromItsOriginal(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let stored = try await store.ingest.storeUploadedRecording(
                uploadID: "u", observationID: seed.observation.id, uploadedBy: seed.assessor.id, fileName: "visit.mp4",
                sha256: Self.hash, byteCount: 4096, at: Seed.start)
            // Not while it is waiting, and not once it is ready.
            await expectStoreError(.conflict) { _ = try await store.ingest.requeueRecording(stored.recordingID, reason: "again", by: seed.lead.actor) }
            let first = try #require(try await store.jobs.claim(kinds: [.indexRecording], worker: "w", leaseSeconds: 60, now: Seed.start))
            try await store.ingest.beginIndexing(stored.recordingID, at: Seed.start)
            try await store.ingest.rejectRecording(stored.recordingID, reason: "The indexer crashed on this file.", code: "indexing_failed", at: Seed.start)
            try await store.jobs.complete(first.id, worker: "w", now: Seed.start)

            let (requeued, job) = try await store.ingest.requeueRecording(stored.recordingID, reason: "the server was restarting", by: seed.assessor.actor)
            #expect(requeued.status == .stored)
            #expect(try await store.records.recordings.find(stored.recordingID)?.status == .stored)
            let claimed = try #require(try await store.jobs.claim(kinds: [.indexRecording], worker: "w", leaseSeconds: 60, now: Date()))
            #expect(claimed.id == job)
            #expect(try claimed.decodePayload(as: IndexJobPayload.self).blobKey == Self.hash)
            let events = try await store.audit.entries(about: AuditEvent.Subject(type: "recording", id: stored.recordingID.description))
            let event = try #require(events.last?.event)
            #expect(event.action.rawValue == "recording.reindex_requested" && event.actorID == seed.assessor.id)
            #expect(event.reason == "the server was restarting")
            try await store.ingest.beginIndexing(stored.recordingID)
            try await store.ingest.finishIndexing(stored.recordingID, report: #"{"file":"visit.mp4"}"#)
            await expectStoreError(.conflict) { _ = try await store.ingest.requeueRecording(stored.recordingID, reason: "again", by: seed.lead.actor) }
            #expect(try await store.audit.verify().firstBreak == nil)
            #expect(try await store.ingest.recordingBlobKeys() == [Self.hash])
        }
    }
}
