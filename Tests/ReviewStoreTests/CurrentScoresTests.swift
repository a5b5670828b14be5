import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// Each observation's current scores, kept in `observation_scores` with every rating (migration 18, decision 29): after
/// an import, random ratings and corrections and an erasure they equal a recomputation from the ratings — the read the
/// statistics made before, kept here as the oracle — and so do the statistics; migration 18's backfill gives the same.
@Suite("Current scores kept with every rating")
struct CurrentScoresTests {
    @Test("kept scores equal the old recomputation from every rating, and the statistics are identical; the backfill agrees",
          arguments: TestBackend.allCases)
    func keptEqualsRecomputed(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("samples/ratings.csv")
            _ = try await store.imports.importRatings(try RatingsCSV.parse(String(contentsOf: sample, encoding: .utf8)).get(),
                                                      file: "ratings.csv", sha256: "sample")
            let world = try await RandomRatings.make(in: store)
            var random = SplitMix64(seed: 21_007)
            var time = RandomRatings.start
            for _ in 0..<160 {
                time += 60
                try await world.step(&random, store: store, at: time)
            }
            _ = try await store.dataProtection.eraseCandidate(world.candidates[0].id, reason: nil, by: world.lead.actor, at: time + 60)

            let kept = try await store.insight.insightData(now: time + 3600)
            let recomputed = try await Self.recomputed(kept, store: store)
            #expect(kept.observations.filter { $0.employerScore != nil && $0.assessorScore != nil }.count > 20)
            #expect(kept.observations.contains { !$0.otherAssessorScores.isEmpty }, "some observations are double-marked")
            Self.expectSameScores(kept, recomputed)
            #expect(InsightReport.compute(kept, bootstrapSamples: 200) == InsightReport.compute(recomputed, bootstrapSamples: 200))

            // Migration 18 again on these ratings: its backfill (in SQL) keeps the same scores.
            try await store.withRawDatabase { db in
                try await db.raw("DROP TABLE observation_scores").run()
                try await db.raw("DELETE FROM schema_migrations WHERE version = 18").run()
            }
            try await store.migrate()
            Self.expectSameScores(try await store.insight.insightData(now: time + 3600), recomputed)
        }
    }

    private static func expectSameScores(_ data: InsightData, _ expected: InsightData, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(data.observations.count == expected.observations.count, sourceLocation: sourceLocation)
        for (got, want) in zip(data.observations, expected.observations) {
            #expect(got.id == want.id && got.employerScore == want.employerScore && got.assessorScore == want.assessorScore
                        && got.assessorID == want.assessorID && got.otherAssessorScores == want.otherAssessorScores,
                    "\(got.id): kept \(String(describing: got.employerScore)), \(String(describing: got.assessorScore)), \(got.otherAssessorScores); recomputed \(String(describing: want.employerScore)), \(String(describing: want.assessorScore)), \(want.otherAssessorScores)",
                    sourceLocation: sourceLocation)
        }
    }

    /// `data` with each observation's scores as the statistics computed them before migration 18: every current rating
    /// (nothing supersedes it) in append order; the employer's latest; each assessor's latest, the latest of those paired.
    private static func recomputed(_ data: InsightData, store: ReviewStore) async throws -> InsightData {
        var employer: [UUID: Int] = [:]
        var assessors: [UUID: [(rater: UUID, score: Int)]] = [:]
        let rows = try await store.withRawDatabase { db in
            try await db.raw("""
                SELECT CAST(r.observation_id AS TEXT) AS observation_id, r.source, r.score, CAST(r.rater_id AS TEXT) AS rater_id FROM ratings r
                WHERE NOT EXISTS (SELECT 1 FROM ratings s WHERE s.supersedes = r.id) ORDER BY r.append_order
                """).all()
        }
        for row in rows {
            let id = try #require(UUID(uuidString: try row.decode(column: "observation_id", as: String.self)))
            let score = try row.decode(column: "score", as: Int.self)
            switch try row.decode(column: "source", as: String.self) {
            case "employer": employer[id] = score
            case "assessor":
                let rater = try #require(UUID(uuidString: try row.decode(column: "rater_id", as: String.self)))
                assessors[id, default: []].removeAll { $0.rater == rater }
                assessors[id, default: []].append((rater, score))
            default: break
            }
        }
        var result = data
        for index in result.observations.indices {
            let id = result.observations[index].id.rawValue
            result.observations[index].employerScore = employer[id]
            result.observations[index].assessorScore = assessors[id]?.last?.score
            result.observations[index].assessorID = assessors[id]?.last.map { UserID(rawValue: $0.rater) }
            result.observations[index].otherAssessorScores = (assessors[id] ?? []).dropLast().map(\.score)
        }
        return result
    }
}

