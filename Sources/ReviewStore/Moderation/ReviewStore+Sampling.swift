public import Foundation
public import ReviewDomain
import SQLKit

/// A quality-sample draw as kept: the draw and the cases it opened.
public struct SampleDrawRecord: Sendable, Hashable {
    public let id: UUID
    public let draw: SampleDraw
    public let drawnBy: UserID
    public let drawnAt: Date
    /// The sample case opened for each pick, by observation.
    public let cases: [ObservationID: CaseID]
}

extension ModerationStore {
    /// The observations quality sampling may draw: never in a case (not disputed, not sampled before), with
    /// their current employer and assessor scores; oldest first.
    public func samplingPopulation() async throws(StoreError) -> [SamplingUnit] {
        try await reading { sql in try await sql.samplingPopulation() }
    }

    /// Draws a seeded quality sample at `rate` (DESIGN.md §3, ``Sampler``). Unless `dryRun`, keeps the draw, opens
    /// a sample case for each pick (the reason it was picked kept beside it), sends each to moderation and routes
    /// them, all in one transaction, on behalf of `actor` (a lead).
    public func drawSample(rate: Double, seed: UInt64, dryRun: Bool, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> SampleDrawRecord {
        guard rate >= 0, rate <= 1 else {
            throw StoreError(wrapping: DomainError(code: .policyOutOfRange, message: "The sample rate must be between 0 and 1 (e.g. 0.1 for 10%), not \(rate)."))
        }
        return try await moderation { sql in
            let policy = try await sql.policy()
            let draw = Sampler.draw(try await sql.samplingPopulation(), rate: rate, seed: seed, boundaryWeight: policy.boundaryWeight,
                                    strata: policy.sampleStrata, minimumStratumSize: policy.minimumStratumSize)
            let id = UUID()
            guard !dryRun else { return SampleDrawRecord(id: id, draw: draw, drawnBy: actor.userID, drawnAt: time, cases: [:]) }
            try await sql.db.raw("""
                INSERT INTO sample_draws (id, seed, rate, population, drawn_by, drawn_at, picks)
                VALUES (\(sql.dialect.id(id)), \(bind: Int64(bitPattern: seed)), \(bind: rate), \(bind: draw.population), \(sql.dialect.id(actor.userID)),
                    \(sql.dialect.time(time)), \(sql.dialect.json(try JSONCoding.text(draw.picks))))
                """).run()
            var cases: [ObservationID: CaseID] = [:]
            for pick in draw.picks {
                let (opened, event) = try Case.openSample(observationID: pick.observationID, employerID: pick.employerID, by: actor, at: time,
                                                          reason: "quality_sample")
                _ = try await sql.cases.create(opened, event: event)
                try await sql.db.raw("""
                    INSERT INTO sample_picks (case_id, draw_id, why, inclusion_probability, design_weight, stratum)
                    VALUES (\(sql.dialect.id(opened.id)), \(sql.dialect.id(id)), \(bind: pick.why), \(bind: pick.inclusionProbability), \(bind: pick.designWeight),
                        \(bind: pick.stratum))
                    """).run()
                try await sql.save(try opened.apply(.requestModeration, by: actor, at: time, reason: "quality sample"), from: opened)
                cases[pick.observationID] = opened.id
            }
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: "sample.drawn", subject: .init(type: "sample_draw", id: id.lowercasedString),
                details: ["seed": String(seed), "rate": String(rate), "population": String(draw.population), "picks": String(draw.picks.count),
                          "strata": policy.sampleStrata.rawValue, "minimumStratumSize": String(policy.minimumStratumSize),
                          "boundaryWeight": String(policy.boundaryWeight)]))
            var router = try await sql.router(policy: policy)
            _ = try await sql.routeCases(caseIDs: Array(cases.values), router: &router, policy: policy, trigger: "sample draw \(id.lowercasedString)", at: time)
            return SampleDrawRecord(id: id, draw: draw, drawnBy: actor.userID, drawnAt: Dialect.normalised(time), cases: cases)
        }
    }

    /// The weighted findings of the decided sample cases (``SampleFindings``), per draw and overall, read in one query:
    /// each pick's stratum and π, its case's outcome, and the assessor's current score on the observation.
    public func sampleFindings(confidence: Double = 0.95) async throws(StoreError) -> SampleFindings {
        try await reading { sql in
            let outcome: SQLQueryString = sql.dialect == .sqlite
                ? "json_extract(c.document, '$.outcome.score')" : "CAST(c.document #>> '{outcome,score}' AS INTEGER)"
            var draws: [SampleFindings.Draw] = []
            var cases: [SampleFindings.Case] = []
            for row in try await sql.db.raw("""
                SELECT p.draw_id, d.seed, d.rate, d.population, d.drawn_at, p.stratum, p.inclusion_probability, c.state,
                    \(outcome) AS outcome_score,
                    (SELECT r.score FROM ratings r WHERE r.observation_id = c.observation_id AND r.source = 'assessor'
                        AND NOT EXISTS (SELECT 1 FROM ratings s WHERE s.supersedes = r.id)
                        ORDER BY r.append_order DESC LIMIT 1) AS assessor_score
                FROM sample_picks p JOIN sample_draws d ON d.id = p.draw_id JOIN cases c ON c.id = p.case_id
                ORDER BY d.drawn_at, p.draw_id
                """).all() {
                let drawID = try row.uuid("draw_id")
                if draws.last?.id != drawID {
                    draws.append(SampleFindings.Draw(
                        id: drawID, seed: UInt64(bitPattern: try row.value("seed", as: Int64.self)), rate: try row.value("rate"),
                        population: try row.value("population"), drawnAt: try row.time("drawn_at")))
                }
                let state: Case.State = try row.raw("state")
                cases.append(SampleFindings.Case(
                    drawID: drawID, stratum: try row.value("stratum", as: String?.self),
                    inclusionProbability: try row.value("inclusion_probability", as: Double?.self),
                    outcomeScore: state.hasOutcome ? try row.value("outcome_score", as: Int?.self) : nil,
                    assessorScore: try row.value("assessor_score", as: Int?.self)))
            }
            return SampleFindings.compute(cases, draws: draws, confidence: confidence)
        }
    }

    /// Why a sample case was drawn, if it was.
    public func sampleReason(ofCase id: CaseID) async throws(StoreError) -> String? {
        try await reading { sql in
            try await sql.db.raw("SELECT why FROM sample_picks WHERE case_id = \(sql.dialect.id(id))").first(decodingColumn: "why", as: String.self)
        }
    }
}

