import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// Issue 14's duplicates under concurrency: identical writes raced through the store find at most one current rating
/// per rater, source and observation, and at most one active case per observation — on SQLite and PostgreSQL, where
/// check-then-insert under READ COMMITTED let both through until the schema said otherwise (migration 10).
@Suite("Uniqueness under races")
struct UniquenessRaceTests {
    static let racers = 20
    static let observations = 5

    @Test(arguments: TestBackend.allCases)
    func identicalRatingsRaceToOne(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            // Several observations, each with the assessor's 3 in; the connection pool warmed first (a cold pool hands out
            // one connection at a time, which hides the race).
            var observations = [seed.observation.id]
            for n in 1..<Self.observations {
                let observation = Observation(candidateID: seed.candidate.id, date: Seed.start, scenario: "Race \(n)", practiceArea: .adults)
                try await store.records.observations.insert(observation, ref: "OBS-RACE-\(n)")
                observations.append(observation.id)
            }
            for o in observations {
                _ = try await store.workflow.recordRating(observationID: o, score: try score(3), rationale: "Below.", supersedes: nil, correctionReason: nil,
                                                 by: seed.assessor.actor)
            }
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.racers { group.addTask { _ = try? await store.moderation.moderationPolicy() } }
            }
            // Twenty identical employer 6s per observation race (each would open the dispute).
            let outcomes = await withTaskGroup(of: (ObservationID, Result<RecordedRating, any Error>).self) { group in
                for o in observations {
                    for _ in 0..<Self.racers {
                        group.addTask {
                            do {
                                return (o, .success(try await store.workflow.recordRating(observationID: o, score: try score(6), rationale: "Strong practice.",
                                                                                 supersedes: nil, correctionReason: nil, by: seed.employerRep.actor)))
                            } catch { return (o, .failure(error)) }
                        }
                    }
                }
                var all: [(ObservationID, Result<RecordedRating, any Error>)] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            for o in observations {
                let recorded = outcomes.filter { $0.0 == o }.compactMap { try? $0.1.get() }
                #expect(recorded.count == 1, "\(backend): \(recorded.count) identical ratings recorded")
                let winner = try #require(recorded.first)
                for case (o, .failure(let error)) in outcomes {
                    // Each loser is told there is already a rating, which one, and what to do.
                    let refusal = try #require(error as? StoreError, "\(error)")
                    #expect(refusal.code == .conflict && refusal.message.contains(winner.rating.id.description) && refusal.message.contains("correct"),
                            "\(backend): \(refusal.code) \(refusal.message)")
                }
                // A correction of the one rating is still fine.
                _ = try await store.workflow.recordRating(observationID: o, score: try score(5), rationale: "On reflection.", supersedes: winner.rating.id,
                                                 correctionReason: "Watched it again.", by: seed.employerRep.actor)
            }
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings WHERE source = 'employer' AND supersedes IS NULL") == observations.count)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM cases") == observations.count, "\(backend): duplicate automatic disputes")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentFlagsJoinOneCase(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let o = seed.observation.id
            let outcomes = await withTaskGroup(of: Result<Case, any Error>.self) { group in
                for n in 0..<Self.racers {
                    group.addTask {
                        do {
                            return .success(try await store.workflow.flag(observationID: o, reason: "Flag \(n): the scores look wrong.",
                                                                 by: n.isMultiple(of: 2) ? seed.assessor.actor : seed.employerRep.actor))
                        } catch { return .failure(error) }
                    }
                }
                var all: [Result<Case, any Error>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let cases = try await store.count("SELECT COUNT(*) AS n FROM cases WHERE observation_id = \(literal: o.description)")
            #expect(cases == 1, "\(backend): \(cases) cases for one observation")
            let failures = outcomes.compactMap { if case .failure(let error) = $0 { error } else { nil } }
            #expect(failures.isEmpty, "\(backend): \(failures.map { "\($0)" })")
            // Every flag is kept on the one case.
            let value = try #require(try await store.records.listCases(CaseFilter(), page: PageRequest(number: 1, size: 10)).first)
            #expect(value.flagCount == Self.racers, "\(backend): \(value.flagCount) flags kept")
        }
    }

    @Test("the same flag sent 20 times at once (a double click, retries) is stored once; another reason or person is another flag",
          arguments: TestBackend.allCases)
    func identicalFlagsRaceToOne(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let o = seed.observation.id
            let reasons = ["The scores look wrong.", "the scores  look wrong.", " The Scores look wrong. "]
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for n in 0..<Self.racers {
                    group.addTask {
                        (try? await store.workflow.flag(observationID: o, reason: reasons[n % reasons.count], by: seed.assessor.actor)) != nil
                    }
                }
                var all: [Bool] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.allSatisfy { $0 }, "\(backend): a repeated flag was refused instead of joining")
            var value = try #require(try await store.records.listCases(CaseFilter(), page: PageRequest(number: 1, size: 10)).first)
            #expect(value.flagCount == 1, "\(backend): \(value.flagCount) copies of one flag")
            let flagEvents = try await store.count("SELECT COUNT(*) AS n FROM audit_events WHERE action IN ('case.opened', 'case.flagged')")
            #expect(flagEvents == 1, "\(backend): \(flagEvents) audit events for one flag")
            // Another reason by the same person, and the same reason by another, are flags of their own.
            _ = try await store.workflow.flag(observationID: o, reason: "The recording cuts off early.", by: seed.assessor.actor)
            value = try await store.workflow.flag(observationID: o, reason: reasons[0], by: seed.employerRep.actor)
            #expect(value.flagCount == 3, "\(backend): \(value.flagCount) flags")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func flagsRacingTheRatingThatOpensADisputeJoinIt(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let o = seed.observation.id
            _ = try await store.workflow.recordRating(observationID: o, score: try score(3), rationale: "Below.", supersedes: nil, correctionReason: nil,
                                             by: seed.assessor.actor)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.racers { group.addTask { _ = try? await store.moderation.moderationPolicy() } }
            }
            // The employer's 6 (which opens an automatic dispute) races ten flags (each of which would open a manual case).
            let flagged = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    (try? await store.workflow.recordRating(observationID: o, score: try score(6), rationale: "Strong.", supersedes: nil, correctionReason: nil,
                                                   by: seed.employerRep.actor)) != nil
                }
                for n in 0..<10 {
                    group.addTask { (try? await store.workflow.flag(observationID: o, reason: "Flag \(n).", by: seed.assessor.actor)) != nil }
                }
                var all: [Bool] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            #expect(flagged.allSatisfy { $0 }, "\(backend): a rating or a flag failed")
            #expect(try await store.count("SELECT COUNT(*) AS n FROM cases") == 1, "\(backend): more than one active case")
            let value = try #require(try await store.records.listCases(CaseFilter(), page: PageRequest(number: 1, size: 10)).first)
            // All ten flags are on the one case, whichever opened it.
            #expect(value.flagCount == 10, "\(backend): \(value.flagCount) flags")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func theSchemaRefusesASecondActiveCaseAndASecondRating(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let (opened, event) = try seed.openCase()
            _ = try await store.records.cases.create(opened, event: event)
            // Behind the store's back: a second active manual case on the observation is refused by the database.
            let (other, otherEvent) = try Case.flag(observationID: seed.observation.id, employerID: seed.employer.id, existing: [],
                                                    by: seed.assessor.actor, at: Seed.start, reason: "again")
            await #expect(throws: StoreError.self) { _ = try await store.records.cases.create(other, event: otherEvent) }
            let rating = Rating(observationID: seed.observation.id, source: .assessor, raterID: seed.assessor.id, score: try score(3),
                                rationale: "x", ratedAt: Seed.start)
            _ = try await store.records.ratings.append(rating, by: seed.assessor.actor)
            let again = Rating(observationID: seed.observation.id, source: .assessor, raterID: seed.assessor.id, score: try score(3),
                               rationale: "x", ratedAt: Seed.start)
            await #expect(throws: StoreError.self) { _ = try await store.records.ratings.append(again, by: seed.assessor.actor) }
        }
    }

    @Test("migration 10 builds its indexes on a database that races already filled with duplicates, marking them, deleting nothing",
          arguments: TestBackend.allCases)
    func migrationMarksExistingDuplicates(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let o = seed.observation.id
            _ = try await store.workflow.recordRating(observationID: o, score: try score(3), rationale: "Below.", supersedes: nil, correctionReason: nil,
                                             by: seed.assessor.actor)
            let employer = try await store.workflow.recordRating(observationID: o, score: try score(6), rationale: "Strong.", supersedes: nil,
                                                        correctionReason: nil, by: seed.employerRep.actor)
            let dispute = try #require(employer.openedCase)
            // Back to the schema before migration 10, then what the races of issue 14 left behind: the same employer rating
            // twice and the same dispute twice.
            let idType: SQLQueryString = backend == .postgres ? "UUID" : "TEXT"
            try await store.raw("DROP INDEX ratings_one_per_rater")
            try await store.raw("DROP INDEX cases_one_active")
            try await store.raw("ALTER TABLE ratings DROP COLUMN duplicate_of")
            try await store.raw("ALTER TABLE cases DROP COLUMN duplicate_of")
            try await store.raw("DELETE FROM schema_migrations WHERE version = 10")
            let copy = UUID().uuidString.lowercased(), copiedCase = UUID().uuidString.lowercased()
            try await store.raw("""
                INSERT INTO ratings (id, observation_id, source, score, rater_id, rationale, rated_at)
                SELECT CAST(\(literal: copy) AS \(idType)), observation_id, source, score, rater_id, rationale, rated_at FROM ratings
                WHERE id = CAST(\(literal: employer.rating.id.description) AS \(idType))
                """)
            try await store.raw("""
                INSERT INTO cases (id, observation_id, employer_id, kind, state, version, document, opened_at, updated_at, calibration)
                SELECT CAST(\(literal: copiedCase) AS \(idType)), observation_id, employer_id, kind, state, version, document, opened_at, updated_at,
                    calibration FROM cases WHERE id = CAST(\(literal: dispute.id.description) AS \(idType))
                """)
            #expect(try await store.migrate() == [10])
            // The later copy of each is marked as the duplicate of the first; every row is still there.
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings") == 3)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings WHERE duplicate_of IS NOT NULL") == 1)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM cases") == 2)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM cases WHERE duplicate_of IS NOT NULL") == 1)
            // The append-only rule on ratings is back.
            await #expect(throws: (any Error).self) { try await store.raw("UPDATE ratings SET score = 1") }
            // And from now on the rules hold: the employer's third identical rating is refused, naming one of theirs.
            await #expect(throws: StoreError.self) {
                _ = try await store.workflow.recordRating(observationID: o, score: try score(6), rationale: "Strong.", supersedes: nil,
                                                 correctionReason: nil, by: seed.employerRep.actor)
            }
        }
    }
}
