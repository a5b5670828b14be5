import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// Erasure of a candidate with the audit chain still verifiable, and legal holds (issue 17, part A; decision 12).
@Suite struct DataProtectionStoreTests {
    /// A candidate with something personal in every place it can sit, and a second candidate who must be untouched.
    struct World {
        let seed: Seed
        let caseID: CaseID
        let recording: Recording
        let other: Candidate
        static let name = "Lukasz Wolstenholme"
        static let sha256 = "5e1f" + String(repeating: "c0de", count: 15)
        let marker: String
        let fileName: String
        let keep: String

        /// Everything erasure must remove, as it would be searched for.
        var erasedValues: [String] { [Self.name, seed.candidate.registrationNumber, marker, fileName, Self.sha256] }

        static func make(_ store: ReviewStore) async throws -> World {
            let seed = try await Seed.insert(into: store)
            var ledger = RatingLedger(observationID: seed.observation.id, employerID: seed.employer.id)
            let marker = "Qzv-Marker-\(UUID().uuidString.prefix(8))"
            let fileName = "Wolstenholme-home-visit-\(UUID().uuidString.prefix(6)).mp4"
            let keep = "Keep-Other-\(UUID().uuidString.prefix(8))"
            let rating = try ledger.record(source: .assessor, score: score(4), rationale: "Rapport was good. \(marker)", by: seed.assessor.actor, at: Seed.start)
            try await store.records.ratings.append(rating, by: seed.assessor.actor)
            let (opened, openedEvent) = try seed.openCase()
            try await store.records.cases.create(opened, event: openedEvent)
            _ = try await store.moderation.postMessage(on: opened.id, body: "Note about the candidate: \(marker)", atSeconds: 12, by: seed.lead.actor, at: Seed.start)
            // A flag's reason lives in the case's document (found missing from erasure in review).
            _ = try await store.workflow.flag(observationID: seed.observation.id, reason: "Flagged about \(name): \(marker)", by: seed.assessor.actor,
                                     at: Seed.start)
            var recording = Recording(observationID: seed.observation.id, uploadedBy: seed.assessor.id, fileName: fileName)
            try await store.records.recordings.insert(recording, at: Seed.start)
            try recording.markStored(sha256: sha256, byteCount: 1234)
            try await store.records.recordings.update(recording, at: Seed.start)
            try await store.audit.append(AuditEvent(
                at: Seed.start, actorID: seed.assessor.id, action: "recording.stored", subject: .init(type: "recording", id: recording.id.description),
                reason: "uploaded for \(name)", details: ["file_name": fileName, "sha256": sha256]))
            try await store.audit.append(AuditEvent(
                at: Seed.start, actorID: seed.lead.id, action: "candidate.noted", subject: .init(type: "candidate", id: seed.candidate.id.description),
                details: ["registration_number": seed.candidate.registrationNumber, "name": name]))
            _ = try await store.insight.recordAttributes(of: seed.candidate.id, ["ethnicity": "Heritage-\(marker)"], consentReference: "CF-\(marker)",
                                                 consentedAt: Seed.start, by: seed.lead.actor)
            // Another candidate of the same employer, with the same video (a blob shared by two recordings stays).
            let other = Candidate(registrationNumber: "SW000111", employerID: seed.employer.id)
            try await store.records.candidates.insert(other, name: "Other Person \(keep)")
            let otherObservation = Observation(candidateID: other.id, date: Seed.start, scenario: "Adult safeguarding", practiceArea: .adults)
            try await store.records.observations.insert(otherObservation, ref: nil)
            var otherLedger = RatingLedger(observationID: otherObservation.id, employerID: seed.employer.id)
            try await store.records.ratings.append(try otherLedger.record(source: .assessor, score: score(5), rationale: "Fine. \(keep)",
                                                                  by: seed.assessor.actor, at: Seed.start), by: seed.assessor.actor)
            return World(seed: seed, caseID: opened.id, recording: recording, other: other, marker: marker, fileName: fileName, keep: keep)
        }
    }

