import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// The retention schedule with a fixed clock (issue 17, part A; decision 12).
@Suite struct RetentionStoreTests {
    static let day: TimeInterval = 86_400

    /// Everything the schedule covers, each with its clock starting at ``Seed/start``; a second observation is held.
    struct World {
        let seed: Seed
        let heldObservation: Observation
        let hold: LegalHold
        let recording: Recording
        let heldRecording: Recording
        let abandoned: Recording
        let former: User
        let caseID: CaseID
        static let sha = String(repeating: "1a", count: 32), heldSha = String(repeating: "2b", count: 32)

        static func make(_ store: ReviewStore) async throws -> World {
            let seed = try await Seed.insert(into: store)
            let start = Seed.start
            var ledger = RatingLedger(observationID: seed.observation.id, employerID: seed.employer.id)
            try await store.records.ratings.append(try ledger.record(source: .assessor, score: score(4), rationale: "Clear plan.", by: seed.assessor.actor, at: start),
                                           by: seed.assessor.actor)
            let (opened, openedEvent) = try seed.openCase(at: start)
            try await store.records.cases.create(opened, event: openedEvent)
            _ = try await store.moderation.postMessage(on: opened.id, body: "See 1:10.", atSeconds: 70, by: seed.lead.actor, at: start)
            let (withdrawn, withdrawEvent) = try opened.apply(.withdraw, by: seed.lead.actor, at: start, reason: "raised in error")
            try await store.records.cases.update(withdrawn, expectedVersion: opened.version, event: withdrawEvent)
            func stored(_ observation: ObservationID, _ sha: String) async throws -> Recording {
                var recording = Recording(observationID: observation, uploadedBy: seed.assessor.id, fileName: "r.mp4")
                try await store.records.recordings.insert(recording, at: start)
                try recording.markStored(sha256: sha, byteCount: 10)
                try await store.records.recordings.update(recording, at: start)
                return recording
            }
            let recording = try await stored(seed.observation.id, sha)
            let abandoned = Recording(observationID: seed.observation.id, uploadedBy: seed.assessor.id, fileName: "half.mp4")
            try await store.records.recordings.insert(abandoned, at: start)

            let held = Observation(candidateID: seed.candidate.id, date: start, scenario: "Held", practiceArea: .adults)
            try await store.records.observations.insert(held, ref: nil)
            var heldLedger = RatingLedger(observationID: held.id, employerID: seed.employer.id)
            try await store.records.ratings.append(try heldLedger.record(source: .assessor, score: score(2), rationale: "Held rationale.", by: seed.assessor.actor, at: start),
                                           by: seed.assessor.actor)
            let heldRecording = try await stored(held.id, heldSha)
            let hold = try await store.dataProtection.placeHold(on: .observation, id: held.id.rawValue, reason: "Appeal AP-2", by: seed.lead.actor, at: start)
            _ = try await store.insight.recordAttributes(of: seed.candidate.id, ["age_band": "30-39"], consentReference: "CF-9", consentedAt: start,
                                                 by: seed.lead.actor, at: start)
            let former = User(name: "Former Assessor", role: .assessor, organisationID: seed.accreditingBody.id)
            try await store.records.users.insert(former)
            try await store.accounts.createSession(tokenHash: String(repeating: "f", count: 64), userID: former.id, csrfToken: "c", expiresAt: start, at: start)
            // Their notices, an e-mail that failed (a relay's refusal may quote the address) and their preferences.
            try await store.notifications.setPreferences(.init(email: "former@example.org", delivery: .immediate, muted: []), of: former.id, at: start)
            let email = UUID().uuidString.lowercased()
            try await store.raw("""
                INSERT INTO notification_emails (id, user_id, digest, state, attempts, next_attempt_at, last_error, created_at)
                VALUES ('\(unsafeRaw: email)', \(literal(former.id)), \(unsafeRaw: store.backendName == "postgres" ? "false" : "0"), 'failed', 8,
                        CURRENT_TIMESTAMP, '550 <former@example.org> unknown', CURRENT_TIMESTAMP)
                """)
            try await store.raw("""
                INSERT INTO notices (user_id, kind, case_id, dedupe_key, email_state, email_id, created_at)
                VALUES (\(literal(former.id)), 'case_decided', NULL, 'former-1', 'immediate', '\(unsafeRaw: email)', CURRENT_TIMESTAMP)
                """)
            try await store.records.users.setActive(former.id, false)
            return World(seed: seed, heldObservation: held, hold: hold, recording: recording, heldRecording: heldRecording, abandoned: abandoned,
                         former: former, caseID: opened.id)
        }
    }

    static func types(_ report: RetentionReport) -> Set<RetentionPolicy.RecordType> { Set(report.items.map(\.type)) }

