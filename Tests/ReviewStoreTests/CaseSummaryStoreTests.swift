import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// The case summaries the lists read (migration 17, decision 26): after random sequences of ratings, corrections,
/// flags, transitions, routing, opinions, declines, recordings and an erasure, every summary equals what the case's
/// document, the ratings, the panel, the recordings and the candidate say — on SQLite and PostgreSQL. The filters and
/// the backfill of stored cases are checked on the same data.
@Suite("Case summaries")
struct CaseSummaryStoreTests {
    /// What a summary must say, recomputed from the documents and the other tables through the store's façades.
    struct Expected: Hashable {
        var state: Case.State, kind: Case.Kind, round: Int, version: Int, reasons: Set<CaseSummary.Reason>, outcome: Int?
        var calibration: Int?, reference: String?, candidate: String?, employer: String, employerScore: Int?, assessorScore: Int?
        var recordingStatus: String?, moderators: Set<UserID>, earliestDue: Date?, updatedAt: Date

        init(_ s: CaseSummary) {
            state = s.state; kind = s.kind; round = s.round; version = s.version; reasons = Set(s.reasons); outcome = s.outcomeScore
            calibration = s.calibrationScore; reference = s.reference; candidate = s.candidateName; employer = s.employerName
            employerScore = s.employerScore; assessorScore = s.assessorScore; recordingStatus = s.recordingStatus
            moderators = Set(s.moderatorIDs); earliestDue = s.earliestDueAt; updatedAt = s.updatedAt
        }

        init(recomputing id: CaseID, in store: ReviewStore) async throws {
            let value = try #require(try await store.records.cases.find(id))
            let observation = try #require(try await store.records.observations.find(value.observationID))
            let candidate = try #require(try await store.records.candidates.find(observation.observation.candidateID))
            let erased = candidate.candidate.registrationNumber.hasPrefix("erased-")
            let ledger = try await store.records.ratings.ledger(of: value.observationID)
            let panel = try await store.moderation.assignments(ofCase: id).filter { $0.round == value.round }
            state = value.state; kind = value.kind; round = value.round; version = value.version; outcome = value.outcome?.score.value
            calibration = value.calibrationScore?.value
            var reasons = Set<CaseSummary.Reason>()
            for reason in value.finding?.reasons ?? [] { reasons.insert(reason == .straddlesPassLine ? .straddle : .gap) }
            if value.kind == .manualFlag || value.flagCount > 0 { reasons.insert(.flag) }
            if value.kind == .sample { reasons.insert(.sample) }
            if value.isCalibration { reasons.insert(.calibration) }
            self.reasons = reasons
            reference = observation.ref; self.candidate = erased ? nil : candidate.name
            employer = try #require(try await store.records.organisations.find(value.employerID)).name
            employerScore = ledger.current(source: .employer)?.score.value; assessorScore = ledger.current(source: .assessor)?.score.value
            recordingStatus = try await store.records.recordings.recordings(of: value.observationID).last?.status.name
            moderators = Set(panel.filter { [.offered, .accepted, .submitted].contains($0.state) }.map(\.moderatorID))
            earliestDue = panel.filter(\.state.isOpen).map(\.dueAt).min()
            updatedAt = value.updatedAt
        }
    }