extension ModerationSQL {
    func samplingPopulation() async throws -> [SamplingUnit] {
        struct Current {
            var employer: Score?
            var assessor: Score?
            var assessorID: UserID?
            var assessorName: String?
            let employerID: OrganisationID
            let employerName: String
        }
        var byObservation: [ObservationID: Current] = [:]
        var order: [ObservationID] = []
        var superseded = Set<RatingID>()
        let rows = try await db.raw("""
            SELECT r.id, r.observation_id, r.source, r.score, r.rater_id, r.supersedes, ca.employer_id, e.name AS employer_name,
                u.name AS rater_name
            FROM ratings r JOIN observations o ON o.id = r.observation_id JOIN candidates ca ON ca.id = o.candidate_id
                JOIN organisations e ON e.id = ca.employer_id JOIN users u ON u.id = r.rater_id
            WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.observation_id = r.observation_id)
                AND NOT \(Self.moderationWithdrawn(observation: "r.observation_id"))
            ORDER BY r.append_order DESC
            """).all()
        // Newest first: the first rating of a source not superseded is the current one.
        for row in rows {
            let id: RatingID = try row.id("id")
            if let earlier: RatingID = try row.optionalID("supersedes") { superseded.insert(earlier) }
            guard !superseded.contains(id) else { continue }
            let observation: ObservationID = try row.id("observation_id")
            if byObservation[observation] == nil {
                byObservation[observation] = Current(employerID: try row.id("employer_id"), employerName: try row.value("employer_name"))
                order.append(observation)
            }
            let score = try Score(row.value("score", as: Int.self))
            switch try row.raw("source", as: RatingSource.self) {
            case .employer where byObservation[observation]!.employer == nil: byObservation[observation]!.employer = score
            case .assessor where byObservation[observation]!.assessor == nil:
                byObservation[observation]!.assessor = score
                byObservation[observation]!.assessorID = try row.id("rater_id")
                byObservation[observation]!.assessorName = try row.value("rater_name")
            default: break
            }
        }
        return order.reversed().compactMap { id in
            byObservation[id].map {
                SamplingUnit(observationID: id, employerID: $0.employerID, assessorID: $0.assessorID, employerScore: $0.employer,
                             assessorScore: $0.assessor, employerName: $0.employerName, assessorName: $0.assessorName)
            }
        }
    }
}
