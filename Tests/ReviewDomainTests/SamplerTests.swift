import Foundation
import PropertyBased
import ReviewDomain
import Testing

@Suite("Sampler")
struct SamplerTests {
    /// A population over `employers` × `assessors` strata (plus observations with no assessor when `unassessed`),
    /// scores and ids from the seed, so that the same seed is the same population on every run.
    static func population(seed: UInt64, size: Int, employers: Int = 4, assessors: Int = 3, unassessed: Bool = false) -> [SamplingUnit] {
        var random = SplitMix64(seed: seed)
        let employerIDs = (0..<employers).map { _ in random.id(OrganisationID.self) }
        let assessorIDs = (0..<assessors).map { _ in random.id(UserID.self) }
        return (0..<size).map { _ in
            let assessor = unassessed && random.below(5) == 0 ? nil : assessorIDs[random.below(assessors)]
            return SamplingUnit(observationID: random.id(), employerID: employerIDs[random.below(employers)], assessorID: assessor,
                                employerScore: random.below(6) == 0 ? nil : Score.allCases[random.below(7)],
                                assessorScore: assessor == nil ? nil : Score.allCases[random.below(7)])
        }
    }

    /// A population shaped like the issue's finding: many employer × assessor strata of 1–4 observations and some of
    /// 8–30, a third or so of the scores at the boundary.
    static func smallStrataPopulation(seed: UInt64) -> [SamplingUnit] {
        var random = SplitMix64(seed: seed)
        var units: [SamplingUnit] = []
        for employer in 0..<8 {
            let employerID = random.id(OrganisationID.self)
            for stratum in 0..<(employer == 0 ? 4 : 14) {
                let assessorID = random.id(UserID.self)
                let size = stratum < 3 && employer > 0 ? 8 + random.below(23) : 1 + random.below(4)
                for _ in 0..<size {
                    units.append(SamplingUnit(observationID: random.id(), employerID: employerID, assessorID: assessorID,
                                              employerScore: Score.allCases[random.below(7)], assessorScore: Score.allCases[random.below(7)]))
                }
            }
        }
        return units
    }

    /// Whether each stratum's count is ⌊Σπ⌋ or ⌈Σπ⌉ of its members (`expected`, by stratum), and the sample's ⌊rate × N⌋
    /// or ⌈rate × N⌉; the first stratum that is not, if any.
    static func controlledRoundingProblem(_ draw: SampleDraw, expected: [String: Double], total: Double) -> String? {
        func within(_ count: Int, _ expected: Double) -> Bool {
            Double(count) >= (expected - 1e-9).rounded(.down) && Double(count) <= (expected + 1e-9).rounded(.up)
        }
        var drawn: [String: Int] = [:]
        for pick in draw.picks { drawn[pick.stratum ?? "none", default: 0] += 1 }
        if let stray = drawn.keys.first(where: { expected[$0] == nil }) { return "a pick in unknown stratum \(stray)" }
        if let (stratum, sum) = expected.first(where: { !within(drawn[$0.key] ?? 0, $0.value) }) {
            return "stratum \(stratum): \(drawn[stratum] ?? 0) drawn for Σπ = \(sum)"
        }
        return within(draw.picks.count, total) ? nil : "\(draw.picks.count) drawn for rate × N = \(total)"
    }

    static func expectedByStratum(_ inclusion: [ObservationID: Sampler.Inclusion]) -> [String: Double] {
        Dictionary(grouping: inclusion.values, by: \.stratum).mapValues { $0.reduce(0) { $0 + $1.probability } }
    }

