import Foundation
@testable import ReviewDomain
import Testing

/// The bootstraps drawn by counts (issue 21, decision 33): the binomial and multinomial draws have the distributions
/// they claim, and the intervals they give agree with the item-by-item bootstrap's within sampling error over many
/// seeds. Each check is a fixed-seed statistical test with a threshold far out in the tail (|z| < 4.5, p > 10⁻⁵):
/// a wrong draw (a mode off by one, a missing tail, tallies that do not sum to the trials, the wrong variance) fails
/// by tens of standard errors.
@Suite("Resampling by counts")
struct ResamplingTests {
    /// log P(X = k) for X ~ Binomial(n, p), term by term (not the sampler's recurrence).
    static func logBinomialProbability(_ k: Int, _ n: Int, _ p: Double) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) + Double(k) * log(p) + Double(n - k) * log1p(-p)
    }

    /// Pearson's chi-square of `draws` against Binomial(n, p), outcomes grouped from the low end until each group
    /// expects at least 5; its p-value.
    static func binomialFit(_ draws: [Int], n: Int, p: Double) -> (pValue: Double, groups: Int) {
        var observed = [Int: Int]()
        for draw in draws { observed[draw, default: 0] += 1 }
        let total = Double(draws.count)
        var groups: [(expected: Double, observed: Int)] = []
        var expected = 0.0, seen = 0
        for k in 0...n {
            expected += total * exp(logBinomialProbability(k, n, p))
            seen += observed[k] ?? 0
            if expected >= 5 {
                groups.append((expected, seen))
                expected = 0
                seen = 0
            }
        }
        if let last = groups.popLast() { groups.append((last.expected + expected, last.observed + seen)) }
        let chiSquare = groups.reduce(0.0) { sum, group in
            sum + (Double(group.observed) - group.expected) * (Double(group.observed) - group.expected) / group.expected
        }
        return (Distributions.chiSquareSurvival(chiSquare, degreesOfFreedom: Double(groups.count - 1)), groups.count)
    }

    @Test("A binomial draw fits the binomial distribution, from a handful of trials to 100,000",
          arguments: [(7, 0.3), (40, 0.05), (1000, 0.5), (100_000, 0.1), (100_000, 0.000_03), (500, 0.97), (3, 0.999)])
    func binomialDistribution(n: Int, p: Double) {
        var generator = SplitMix64(seed: UInt64(n) &* 31 &+ UInt64(p * 1e6))
        let draws = (0..<20_000).map { _ in Resampling.binomial(trials: n, probability: p, using: &generator) }
        #expect(draws.allSatisfy { (0...n).contains($0) })
        let fit = Self.binomialFit(draws, n: n, p: p)
        #expect(fit.groups >= 2)
        #expect(fit.pValue > 1e-5, "Binomial(\(n), \(p)): chi-square p-value \(fit.pValue) over \(fit.groups) groups")
        // The variance too, by itself: n p q within 4.5 standard errors of the sample variance, the standard error
        // √((μ₄ − σ⁴) / N) from the binomial's own fourth central moment μ₄ = npq (1 + 3 (n − 2) pq).
        let mean = Double(draws.reduce(0, +)) / Double(draws.count)
        let variance = draws.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(draws.count - 1)
        let expected = Double(n) * p * (1 - p)
        let fourth = expected * (1 + 3 * Double(n - 2) * p * (1 - p))
        #expect(abs(variance - expected) < 4.5 * ((fourth - expected * expected) / Double(draws.count)).squareRoot(),
                "Binomial(\(n), \(p)): variance \(variance), expected \(expected)")
        #expect(Resampling.binomial(trials: n, probability: 0, using: &generator) == 0)
        #expect(Resampling.binomial(trials: n, probability: 1, using: &generator) == n)
    }

    @Test("A multinomial draw: tallies sum to the trials, empty kinds stay empty, means and covariances are multinomial")
    func multinomialMoments() {
        let counts = [5, 0, 30, 65, 1, 0, 200]
        let trials = counts.reduce(0, +), runs = 20_000
        let shares = counts.map { Double($0) / Double(trials) }
        var generator = SplitMix64(seed: 20_261_207)
        var tallies = [Int](repeating: -1, count: counts.count)
        var sums = [Double](repeating: 0, count: counts.count), products = 0.0
        for _ in 0..<runs {
            counts.withUnsafeBufferPointer { counts in
                tallies.withUnsafeMutableBufferPointer { tallies in
                    Resampling.multinomial(trials: trials, counts: counts, into: tallies, using: &generator)
                }
            }
            #expect(tallies.reduce(0, +) == trials)
            #expect(tallies[1] == 0 && tallies[5] == 0)
            for kind in counts.indices { sums[kind] += Double(tallies[kind]) }
            products += Double(tallies[2]) * Double(tallies[3])
        }
        for kind in counts.indices where counts[kind] > 0 {
            let mean = sums[kind] / Double(runs)
            let standardError = (Double(trials) * shares[kind] * (1 - shares[kind]) / Double(runs)).squareRoot()
            #expect(abs(mean - Double(trials) * shares[kind]) < 4.5 * standardError, "kind \(kind): mean \(mean)")
        }
        // Cov(X₂, X₃) = −n p₂ p₃ (independent binomials would give 0).
        let covariance = products / Double(runs) - (sums[2] / Double(runs)) * (sums[3] / Double(runs))
        let expected = -Double(trials) * shares[2] * shares[3]
        #expect(covariance < expected / 2 && covariance > expected * 1.5, "covariance \(covariance), expected \(expected)")
        var none = [Int](repeating: 7, count: 2)
        [0, 0].withUnsafeBufferPointer { counts in
            none.withUnsafeMutableBufferPointer { Resampling.multinomial(trials: 0, counts: counts, into: $0, using: &generator) }
        }
        #expect(none == [0, 0])
    }

    /// Mean and standard deviation of `values`.
    static func moments(_ values: [Double]) -> (mean: Double, deviation: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (mean, variance.squareRoot())
    }

    /// The two-sample z of the means of `a` and `b`.
    static func z(_ a: [Double], _ b: [Double]) -> Double {
        let (meanA, sdA) = moments(a), (meanB, sdB) = moments(b)
        return (meanA - meanB) / (sdA * sdA / Double(a.count) + sdB * sdB / Double(b.count)).squareRoot()
    }

    @Test("κ intervals by counts agree with the pair bootstrap's over 200 seeds (ends and widths of all four κ)")
    func kappaAgreesWithPairs() throws {
        var generator = SplitMix64(seed: 7)
        let pairs = (0..<400).map { _ in
            let quality = 2 + generator.below(5)
            return (employer: min(7, quality + generator.below(3)), assessor: max(1, quality - generator.below(2)))
        }
        let matrix = ConfusionMatrix(pairs: pairs)
        var ends: [ResamplingMethod: [[Double]]] = [.counts: Array(repeating: [], count: 12), .items: Array(repeating: [], count: 12)]
        for seed in 1...200 {
            for method in [ResamplingMethod.counts, .items] {
                let boot = Agreement.kappaBootstrap(matrix, samples: 200, seed: UInt64(seed), resampling: method)
                for (index, interval) in [boot.unweighted, boot.linear, boot.quadratic, boot.passFail].enumerated() {
                    #expect(interval.resampling == method)
                    let lower = try #require(interval.lower.value), upper = try #require(interval.upper.value)
                    ends[method]![3 * index].append(lower)
                    ends[method]![3 * index + 1].append(upper)
                    ends[method]![3 * index + 2].append(upper - lower)
                }
            }
        }
        for figure in 0..<12 {
            let z = Self.z(ends[.counts]![figure], ends[.items]![figure])
            #expect(abs(z) < 4.5, "κ \(figure / 3), \(["lower", "upper", "width"][figure % 3]): z = \(z)")
        }
        // The default is by counts, and the same seed gives the same intervals.
        #expect(Agreement.kappaBootstrap(matrix, samples: 200, seed: 3) == Agreement.kappaBootstrap(matrix, samples: 200, seed: 3, resampling: .counts))
    }

    @Test("α intervals by counts agree with the unit-by-unit bootstrap's over 200 seeds")
    func alphaAgreesWithUnits() throws {
        let units = AgreementTests.syntheticUnits(count: 300, seed: 11)
        var ends: [ResamplingMethod: [[Double]]] = [.counts: [[], [], []], .items: [[], [], []]]
        for seed in 1...200 {
            for method in [ResamplingMethod.counts, .items] {
                let interval = Agreement.krippendorffAlphaBootstrap(units, level: .ordinal, samples: 200, seed: UInt64(seed), resampling: method)
                #expect(interval.resampling == method)
                let lower = try #require(interval.lower.value), upper = try #require(interval.upper.value)
                ends[method]![0].append(lower)
                ends[method]![1].append(upper)
                ends[method]![2].append(upper - lower)
            }
        }
        for figure in 0..<3 {
            let z = Self.z(ends[.counts]![figure], ends[.items]![figure])
            #expect(abs(z) < 4.5, "α \(["lower", "upper", "width"][figure]): z = \(z)")
        }
    }

    @Test("An interval kept before issue 21 (no `resampling`) still reads; a new one keeps its method")
    func keptIntervalsDecode() throws {
        let kept = #"{"lower":{"value":0.5},"upper":{"value":0.75},"confidence":0.95,"samples":1000,"undefinedSamples":0,"seed":42}"#
        let interval = try JSONDecoder().decode(BootstrapInterval.self, from: Data(kept.utf8))
        #expect(interval.resampling == nil && interval.lower == .value(0.5) && interval.upper == .value(0.75) && interval.seed == 42)
        let alpha = try JSONDecoder().decode(AlphaInterval.self, from: Data((#"{"alpha":{"value":0.6},"# + kept.dropFirst()).utf8))
        #expect(alpha.resampling == nil && alpha.alpha == .value(0.6) && alpha.lower == .value(0.5))
        let new = Agreement.kappaBootstrap(ConfusionMatrix(pairs: [(1, 1), (2, 2), (3, 4), (5, 5)]), samples: 50, seed: 1)
        #expect(new.quadratic.resampling == .counts)
        #expect(try JSONDecoder().decode(KappaBootstrap.self, from: JSONEncoder().encode(new)) == new)
    }
}