    /// Where `value` is still stored: on SQLite the database file, its WAL and shared-memory file (bytes); on
    /// PostgreSQL every row of every table, as text (the heap's dead versions are VACUUM's, docs/data-protection.md).
    static func traces(of value: String, in store: ReviewStore) async throws -> [String] {
        switch store.configuration {
        case .sqlite(let path):
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(URL(fileURLWithPath: path).lastPathComponent) }
            return try names.filter { try Data(contentsOf: folder.appendingPathComponent($0)).range(of: Data(value.utf8)) != nil }
        default:
            return try await store.withRawDatabase { db in
                let tables = try await db.raw("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").all()
                    .map { try $0.decode(column: "table_name", as: String.self) }
                var found: [String] = []
                for table in tables {
                    let n = try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table) t WHERE CAST(t AS TEXT) LIKE \(bind: "%" + value + "%")")
                        .first(decodingColumn: "n", as: Int.self) ?? 0
                    if n > 0 { found.append(table) }
                }
                return found
            }
        }
    }

    static func succeeds(_ body: @Sendable () async throws -> Void) async -> Bool {
        do {
            try await body()
            return true
        } catch {
            return false
        }
    }

    /// Found by the second hostile test: a moderator's declared conflict naming the candidate survived erasure (its row
    /// and the personal part of its audit event, which is about the moderator), and an erased candidate took new
    /// ratings, flags and attributes that could never be erased after.
    @Test(arguments: TestBackend.allCases)
    func erasureReachesWordsAboutTheCandidateElsewhereAndNothingNewIsRecordedAfter(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(store)
            let conflict = "Neighbour-\(world.marker)"
            _ = try await store.moderation.declareConflict(
                try DeclaredConflict(moderatorID: world.seed.moderator.id, subject: .candidate(world.seed.candidate.id), reason: conflict),
                by: world.seed.lead.actor, at: Seed.start)
            #expect(try await !Self.traces(of: conflict, in: store).isEmpty)
            _ = try await store.dataProtection.eraseCandidate(world.seed.candidate.id, reason: nil, by: world.seed.lead.actor, at: Seed.start + 60)
            #expect(try await Self.traces(of: conflict, in: store).isEmpty, "the conflict's words survived the erasure")
            #expect(try await store.audit.verify().isIntact)
            await expectStoreError(.conflict) {
                _ = try await store.workflow.recordRating(observationID: world.seed.observation.id, score: try Score(3), rationale: "After erasure.",
                                                 supersedes: nil, correctionReason: nil, by: world.seed.employerRep.actor, at: Seed.start + 120)
            }
            await expectStoreError(.conflict) {
                _ = try await store.workflow.flag(observationID: world.seed.observation.id, reason: "After erasure.", by: world.seed.assessor.actor,
                                         at: Seed.start + 120)
            }
            await expectStoreError(.conflict) {
                _ = try await store.insight.recordAttributes(of: world.seed.candidate.id, ["ethnicity": "After"], consentReference: "CF-9",
                                                     consentedAt: Seed.start, by: world.seed.lead.actor)
            }
            await expectStoreError(.conflict) {
                _ = try await store.ingest.storeUploadedRecording(uploadID: "after", observationID: world.seed.observation.id,
                                                           uploadedBy: world.seed.assessor.id, fileName: "after.mp4",
                                                           sha256: String(repeating: "c", count: 64), byteCount: 10)
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func erasingACandidateLeavesNoTraceAndTheChainStillVerifies(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(store)
            for value in world.erasedValues where value != World.sha256 {
                #expect(try await !Self.traces(of: value, in: store).isEmpty, "\(value) should be stored before the erasure")
            }
            let report = try await store.dataProtection.eraseCandidate(world.seed.candidate.id, reason: "request DSAR-7", by: world.seed.lead.actor, at: Seed.start + 60)
            #expect(report.recordings == [world.recording.id] && report.observations == 1)
            #expect(report.blobKeys == [World.sha256], "no other recording uses the video: its blob must go")
            #expect(report.texts == 2 && report.auditParts >= 4)
            for value in world.erasedValues where value != World.sha256 {
                let left = try await Self.traces(of: value, in: store)
                #expect(left.isEmpty, "\(value) is still in \(left)")
            }
            let verification = try await store.audit.verify()
            #expect(verification.isIntact, "\(verification)")
            // Every event, whole or sealed, re-hashes to its stored hash with the public API (part B's exports).
            let entries = try await store.audit.entries(after: 0, limit: 1000)
            for entry in entries {
                #expect(AuditChain.hash(of: entry.event, previousHash: entry.previousHash) == entry.hash)
                #expect(AuditChain.hash(of: AuditChain.sealed(entry.event), previousHash: entry.previousHash) == entry.hash)
            }
            let about = try await store.audit.entries(about: .init(type: "candidate", id: world.seed.candidate.id.description))
            #expect(about.filter { $0.event.action != "candidate.erased" }.allSatisfy { AuditChain.isSealed($0.event) })
            let erasure = try #require(about.last)
            #expect(erasure.event.action == "candidate.erased" && erasure.event.reason == "request DSAR-7" && erasure.event.details["texts"] == "2")
            // Pseudonymous facts stay; the other candidate is untouched.
            #expect(try await store.records.ratings.ratings(of: world.seed.observation.id).map(\.score.value) == [4])
            #expect(try await store.records.cases.find(world.caseID) != nil)
            #expect(try await store.dataProtection.erasedAt(candidate: world.seed.candidate.id) == millisecond(Seed.start + 60))
            #expect(try await !Self.traces(of: world.keep, in: store).isEmpty)
            #expect(try await store.insight.attributes(of: world.seed.candidate.id) == nil)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aBlobAnotherCandidateStillUsesIsKept(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(store)
            let observation = Observation(candidateID: world.other.id, date: Seed.start, scenario: "Same file", practiceArea: .adults)
            try await store.records.observations.insert(observation, ref: nil)
            var copy = Recording(observationID: observation.id, uploadedBy: world.seed.assessor.id, fileName: "copy.mp4")
            try await store.records.recordings.insert(copy, at: Seed.start)
            try copy.markStored(sha256: World.sha256, byteCount: 1234)
            try await store.records.recordings.update(copy, at: Seed.start)
            let report = try await store.dataProtection.eraseCandidate(world.seed.candidate.id, reason: nil, by: world.seed.lead.actor)
            #expect(report.blobKeys.isEmpty)
            // Once the other candidate is erased too, nobody uses it.
            #expect(try await store.dataProtection.eraseCandidate(world.other.id, reason: nil, by: world.seed.lead.actor).blobKeys == [World.sha256])
        }
    }

    @Test(arguments: TestBackend.allCases)
    func erasureIsRefusedTwiceForUnknownIdsAndUnderAHold(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(store)
            let lead = world.seed.lead.actor
            await expectStoreError(.notFound) { _ = try await store.dataProtection.eraseCandidate(CandidateID(), reason: nil, by: lead) }
            for (type, id) in [(LegalHold.SubjectType.case, world.caseID.rawValue), (.observation, world.seed.observation.id.rawValue),
                               (.candidate, world.seed.candidate.id.rawValue)] {
                let hold = try await store.dataProtection.placeHold(on: type, id: id, reason: "Appeal AP-\(type.rawValue)", by: lead)
                #expect(hold.candidateID == world.seed.candidate.id && hold.isActive)
                await expectStoreError(.conflict) { _ = try await store.dataProtection.eraseCandidate(world.seed.candidate.id, reason: nil, by: lead) }
                #expect(try await !Self.traces(of: World.name, in: store).isEmpty, "a refused erasure changes nothing")
                _ = try await store.dataProtection.releaseHold(hold.id, reason: "appeal decided", by: lead)
            }
            _ = try await store.dataProtection.eraseCandidate(world.seed.candidate.id, reason: nil, by: lead)
            await expectStoreError(.conflict) { _ = try await store.dataProtection.eraseCandidate(world.seed.candidate.id, reason: nil, by: lead) }
            // Two erasures racing: one wins, the other is refused; the chain holds.
            let other = world.other.id
            async let first = Self.succeeds { _ = try await store.dataProtection.eraseCandidate(other, reason: nil, by: lead) }
            async let second = Self.succeeds { _ = try await store.dataProtection.eraseCandidate(other, reason: nil, by: lead) }
            #expect([await first, await second].filter { $0 }.count == 1)
            #expect(try await store.audit.verify().isIntact)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func holdsArePlacedListedReleasedAndAudited(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(store)
            let lead = world.seed.lead.actor
            await expectStoreError(.notFound) { _ = try await store.dataProtection.placeHold(on: .case, id: UUID(), reason: "x", by: lead) }
            await expectStoreError(.notFound) { _ = try await store.dataProtection.placeHold(on: .case, id: world.seed.observation.id.rawValue, reason: "x", by: lead) }
            await expectStoreError(.invalidArgument) { _ = try await store.dataProtection.placeHold(on: .case, id: world.caseID.rawValue, reason: "  ", by: lead) }
            let hold = try await store.dataProtection.placeHold(on: .case, id: world.caseID.rawValue, reason: "Appeal AP-1", by: lead, at: Seed.start)
            #expect(try await store.dataProtection.holds() == [hold])
            #expect(try await store.dataProtection.hold(hold.id) == hold)
            let released = try await store.dataProtection.releaseHold(hold.id, reason: "decided", by: lead, at: Seed.start + 5)
            #expect(!released.isActive && released.releasedBy == lead.userID)
            #expect(try await store.dataProtection.holds().isEmpty)
            #expect(try await store.dataProtection.holds(includingReleased: true) == [released])
            await expectStoreError(.conflict) { _ = try await store.dataProtection.releaseHold(hold.id, by: lead) }
            await expectStoreError(.notFound) { _ = try await store.dataProtection.releaseHold(LegalHoldID(), by: lead) }
            let events = try await store.audit.entries(about: .init(type: "case", id: world.caseID.description)).map(\.event)
            #expect(events.filter { $0.action == "hold.placed" }.map(\.reason) == ["Appeal AP-1"])
            #expect(events.filter { $0.action == "hold.released" }.map { $0.details["hold"] } == [hold.id.description])
        }
    }

    @Test(arguments: TestBackend.allCases)
    func appendOnlyTablesAcceptOnlyErasure(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await World.make(store)
            await expectStoreError(.constraintViolation) { try await store.raw("UPDATE ratings SET rationale = 'rewritten'") }
            await expectStoreError(.constraintViolation) { try await store.raw("UPDATE ratings SET score = 1, rationale = '[erased]'") }
            await expectStoreError(.constraintViolation) { try await store.raw("UPDATE case_messages SET body = 'rewritten'") }
            await expectStoreError(.constraintViolation) { try await store.raw("DELETE FROM case_messages") }
            try await store.raw("UPDATE case_messages SET body = '[erased]'")
            #expect(try await store.moderation.messages(ofCase: world.caseID).map(\.body) == ["[erased]"])
        }
    }

    @Test(arguments: TestBackend.allCases)
    func anEditedPersonalPartBreaksTheChain(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            _ = try await World.make(store)
            try await store.raw("UPDATE audit_event_personal SET reason = 'edited' WHERE reason IS NOT NULL")
            let verification = try await store.audit.verify()
            #expect(verification.firstBreak?.kind == .hashMismatch)
        }
    }
}

private func millisecond(_ date: Date) -> Date {
    Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
}
