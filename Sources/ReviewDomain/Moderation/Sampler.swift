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

/// How quality sampling forms its strata (policy `sampleStrata`).
public enum SampleStrata: String, Sendable, Hashable, Codable, CaseIterable {
    /// One stratum per employer and assessor (the default).
    case employerAssessor = "employer_assessor"
    /// One stratum per employer.
    case employer
    /// The whole scheme is one stratum.
    case none
}

/// A reproducible quality sample: which observations were drawn, with what chance, and why each one.
public struct SampleDraw: Hashable, Sendable, Codable {
    /// One observation drawn.
    public struct Pick: Hashable, Sendable, Codable {
        public let observationID: ObservationID
        public let employerID: OrganisationID
        public let assessorID: UserID?
        /// Whether a boundary score made it likelier.
        public let boundary: Bool
        /// Its size measure (1, or the boundary weight): its chance is proportional to it within its stratum.
        public let weight: Double
        /// The observations in its stratum (after small strata are merged) and how many were drawn from it.
        public let stratumSize: Int
        public let stratumDrawn: Int
        /// Why it was drawn, in a sentence the lead can read.
        public let why: String
        /// Its stratum after small strata are merged (`employer ID × assessor ID`, `employer ID × small strata`,
        /// `small strata`, …); `nil` for picks drawn before
        /// inclusion probabilities were recorded (migration 14).
        public let stratum: String?
        /// π, the probability that the draw selects it (0 < π ≤ 1), and its design weight 1/π; `nil` for picks
        /// drawn before they were recorded.
        public let inclusionProbability: Double?
        public let designWeight: Double?

        public init(
            observationID: ObservationID, employerID: OrganisationID, assessorID: UserID?, boundary: Bool, weight: Double,
            stratumSize: Int, stratumDrawn: Int, why: String, stratum: String?, inclusionProbability: Double?, designWeight: Double?
        ) {
            self.observationID = observationID
            self.employerID = employerID
            self.assessorID = assessorID
            self.boundary = boundary
            self.weight = weight
            self.stratumSize = stratumSize
            self.stratumDrawn = stratumDrawn
            self.why = why
            self.stratum = stratum
            self.inclusionProbability = inclusionProbability
            self.designWeight = designWeight
        }
    }

    public let seed: UInt64
    public let rate: Double
    /// Observations eligible (not in dispute, not already sampled).
    public let population: Int
    /// Drawn, in the order of the systematic pass.
    public let picks: [Pick]
}

/// Draws the quality sample: seeded, stratified, boundary-weighted, with a known inclusion probability π > 0 for
/// every eligible observation (decision 14, docs/statistics.md "Quality sampling").
///
/// 1. **Strata**: employer × assessor, employer, or none (``SampleStrata``). A stratum with fewer than
///    `minimumStratumSize` observations joins its employer's remainder stratum; a remainder still that small joins
///    the scheme-wide remainder (which stands whatever its size: there is nothing left to join).
/// 2. **Probabilities**: stratum h expects n_h = rate × N_h picks; a unit of size measure w (the boundary weight
///    for a 3 or 4 from either source, else 1) gets π = n_h·w / Σ_h w, and units that would exceed 1 are taken
///    with certainty (π = 1) and the rest recomputed without them, until none exceeds 1. So Σ π = rate × N.
/// 3. **One systematic pass**: strata in a seeded order, units within a stratum in a seeded order keyed by the
///    seed and the observation id (so the input's order does not matter), π laid end to end on a line; a seeded
///    start u in [0, 1) and the points u, u + 1, u + 2, … pick the units whose segments they fall in. Each unit
///    is drawn with probability exactly π; each stratum gets ⌊n_h⌋ or ⌈n_h⌉ picks and the sample ⌊rate × N⌋ or
///    ⌈rate × N⌉ (controlled rounding). The same seed and population give the same sample.
public enum Sampler {
    /// A stratum with its members and their inclusion probabilities.
    struct Stratum: Sendable {
        let key: String
        /// Read by people: names where known.
        let name: String
        /// Whether small strata were merged into it (its reasons then name each pick's employer and assessor too).
        var merged = false
        var members: [SamplingUnit]
        var probabilities: [ObservationID: Double] = [:]
    }

    /// A unit's stated chance of selection: its stratum (after merging) and π.
    public struct Inclusion: Hashable, Sendable {
        public let stratum: String
        public let probability: Double
    }

    /// Everything about a draw that does not depend on the seed: the strata, every unit's π, and the hashes the seeded
    /// orders start from. Drawing many seeds from one plan (``draw(seed:)``) gives the same samples as
    /// ``Sampler/draw(_:rate:seed:boundaryWeight:strata:minimumStratumSize:)`` without rebuilding it.
    public struct Plan: Sendable {
        struct Member: Sendable {
            let unit: SamplingUnit
            let id: String
            let idHash: UInt64
            let weight: Double
            let probability: Double
            /// The parts of its reason that do not depend on the seed: before and after "k of N drawn … with seed S".
            let reasonHead: String
            let reasonTail: String
        }

