import Foundation
import ReviewDomain
import ReviewStore
import Testing

/// Consent per purpose (decision 13) on SQLite and PostgreSQL: calibration never uses a recording without everyone's
/// consent to reuse for training, a withdrawal of moderation stops moderation of the observation at once, and
/// assessment cannot be withdrawn.
@Suite("Consent per purpose")
struct ConsentStoreTests {
    /// A stored recording of `observation` (no file needed: nothing here reads it).
    static func recording(of observation: ObservationID, by uploader: User, in store: ReviewStore, _ n: Int) async throws -> RecordingID {
        let sha = String(repeating: String(format: "%02x", n % 256), count: 32)
        return try await store.ingest.storeUploadedRecording(
            uploadID: "consent-\(observation)-\(n)", observationID: observation, uploadedBy: uploader.id, fileName: "visit-\(n).mp4",
            sha256: sha, byteCount: 1_000).recordingID
    }

    /// A new observation of the world's candidate with employer 6 and assessor 3: a dispute, sent to moderation.
    static func dispute(_ world: ModerationWorld, in store: ReviewStore, _ n: Int) async throws -> Case {
        let observation = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Dispute \(n)", practiceArea: .childrens)
        try await store.records.observations.insert(observation, ref: "OBS-D-\(n)")
        _ = try await store.workflow.recordRating(observationID: observation.id, score: try Score(6), rationale: "Strong.", supersedes: nil,
                                         correctionReason: nil, by: world.employerRep.actor)
        let opened = try #require(try await store.workflow.recordRating(observationID: observation.id, score: try Score(3), rationale: "Weak.", supersedes: nil,
                                                               correctionReason: nil, by: world.assessor.actor).openedCase)
        return try await store.workflow.transition(opened.id, .requestModeration, expectedVersion: opened.version, reason: nil, by: world.lead.actor)
    }

    @Test("a recording without everyone's training consent is never a calibration seed, over many routing passes with consents changing at random",
          arguments: TestBackend.allCases)
    func calibrationNeverUsesARecordingWithoutTrainingConsent(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let lead = world.lead.actor
            try await store.moderation.setModerationPolicy(try ModerationPolicy.default.with { $0.calibrationRate = 0.5; $0.moderatorsPerCase = 1; $0.panel = [.professional] }, by: lead)
            for moderator in world.moderators { try await store.moderation.setModeratorProfile(of: moderator.id, practiceAreas: [], capacity: 100, by: lead) }
            // Six seed observations, each with one or two recordings; consent given to all at first so that they can be marked.
            var recordingsOf: [ObservationID: [RecordingID]] = [:]
            var n = 0
            for s in 0..<6 {
                let seed = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Seed \(s)", practiceArea: .childrens)
                try await store.records.observations.insert(seed, ref: "OBS-SEED-\(s)")
                for _ in 0..<(1 + s % 2) {
                    n += 1
                    let recording = try await Self.recording(of: seed.id, by: world.assessor, in: store, n)
                    recordingsOf[seed.id, default: []].append(recording)
                    for person in [ConsentPerson.candidate, .actor(1)!] {
                        _ = try await store.dataProtection.recordConsent(recording: recording, person: person, purpose: .training, granted: true, reference: "F-\(n)", by: lead)
                    }
                }
                _ = try await store.moderation.markSeed(seed.id, score: try Score(4), reason: "Standards panel.", by: lead)
            }
            var random = SplitMix64(seed: backend == .sqlite ? 17 : 18)
            let people: [ConsentPerson] = [.candidate, .actor(1)!, .actor(2)!]
            var opened = 0
            for draw in 0..<16 {
                // Change one person's answer on one seed recording (an actor never asked counts as no consent).
                let all = recordingsOf.values.flatMap { $0 }.sorted { $0.description < $1.description }
                let recording = all[Int(random.next() % UInt64(all.count))]
                let person = people[Int(random.next() % UInt64(people.count))]
                _ = try await store.dataProtection.recordConsent(recording: recording, person: person, purpose: .training, granted: random.next() % 3 == 0,
                                                  reference: nil, by: lead)
                // Two ordinary cases routed make one calibration case due at rate 0.5.
                _ = try await Self.dispute(world, in: store, 2 * draw)
                _ = try await Self.dispute(world, in: store, 2 * draw + 1)
                let report = try await store.moderation.route(trigger: "draw \(draw)")
                for caseID in report.calibrationCasesOpened {
                    let seedCase = try #require(try await store.records.cases.find(caseID))
                    for recordingID in recordingsOf[seedCase.observationID] ?? [] {
                        #expect(try await store.dataProtection.consents(of: recordingID).permits(.training), "draw \(draw): seed case on a recording without training consent")
                    }
                    opened += 1
                }
            }
            // The property is not vacuous: calibration cases were opened, and some seeds were passed over.
            #expect(opened > 0)
            let refusedSeeds = try await recordingsOf.asyncCount { _, recordings in
                try await recordings.asyncContains { !(try await store.dataProtection.consents(of: $0).permits(.training)) }
            }
            #expect(refusedSeeds > 0)
        }
    }

    @Test("withdrawing moderation consent cancels the open assignments at once, the case is not routed again, and the observation is never sampled",
          arguments: TestBackend.allCases)
    func withdrawingModerationTakesEffect(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let recording = try await Self.recording(of: world.observation.id, by: world.assessor, in: store, 1)
            let (moved, assignments) = try await world.sendToModeration(store)
            #expect(moved.state == .inModeration && !assignments.isEmpty)
            let consent = try await store.dataProtection.recordConsent(recording: recording, person: .actor(1)!, purpose: .moderation, granted: false,
                                                        reference: "Email of 2 March", by: world.lead.actor)
            #expect(!consent.permits(.moderation) && consent.permits(.assessment) && consent.people == [.candidate, .actor(1)!])
            let after = try await store.moderation.assignments(ofCase: world.dispute.id)
            #expect(after.allSatisfy { $0.state == .cancelled })
            let report = try await store.moderation.route(cases: [world.dispute.id], trigger: "test")
            #expect(try await store.moderation.assignments(ofCase: world.dispute.id).allSatisfy { $0.state == .cancelled })
            #expect(report.routed.first?.problem?.contains("lead decides") == true)
            #expect(try await store.moderation.routingProblem(ofCase: world.dispute.id)?.contains("withdrawn") == true)
            // The withdrawal and the cancellations are in the audit trail, which still verifies.
            let events = try await store.audit.entries(about: .init(type: "recording", id: recording.description))
            #expect(events.contains { $0.event.action == "recording.consent_withdrawn" && $0.event.details["purpose"] == "moderation" && $0.event.reason == nil })
            #expect(!events.contains { $0.event.details.values.contains("Email of 2 March") })
            #expect(try await store.audit.verify().isIntact)

            // Sampling: an undisputed observation whose recording's moderation consent is withdrawn is not in the population.
            let quiet = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Quiet", practiceArea: .childrens)
            try await store.records.observations.insert(quiet, ref: "OBS-Q")
            _ = try await store.workflow.recordRating(observationID: quiet.id, score: try Score(5), rationale: "Fine.", supersedes: nil, correctionReason: nil, by: world.assessor.actor)
            _ = try await store.workflow.recordRating(observationID: quiet.id, score: try Score(5), rationale: "Fine.", supersedes: nil, correctionReason: nil, by: world.employerRep.actor)
            #expect(try await store.moderation.samplingPopulation().contains { $0.observationID == quiet.id })
            let quietRecording = try await Self.recording(of: quiet.id, by: world.assessor, in: store, 2)
            _ = try await store.dataProtection.recordConsent(recording: quietRecording, person: .candidate, purpose: .moderation, granted: false, reference: nil, by: world.lead.actor)
            #expect(!(try await store.moderation.samplingPopulation().contains { $0.observationID == quiet.id }))
            // Given again: back in.
            _ = try await store.dataProtection.recordConsent(recording: quietRecording, person: .candidate, purpose: .moderation, granted: true, reference: nil, by: world.lead.actor)
            #expect(try await store.moderation.samplingPopulation().contains { $0.observationID == quiet.id })
        }
    }

    @Test("assessment cannot be withdrawn (public task); a seed needs everyone's training consent; unknown recordings are refused",
          arguments: TestBackend.allCases)
    func refusals(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let recording = try await Self.recording(of: world.observation.id, by: world.assessor, in: store, 1)
            await #expect(throws: StoreError.self) {
                _ = try await store.dataProtection.recordConsent(recording: recording, person: .candidate, purpose: .assessment, granted: false, reference: nil, by: world.lead.actor)
            }
            await #expect(throws: StoreError.self) {
                _ = try await store.dataProtection.recordConsent(recording: RecordingID(), person: .candidate, purpose: .training, granted: true, reference: nil, by: world.lead.actor)
            }
            // Nothing recorded: no training reuse, so no seed.
            #expect(try await store.dataProtection.consents(of: recording).permits(.training) == false)
            await #expect(throws: StoreError.self) {
                _ = try await store.moderation.markSeed(world.observation.id, score: try Score(4), reason: "Clear.", by: world.lead.actor)
            }
            _ = try await store.dataProtection.recordConsent(recording: recording, person: .candidate, purpose: .training, granted: true, reference: "F-1", by: world.lead.actor)
            // An actor recorded for another purpose must consent to training too.
            _ = try await store.dataProtection.recordConsent(recording: recording, person: .actor(1)!, purpose: .moderation, granted: true, reference: nil, by: world.lead.actor)
            await #expect(throws: StoreError.self) {
                _ = try await store.moderation.markSeed(world.observation.id, score: try Score(4), reason: "Clear.", by: world.lead.actor)
            }
            _ = try await store.dataProtection.recordConsent(recording: recording, person: .actor(1)!, purpose: .training, granted: true, reference: "F-2", by: world.lead.actor)
            _ = try await store.moderation.markSeed(world.observation.id, score: try Score(4), reason: "Clear.", by: world.lead.actor)
            #expect(try await store.moderation.seeds().count == 1)

            // Eight identical answers at once (a double click, a retried request): one answer stands, none fails.
            let lead = world.lead.actor
            try await withThrowingTaskGroup(of: RecordingConsent.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await store.dataProtection.recordConsent(recording: recording, person: .actor(2)!, purpose: .moderation, granted: false, reference: "R", by: lead)
                    }
                }
                for try await consent in group { #expect(!consent.permits(.moderation)) }
            }
            #expect(try await store.dataProtection.consents(of: recording).records.filter { $0.person == .actor(2)! }.count == 1)
            #expect(try await store.audit.verify().isIntact)
        }
    }
}

extension Dictionary {
    fileprivate func asyncCount(_ predicate: (Key, Value) async throws -> Bool) async rethrows -> Int {
        var count = 0
        for (key, value) in self where try await predicate(key, value) { count += 1 }
        return count
    }
}

extension Array {
    fileprivate func asyncContains(_ predicate: (Element) async throws -> Bool) async rethrows -> Bool {
        for element in self where try await predicate(element) { return true }
        return false
    }
}
