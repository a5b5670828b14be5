import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// The ratings import and concurrent case writers, on both backends.
@Suite("Import and concurrency conformance")
struct ImportAndConcurrencyTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/ratings.csv")

    static func sampleRows() throws -> [RatingsCSV.Row] {
        try RatingsCSV.parse(String(contentsOf: sample, encoding: .utf8)).get()
    }

    @Test(arguments: TestBackend.allCases)
    func theSampleImportsOpensItsDisputesAndVerifies(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let rows = try Self.sampleRows()
            let summary = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "abc")
            #expect(summary.ratingsRecorded == 88)
            #expect(summary.observationsCreated == 44)
            #expect(summary.candidatesCreated == 40)
            #expect(summary.organisationsCreated == 5)
            // Independently of the importer: the disputes the policy finds in the file itself.
            let expected = Dictionary(grouping: rows, by: \.observationRef).values.filter { group in
                guard let employer = group.first(where: { $0.source == .employer })?.score,
                    let assessor = group.first(where: { $0.source == .assessor })?.score else { return false }
                return DisputePolicy.default.evaluate(employer: employer, assessor: assessor) != nil
            }.count
            #expect(expected == 9)
            #expect(summary.disputesOpened == expected)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM cases WHERE kind = 'automatic_dispute'") == expected)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings") == 88)

            let verification = try await store.audit.verify()
            #expect(verification.firstBreak == nil)
            #expect(verification.eventCount == Int64(summary.auditEvents))
            #expect(try await store.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'rating.recorded'") == 88)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'import.completed'") == 1)

            // Importing the same file again changes nothing but records that it happened.
            let again = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "abc")
            #expect(again.ratingsRecorded == 0)
            #expect(again.ratingsAlreadyPresent == 88)
            #expect(again.disputesOpened == 0)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings") == 88)

            // The export reads back as the same ratings.
            let exported = try await store.imports.exportRatings()
            #expect(exported.count == 88)
            #expect(Set(exported.map { "\($0.observationRef ?? "")|\($0.source)|\($0.rater)|\($0.score)" })
                == Set(rows.map { "\($0.observationRef)|\($0.source.rawValue)|\($0.rater)|\($0.score.value)" }))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aTamperedRatingEventIsNamedByVerify(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.imports.importRatings(try Self.sampleRows(), file: "ratings.csv", sha256: "abc")
            let target = try await store.count("SELECT MIN(sequence) AS n FROM audit_events WHERE action = 'rating.recorded'") + 5
            // Point a rating event at another rating, as someone covering their tracks might.
            try await store.tamperWithAuditEvents("UPDATE audit_events SET subject_id = 'forged' WHERE sequence = \(bind: target)")
            let broken = try await store.audit.verify()
            #expect(broken.firstBreak?.sequence == Int64(target))
            #expect(broken.firstBreak?.kind == .hashMismatch)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aConflictingRowRollsBackTheWholeImport(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let rows = try Self.sampleRows()
            _ = try await store.imports.importRatings(Array(rows.prefix(10)), file: "first.csv", sha256: "1")
            let before = try await store.count("SELECT COUNT(*) AS n FROM audit_events")
            // The same rater rating the same observation differently: refused (a correction is made in the service).
            let changed = rows[0]
            let conflicting = try RatingsCSV.parse(
                RatingsCSV.columns.joined(separator: ",") + "\n" + [
                    changed.observationRef, changed.candidateRef, changed.candidateName, changed.registrationNumber, changed.employer,
                    "2026-01-14", changed.scenario, changed.source.rawValue, changed.rater, changed.raterOrganisation,
                    String(changed.score.value == 7 ? 6 : 7), "changed my mind", "2026-02-01T10:00:00Z",
                ].map(RatingsCSV.escape).joined(separator: ",")
            ).get()
            await #expect(throws: StoreError.self) {
                _ = try await store.imports.importRatings(Array(rows.dropFirst(10)) + conflicting, file: "second.csv", sha256: "2")
            }
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings") == 10)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM audit_events") == before)
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }

    /// 20 writers race to move one case out of `open`: exactly one succeeds, the others get conflicts, and the
    /// stored case and audit trail show that one transition only.
    @Test(arguments: TestBackend.allCases)
    func twentyConcurrentWritersOnOneCase(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let (opened, openedEvent) = try seed.openCase()
            try await store.records.cases.create(opened, event: openedEvent)
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for writer in 0..<20 {
                    group.addTask {
                        // Half start local review, half withdraw: both are allowed from `open`, by different people.
                        let transition = writer.isMultiple(of: 2)
                            ? try opened.apply(.startLocalReview, by: seed.assessor.actor, at: Seed.start.addingTimeInterval(Double(writer)))
                            : try opened.apply(.withdraw, by: seed.lead.actor, at: Seed.start.addingTimeInterval(Double(writer)), reason: "writer \(writer)")
                        do {
                            try await store.records.cases.update(transition.updated, expectedVersion: opened.version, event: transition.event)
                            return "ok"
                        } catch let error as StoreError where error.code == .conflict {
                            return "conflict"
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "ok" }.count == 1)
            #expect(outcomes.filter { $0 == "conflict" }.count == 19)
            let stored = try #require(try await store.records.cases.find(opened.id))
            #expect(stored.version == 2)
            #expect([Case.State.localReview, .withdrawn].contains(stored.state))
            let trail = try await store.audit.entries(about: AuditEvent.Subject(type: "case", id: opened.id.description))
            #expect(trail.count == 2)
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }
}

