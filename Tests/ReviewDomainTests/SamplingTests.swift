import Foundation
import PropertyBased
import ReviewDomain
import Testing

@Suite("Quality sampling")
struct SamplingTests {
    /// A population over `employers` × `assessors` strata, scores from the seed.
    static func population(seed: UInt64, size: Int, employers: Int = 4, assessors: Int = 3) -> [SamplingUnit] {
        var random = SplitMix64(seed: seed)
        let employerIDs = (0..<employers).map { _ in OrganisationID() }
        let assessorIDs = (0..<assessors).map { _ in UserID() }
        return (0..<size).map { _ in
            SamplingUnit(observationID: ObservationID(), employerID: employerIDs[random.below(employers)], assessorID: assessorIDs[random.below(assessors)],
                         employerScore: Score.allCases[random.below(7)], assessorScore: Score.allCases[random.below(7)])
        }
    }

    @Test("the same seed and population give the same sample, in whatever order the rows come")
    func reproducible() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...300), Gen.int(in: 0...100)) { seed, size, percent in
            let units = Self.population(seed: UInt64(seed), size: size)
            let rate = Double(percent) / 100
            var shuffle = SplitMix64(seed: UInt64(seed) ^ 1)
            let a = Sampler.draw(units, rate: rate, seed: 42, boundaryWeight: 3)
            let b = Sampler.draw(units.shuffled(using: &shuffle), rate: rate, seed: 42, boundaryWeight: 3)
            #expect(a == b)
            // Its size is the rate of the population, rounded; every stratum gets its share rounded down or up.
            #expect(a.picks.count == Int((rate * Double(units.count)).rounded()))
            #expect(Set(a.picks.map(\.observationID)).count == a.picks.count)
            let sizes = Dictionary(grouping: units) { "\($0.employerID)/\($0.assessorID!)" }.mapValues(\.count)
            let drawn = Dictionary(grouping: a.picks) { "\($0.employerID)/\($0.assessorID!)" }.mapValues(\.count)
            for (stratum, size) in sizes {
                let share = rate * Double(size)
                let got = drawn[stratum] ?? 0
                #expect(Double(got) >= share.rounded(.down) && Double(got) <= share.rounded(.up), "stratum of \(size): \(got) for a share of \(share)")
            }
            #expect(a.picks.allSatisfy { !$0.why.isEmpty && $0.why.contains("seed 42") })
        }
    }

    @Test("another seed draws another sample")
    func seedsDiffer() {
        let units = Self.population(seed: 9, size: 400)
        let draws = (1...5).map { Set(Sampler.draw(units, rate: 0.1, seed: $0, boundaryWeight: 3).picks.map(\.observationID)) }
        #expect(Set(draws).count == 5)
    }

    @Test("boundary scores (3 and 4) are drawn more often than their share, by about the boundary weight")
    func boundaryWeighted() {
        // One stratum, so the allocation does not interfere: a third of the population at the boundary.
        let employer = OrganisationID(), assessor = UserID()
        let units = (0..<3_000).map { n in
            SamplingUnit(observationID: ObservationID(), employerID: employer, assessorID: assessor,
                         employerScore: try! Score(n % 3 == 0 ? 4 : 6), assessorScore: try! Score(n % 3 == 0 ? 3 : 6))
        }
        var boundaryShare = 0.0, unweightedShare = 0.0
        for seed in 1...5 as ClosedRange<UInt64> {
            boundaryShare += Double(Sampler.draw(units, rate: 0.1, seed: seed, boundaryWeight: 3).picks.filter(\.boundary).count) / 300 / 5
            unweightedShare += Double(Sampler.draw(units, rate: 0.1, seed: seed, boundaryWeight: 1).picks.filter(\.boundary).count) / 300 / 5
        }
        // Unweighted: about a third. Weighted 3×: about 3/(3+2) = 0.6 of a small sample (a little less as it grows).
        #expect(abs(unweightedShare - 1.0 / 3) < 0.06)
        #expect(boundaryShare > 0.5 && boundaryShare < 0.65)
    }

    @Test("rate 0 draws nothing and rate 1 draws everyone")
    func extremes() {
        let units = Self.population(seed: 3, size: 50)
        #expect(Sampler.draw(units, rate: 0, seed: 1, boundaryWeight: 3).picks.isEmpty)
        #expect(Set(Sampler.draw(units, rate: 1, seed: 1, boundaryWeight: 3).picks.map(\.observationID)) == Set(units.map(\.observationID)))
        #expect(Sampler.draw([], rate: 0.5, seed: 1, boundaryWeight: 3).picks.isEmpty)
    }
}