        struct PlannedStratum: Sendable {
            let stratum: Stratum
            let keyHash: UInt64
            let members: [Member]
        }

        public let rate: Double
        /// Distinct observations.
        public let population: Int
        let strata: [PlannedStratum]

        public init(
            _ units: [SamplingUnit], rate: Double, boundaryWeight: Double, strata design: SampleStrata = .employerAssessor,
            minimumStratumSize: Int = 1
        ) {
            let rate = rate.isNaN ? 0 : min(max(rate, 0), 1)
            var seen = Set<ObservationID>()
            let distinct = units.filter { seen.insert($0.observationID).inserted }
            func weight(_ unit: SamplingUnit) -> Double { unit.isBoundary ? boundaryWeight : 1 }
            self.rate = rate
            population = distinct.count
            self.strata = stratify(distinct, design: design, minimumSize: minimumStratumSize).map { stratum in
                var stratum = stratum
                stratum.probabilities = inclusionProbabilities(stratum.members, expected: rate * Double(stratum.members.count), weight: weight)
                let members = stratum.members.map { unit in
                    let id = unit.observationID.description
                    let probability = stratum.probabilities[unit.observationID]!
                    let (head, tail) = reason(unit, stratum: stratum, rate: rate, probability: probability, weight: weight(unit))
                    return Member(unit: unit, id: id, idHash: Router.mix(stableHash(id)), weight: weight(unit), probability: probability,
                                  reasonHead: head, reasonTail: tail)
                }
                return PlannedStratum(stratum: stratum, keyHash: stableHash(stratum.key), members: members)
            }
        }

        /// Every eligible unit's stratum and π.
        public var inclusion: [ObservationID: Inclusion] {
            var result: [ObservationID: Inclusion] = [:]
            for planned in strata {
                for member in planned.members { result[member.unit.observationID] = Inclusion(stratum: planned.stratum.key, probability: member.probability) }
            }
            return result
        }

        /// The systematic pass for `seed`: strata in a seeded order, units in a seeded order within each.
        public func draw(seed: UInt64) -> SampleDraw {
            let ordered = strata.map { (order: Router.mix(seed ^ $0.keyHash), planned: $0) }
                .sorted { ($0.order, $0.planned.stratum.key) < ($1.order, $1.planned.stratum.key) }.map(\.planned)
            var generator = SplitMix64(seed: seed)
            let start = Double(generator.next() >> 11) / 9_007_199_254_740_992
            var end = 0.0
            var chosen: [(stratum: Int, member: Member)] = []
            var drawnIn = [Int](repeating: 0, count: ordered.count)
            for (index, planned) in ordered.enumerated() {
                let members = planned.members.map { (order: Router.mix(seed ^ $0.idHash), member: $0) }
                    .sorted { $0.order != $1.order ? $0.order < $1.order : $0.member.id < $1.member.id }
                for (_, member) in members {
                    // A certain unit is taken outright: a segment of length 1 always holds exactly one point, and leaving
                    // it off the line moves later segments by a whole number, which picks the same points.
                    let picked: Bool
                    if member.probability >= 1 {
                        picked = true
                    } else {
                        let before = end
                        end += member.probability
                        picked = (end - start).rounded(.up) - (before - start).rounded(.up) >= 1
                    }
                    if picked {
                        chosen.append((index, member))
                        drawnIn[index] += 1
                    }
                }
            }
            let picks = chosen.map { index, member in
                let stratum = ordered[index].stratum, unit = member.unit, pi = member.probability
                return SampleDraw.Pick(
                    observationID: unit.observationID, employerID: unit.employerID, assessorID: unit.assessorID, boundary: unit.isBoundary,
                    weight: member.weight, stratumSize: stratum.members.count, stratumDrawn: drawnIn[index],
                    why: "\(member.reasonHead)\(drawnIn[index]) of \(stratum.members.count) drawn at rate \(rate) with seed \(seed)\(member.reasonTail)",
                    stratum: stratum.key, inclusionProbability: pi, designWeight: 1 / pi)
            }
            return SampleDraw(seed: seed, rate: rate, population: population, picks: picks)
        }
    }

    /// Every eligible unit's stratum and inclusion probability π, as ``draw(_:rate:seed:boundaryWeight:strata:minimumStratumSize:)``
    /// honours them (they do not depend on the seed). π > 0 for every unit when `rate` > 0, and Σ π = rate × N.
    public static func inclusionProbabilities(
        _ units: [SamplingUnit], rate: Double, boundaryWeight: Double, strata design: SampleStrata = .employerAssessor,
        minimumStratumSize: Int = 1
    ) -> [ObservationID: Inclusion] {
        Plan(units, rate: rate, boundaryWeight: boundaryWeight, strata: design, minimumStratumSize: minimumStratumSize).inclusion
    }