    @Test("every eligible observation has a stated chance > 0 that the draw honours: over 10,000 seeds each one's frequency matches its π")
    func empiricalFrequenciesMatchTheStatedProbabilities() {
        let units = Self.smallStrataPopulation(seed: 15)
        let strataOfFewerThanFive = Dictionary(grouping: units) { "\($0.employerID)/\($0.assessorID!)" }.values.filter { $0.count < 5 }
        #expect(strataOfFewerThanFive.count >= 50 && units.count >= 400, "the population has \(strataOfFewerThanFive.count) strata of 1–4")
        let seeds = 10_000
        for (rate, minimumSize) in [(0.22, 5), (0.1, 1)] {
            // The seed-independent part is built once; each seed is the systematic pass `Sampler.draw` runs on it.
            let plan = Sampler.Plan(units, rate: rate, boundaryWeight: 3, minimumStratumSize: minimumSize)
            let inclusion = plan.inclusion
            // Every unit has a stated π > 0, and they add up to rate × N.
            #expect(inclusion.count == units.count && inclusion.values.allSatisfy { $0.probability > 0 && $0.probability <= 1 })
            #expect(abs(inclusion.values.reduce(0) { $0 + $1.probability } - rate * Double(units.count)) < 1e-9)
            let expected = Self.expectedByStratum(inclusion)
            var frequency: [ObservationID: Int] = [:]
            var problems: [String] = []
            for seed in 1...UInt64(seeds) {
                let draw = plan.draw(seed: seed)
                if let problem = Self.controlledRoundingProblem(draw, expected: expected, total: rate * Double(units.count)) {
                    problems.append("seed \(seed): \(problem)")
                }
                for pick in draw.picks {
                    frequency[pick.observationID, default: 0] += 1
                    // The pick carries the probability it was drawn with.
                    if pick.inclusionProbability != inclusion[pick.observationID]?.probability || pick.stratum != inclusion[pick.observationID]?.stratum {
                        problems.append("seed \(seed): pick \(pick.observationID) states π \(pick.inclusionProbability ?? -1)")
                    }
                }
            }
            #expect(problems.isEmpty, "\(problems.count) problems, the first: \(problems.prefix(3))")
            // Within 4.5 binomial standard errors of π for every unit (a unit with π = 1 every time).
            var largest = 0.0
            for unit in units {
                let pi = inclusion[unit.observationID]!.probability, seen = Double(frequency[unit.observationID] ?? 0) / Double(seeds)
                let standardError = (pi * (1 - pi) / Double(seeds)).squareRoot()
                if standardError == 0 {
                    #expect(seen == pi)
                } else {
                    largest = max(largest, abs(seen - pi) / standardError)
                }
            }
            #expect(largest < 4.5, "rate \(rate), minimum stratum \(minimumSize): the largest deviation is \(largest) standard errors")
            // The figures docs/statistics.md quotes.
            print("Sampler property: rate \(rate), minimum stratum \(minimumSize): \(seeds) seeds, \(units.count) units in \(Set(inclusion.values.map(\.stratum)).count) strata "
                  + "(\(strataOfFewerThanFive.count) employer × assessor strata of 1–4), π \(inclusion.values.map(\.probability).min()!)–\(inclusion.values.map(\.probability).max()!), "
                  + "largest deviation \(largest) standard errors")
        }
    }

