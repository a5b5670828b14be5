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

    static func stratum(_ employer: OrganisationID, _ assessor: UserID?) -> String { "\(employer)/\(assessor?.description ?? "none")" }

    @Test("the same seed and population give the same sample, in whatever order the rows come; sizes and strata are proportional")
    func reproducible() async {
        await propertyCheck(count: 150, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...300), Gen.int(in: 0...100), Gen.uint64(in: 0...UInt64.max)) {
            populationSeed, size, percent, seed in
            let units = Self.population(seed: UInt64(populationSeed), size: size, unassessed: true)
            let rate = Double(percent) / 100
            var shuffle = SplitMix64(seed: UInt64(populationSeed) ^ 1)
            let a = Sampler.draw(units, rate: rate, seed: seed, boundaryWeight: 3)
            let b = Sampler.draw(units.shuffled(using: &shuffle), rate: rate, seed: seed, boundaryWeight: 3)
            #expect(a == b)
            // A row given twice is one observation.
            #expect(Sampler.draw(units + units.prefix(size / 3), rate: rate, seed: seed, boundaryWeight: 3) == a)
            #expect(a.seed == seed && a.rate == rate && a.population == units.count)

            // Its size is the rate of the population, rounded; the picks are distinct members of the population.
            #expect(a.picks.count == Int((rate * Double(units.count)).rounded()))
            #expect(Set(a.picks.map(\.observationID)).count == a.picks.count)
            let byID = Dictionary(uniqueKeysWithValues: units.map { ($0.observationID, $0) })
            // Every stratum (employer × assessor) gets its share rounded down or up.
            let sizes = Dictionary(grouping: units) { Self.stratum($0.employerID, $0.assessorID) }.mapValues(\.count)
            let drawn = Dictionary(grouping: a.picks) { Self.stratum($0.employerID, $0.assessorID) }.mapValues(\.count)
            for (stratum, size) in sizes {
                let share = rate * Double(size)
                let got = drawn[stratum] ?? 0
                #expect(Double(got) >= share.rounded(.down) && Double(got) <= share.rounded(.up), "stratum of \(size): \(got) for a share of \(share)")
            }
            for pick in a.picks {
                let unit = try #require(byID[pick.observationID])
                let stratum = Self.stratum(unit.employerID, unit.assessorID)
                #expect(pick.employerID == unit.employerID && pick.assessorID == unit.assessorID)
                #expect(pick.boundary == unit.isBoundary && pick.weight == (unit.isBoundary ? 3 : 1))
                #expect(pick.stratumSize == sizes[stratum] && pick.stratumDrawn == drawn[stratum])
                // Every pick says why, naming the seed and the stratum.
                #expect(!pick.why.isEmpty && pick.why.contains("seed \(seed)") && pick.why.contains(unit.employerID.description))
                #expect(pick.why.contains(unit.assessorID?.description ?? "no assessor"))
            }
        }
    }

    @Test("different seeds draw different samples from the same population")
    func seedsDiffer() async {
        // 400 observations in 12 strata, 40 drawn: two seeds agreeing on every pick is vanishingly unlikely.
        let units = Self.population(seed: 9, size: 400)
        await propertyCheck(count: 100, input: Gen.uint64(in: 0...UInt64.max), Gen.uint64(in: 1...UInt64.max)) { seed, offset in
            let first = Set(Sampler.draw(units, rate: 0.1, seed: seed, boundaryWeight: 3).picks.map(\.observationID))
            let second = Set(Sampler.draw(units, rate: 0.1, seed: seed &+ offset, boundaryWeight: 3).picks.map(\.observationID))
            #expect(first.count == 40 && second.count == 40)
            #expect(first != second, "seeds \(seed) and \(seed &+ offset)")
        }
        let draws = (1...20).map { Set(Sampler.draw(units, rate: 0.1, seed: $0, boundaryWeight: 3).picks.map(\.observationID)) }
        #expect(Set(draws).count == 20)
    }

    @Test("strata get their share rounded down, and the places left go to the largest remainders", arguments: [
        // (stratum sizes, rate) → how many each stratum gets, largest first
        ([10, 10, 5], 0.1, [1, 1, 1]),
        ([30, 5, 5], 0.1, [3, 1, 0]),
        ([7, 7, 7], 0.5, [4, 4, 3]),
        ([100], 0.57, [57]),
        ([1], 0.5, [1]),
        ([3, 3, 3, 3], 0.25, [1, 1, 1, 0]),
        ([50, 1, 1, 1], 0.02, [1, 0, 0, 0]),
    ] as [([Int], Double, [Int])])
    func allocation(sizes: [Int], rate: Double, expected: [Int]) {
        var random = SplitMix64(seed: 77)
        let employer = random.id(OrganisationID.self)
        var units: [SamplingUnit] = []
        var assessors: [UserID] = []
        for size in sizes {
            let assessor = random.id(UserID.self)
            assessors.append(assessor)
            for _ in 0..<size {
                units.append(SamplingUnit(observationID: random.id(), employerID: employer, assessorID: assessor,
                                          employerScore: Score.allCases[random.below(7)], assessorScore: Score.allCases[random.below(7)]))
            }
        }
        for seed in 1...5 as ClosedRange<UInt64> {
            let draw = Sampler.draw(units, rate: rate, seed: seed, boundaryWeight: 3)
            let counts = assessors.map { assessor in draw.picks.filter { $0.assessorID == assessor }.count }
            #expect(counts.sorted(by: >) == expected, "seed \(seed): \(counts)")
            #expect(draw.picks.count == expected.reduce(0, +))
        }
    }

    @Test("boundary scores (3 and 4) are drawn clearly more often than their share of the population")
    func boundaryWeighted() {
        // One stratum, so the allocation does not interfere: a third of the population at the boundary. Ids come from
        // a fixed seed, so the draws are the same on every run; the margins are wide all the same.
        var random = SplitMix64(seed: 2_024)
        let employer = random.id(OrganisationID.self), assessor = random.id(UserID.self)
        let units = (0..<3_000).map { n in
            SamplingUnit(observationID: random.id(), employerID: employer, assessorID: assessor,
                         employerScore: Fixture.score(n % 3 == 0 ? 4 : 6), assessorScore: Fixture.score(n % 3 == 0 ? 3 : [1, 2, 5, 6, 7][n % 5]))
        }
        #expect(units.filter(\.isBoundary).count == 1_000)
        var weightedShare = 0.0, unweightedShare = 0.0
        for seed in 1...5 as ClosedRange<UInt64> {
            let weighted = Sampler.draw(units, rate: 0.1, seed: seed, boundaryWeight: 3)
            #expect(weighted.picks.count == 300)
            #expect(weighted.picks.filter(\.boundary).allSatisfy { $0.weight == 3 && $0.why.contains("boundary score") })
            weightedShare += Double(weighted.picks.filter(\.boundary).count) / 300 / 5
            unweightedShare += Double(Sampler.draw(units, rate: 0.1, seed: seed, boundaryWeight: 1).picks.filter(\.boundary).count) / 300 / 5
        }
        // Unweighted: about a third. Weighted 3×: about 0.585 (solving 1000(1 − t³) + 2000(1 − t) = 300 for the key threshold t),
        // some twenty standard errors above a third.
        #expect(abs(unweightedShare - 1.0 / 3) < 0.06, "unweighted share \(unweightedShare)")
        #expect(weightedShare > 1.0 / 3 + 0.15, "weighted share \(weightedShare)")
        #expect(weightedShare < 0.7, "weighted share \(weightedShare)")
    }

    @Test("rate 0 draws nothing and rate 1 draws everyone; rates outside 0–1 are held to it")
    func extremes() {
        let units = Self.population(seed: 3, size: 50, unassessed: true)
        let everyone = Set(units.map(\.observationID))
        #expect(Sampler.draw(units, rate: 0, seed: 1, boundaryWeight: 3).picks.isEmpty)
        #expect(Set(Sampler.draw(units, rate: 1, seed: 1, boundaryWeight: 3).picks.map(\.observationID)) == everyone)
        let over = Sampler.draw(units, rate: 1.5, seed: 1, boundaryWeight: 3)
        #expect(over.rate == 1 && Set(over.picks.map(\.observationID)) == everyone)
        let under = Sampler.draw(units, rate: -0.5, seed: 1, boundaryWeight: 3)
        #expect(under.rate == 0 && under.picks.isEmpty)
        let empty = Sampler.draw([], rate: 0.5, seed: 1, boundaryWeight: 3)
        #expect(empty.picks.isEmpty && empty.population == 0)
        #expect(Sampler.draw(units, rate: 1, seed: 1, boundaryWeight: 3).picks.allSatisfy { $0.stratumDrawn == $0.stratumSize })
    }

    @Test("the reason names the employer and assessor when their names are known, and the scores")
    func readableReasons() throws {
        let unit = SamplingUnit(observationID: ObservationID(), employerID: OrganisationID(), assessorID: UserID(),
                                employerScore: Fixture.score(4), assessorScore: nil, employerName: "Northshire Council", assessorName: "A. Assessor")
        let plain = SamplingUnit(observationID: ObservationID(), employerID: OrganisationID(), assessorID: nil,
                                 employerScore: Fixture.score(6), assessorScore: nil)
        let picks = Sampler.draw([unit, plain], rate: 1, seed: 5, boundaryWeight: 2.5).picks
        let named = try #require(picks.first { $0.observationID == unit.observationID })
        #expect(named.why.hasPrefix("Stratum Northshire Council × A. Assessor: 1 of 1 drawn at rate 1.0 with seed 5"))
        #expect(named.why.hasSuffix("; a boundary score (employer 4, assessor –) made it 2.5× as likely."))
        let unnamed = try #require(picks.first { $0.observationID == plain.observationID })
        #expect(unnamed.why.contains("\(plain.employerID) × no assessor") && unnamed.why.hasSuffix("; scores employer 6, assessor –, weight 1."))
        #expect(!unnamed.boundary && unnamed.weight == 1)
    }
}
