public import Foundation

/// A share of the sampled population estimated from a quality sample, weighted by the design (docs/statistics.md,
/// "Quality sampling: weighted findings").
///
/// The estimate is the Hájek (ratio) form of the Horvitz–Thompson estimator, p̂ = Σ y/π ÷ Σ 1/π over the sampled
/// units with a finding: it needs no population count, so cases not yet decided simply drop out (they are assumed
/// missing at random within the draw). Its variance is the stratified with-replacement approximation of the
/// linearised ratio: with z = (y − p̂)/π ÷ Σ 1/π, v = Σ_h n_h/(n_h − 1) Σ_{i∈h} (z_i − z̄_h)², over the strata
/// that hold two or more of the units; units drawn with certainty (π = 1) add nothing; strata holding a single unit
/// are pooled into one variance stratum, and a pool of one joins the smallest other stratum (collapsed strata, which
/// overstates the variance a little rather than understating it). The interval is p̂ ± z_{(1+c)/2}·√v, clipped to
/// [0, 1].
public struct SampleEstimate: Sendable, Equatable, Codable {
    /// One sampled unit with a finding.
    public struct Unit: Sendable, Equatable {
        /// Whether the finding holds for it (e.g. the moderated outcome overturned the assessor's pass or fail).
        public let finding: Bool
        /// Its inclusion probability, 0 < π ≤ 1.
        public let inclusionProbability: Double
        /// Its design stratum (strata of different draws must have different names).
        public let stratum: String

        public init(finding: Bool, inclusionProbability: Double, stratum: String) {
            self.finding = finding
            self.inclusionProbability = inclusionProbability
            self.stratum = stratum
        }
    }

    /// p̂, the weighted share.
    public var estimate: Statistic
    /// √v.
    public var standardError: Statistic
    public var lower: Statistic
    public var upper: Statistic
    public var confidence: Double
    /// The sampled units it rests on.
    public var count: Int
    /// The plain share of those units, for comparison: it over-represents what the design favoured (boundary scores).
    public var unweighted: Statistic
    /// Σ 1/π: how many observations of the sampled population those units stand for.
    public var representedObservations: Double

    /// Estimates the share of the population for which the finding holds.
    public static func proportion(_ units: [Unit], confidence: Double = 0.95) -> SampleEstimate {
        let none = "no decided sample case with a known chance of selection"
        guard !units.isEmpty else {
            let missing = Statistic.notDefined(reason: none)
            return SampleEstimate(estimate: missing, standardError: missing, lower: missing, upper: missing, confidence: confidence, count: 0,
                                  unweighted: missing, representedObservations: 0)
        }
        let total = units.reduce(0) { $0 + 1 / $1.inclusionProbability }
        let p = units.reduce(0) { $0 + ($1.finding ? 1 / $1.inclusionProbability : 0) } / total
        let plain = Double(units.filter(\.finding).count) / Double(units.count)
        var result = SampleEstimate(
            estimate: .finite(p, otherwise: none), standardError: .notDefined(reason: ""), lower: .notDefined(reason: ""),
            upper: .notDefined(reason: ""), confidence: confidence, count: units.count, unweighted: .value(plain), representedObservations: total)
        func noInterval(_ reason: String) -> SampleEstimate {
            var copy = result
            (copy.standardError, copy.lower, copy.upper) = (.notDefined(reason: reason), .notDefined(reason: reason), .notDefined(reason: reason))
            return copy
        }
        guard let z = Agreement.normalQuantile(confidence) else { return noInterval("the confidence level must be between 0 and 1") }
        // Linearised values of the ratio, grouped by variance stratum; certain units (π = 1) vary with no draw.
        var byStratum: [String: [Double]] = [:]
        for unit in units where unit.inclusionProbability < 1 {
            byStratum[unit.stratum, default: []].append(((unit.finding ? 1 : 0) - p) / unit.inclusionProbability / total)
        }
        var groups = byStratum.filter { $0.value.count >= 2 }.sorted { $0.key < $1.key }.map(\.value)
        let pooled = byStratum.filter { $0.value.count == 1 }.sorted { $0.key < $1.key }.flatMap(\.value)
        if pooled.count >= 2 {
            groups.append(pooled)
        } else if pooled.count == 1, let smallest = groups.indices.min(by: { groups[$0].count < groups[$1].count }) {
            groups[smallest] += pooled
        }
        guard !groups.isEmpty else {
            return noInterval("an interval needs at least two decided sample cases drawn by chance (not with certainty)")
        }
        let variance = groups.reduce(0.0) { sum, values in
            let n = Double(values.count), mean = values.reduce(0, +) / n
            return sum + n / (n - 1) * values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        }
        guard variance > 0 else {
            return noInterval("every decided sample case has the same finding, so the design-based variance is 0 and gives no interval")
        }
        let se = variance.squareRoot()
        result.standardError = .value(se)
        result.lower = .value(max(0, p - z * se))
        result.upper = .value(min(1, p + z * se))
        return result
    }
}