    public static func draw(
        _ units: [SamplingUnit], rate: Double, seed: UInt64, boundaryWeight: Double,
        strata design: SampleStrata = .employerAssessor, minimumStratumSize: Int = 1
    ) -> SampleDraw {
        Plan(units, rate: rate, boundaryWeight: boundaryWeight, strata: design, minimumStratumSize: minimumStratumSize).draw(seed: seed)
    }

    /// Every unit's π in a stratum expecting `expected` picks: proportional to its weight, units that would exceed 1
    /// taken with certainty and the rest shared out again.
    static func inclusionProbabilities(
        _ members: [SamplingUnit], expected: Double, weight: (SamplingUnit) -> Double
    ) -> [ObservationID: Double] {
        var probabilities: [ObservationID: Double] = [:]
        var open = members
        var remaining = expected
        while true {
            let total = open.reduce(0) { $0 + weight($1) }
            let certain = open.filter { remaining * weight($0) >= total }
            guard !certain.isEmpty, total > 0 else {
                for unit in open { probabilities[unit.observationID] = total > 0 ? remaining * weight(unit) / total : 0 }
                return probabilities
            }
            for unit in certain { probabilities[unit.observationID] = 1 }
            let ids = Set(certain.map(\.observationID))
            open.removeAll { ids.contains($0.observationID) }
            remaining -= Double(certain.count)
        }
    }

    /// The strata after the collapsing rule: small employer × assessor strata into their employer's remainder, small
    /// employer remainders (or, with `.employer`, small employers) into the scheme-wide remainder.
    static func stratify(_ units: [SamplingUnit], design: SampleStrata, minimumSize: Int) -> [Stratum] {
        // Names come from the unit with the lowest id, so they do not depend on the input's order.
        func named(_ members: [SamplingUnit]) -> SamplingUnit { members.min { $0.observationID.description < $1.observationID.description }! }
        func employerName(_ unit: SamplingUnit) -> String { unit.employerName ?? unit.employerID.description }
        let schemeRemainder = Stratum(key: "small strata", name: "strata of fewer than \(minimumSize) observations, scheme-wide", merged: true,
                                      members: [])
        switch design {
        case .none:
            return units.isEmpty ? [] : [Stratum(key: "scheme", name: "the whole scheme", members: units)]
        case .employer:
            var result: [Stratum] = [], rest = schemeRemainder
            for (employer, members) in Dictionary(grouping: units, by: \.employerID) {
                if members.count >= minimumSize {
                    result.append(Stratum(key: "employer \(employer)", name: employerName(named(members)), members: members))
                } else {
                    rest.members += members
                }
            }
            return rest.members.isEmpty ? result : result + [rest]
        case .employerAssessor:
            var result: [Stratum] = [], rest = schemeRemainder
            for (employer, ofEmployer) in Dictionary(grouping: units, by: \.employerID) {
                var employerRest = Stratum(key: "employer \(employer) × small strata",
                                           name: "\(employerName(named(ofEmployer))) × assessors with fewer than \(minimumSize) observations",
                                           merged: true, members: [])
                for (assessor, members) in Dictionary(grouping: ofEmployer, by: \.assessorID) {
                    if members.count >= minimumSize {
                        let first = named(members)
                        result.append(Stratum(key: "employer \(employer) × assessor \(assessor?.description ?? "none")",
                                              name: "\(employerName(first)) × \(first.assessorName ?? assessor?.description ?? "no assessor")",
                                              members: members))
                    } else {
                        employerRest.members += members
                    }
                }
                if employerRest.members.count >= minimumSize {
                    result.append(employerRest)
                } else {
                    rest.members += employerRest.members
                }
            }
            return rest.members.isEmpty ? result : result + [rest]
        }
    }

    /// Why a unit would be drawn, around "k of N drawn at rate R with seed S", which the draw fills in.
    private static func reason(
        _ unit: SamplingUnit, stratum: Stratum, rate: Double, probability: Double, weight: Double
    ) -> (head: String, tail: String) {
        // Four significant figures.
        func short(_ value: Double) -> String {
            guard value > 0, value.isFinite else { return "\(value)" }
            let scale = pow(10, 3 - floor(log10(value)))
            let rounded = (value * scale).rounded() / scale
            // A whole number within Int's range as an integer; a design weight of 1e38 (a rate of 1e-38) trapped in `Int`.
            return rounded == rounded.rounded() && rounded < 1e15 ? "\(Int(rounded))" : "\(rounded)"
        }
        let own = stratum.merged
            ? " (\(unit.employerName ?? unit.employerID.description) × \(unit.assessorName ?? unit.assessorID?.description ?? "no assessor"))" : ""
        let chance = "; its chance of selection was \(short(probability)) (design weight \(short(1 / probability)))"
        return ("Stratum \(stratum.name)\(own): ", chance + (unit.isBoundary
            ? "; a boundary score (\(scoreText(unit))) made it \(weight)× as likely."
            : "; scores \(scoreText(unit)), weight 1."))
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