    static func expectSummariesMatch(_ store: ReviewStore, _ context: String) async throws {
        let summaries = try await store.records.listCaseSummaries(CaseFilter(), page: PageRequest(size: 500))
        let stored = try await store.count("SELECT COUNT(*) AS n FROM cases")
        #expect(summaries.count == stored, "\(context): \(summaries.count) summaries for \(stored) cases")
        for summary in summaries {
            let expected = try await Expected(recomputing: summary.caseID, in: store)
            #expect(Expected(summary) == expected, "\(context): case \(summary.caseID)\nstored     \(Expected(summary))\nrecomputed \(expected)")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func randomOperationsKeepEverySummaryEqualToItsDocuments(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            var random = SplitMix64(seed: 26)
            // A second candidate of the same employer, to be erased along the way; the first keeps working.
            let erasable = Candidate(registrationNumber: "SW200002", employerID: world.employer.id)
            try await store.records.candidates.insert(erasable, name: "Erin Erasable")
            var observations = [world.observation.id]
            for n in 0..<4 {
                let observation = Observation(candidateID: n < 3 ? world.candidate.id : erasable.id, date: ModerationWorld.start,
                                              scenario: "Summary \(n)", practiceArea: .adults)
                try await store.records.observations.insert(observation, ref: "OBS-S-\(n)")
                observations.append(observation.id)
            }
            var time = ModerationWorld.start + 3600
            var erased = false
            var seen = Set<Case.State>()
            for step in 0..<90 {
                time += Double(1 + random.below(2 * 86_400))
                let observationID = observations[random.below(observations.count)]
                // The moderation steps work on any active case (so that panels fill and cases get decided).
                var activeCases: [Case] = []
                for id in observations { activeCases += try await store.records.cases.cases(of: id).filter(\.state.isActive) }
                let active = activeCases.randomElement(using: &random)
                do {
                    switch random.below(11) {
                    case 0, 1:  // a rating, or a correction of the current one, by the employer or the assessor
                        let rater = random.below(2) == 0 ? world.employerRep : world.assessor
                        let ledger = try await store.records.ratings.ledger(of: observationID)
                        let current = ledger.current(source: rater.role == .employer ? .employer : .assessor)
                        _ = try await store.workflow.recordRating(observationID: observationID, score: try Score(1 + random.below(7)), rationale: "Step \(step).",
                                                                  supersedes: current?.id, correctionReason: current == nil ? nil : "Re-watched.",
                                                                  by: rater.actor, at: time)
                    case 2:
                        _ = try await store.workflow.flag(observationID: observationID, reason: "Step \(step).", by: world.assessor.actor, at: time)
                    case 3, 4:  // to moderation (routed at once)
                        guard let active else { continue }
                        _ = try await store.workflow.transition(active.id, .requestModeration, expectedVersion: active.version, reason: nil,
                                                                by: world.lead.actor, at: time)
                    case 5, 6:  // an opinion from someone on the panel
                        guard let active, let assignment = try await store.moderation.assignments(ofCase: active.id)
                            .filter({ $0.state.isOpen && $0.round == active.round }).randomElement(using: &random) else { continue }
                        if assignment.state == .offered, random.below(2) == 0 {
                            _ = try await store.moderation.acceptAssignment(of: active.id, by: world.user(assignment.moderatorID).actor, at: time)
                            break
                        }
                        _ = try await store.moderation.submitOpinion(on: active.id, score: try Score(1 + random.below(7)), rationale: "Step \(step).",
                                                                     annotations: [], correcting: nil, correctionReason: nil,
                                                                     by: world.user(assignment.moderatorID).actor, at: time)
                    case 7:  // a decline, or time passing and a routing pass expiring what is overdue
                        if let active, let assignment = try await store.moderation.assignments(ofCase: active.id).first(where: \.state.isOpen),
                           random.below(2) == 0 {
                            _ = try await store.moderation.declineAssignment(of: active.id, reason: "Conflict found.", conflictWith: nil,
                                                                             by: world.user(assignment.moderatorID).actor, at: time)
                        } else {
                            time += 15 * 86_400
                            _ = try await store.moderation.route(trigger: "summary walk", at: time)
                        }
                    case 8:  // a recording uploaded, or rejected
                        let recordings = try await store.records.recordings.recordings(of: observationID)
                        if let last = recordings.last, case .uploading = last.status, random.below(2) == 0 {
                            _ = try await store.ingest.rejectRecording(last.id, reason: "Not a video.", at: time)
                        } else {
                            try await store.records.recordings.insert(Recording(observationID: observationID, uploadedBy: world.assessor.id,
                                                                                fileName: "visit-\(step).mp4"), at: time)
                        }
                    case 9:  // the lead decides an escalation, or withdraws
                        guard let active else { continue }
                        if active.state == .escalated {
                            _ = try await store.workflow.transition(active.id, .decide(Outcome(score: try Score(1 + random.below(7)), basis: .person(world.lead.id),
                                                                                          reason: "Walk decision.")),
                                                                    expectedVersion: active.version, reason: "Walk decision.", by: world.lead.actor, at: time)
                        } else if random.below(3) == 0 {
                            _ = try await store.workflow.transition(active.id, .withdraw, expectedVersion: active.version, reason: "Walk withdraw.",
                                                                    by: world.lead.actor, at: time)
                        }
                    default:  // once, past the middle: the second candidate is erased
                        guard step > 35, !erased else { continue }
                        _ = try await store.dataProtection.eraseCandidate(erasable.id, reason: "Request granted.", by: world.lead.actor, at: time)
                        erased = true
                    }
                } catch let error as StoreError where [.conflict, .notFound, .invalidArgument, .duplicate].contains(error.code) {
                    // A refusal (a second rating, a flag on an erased candidate, …) changes nothing; the check below holds either way.
                } catch is CaseTransitionError {
                }
                try await Self.expectSummariesMatch(store, "\(backend) step \(step)")
                try await CaseStateCountsTests.expectCountsMatch(store, now: time, "\(backend) step \(step)")
                for summary in try await store.records.listCaseSummaries(CaseFilter(), page: PageRequest(size: 500)) { seen.insert(summary.state) }
            }
            // The walk reached the places worth checking.
            #expect(erased, "the erasure never ran")
            #expect(seen.contains(.inModeration) && seen.count >= 3, "states seen: \(seen)")
            let erasedSummaries = try await store.records.listCaseSummaries(CaseFilter(search: "OBS-S-3"), page: PageRequest())
            #expect(erasedSummaries.allSatisfy { $0.candidateName == nil }, "an erased candidate's name stays in a summary")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func filtersSearchSortAndTheBackfillOfStoredCases(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            // A flagged observation of another employer's candidate, and the dispute sent to moderation.
            let other = Candidate(registrationNumber: "SW300003", employerID: world.otherEmployer.id)
            try await store.records.candidates.insert(other, name: "Olive O'Neill_100%")
            let observation = Observation(candidateID: other.id, date: ModerationWorld.start, scenario: "Visit", practiceArea: .adults)
            try await store.records.observations.insert(observation, ref: "OBS-X-9")
            let flagged = try await store.workflow.flag(observationID: observation.id, reason: "Audio missing.", by: world.assessor.actor,
                                                        at: ModerationWorld.start + 10)
            let (moved, panel) = try await world.sendToModeration(store)
            #expect(!panel.isEmpty)
            let records = store.records
            func ids(_ filter: CaseFilter) async throws -> [CaseID] { try await records.listCaseSummaries(filter, page: PageRequest()).map(\.caseID) }
            #expect(try await ids(CaseFilter(employerID: world.otherEmployer.id)) == [flagged.id])
            #expect(try await ids(CaseFilter(reason: .flag)) == [flagged.id])
            #expect(try await ids(CaseFilter(reason: .straddle)) == [moved.id])
            #expect(try await ids(CaseFilter(state: .inModeration)) == [moved.id])
            #expect(try await ids(CaseFilter(search: "casey")) == [moved.id])
            #expect(try await ids(CaseFilter(search: "obs-x")) == [flagged.id])
            // LIKE's wildcards typed in a search match only themselves.
            #expect(try await ids(CaseFilter(search: "_100%")) == [flagged.id])
            #expect(try await ids(CaseFilter(search: "o%n")).isEmpty)
            #expect(try await ids(CaseFilter(search: "e_o")).isEmpty)
            let due = try #require(panel.map(\.dueAt).min())
            #expect(try await ids(CaseFilter(overdueAt: due)).isEmpty)
            #expect(try await ids(CaseFilter(overdueAt: due + 1)) == [moved.id])
            #expect(try await ids(CaseFilter(sort: .due)) == [moved.id, flagged.id])
            #expect(try await ids(CaseFilter(sort: .candidate)) == [moved.id, flagged.id])
            #expect(try await ids(CaseFilter(assignedTo: panel[0].moderatorID)) == [moved.id])
            let counts = try await records.caseCounts(CaseFilter(), now: due + 1)
            #expect(counts.byState == [.inModeration: 1, .open: 1] && counts.overdue == 1)
            // The migration fills the summaries of cases stored before it: drop them, undo the migration, migrate again.
            let before = try await records.listCaseSummaries(CaseFilter(), page: PageRequest())
            try await store.raw("DROP TABLE case_summaries")
            // The counts per state (migration 24) are kept by triggers on the table dropped: counted again after it.
            try await store.raw("DROP TABLE case_state_counts")
            try await store.raw("DELETE FROM schema_migrations WHERE version IN (17, 24)")
            #expect(try await store.migrate() == [17, 24])
            #expect(try await records.listCaseSummaries(CaseFilter(), page: PageRequest()) == before)
            try await Self.expectSummariesMatch(store, "\(backend) after the backfill")
            try await CaseStateCountsTests.expectCountsMatch(store, now: due + 1, "\(backend) after the backfill")
        }
    }
}
