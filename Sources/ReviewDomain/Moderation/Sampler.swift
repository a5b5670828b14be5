import Foundation

/// An observation that quality sampling may draw: not in dispute, with its current scores.
public struct SamplingUnit: Hashable, Sendable {
    public let observationID: ObservationID
    public let employerID: OrganisationID
    /// The assessor whose current rating stands (stratum), if any.
    public let assessorID: UserID?
    public let employerScore: Score?
    public let assessorScore: Score?
    /// Names for the reasons the lead reads (ids when absent).
    public let employerName: String?
    public let assessorName: String?

    public init(
        observationID: ObservationID, employerID: OrganisationID, assessorID: UserID?, employerScore: Score?, assessorScore: Score?,
        employerName: String? = nil, assessorName: String? = nil
    ) {
        self.employerName = employerName
        self.assessorName = assessorName
        self.observationID = observationID
        self.employerID = employerID
        self.assessorID = assessorID
        self.employerScore = employerScore
        self.assessorScore = assessorScore
    }

    /// Whether either score sits at the pass boundary (3 or 4).
    public var isBoundary: Bool {
        [employerScore, assessorScore].contains { $0.map { $0.value == 3 || $0.value == 4 } ?? false }
    }
}

/// A reproducible quality sample: which observations were drawn, and why each one.
public struct SampleDraw: Hashable, Sendable, Codable {
    /// One observation drawn.
    public struct Pick: Hashable, Sendable, Codable {
        public let observationID: ObservationID
        public let employerID: OrganisationID
        public let assessorID: UserID?
        /// Whether a boundary score made it likelier.
        public let boundary: Bool
        /// Its weight (1, or the boundary weight).
        public let weight: Double
        /// The observations in its stratum (employer × assessor) and how many were drawn from it.
        public let stratumSize: Int
        public let stratumDrawn: Int
        /// Why it was drawn, in a sentence the lead can read.
        public let why: String
    }

    public let seed: UInt64
    public let rate: Double
    /// Observations eligible (not in dispute, not already sampled).
    public let population: Int
    /// Drawn, by observation id.
    public let picks: [Pick]
}

/// Draws the quality sample: a seeded, stratified, boundary-weighted sample without replacement.
///
/// - The sample size is `rate × population` rounded to the nearest whole number.
/// - Strata are employer × assessor; each gets its share `rate × size`, rounded down, and the places left go
///   to the strata with the largest remainders (ties by a seeded order), so every stratum is represented in
///   proportion.
/// - Within a stratum, observations are drawn by weighted sampling without replacement (Efraimidis–Spirakis:
///   the largest `u^(1/w)` keys), `w` being the boundary weight for a 3 or 4 from either source and 1 otherwise.
/// - `u` comes from the seed and the observation id alone, so the draw does not depend on the input's order:
///   the same seed and population give the same sample.
public enum Sampler {
    public static func draw(_ units: [SamplingUnit], rate: Double, seed: UInt64, boundaryWeight: Double) -> SampleDraw {
        let rate = min(max(rate, 0), 1)
        struct Stratum { var members: [SamplingUnit] = []; var quota = 0; var remainder = 0.0; var order: UInt64 = 0 }
        var strata: [String: Stratum] = [:]
        var seen = Set<ObservationID>()
        for unit in units where seen.insert(unit.observationID).inserted {
            strata["\(unit.employerID)/\(unit.assessorID?.description ?? "none")", default: Stratum()].members.append(unit)
        }
        let population = seen.count
        let total = Int((rate * Double(population)).rounded())
        var allocated = 0
        for (key, var stratum) in strata {
            let share = rate * Double(stratum.members.count)
            stratum.quota = Int(share.rounded(.down))
            stratum.remainder = share - Double(stratum.quota)
            stratum.order = Router.mix(seed ^ stableHash(key))
            allocated += stratum.quota
            strata[key] = stratum
        }
        let byRemainder = strata.keys.sorted { a, b in
            let (x, y) = (strata[a]!, strata[b]!)
            return (x.remainder, x.order) > (y.remainder, y.order)
        }
        for key in byRemainder.prefix(max(0, total - allocated)) where strata[key]!.quota < strata[key]!.members.count {
            strata[key]!.quota += 1
        }
        var picks: [SampleDraw.Pick] = []
        for key in strata.keys.sorted() {
            let stratum = strata[key]!
            guard stratum.quota > 0 else { continue }
            let keyed = stratum.members.map { unit -> (key: Double, unit: SamplingUnit, weight: Double) in
                let weight = unit.isBoundary ? boundaryWeight : 1
                let u = (Double(Router.mix(seed ^ Router.mix(stableHash(unit.observationID.description))) >> 11) + 0.5) / 9_007_199_254_740_992
                return (log(u) / weight, unit, weight)
            }.sorted { $0.key != $1.key ? $0.key > $1.key : $0.unit.observationID.description < $1.unit.observationID.description }
            for (_, unit, weight) in keyed.prefix(stratum.quota) {
                let boundary = unit.isBoundary
                var why = "Stratum \(unit.employerName ?? unit.employerID.description) × \(unit.assessorName ?? unit.assessorID?.description ?? "no assessor"): "
                    + "\(stratum.quota) of \(stratum.members.count) drawn at rate \(rate) with seed \(seed)"
                why += boundary
                    ? "; a boundary score (\(scoreText(unit))) made it \(weight)× as likely."
                    : "; scores \(scoreText(unit)), weight 1."
                picks.append(.init(observationID: unit.observationID, employerID: unit.employerID, assessorID: unit.assessorID,
                                   boundary: boundary, weight: weight, stratumSize: stratum.members.count,
                                   stratumDrawn: stratum.quota, why: why))
            }
        }
        return SampleDraw(seed: seed, rate: rate, population: population, picks: picks)
    }

    private static func scoreText(_ unit: SamplingUnit) -> String {
        "employer \(unit.employerScore?.description ?? "–"), assessor \(unit.assessorScore?.description ?? "–")"
    }

    /// FNV-1a over the UTF-8 bytes: stable across runs and platforms (unlike `Hasher`).
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