@Suite("Case queues conformance")
struct CaseQueueTests {
    @Test(arguments: TestBackend.allCases)
    func anEmployersQueueIsPagedOldestFirst(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.imports.importRatings(try ImportAndConcurrencyTests.sampleRows(), file: "ratings.csv", sha256: "abc")
            let lead = User(name: "Lead", role: .lead, organisationID: try #require(try await store.records.organisations.all().first { $0.kind == .accreditingBody }).id)
            try await store.records.users.insert(lead)
            let open = try await store.records.cases.cases(in: .open, limit: 100)
            // Send every dispute to moderation, then read each employer's queue a page at a time.
            for (index, opened) in open.enumerated() {
                let (moved, event) = try opened.apply(.requestModeration, by: lead.actor, at: Seed.start.addingTimeInterval(Double(index)))
                try await store.records.cases.update(moved, expectedVersion: opened.version, event: event)
            }
            let byEmployer = Dictionary(grouping: open, by: \.employerID)
            for (employer, cases) in byEmployer {
                var seen: [Case] = []
                var page = 1
                while true {
                    let slice = try await store.records.cases.cases(in: .awaitingModeration, employer: employer, page: page, pageSize: 2)
                    if slice.isEmpty { break }
                    seen += slice
                    page += 1
                }
                #expect(Set(seen.map(\.id)) == Set(cases.map(\.id)))
                #expect(seen.map(\.openedAt) == seen.map(\.openedAt).sorted())
                #expect(seen.allSatisfy { $0.employerID == employer && $0.state == .awaitingModeration })
            }
            #expect(try await store.records.cases.cases(in: .open, employer: open[0].employerID, page: 1, pageSize: 10).isEmpty)
        }
    }
}

@Suite("Recording ingest conformance")
struct RecordingIngestTests {
    @Test(arguments: TestBackend.allCases)
    func aCompletedUploadBecomesAStoredRecordingWithAnIndexingJob(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await store.imports.importRatings(try ImportAndConcurrencyTests.sampleRows(), file: "ratings.csv", sha256: "abc")
            let observation = try #require(try await store.records.observations.find(ref: "OBS-2026-0001"))
            let assessor = try #require(try await store.records.organisations.all().first { $0.kind == .accreditingBody })
            let uploader = try #require(try await store.records.users.users(of: assessor.id).first { $0.role == .assessor })
            let hash = String(repeating: "ab", count: 32)
            let stored = try await store.ingest.storeUploadedRecording(
                uploadID: "u1", observationID: observation.observation.id, uploadedBy: uploader.id, fileName: "visit.mp4",
                sha256: hash, byteCount: 1234, at: Seed.start)
            let recording = try #require(try await store.records.recordings.find(stored.recordingID))
            #expect(recording.status == .stored)
            #expect(recording.sha256 == hash)

            // A retried completion returns the same recording and enqueues nothing more.
            let again = try await store.ingest.storeUploadedRecording(
                uploadID: "u1", observationID: observation.observation.id, uploadedBy: uploader.id, fileName: "visit.mp4",
                sha256: hash, byteCount: 1234, at: Seed.start)
            #expect(again.recordingID == stored.recordingID)
            #expect(again.job == nil)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM jobs") == 1)

            let job = try #require(try await store.jobs.claim(kinds: [.indexRecording], worker: "w1", leaseSeconds: 60, now: Seed.start))
            #expect(job.id == stored.job)
            #expect(try job.decodePayload(as: IndexJobPayload.self) == IndexJobPayload(recordingID: stored.recordingID, blobKey: hash))

            try await store.ingest.beginIndexing(stored.recordingID, at: Seed.start.addingTimeInterval(1))
            let ready = try await store.ingest.finishIndexing(stored.recordingID, report: #"{"file":"visit.mp4","keyframes":{"count":5}}"#, at: Seed.start.addingTimeInterval(2))
            #expect(ready.status == .ready)
            let report = try #require(try await store.ingest.indexReport(of: stored.recordingID))
            #expect(report.contains("keyframes"))
            // Ready is final: it cannot be rejected afterwards.
            await expectStoreError(.conflict) { try await store.ingest.rejectRecording(stored.recordingID, reason: "late", at: Seed.start.addingTimeInterval(3)) }

            let subject = AuditEvent.Subject(type: "recording", id: stored.recordingID.description)
            #expect(try await store.audit.entries(about: subject).map(\.event.action.rawValue) == ["recording.stored", "recording.indexing", "recording.ready"])
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aBadRecordingIsRejectedWithItsReasonAndUnknownObservationsAreRefused(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let hash = String(repeating: "cd", count: 32)
            await expectStoreError(.notFound) {
                _ = try await store.ingest.storeUploadedRecording(
                    uploadID: "u0", observationID: ObservationID(), uploadedBy: seed.assessor.id, fileName: "x.mp4",
                    sha256: hash, byteCount: 10)
            }
            let stored = try await store.ingest.storeUploadedRecording(
                uploadID: "u2", observationID: seed.observation.id, uploadedBy: seed.assessor.id, fileName: "cut.mp4",
                sha256: hash, byteCount: 10, at: Seed.start)
            try await store.ingest.beginIndexing(stored.recordingID, at: Seed.start)
            let reason = "The recording is cut short: upload the complete file."
            let rejected = try await store.ingest.rejectRecording(stored.recordingID, reason: reason, at: Seed.start)
            #expect(rejected.status == .rejected(reason: reason))
            #expect(try await store.records.recordings.find(stored.recordingID)?.status == .rejected(reason: reason))
            #expect(try await store.ingest.indexReport(of: stored.recordingID) == nil)
        }
    }
}