    @Test(arguments: TestBackend.allCases)
    func eachTypeIsDueExactlyWhenItsPeriodEnds(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await World.make(store)
            let policy = RetentionPolicy.default
            for type in RetentionPolicy.RecordType.allCases where type != .attributes {
                let end = Seed.start + policy.period(type)
                let before = try await store.dataProtection.retentionPass(policy: policy, now: end - Self.day, dryRun: true)
                let after = try await store.dataProtection.retentionPass(policy: policy, now: end + 1, dryRun: true)
                #expect(!Self.types(before).contains(type), "\(type) is due a day early")
                #expect(Self.types(after).contains(type), "\(type) is not due when its period ends")
            }
            // A shorter configured period moves the date.
            let short = RetentionPolicy(days: [.originals: 10])
            #expect(Self.types(try await store.dataProtection.retentionPass(policy: short, now: Seed.start + 10 * Self.day + 1, dryRun: true)).contains(.originals))
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aDryRunChangesNothingAndAPassDeletesWhatIsDueOnce(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(store)
            let now = Seed.start + 2200 * Self.day
            func snapshot() async throws -> [Int] {
                [try await store.count("SELECT COUNT(*) AS n FROM audit_events"),
                 try await store.count("SELECT COUNT(*) AS n FROM audit_event_personal"),
                 try await store.count("SELECT COUNT(*) AS n FROM ratings WHERE rationale = '[erased]'"),
                 try await store.count("SELECT COUNT(*) AS n FROM recordings WHERE original_deleted_at IS NOT NULL OR status = 'rejected'"),
                 try await store.count("SELECT COUNT(*) AS n FROM sessions"), try await store.count("SELECT COUNT(*) AS n FROM credentials"),
                 try await store.count("SELECT COUNT(*) AS n FROM users WHERE erased_at IS NOT NULL")]
            }
            let before = try await snapshot()
            let dry = try await store.dataProtection.retentionPass(now: now, dryRun: true)
            #expect(try await snapshot() == before, "a dry run must change nothing")
            #expect(dry.files == FilesToDelete())

            let pass = try await store.dataProtection.retentionPass(now: now, dryRun: false)
            #expect(pass.items == dry.items, "the pass deletes exactly what the dry run listed")
            #expect(Self.types(pass) == Set(RetentionPolicy.RecordType.allCases).subtracting([.attributes]))
            #expect(pass.files.blobKeys == [World.sha] && pass.files.mediaOf == [world.recording.id])
            // The held observation and what hangs off it survive; attributes wait for every observation to be final.
            let ids = Set(pass.items.map(\.subjectID))
            #expect(!ids.contains(world.heldRecording.id.description) && !ids.contains(world.heldObservation.id.description))
            #expect(try await store.records.ratings.ratings(of: world.heldObservation.id).map(\.rationale) == ["Held rationale."])
            #expect(try await store.records.ratings.ratings(of: world.seed.observation.id).map(\.rationale) == ["[erased]"])
            #expect(try await store.insight.attributes(of: world.seed.candidate.id) != nil)
            #expect(try await store.moderation.messages(ofCase: world.caseID).map(\.body) == ["[erased]"])
            #expect(try await store.records.recordings.find(world.abandoned.id)?.status.name == "rejected")
            #expect(try await store.records.users.find(world.former.id)?.name == "[erased]")
            for table in ["notification_preferences", "notices", "notification_emails"] {
                #expect(try await store.count("SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE user_id = \(literal(world.former.id))") == 0,
                        "the erased account's \(table) are left")
            }
            let held = try await store.audit.entries(about: .init(type: "observation", id: world.heldObservation.id.description))
            #expect(held.contains { $0.event.reason == "Appeal AP-2" }, "audit details about a held record are kept")
            // Audited, pseudonymously; the chain verifies.
            let events = try await store.audit.entries(after: 0, limit: 10_000).map(\.event)
            #expect(events.filter { $0.action == "retention.deleted" }.count == pass.items.filter { $0.type != .auditDetails }.count)
            #expect(events.contains { $0.action == "retention.audit_details_deleted" })
            #expect(try await store.audit.verify().isIntact)

            let again = try await store.dataProtection.retentionPass(now: now, dryRun: false)
            #expect(again.items.isEmpty, "a second pass deletes nothing more: \(again.items)")

            // Released, the hold no longer protects: the held observation's records and the attributes go.
            _ = try await store.dataProtection.releaseHold(world.hold.id, reason: "appeal decided", by: world.seed.lead.actor, at: now)
            let released = try await store.dataProtection.retentionPass(now: now, dryRun: false)
            #expect(Set(released.items.map(\.subjectID)).isSuperset(of: [world.heldRecording.id.description, world.seed.candidate.id.description]))
            #expect(try await store.insight.attributes(of: world.seed.candidate.id) == nil)
            #expect(try await store.audit.verify().isIntact)
        }
    }
}