/// Two employers with a rater each, three assessors, a lead, six candidates with three observations each, rated at random.
private struct RandomRatings {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)
    let body = Organisation(name: "Random Accreditation Body", kind: .accreditingBody)
    let employers = [Organisation(name: "Random Employer A", kind: .employer), Organisation(name: "Random Employer B", kind: .employer)]
    let employerRaters: [User]
    let assessors: [User]
    let lead: User
    let candidates: [Candidate]
    let observations: [Observation]

    static func make(in store: ReviewStore) async throws -> RandomRatings {
        let world = RandomRatings()
        for organisation in [world.body] + world.employers { try await store.records.organisations.insert(organisation) }
        for user in world.employerRaters + world.assessors + [world.lead] { try await store.records.users.insert(user) }
        for (index, candidate) in world.candidates.enumerated() { try await store.records.candidates.insert(candidate, name: "Candidate \(index)") }
        for (index, observation) in world.observations.enumerated() { try await store.records.observations.insert(observation, ref: "RND-\(index)") }
        return world
    }

    private init() {
        employerRaters = employers.map { User(name: "Rater of \($0.name)", role: .employer, organisationID: $0.id) }
        let bodyID = body.id, employers = employers
        assessors = (1...3).map { User(name: "Assessor \($0)", role: .assessor, organisationID: bodyID) }
        lead = User(name: "Random Lead", role: .lead, organisationID: bodyID)
        candidates = (0..<6).map { Candidate(registrationNumber: "SW9000\($0)", employerID: employers[$0 % 2].id) }
        observations = candidates.flatMap { candidate in
            (0..<3).map { day in
                Observation(candidateID: candidate.id, date: Self.start + Double(day) * 86_400, scenario: "Home visit", practiceArea: .childrens)
            }
        }
    }

    /// One rating or correction at random; a refusal (the rater already rated, a correction not allowed) is part of the walk.
    func step(_ random: inout SplitMix64, store: ReviewStore, at time: Date) async throws {
        let observation = observations[random.below(observations.count)]
        guard let candidate = candidates.first(where: { $0.id == observation.candidateID }),
              let employerRater = employerRaters.first(where: { $0.organisationID == candidate.employerID }) else { return }
        let rater = random.below(3) == 0 ? employerRater : assessors[random.below(assessors.count)]
        let score = try Score(1 + random.below(7))
        let ledger = try await store.records.ratings.ledger(of: observation.id)
        let currents = ledger.currentRatings.filter { $0.source != .moderator }
        let correcting = currents.isEmpty || random.below(2) == 0 ? nil : currents[random.below(currents.count)]
        // The rater of the original corrects it, or the lead does.
        let originalRater = correcting.flatMap { ledger.chain(through: $0.id).first?.raterID }
        let corrector = random.below(4) == 0 ? lead : (employerRaters + assessors).first { $0.id == originalRater } ?? lead
        let actor = correcting == nil ? rater.actor : corrector.actor
        do {
            _ = try await store.workflow.recordRating(observationID: observation.id, score: score, rationale: correcting == nil ? "Rated." : "Corrected.",
                                                      supersedes: correcting?.id, correctionReason: correcting == nil ? nil : "Re-watched.",
                                                      by: actor, at: time)
        } catch {
            guard error.code == .invalidArgument || error.code == .conflict else { throw error }
        }
    }
}