    @Test("the same seed and population give the same sample, in whatever order the rows come; strata get their expectation rounded down or up")
    func reproducible() async {
        await propertyCheck(count: 150, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...300), Gen.int(in: 0...100), Gen.uint64(in: 0...UInt64.max)) {
            populationSeed, size, percent, seed in
            let units = Self.population(seed: UInt64(populationSeed), size: size, unassessed: true)
            let rate = Double(percent) / 100
            let minimum = populationSeed % 7
            var shuffle = SplitMix64(seed: UInt64(populationSeed) ^ 1)
            let a = Sampler.draw(units, rate: rate, seed: seed, boundaryWeight: 3, minimumStratumSize: minimum)
            let b = Sampler.draw(units.shuffled(using: &shuffle), rate: rate, seed: seed, boundaryWeight: 3, minimumStratumSize: minimum)
            #expect(a == b)
            #expect(Sampler.Plan(units, rate: rate, boundaryWeight: 3, minimumStratumSize: minimum).draw(seed: seed) == a)
            // A row given twice is one observation.
            #expect(Sampler.draw(units + units.prefix(size / 3), rate: rate, seed: seed, boundaryWeight: 3, minimumStratumSize: minimum) == a)
            #expect(a.seed == seed && a.rate == rate && a.population == units.count)
            #expect(Set(a.picks.map(\.observationID)).count == a.picks.count)
            let inclusion = Sampler.inclusionProbabilities(units, rate: rate, boundaryWeight: 3, minimumStratumSize: minimum)
            let problem = Self.controlledRoundingProblem(a, expected: Self.expectedByStratum(inclusion), total: rate * Double(units.count))
            #expect(problem == nil)
            let byID = Dictionary(uniqueKeysWithValues: units.map { ($0.observationID, $0) })
            let sizes = Dictionary(grouping: inclusion.values, by: \.stratum).mapValues(\.count)
            let drawn = Dictionary(grouping: a.picks) { $0.stratum ?? "" }.mapValues(\.count)
            for pick in a.picks {
                let unit = try #require(byID[pick.observationID])
                let pi = try #require(pick.inclusionProbability)
                #expect(pick.employerID == unit.employerID && pick.assessorID == unit.assessorID)
                #expect(pick.boundary == unit.isBoundary && pick.weight == (unit.isBoundary ? 3 : 1))
                #expect(pi > 0 && pi <= 1 && pick.designWeight == 1 / pi)
                #expect(pick.stratumSize == sizes[pick.stratum ?? ""] && pick.stratumDrawn == drawn[pick.stratum ?? ""])
                // Every pick says why, naming the seed, the stratum and its chance.
                #expect(pick.why.contains("seed \(seed)") && pick.why.contains(unit.employerID.description) && pick.why.contains("chance of selection"))
            }
        }
    }

    /// Schemathesis sent a rate of 1.175494351e-38: the reason's design weight, 1e38, overflowed `Int` and the server trapped.
    @Test("a vanishing rate draws and explains itself without trapping")
    func vanishingRate() async {
        let units = Self.population(seed: 9, size: 400)
        for rate in [1.175494351e-38, Double.leastNonzeroMagnitude, 1e-300, 1e-16] {
            let draw = Sampler.draw(units, rate: rate, seed: 42_025_667_538, boundaryWeight: 3)
            #expect(draw.picks.count <= 12, "rate \(rate): \(draw.picks.count) picks")
            for pick in draw.picks {
                #expect(pick.why.contains("design weight"), "\(pick.why)")
            }
        }
    }

    @Test("different seeds draw different samples from the same population")
    func seedsDiffer() async {
        // 400 observations in 12 strata, 40 expected: two seeds agreeing on every pick is vanishingly unlikely.
        let units = Self.population(seed: 9, size: 400)
        await propertyCheck(count: 100, input: Gen.uint64(in: 0...UInt64.max), Gen.uint64(in: 1...UInt64.max)) { seed, offset in
            let first = Set(Sampler.draw(units, rate: 0.1, seed: seed, boundaryWeight: 3).picks.map(\.observationID))
            let second = Set(Sampler.draw(units, rate: 0.1, seed: seed &+ offset, boundaryWeight: 3).picks.map(\.observationID))
            #expect((39...41).contains(first.count) && (39...41).contains(second.count))
            #expect(first != second, "seeds \(seed) and \(seed &+ offset)")
        }
        let draws = (1...20).map { Set(Sampler.draw(units, rate: 0.1, seed: $0, boundaryWeight: 3).picks.map(\.observationID)) }
        #expect(Set(draws).count == 20)
    }

    @Test("strata too small for a whole pick get one often enough to honour their share, never zero for every seed", arguments: [
        // (stratum sizes, rate): the largest-remainder rounding gave the last strata 0 for every seed.
        ([3, 3, 3, 3], 0.25),
        ([30, 5, 5], 0.1),
        ([50, 1, 1, 1], 0.02),
        ([7, 7, 7], 0.5),
    ] as [([Int], Double)])
    func smallStrataAreReachable(sizes: [Int], rate: Double) {
        var random = SplitMix64(seed: 77)
        let employer = random.id(OrganisationID.self)
        var units: [SamplingUnit] = []
        var assessors: [UserID] = []
        for size in sizes {
            let assessor = random.id(UserID.self)
            assessors.append(assessor)
            for _ in 0..<size {
                units.append(SamplingUnit(observationID: random.id(), employerID: employer, assessorID: assessor,
                                          employerScore: Fixture.score(6), assessorScore: Fixture.score(6)))
            }
        }
        var drawnFrom = [Int](repeating: 0, count: sizes.count)
        let seeds = 4_000
        for seed in 1...UInt64(seeds) {
            let draw = Sampler.draw(units, rate: rate, seed: seed, boundaryWeight: 3)
            for (index, assessor) in assessors.enumerated() {
                let count = draw.picks.filter { $0.assessorID == assessor }.count
                let share = rate * Double(sizes[index])
                #expect(Double(count) >= share.rounded(.down) && Double(count) <= share.rounded(.up), "seed \(seed): \(count) for \(share)")
                drawnFrom[index] += count
            }
        }
        // On average each stratum gets its share rate × size (4 standard errors of a 0/1 count at most ½).
        for (index, size) in sizes.enumerated() {
            let mean = Double(drawnFrom[index]) / Double(seeds), share = rate * Double(size)
            #expect(mean > 0 && abs(mean - share) < 4 * 0.5 / Double(seeds).squareRoot(), "stratum of \(size): mean \(mean) for \(share)")
        }
    }

    @Test("small strata merge into their employer's remainder, then the scheme's; employer and none stratify as they say")
    func collapsingRule() throws {
        var random = SplitMix64(seed: 31)
        let (a, b, c) = (random.id(OrganisationID.self), random.id(OrganisationID.self), random.id(OrganisationID.self))
        var units: [SamplingUnit] = []
        var assessors: [String: UserID] = [:]
        // Employer A: assessors with 6, 3 and 1 observations; B: three with 2 each; C: one with 1.
        for (employer, label, size) in [(a, "a6", 6), (a, "a3", 3), (a, "a1", 1), (b, "b2x", 2), (b, "b2y", 2), (b, "b2z", 2), (c, "c1", 1)] {
            let assessor = random.id(UserID.self)
            assessors[label] = assessor
            for _ in 0..<size {
                units.append(SamplingUnit(observationID: random.id(), employerID: employer, assessorID: assessor,
                                          employerScore: Fixture.score(5), assessorScore: Fixture.score(6)))
            }
        }
        func sizes(_ design: SampleStrata, _ minimum: Int) -> [String: Int] {
            Dictionary(grouping: Sampler.inclusionProbabilities(units, rate: 0.2, boundaryWeight: 3, strata: design, minimumStratumSize: minimum).values,
                       by: \.stratum).mapValues(\.count)
        }
        // A's 6 stand alone; A's 3 + 1 = 4 are too few for A's remainder and go to the scheme's, with C's 1;
        // B's three 2s make B's remainder of 6.
        #expect(sizes(.employerAssessor, 5) == [
            "employer \(a) × assessor \(assessors["a6"]!)": 6, "employer \(b) × small strata": 6, "small strata": 5,
        ])
        #expect(sizes(.employerAssessor, 1).count == 7)
        #expect(sizes(.employer, 5) == ["employer \(a)": 10, "employer \(b)": 6, "small strata": 1])
        #expect(sizes(.none, 5) == ["scheme": 17])
        // Within the merged stratum every unit has weight 1 and so the same π: its share of the stratum's expectation.
        let merged = Sampler.inclusionProbabilities(units, rate: 0.2, boundaryWeight: 3, minimumStratumSize: 5).values.filter { $0.stratum == "small strata" }
        #expect(merged.count == 5 && merged.allSatisfy { abs($0.probability - 0.2) < 1e-12 })
    }

    @Test("boundary scores (3 and 4) are drawn with the boundary weight's larger chance, and their picks say so")
    func boundaryWeighted() {
        // One stratum: a third of the population at the boundary. π = 300 × 3 / (1000 × 3 + 2000) = 0.18 at the boundary
        // and 0.06 elsewhere, so 180 of the 300 picks (0.6) are expected at the boundary.
        var random = SplitMix64(seed: 2_024)
        let employer = random.id(OrganisationID.self), assessor = random.id(UserID.self)
        let units = (0..<3_000).map { n in
            SamplingUnit(observationID: random.id(), employerID: employer, assessorID: assessor,
                         employerScore: Fixture.score(n % 3 == 0 ? 4 : 6), assessorScore: Fixture.score(n % 3 == 0 ? 3 : [1, 2, 5, 6, 7][n % 5]))
        }
        #expect(units.filter(\.isBoundary).count == 1_000)
        let inclusion = Sampler.inclusionProbabilities(units, rate: 0.1, boundaryWeight: 3)
        #expect(units.allSatisfy { abs(inclusion[$0.observationID]!.probability - ($0.isBoundary ? 0.18 : 0.06)) < 1e-12 })
        var weightedShare = 0.0, unweightedShare = 0.0
        for seed in 1...5 as ClosedRange<UInt64> {
            let weighted = Sampler.draw(units, rate: 0.1, seed: seed, boundaryWeight: 3)
            #expect(weighted.picks.count == 300)
            #expect(weighted.picks.filter(\.boundary).allSatisfy { $0.weight == 3 && $0.why.contains("boundary score") && $0.designWeight! < 5.6 })
            weightedShare += Double(weighted.picks.filter(\.boundary).count) / 300 / 5
            unweightedShare += Double(Sampler.draw(units, rate: 0.1, seed: seed, boundaryWeight: 1).picks.filter(\.boundary).count) / 300 / 5
        }
        #expect(abs(unweightedShare - 1.0 / 3) < 0.06, "unweighted share \(unweightedShare)")
        #expect(abs(weightedShare - 0.6) < 0.06, "weighted share \(weightedShare)")
    }

    @Test("a weight that would push π past 1 takes those units with certainty and shares the rest out")
    func certaintyUnits() {
        // 10 observations, 2 at the boundary with weight 20, rate 0.5: 5 × 20 / 56 > 1, so both are certain and the
        // other 8 share the remaining 3 picks: π = 3/8.
        var random = SplitMix64(seed: 4)
        let employer = random.id(OrganisationID.self)
        let units = (0..<10).map { n in
            SamplingUnit(observationID: random.id(), employerID: employer, assessorID: nil,
                         employerScore: Fixture.score(n < 2 ? 3 : 6), assessorScore: nil)
        }
        let inclusion = Sampler.inclusionProbabilities(units, rate: 0.5, boundaryWeight: 20)
        #expect(units.allSatisfy { inclusion[$0.observationID]!.probability == ($0.isBoundary ? 1 : 0.375) })
        for seed in 1...50 as ClosedRange<UInt64> {
            let picks = Sampler.draw(units, rate: 0.5, seed: seed, boundaryWeight: 20).picks
            #expect(picks.count == 5 && picks.filter(\.boundary).count == 2 && picks.filter(\.boundary).allSatisfy { $0.designWeight == 1 })
        }
    }

    @Test("rate 0 draws nothing and rate 1 draws everyone with π = 1; rates outside 0–1 are held to it; empty and single populations")
    func extremes() {
        let units = Self.population(seed: 3, size: 50, unassessed: true)
        let everyone = Set(units.map(\.observationID))
        #expect(Sampler.draw(units, rate: 0, seed: 1, boundaryWeight: 3).picks.isEmpty)
        #expect(Sampler.inclusionProbabilities(units, rate: 0, boundaryWeight: 3).values.allSatisfy { $0.probability == 0 })
        let all = Sampler.draw(units, rate: 1, seed: 1, boundaryWeight: 3, minimumStratumSize: 5)
        #expect(Set(all.picks.map(\.observationID)) == everyone)
        #expect(all.picks.allSatisfy { $0.stratumDrawn == $0.stratumSize && $0.inclusionProbability == 1 && $0.designWeight == 1 })
        let over = Sampler.draw(units, rate: 1.5, seed: 1, boundaryWeight: 3)
        #expect(over.rate == 1 && Set(over.picks.map(\.observationID)) == everyone)
        let under = Sampler.draw(units, rate: -0.5, seed: 1, boundaryWeight: 3)
        #expect(under.rate == 0 && under.picks.isEmpty)
        let empty = Sampler.draw([], rate: 0.5, seed: 1, boundaryWeight: 3)
        #expect(empty.picks.isEmpty && empty.population == 0)
        // One observation at rate 0.3: drawn with π = 0.3, so about 30 of 100 seeds.
        let one = [units[0]]
        #expect(Sampler.inclusionProbabilities(one, rate: 0.3, boundaryWeight: 3, minimumStratumSize: 5)[units[0].observationID]?.probability == 0.3)
        let drawn = (1...100 as ClosedRange<UInt64>).filter { !Sampler.draw(one, rate: 0.3, seed: $0, boundaryWeight: 3, minimumStratumSize: 5).picks.isEmpty }
        #expect((15...45).contains(drawn.count), "\(drawn.count) of 100")
    }

    @Test("the reason names the stratum by the employer's and assessor's names when known, the chance, and the scores")
    func readableReasons() throws {
        let unit = SamplingUnit(observationID: ObservationID(), employerID: OrganisationID(), assessorID: UserID(),
                                employerScore: Fixture.score(4), assessorScore: nil, employerName: "Northshire Council", assessorName: "A. Assessor")
        let plain = SamplingUnit(observationID: ObservationID(), employerID: OrganisationID(), assessorID: nil,
                                 employerScore: Fixture.score(6), assessorScore: nil)
        let picks = Sampler.draw([unit, plain], rate: 1, seed: 5, boundaryWeight: 2.5).picks
        let named = try #require(picks.first { $0.observationID == unit.observationID })
        #expect(named.why.hasPrefix("Stratum Northshire Council × A. Assessor: 1 of 1 drawn at rate 1.0 with seed 5; its chance of selection was 1 (design weight 1)"))
        #expect(named.why.hasSuffix("; a boundary score (employer 4, assessor –) made it 2.5× as likely."))
        let unnamed = try #require(picks.first { $0.observationID == plain.observationID })
        #expect(unnamed.why.contains("\(plain.employerID) × no assessor") && unnamed.why.hasSuffix("; scores employer 6, assessor –, weight 1."))
        #expect(!unnamed.boundary && unnamed.weight == 1)
        // Merged strata say so.
        let merged = Sampler.draw([unit, plain], rate: 1, seed: 5, boundaryWeight: 2.5, minimumStratumSize: 5).picks
        let mergedNamed = try #require(merged.first { $0.observationID == unit.observationID })
        #expect(mergedNamed.why.hasPrefix("Stratum strata of fewer than 5 observations, scheme-wide (Northshire Council × A. Assessor): 2 of 2 drawn"))
    }

    @Test("picks kept before inclusion probabilities were recorded still decode")
    func olderPicksDecode() throws {
        let old = #"[{"observationID":"\#(UUID())","employerID":"\#(UUID())","boundary":true,"weight":3,"stratumSize":4,"stratumDrawn":1,"why":"Stratum x."}]"#
        let picks = try JSONDecoder().decode([SampleDraw.Pick].self, from: Data(old.utf8))
        #expect(picks.count == 1 && picks[0].inclusionProbability == nil && picks[0].designWeight == nil && picks[0].stratum == nil)
    }
}