/// What the decided quality-sample cases say, weighted by the sampling design: per draw, and over every draw.
public struct SampleFindings: Sendable, Equatable, Codable {
    /// A sample case as the findings need it.
    public struct Case: Sendable, Equatable {
        public let drawID: UUID
        /// The pick's stratum and π (`nil` for picks drawn before they were recorded).
        public let stratum: String?
        public let inclusionProbability: Double?
        /// The decided outcome's score, if the case is decided.
        public let outcomeScore: Int?
        /// The assessor's current score on the observation, if any.
        public let assessorScore: Int?

        public init(drawID: UUID, stratum: String?, inclusionProbability: Double?, outcomeScore: Int?, assessorScore: Int?) {
            self.drawID = drawID
            self.stratum = stratum
            self.inclusionProbability = inclusionProbability
            self.outcomeScore = outcomeScore
            self.assessorScore = assessorScore
        }
    }

    /// A draw as kept.
    public struct Draw: Sendable, Equatable, Codable {
        public let id: UUID
        public let seed: UInt64
        public let rate: Double
        public let population: Int
        public let drawnAt: Date

        public init(id: UUID, seed: UInt64, rate: Double, population: Int, drawnAt: Date) {
            self.id = id
            self.seed = seed
            self.rate = rate
            self.population = population
            self.drawnAt = drawnAt
        }
    }

    /// The figures of a set of sample cases.
    public struct Figures: Sendable, Equatable, Codable {
        /// Sample cases; those decided; those decided on an observation with an assessor score and a known π (the
        /// cases the estimates rest on).
        public var cases: Int
        public var decided: Int
        public var estimated: Int
        /// Moderated overturn rate: the decided outcome on the other side of the pass mark (≥ 4) from the assessor's score.
        public var overturnRate: SampleEstimate
        /// Agreement with moderators: the assessor's score equal to the decided score, and within one of it.
        public var exactAgreement: SampleEstimate
        public var withinOneAgreement: SampleEstimate
    }

    public struct DrawFigures: Sendable, Equatable, Codable {
        public let draw: Draw
        public let figures: Figures
    }

    /// Every draw with a known π as one sample, its strata kept apart per draw.
    public var overall: Figures
    public var draws: [DrawFigures]
    /// Sample cases drawn before inclusion probabilities were recorded: counted nowhere above.
    public var casesWithoutProbability: Int

    /// The findings of `cases`, for the draws `draws` (in their order).
    public static func compute(_ cases: [Case], draws: [Draw], confidence: Double = 0.95) -> SampleFindings {
        let known = cases.filter { $0.inclusionProbability != nil && $0.stratum != nil }
        let byDraw = Dictionary(grouping: known, by: \.drawID)
        return SampleFindings(
            overall: figures(known, confidence: confidence),
            draws: draws.filter { byDraw[$0.id] != nil }.map { DrawFigures(draw: $0, figures: figures(byDraw[$0.id] ?? [], confidence: confidence)) },
            casesWithoutProbability: cases.count - known.count)
    }

    static func figures(_ cases: [Case], confidence: Double) -> Figures {
        let decided = cases.filter { $0.outcomeScore != nil }
        let pairs = decided.compactMap { sample -> (outcome: Int, assessor: Int, pi: Double, stratum: String)? in
            guard let outcome = sample.outcomeScore, let assessor = sample.assessorScore, let pi = sample.inclusionProbability,
                  let stratum = sample.stratum else { return nil }
            return (outcome, assessor, pi, "\(sample.drawID.uuidString) \(stratum)")
        }
        func estimate(_ finding: (Int, Int) -> Bool) -> SampleEstimate {
            SampleEstimate.proportion(pairs.map { .init(finding: finding($0.outcome, $0.assessor), inclusionProbability: $0.pi, stratum: $0.stratum) },
                                      confidence: confidence)
        }
        return Figures(
            cases: cases.count, decided: decided.count, estimated: pairs.count,
            overturnRate: estimate { ($0 >= Score.passMark) != ($1 >= Score.passMark) },
            exactAgreement: estimate { $0 == $1 },
            withinOneAgreement: estimate { abs($0 - $1) <= 1 })
    }
}
