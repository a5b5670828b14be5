import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// One storage conformance suite, run on SQLite and on PostgreSQL (see `withStore`).
@Suite("Storage conformance")
struct StorageConformanceTests {
    /// Makes the PostgreSQL skip visible (the skipped cases themselves are only cancelled), and fails in CI.
    @Test(
        "PostgreSQL backend is configured",
        .enabled(if: TestBackend.postgresURL != nil || TestBackend.isCI,
                 "PostgreSQL conformance skipped: OBSREVIEW_TEST_POSTGRES_URL is not set (scripts/test starts a throwaway server)")
    )
    func postgresIsConfigured() {
        #expect(TestBackend.postgresURL != nil, "CI=true requires OBSREVIEW_TEST_POSTGRES_URL: the suite must run on PostgreSQL too")
    }

    // MARK: Schema

    @Test(arguments: TestBackend.allCases)
    func migrationsAreIdempotent(_ backend: TestBackend) async throws {
        try await withStore(backend) { store async throws in
            #expect(try await store.migrate() == [])
            #expect(try await store.migrate() == [])
            #expect(try await store.count("SELECT COUNT(*) AS n FROM schema_migrations") == 22)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func scoresOutsideTheScaleCannotBeStoredEvenByRawSQL(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            func insert(score: Int) async throws {
                try await store.raw("""
                    INSERT INTO ratings (id, observation_id, source, score, rater_id, rationale, rated_at)
                    VALUES (\(literal(RatingID())), \(literal(seed.observation.id)), 'assessor', \(literal: score),
                            \(literal(seed.assessor.id)), 'raw', CURRENT_TIMESTAMP)
                    """)
            }
            await expectStoreError(.constraintViolation) { try await insert(score: 0) }
            await expectStoreError(.constraintViolation) { try await insert(score: 8) }
            try await insert(score: 7)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings") == 1)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func ratingsAndAuditEventsAreAppendOnlyEvenForRawSQL(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            var ledger = RatingLedger(observationID: seed.observation.id, employerID: seed.employer.id)
            let rating = try ledger.record(source: .assessor, score: score(4), rationale: "Meets the standard.",
                                           by: seed.assessor.actor, at: Seed.start)
            try await store.records.ratings.append(rating, by: seed.assessor.actor)

            await expectStoreError(.constraintViolation) { try await store.raw("UPDATE ratings SET score = 5") }
            await expectStoreError(.constraintViolation) { try await store.raw("DELETE FROM ratings") }
            await expectStoreError(.constraintViolation) { try await store.raw("UPDATE audit_events SET reason = 'x'") }
            await expectStoreError(.constraintViolation) { try await store.raw("DELETE FROM audit_events") }
            #expect(try await store.records.ratings.ratings(of: seed.observation.id) == [rating])
            #expect(try await store.audit.verify().isIntact)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func foreignKeysRejectARatingForAMissingObservation(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let orphan = Rating(observationID: ObservationID(), source: .assessor, raterID: seed.assessor.id,
                                score: try score(4), rationale: "No such observation.", ratedAt: Seed.start)
            await expectStoreError(.constraintViolation) { try await store.records.ratings.append(orphan, by: seed.assessor.actor) }
            await expectStoreError(.constraintViolation) {
                try await store.raw("""
                    INSERT INTO ratings (id, observation_id, source, score, rater_id, rationale, rated_at)
                    VALUES (\(literal(RatingID())), \(literal(ObservationID())), 'assessor', 4, \(literal(seed.assessor.id)),
                            'raw', CURRENT_TIMESTAMP)
                    """)
            }
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings") == 0)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM audit_events") == 0)
        }
    }

    // MARK: Parties and recordings

    @Test(arguments: TestBackend.allCases)
    func partiesRoundTrip(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            #expect(try await store.records.organisations.find(seed.employer.id) == seed.employer)
            #expect(try await store.records.organisations.all().count == 3)
            #expect(try await store.records.users.find(seed.moderator.id) == seed.moderator)
            #expect(try await store.records.users.users(of: seed.panel.id).map(\.id).sorted { $0.description < $1.description }
                == [seed.lead.id, seed.moderator.id].sorted { $0.description < $1.description })
            try await store.records.users.setActive(seed.moderator.id, false)
            #expect(try await store.records.users.find(seed.moderator.id)?.active == false)
            await expectStoreError(.notFound) { try await store.records.users.setActive(UserID(), false) }

            #expect(try await store.records.candidates.find(registrationNumber: "SW929385")
                == CandidateRecord(candidate: seed.candidate, name: "Lukasz Wolstenholme"))
            await expectStoreError(.duplicate) {
                try await store.records.candidates.insert(Candidate(registrationNumber: "SW929385", employerID: seed.employer.id), name: "Twin")
            }
            #expect(try await store.records.observations.find(ref: "OBS-2026-0001") == ObservationRecord(observation: seed.observation, ref: "OBS-2026-0001"))
            #expect(try await store.records.observations.observations(of: seed.candidate.id).map(\.observation) == [seed.observation])
            await expectStoreError(.constraintViolation) {
                try await store.records.users.insert(User(name: "Nobody", role: .auditor, organisationID: OrganisationID()))
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func recordingsRoundTripThroughIngest(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            var recording = Recording(observationID: seed.observation.id, uploadedBy: seed.assessor.id, fileName: "obs.mp4")
            try await store.records.recordings.insert(recording, at: Seed.start)
            #expect(try await store.records.recordings.find(recording.id) == recording)
            let digest = String(repeating: "ab", count: 32)
            try recording.markStored(sha256: digest, byteCount: 1234)
            try await store.records.recordings.update(recording, at: Seed.start)
            try recording.beginIndexing()
            try recording.reject(reason: "not a video")
            try await store.records.recordings.update(recording, at: Seed.start)
            #expect(try await store.records.recordings.find(recording.id) == recording)
            #expect(try await store.records.recordings.recordings(sha256: digest.uppercased()) == [recording])
            #expect(try await store.records.recordings.recordings(of: seed.observation.id) == [recording])
            await expectStoreError(.notFound) {
                try await store.records.recordings.update(Recording(observationID: seed.observation.id, uploadedBy: seed.assessor.id,
                                                            fileName: "never.mp4"), at: Seed.start)
            }
        }
    }

    // MARK: Ratings

    @Test(arguments: TestBackend.allCases)
    func ratingsRoundTripIntoALedgerWithTheirAuditEvents(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            var ledger = RatingLedger(observationID: seed.observation.id, employerID: seed.employer.id)
            let assessed = try ledger.record(source: .assessor, score: score(3), rationale: "Near miss.",
                                             by: seed.assessor.actor, at: Seed.start)
            try await store.records.ratings.append(assessed, by: seed.assessor.actor)
            let endorsed = try ledger.record(source: .employer, score: score(6), rationale: "Reliable practitioner.",
                                             by: seed.employerRep.actor, at: Seed.start.addingTimeInterval(60))
            try await store.records.ratings.append(endorsed, by: seed.employerRep.actor)
            let corrected = try ledger.correct(assessed.id, newScore: score(4), reason: "Misread the rubric.",
                                               by: seed.assessor.actor, at: Seed.start.addingTimeInterval(120))
            let entry = try await store.records.ratings.append(corrected, by: seed.assessor.actor)

            #expect(try await store.records.ratings.ledger(of: seed.observation.id) == ledger)
            #expect(entry.event.action == "rating.corrected")
            #expect(entry.event.details["supersedes"] == assessed.id.description)
            let actions = try await store.audit.entries(after: 0, limit: 10).map(\.event.action.rawValue)
            #expect(actions == ["rating.recorded", "rating.recorded", "rating.corrected"])

            // A second correction of the same rating breaks the ledger: refused, nothing written.
            let stale = Rating(observationID: seed.observation.id, source: .assessor, raterID: seed.assessor.id,
                               score: try score(5), rationale: "Again.", ratedAt: Seed.start, supersedes: assessed.id,
                               correctionReason: "Again.")
            await expectStoreError(.constraintViolation) { try await store.records.ratings.append(stale, by: seed.assessor.actor) }
            #expect(try await store.records.ratings.ratings(of: seed.observation.id).count == 3)
            await expectStoreError(.notFound) { _ = try await store.records.ratings.ledger(of: ObservationID()) }
        }
    }

    // MARK: Cases and transactions

    @Test(arguments: TestBackend.allCases)
    func staleCaseUpdatesConflictAndWriteNothing(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let (opened, openedEvent) = try seed.openCase()
            try await store.records.cases.create(opened, event: openedEvent)
            #expect(try await store.records.cases.find(opened.id) == opened)

            let (reviewing, reviewEvent) = try opened.apply(.startLocalReview, by: seed.assessor.actor, at: Seed.start.addingTimeInterval(10))
            try await store.records.cases.update(reviewing, expectedVersion: opened.version, event: reviewEvent)

            // Someone still holding version 1 tries another transition.
            let (withdrawn, withdrawEvent) = try opened.apply(.withdraw, by: seed.lead.actor, at: Seed.start.addingTimeInterval(20),
                                                              reason: "duplicate")
            await expectStoreError(.conflict) {
                try await store.records.cases.update(withdrawn, expectedVersion: opened.version, event: withdrawEvent)
            }
            #expect(try await store.records.cases.find(opened.id) == reviewing)
            let subject = AuditEvent.Subject(type: "case", id: opened.id.description)
            #expect(try await store.audit.entries(about: subject).map(\.event.id) == [openedEvent.id, reviewEvent.id])
            #expect(try await store.records.cases.cases(in: .localReview, limit: 10) == [reviewing])
            #expect(try await store.records.cases.cases(of: seed.observation.id) == [reviewing])

            let (ghost, ghostEvent) = try seed.openCase()
            let (moved, movedEvent) = try ghost.apply(.startLocalReview, by: seed.assessor.actor, at: Seed.start)
            await expectStoreError(.notFound) { try await store.records.cases.update(moved, expectedVersion: 1, event: movedEvent) }
            await expectStoreError(.invalidArgument) { try await store.records.cases.update(ghost, expectedVersion: 1, event: ghostEvent) }
            #expect(try await store.audit.verify().eventCount == 2)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aFailedTransactionLeavesNothing(_ backend: TestBackend) async throws {
        struct Abandon: Error {}
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let (opened, event) = try seed.openCase()
            let extra = Organisation(name: "Westshire", kind: .employer)
            await #expect(throws: Abandon.self) {
                try await store.transaction { tx in
                    try await tx.organisations.insert(extra)
                    try await tx.cases.create(opened, event: event)
                    try await tx.jobs.enqueue(kind: .indexRecording, payload: ["recording": "r"], runAt: Seed.start, maxAttempts: 3)
                    #expect(try await tx.cases.find(opened.id) == opened)
                    throw Abandon()
                }
            }
            #expect(try await store.records.organisations.find(extra.id) == nil)
            #expect(try await store.records.cases.find(opened.id) == nil)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM jobs") == 0)
            #expect(try await store.audit.verify().eventCount == 0)

            // A database error inside a transaction rolls back the writes before it, too.
            await expectStoreError(.duplicate) {
                try await store.transaction { tx in
                    try await tx.cases.create(opened, event: event)
                    try await tx.organisations.insert(seed.employer)
                }
            }
            #expect(try await store.records.cases.find(opened.id) == nil)

            let committed = try await store.transaction { tx in
                try await tx.cases.create(opened, event: event)
                let (next, nextEvent) = try opened.apply(.requestModeration, by: seed.lead.actor, at: Seed.start.addingTimeInterval(5))
                try await tx.cases.update(next, expectedVersion: opened.version, event: nextEvent)
                return next
            }
            #expect(try await store.records.cases.find(opened.id) == committed)
            #expect(try await store.audit.verify().eventCount == 2)
        }
    }

    // MARK: Audit chain

    @Test(arguments: TestBackend.allCases)
    func theAuditChainVerifiesAndNamesAnEditedEvent(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let empty = try await store.audit.verify()
            #expect(empty.isIntact && empty.eventCount == 0 && empty.lastGoodHash == AuditChain.genesisHash)
            var previous = AuditChain.genesisHash
            for index in 1...5 {
                let event = AuditEvent(at: Seed.start.addingTimeInterval(Double(index) + 0.0004), actorID: seed.lead.id,
                                       action: "recording.viewed", subject: .init(type: "recording", id: "r\(index)"),
                                       reason: index == 2 ? nil : "review \"quoted\"\n", details: ["index": "\(index)", "ü": "✓"])
                let entry = try await store.audit.append(event)
                #expect(entry.event.sequence == Int64(index))
                #expect(entry.previousHash == previous)
                #expect(entry.hash == AuditChain.hash(of: entry.event, previousHash: previous))
                previous = entry.hash
            }
            let intact = try await store.audit.verify()
            #expect(intact.isIntact)
            #expect(intact.eventCount == 5)
            #expect(intact.lastGoodHash == previous)

            try await store.tamperWithAuditEvents("UPDATE audit_events SET reason = 'x' WHERE sequence = 3")
            let broken = try await store.audit.verify()
            #expect(broken.firstBreak?.sequence == 3)
            #expect(broken.firstBreak?.kind == .hashMismatch)
            #expect(broken.eventCount == 2)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func theAuditChainNamesARemovedEvent(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            for index in 1...4 {
                try await store.audit.append(AuditEvent(at: Seed.start, actorID: seed.lead.id, action: "case.viewed",
                                                        subject: .init(type: "case", id: "c\(index)")))
            }
            try await store.tamperWithAuditEvents("DELETE FROM audit_events WHERE sequence = 4")
            #expect(try await store.audit.verify().firstBreak?.kind == .headMismatch)
            try await store.tamperWithAuditEvents("DELETE FROM audit_events WHERE sequence = 2")
            let broken = try await store.audit.verify()
            #expect(broken.firstBreak?.sequence == 2)
            #expect(broken.firstBreak?.kind == .sequenceGap)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentAppendsNeverForkTheChain(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await store.audit.append(AuditEvent(at: Seed.start, actorID: seed.lead.id, action: "case.viewed",
                                                                subject: .init(type: "case", id: "c\(index)")))
                    }
                }
                try await group.waitForAll()
            }
            let verification = try await store.audit.verify()
            #expect(verification.isIntact, "\(verification)")
            #expect(verification.eventCount == 20)
        }
    }

    // MARK: Jobs

    @Test(arguments: TestBackend.allCases)
    func jobsAreClaimedWhenDueAndCompletedByTheirHolder(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let now = Seed.start
            let job = try await store.jobs.enqueue(kind: .indexRecording, payload: ["recording": "abc"], runAt: now.addingTimeInterval(10), maxAttempts: 3)
            try await store.jobs.enqueue(kind: "report.build", payload: [1, 2], runAt: now, maxAttempts: 1)

            #expect(try await store.jobs.claim(kinds: [.indexRecording], worker: "w1", leaseSeconds: 60, now: now) == nil)
            let claimed = try #require(try await store.jobs.claim(kinds: [.indexRecording], worker: "w1", leaseSeconds: 60,
                                                                  now: now.addingTimeInterval(10)))
            #expect(claimed.id == job.id)
            #expect(claimed.state == .running)
            #expect(claimed.attempts == 1)
            #expect(claimed.leaseOwner == "w1")
            #expect(try claimed.decodePayload(as: [String: String].self) == ["recording": "abc"])
            #expect(try await store.jobs.claim(kinds: [.indexRecording], worker: "w2", leaseSeconds: 60, now: now.addingTimeInterval(10)) == nil)

            try await store.jobs.heartbeat(job.id, worker: "w1", leaseSeconds: 120, now: now.addingTimeInterval(50))
            #expect(try await store.jobs.find(job.id)?.leaseExpiresAt == now.addingTimeInterval(170))
            await expectStoreError(.leaseLost) { try await store.jobs.heartbeat(job.id, worker: "w2", leaseSeconds: 60, now: now) }
            try await store.jobs.complete(job.id, worker: "w1", now: now.addingTimeInterval(60))
            #expect(try await store.jobs.find(job.id)?.state == .done)
            await expectStoreError(.leaseLost) { try await store.jobs.complete(job.id, worker: "w1", now: now.addingTimeInterval(61)) }

            let other = try #require(try await store.jobs.claim(kinds: [], worker: "w2", leaseSeconds: 60, now: now.addingTimeInterval(61)))
            #expect(other.kind == "report.build")
            #expect(try other.decodePayload(as: [Int].self) == [1, 2])
        }
    }

    @Test(arguments: TestBackend.allCases)
    func failedJobsBackOffThenDie(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            var now = Seed.start
            let job = try await store.jobs.enqueue(kind: .indexRecording, payload: ["recording": "abc"], runAt: now, maxAttempts: 3)
            for attempt in 1...3 {
                let claimed = try #require(try await store.jobs.claim(kinds: [.indexRecording], worker: "w", leaseSeconds: 60, now: now))
                #expect(claimed.attempts == attempt)
                let failed = try await store.jobs.fail(job.id, worker: "w", error: "probe crashed \(attempt)", retryable: true, now: now)
                #expect(failed.lastError == "probe crashed \(attempt)")
                guard attempt < 3 else {
                    #expect(failed.state == .dead)
                    break
                }
                let delay = JobBackoff.delay(afterAttempt: attempt)
                #expect(delay == 30 * Double(1 << (attempt - 1)))
                #expect(failed.state == .failed)
                #expect(failed.runAt == now.addingTimeInterval(delay))
                #expect(try await store.jobs.claim(kinds: [], worker: "w", leaseSeconds: 60, now: now.addingTimeInterval(delay - 1)) == nil)
                now = now.addingTimeInterval(delay)
            }
            #expect(try await store.jobs.claim(kinds: [], worker: "w", leaseSeconds: 60, now: now.addingTimeInterval(86_400)) == nil)

            let fatal = try await store.jobs.enqueue(kind: .indexRecording, payload: ["recording": "x"], runAt: now, maxAttempts: 5)
            _ = try #require(try await store.jobs.claim(kinds: [], worker: "w", leaseSeconds: 60, now: now))
            #expect(try await store.jobs.fail(fatal.id, worker: "w", error: "not a video", retryable: false, now: now).state == .dead)
            await expectStoreError(.leaseLost) { try await store.jobs.fail(fatal.id, worker: "w", error: "again", retryable: true, now: now) }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func expiredLeasesAreReclaimed(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let now = Seed.start
            let job = try await store.jobs.enqueue(kind: .indexRecording, payload: ["recording": "abc"], runAt: now, maxAttempts: 2)
            _ = try #require(try await store.jobs.claim(kinds: [], worker: "crashed", leaseSeconds: 60, now: now))
            #expect(try await store.jobs.reclaimExpiredLeases(now: now.addingTimeInterval(30)) == 0)
            #expect(try await store.jobs.reclaimExpiredLeases(now: now.addingTimeInterval(61)) == 1)
            let reclaimed = try #require(try await store.jobs.find(job.id))
            #expect(reclaimed.state == .failed)
            #expect(reclaimed.leaseOwner == nil)
            #expect(reclaimed.lastError?.contains("crashed") == true)
            await expectStoreError(.leaseLost) { try await store.jobs.complete(job.id, worker: "crashed", now: now.addingTimeInterval(62)) }

            // A stopped worker is not the file's fault: the attempt is given back (one more allowed).
            #expect(reclaimed.maxAttempts == 3)
            let retried = try #require(try await store.jobs.claim(kinds: [], worker: "w2", leaseSeconds: 60, now: now.addingTimeInterval(62)))
            #expect(retried.attempts == 2)
            // A file's own fault uses up an attempt as before.
            _ = try await store.jobs.fail(job.id, worker: "w2", error: "the indexer crashed on this file", retryable: true, now: now.addingTimeInterval(63))
            #expect(try await store.jobs.find(job.id)?.maxAttempts == 3)
            // Workers that keep dying under it: each death allows one more try, up to 10 in all, then it is buried.
            var time = now.addingTimeInterval(1000)
            var claims = 2
            while let claimed = try await store.jobs.claim(kinds: [], worker: "dies-\(claims)", leaseSeconds: 60, now: time) {
                claims += 1
                #expect(claimed.attempts == claims)
                time = time.addingTimeInterval(3600)
                _ = try await store.jobs.reclaimExpiredLeases(now: time)
                #expect(claims <= 10, "claimed more than 10 times")
                if claims > 10 { break }
            }
            #expect(claims == 10)
            #expect(try await store.jobs.find(job.id)?.state == .dead)
        }
    }

    /// `/metrics` reports it as obsreview_jobs_oldest_due_seconds: the alert for too few workers, or none.
    @Test(arguments: TestBackend.allCases)
    func theOldestDueJobsWaitIsMeasured(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let now = Seed.start
            #expect(try await store.jobs.oldestDueJobWait(now: now) == 0)
            _ = try await store.jobs.enqueue(kind: .indexRecording, payload: ["recording": "a"], runAt: now, maxAttempts: 3)
            _ = try await store.jobs.enqueue(kind: .indexRecording, payload: ["recording": "b"], runAt: now.addingTimeInterval(100), maxAttempts: 3)
            #expect(try await store.jobs.oldestDueJobWait(now: now.addingTimeInterval(50)) == 50)
            _ = try #require(try await store.jobs.claim(kinds: [], worker: "w", leaseSeconds: 60, now: now.addingTimeInterval(50)))
            #expect(try await store.jobs.oldestDueJobWait(now: now.addingTimeInterval(50)) == 0, "the running one does not wait; the other is not due")
            #expect(try await store.jobs.oldestDueJobWait(now: now.addingTimeInterval(130)) == 30)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func twoConcurrentWorkersNeverHoldTheSameJob(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let now = Seed.start
            for index in 0..<50 {
                try await store.jobs.enqueue(kind: .indexRecording, payload: ["n": index], runAt: now, maxAttempts: 3)
            }
            let claims = try await withThrowingTaskGroup(of: [JobID].self) { group in
                for worker in ["worker-a", "worker-b"] {
                    group.addTask {
                        var mine: [JobID] = []
                        while true {
                            if let job = try await store.jobs.claim(kinds: [.indexRecording], worker: worker, leaseSeconds: 60, now: now) {
                                mine.append(job.id)
                                try await store.jobs.complete(job.id, worker: worker, now: now)
                            } else if try await store.count("SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued'") == 0 {
                                return mine
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == 50)
            #expect(Set(all).count == 50)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM jobs WHERE state = 'done'") == 50)
        }
    }
}
