import Foundation
import ReviewDomain
import Testing

/// Reference figures were computed with scikit-learn 1.9.1 (`cohen_kappa_score(a, b, labels=list(range(1, 8)),
/// weights=…)`), krippendorff 0.9.0 (`alpha(reliability_data=…, level_of_measurement=…)`) and numpy 2.4
/// (`percentile`); scripts/check-stats.py repeats the comparison on hundreds of random data sets.
@Suite("Agreement statistics")
struct AgreementTests {
    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers × 12 units, with
    /// missing values. Rows are observers A–D; the units are the columns.
    static let krippendorffObservers: [[Double?]] = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nil, nil, nil],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nil, 3],
        [nil, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nil],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nil],
    ]
    static var krippendorffUnits: [[Double?]] {
        (0..<12).map { unit in krippendorffObservers.map { $0[unit] } }
    }

    /// Small (employer, assessor) data sets and their scikit-learn kappas: unweighted, linear, quadratic, pass/fail.
    static let kappaCases: [(name: String, employer: [Int], assessor: [Int], kappas: [Double], passFail: Double)] = [
        ("A", [1, 2, 3, 4, 5, 6, 7, 4, 4, 3], [1, 3, 3, 5, 5, 7, 6, 4, 2, 3],
         [0.4117647058823529, 0.6938775510204083, 0.8662207357859532], 0.8),
        ("B, a generous employer", [4, 4, 5, 5, 6, 6, 3, 4, 5, 7, 2, 4], [3, 4, 4, 5, 5, 6, 3, 3, 4, 6, 2, 4],
         [0.368421052631579, 0.6571428571428571, 0.8530612244897959], 0.5714285714285714),
        ("C, opposed", [1, 1, 2, 7, 7, 3], [7, 6, 5, 1, 2, 4],
         [-0.16129032258064524, -0.5599999999999998, -0.9130434782608696], -0.8000000000000003),
    ]

    static func pairs(_ employer: [Int], _ assessor: [Int]) -> [(Int, Int)] { Array(zip(employer, assessor)) }

    static func isFiniteOrUndefined(_ statistic: Statistic) -> Bool { statistic.value.map { $0.isFinite } != false }

    // MARK: Krippendorff's alpha

    @Test("Krippendorff's worked example: nominal 0.743, ordinal 0.815, interval 0.849")
    func krippendorffWorkedExample() throws {
        let units = Self.krippendorffUnits
        let expected: [AlphaLevel: (published: Double, package: Double)] = [
            .nominal: (0.743, 0.743421052631579),
            .ordinal: (0.815, 0.8153875037548814),
            .interval: (0.849, 0.8491071428571428),
        ]
        for level in AlphaLevel.allCases {
            let alpha = try #require(Agreement.krippendorffAlpha(units, level: level).value)
            let reference = try #require(expected[level])
            #expect((alpha * 1000).rounded() / 1000 == reference.published, "\(level)")
            #expect(abs(alpha - reference.package) < 1e-9, "\(level): \(alpha)")
        }
    }

    @Test("The default level is ordinal, and the order of ratings within a unit does not matter")
    func alphaDefaultsAndOrder() {
        let units = Self.krippendorffUnits
        #expect(Agreement.krippendorffAlpha(units) == Agreement.krippendorffAlpha(units, level: .ordinal))
        let reversed = units.reversed().map { Array($0.reversed()) }
        for level in AlphaLevel.allCases {
            let a = Agreement.krippendorffAlpha(units, level: level).value ?? .nan
            let b = Agreement.krippendorffAlpha(reversed, level: level).value ?? .nan
            #expect(abs(a - b) < 1e-12)
        }
    }

    @Test("Alpha on arbitrary values maps the sorted distinct values to the domain")
    func alphaArbitraryValues() {
        // The worked example shifted and scaled: nominal and ordinal unchanged; interval unchanged (δ² scales).
        let scaled = Self.krippendorffUnits.map { $0.map { $0.map { $0 * 2.5 - 10 } } }
        for level in AlphaLevel.allCases {
            let a = Agreement.krippendorffAlpha(Self.krippendorffUnits, level: level).value ?? .nan
            let b = Agreement.krippendorffAlpha(scaled, level: level).value ?? .nan
            #expect(abs(a - b) < 1e-12, "\(level)")
        }
    }

    @Test("Perfect agreement gives alpha 1 at every level")
    func alphaPerfect() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<50 {
            let units: [[Double?]] = (0..<(2 + generator.below(40))).map { _ in
                let value = Double(1 + generator.below(7))
                return Array(repeating: value, count: 2 + generator.below(3)) + [nil]
            }
            guard Set(units.compactMap { $0.first ?? nil }).count > 1 else { continue }
            for level in AlphaLevel.allCases {
                #expect(Agreement.krippendorffAlpha(units, level: level) == .value(1))
            }
        }
    }

    @Test("Alpha not defined: no units, no unit rated twice, one value only")
    func alphaUndefined() {
        let cases: [[[Double?]]] = [
            [],
            [[3], [4, nil], [nil, nil], [5]],
            [[4, 4], [4, 4, 4], [2]],  // the lone 2 is in an unpairable unit
            [[.nan, 3], [.infinity, 4]],
        ]
        for units in cases {
            for level in AlphaLevel.allCases {
                let alpha = Agreement.krippendorffAlpha(units, level: level)
                #expect(alpha.value == nil, "\(units) \(level)")
                #expect(!(alpha.reason ?? "").isEmpty)
            }
        }
    }

    @Test("Random data never gives NaN or infinity")
    func neverNaN() {
        var generator = SplitMix64(seed: 99)
        for _ in 0..<300 {
            let units: [[Double?]] = (0..<generator.below(8)).map { _ in
                (0..<generator.below(4)).map { _ in generator.below(4) == 0 ? nil : Double(1 + generator.below(2)) }
            }
            let pairs = (0..<generator.below(6)).map { _ in (1 + generator.below(2), 1 + generator.below(2)) }
            for level in AlphaLevel.allCases {
                #expect(Self.isFiniteOrUndefined(Agreement.krippendorffAlpha(units, level: level)))
            }
            for weighting in KappaWeighting.allCases {
                #expect(Self.isFiniteOrUndefined(Agreement.cohensKappa(pairs, weighting: weighting)))
            }
            #expect(Self.isFiniteOrUndefined(Agreement.passFailKappa(pairs)))
        }
    }

    // MARK: Bootstrap

    static func syntheticUnits(count: Int, seed: UInt64) -> [[Double?]] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let quality = 2 + generator.below(5)
            func rating(_ bias: Int) -> Double? { Double(min(7, max(1, quality + bias + generator.below(3) - 1))) }
            var unit = [rating(generator.below(3) == 0 ? 1 : 0), rating(0)]
            if generator.below(3) == 0 { unit.append(rating(0)) }
            if generator.below(10) == 0 { unit[0] = nil }
            return unit
        }
    }

    @Test("The bootstrap is reproducible with a seed and its interval contains the estimate")
    func bootstrap() throws {
        let units = Self.syntheticUnits(count: 400, seed: 3)
        for level in AlphaLevel.allCases {
            let first = Agreement.krippendorffAlphaBootstrap(units, level: level, samples: 500, seed: 42)
            let again = Agreement.krippendorffAlphaBootstrap(units, level: level, samples: 500, seed: 42)
            let other = Agreement.krippendorffAlphaBootstrap(units, level: level, samples: 500, seed: 43)
            #expect(first == again)
            #expect(first.lower != other.lower || first.upper != other.upper)
            #expect(first.alpha == Agreement.krippendorffAlpha(units, level: level))
            let alpha = try #require(first.alpha.value)
            let lower = try #require(first.lower.value), upper = try #require(first.upper.value)
            #expect(lower < alpha && alpha < upper, "\(level): \(lower) \(alpha) \(upper)")
            #expect(upper - lower < 0.3)
            #expect(first.samples == 500 && first.undefinedSamples == 0 && first.seed == 42 && first.confidence == 0.95)
        }
    }

    @Test("A bootstrap of undefined alpha has an undefined interval")
    func bootstrapUndefined() {
        let interval = Agreement.krippendorffAlphaBootstrap([[2, 2], [2, 2, nil]], samples: 100, seed: 1)
        #expect(interval.alpha.value == nil && interval.lower.value == nil && interval.upper.value == nil)
        let none = Agreement.krippendorffAlphaBootstrap(Self.krippendorffUnits, samples: 0, seed: 1)
        #expect(none.alpha.value != nil && none.lower.value == nil)
    }

    @Test("Resamples on which alpha is not defined are skipped and counted")
    func bootstrapSkipsUndefined() throws {
        // Two units: a resample of the same unit twice has one value only.
        let interval = Agreement.krippendorffAlphaBootstrap([[1, 1], [2, 2]], level: .nominal, samples: 200, seed: 5)
        #expect(interval.undefinedSamples > 50 && interval.undefinedSamples < 150)
        #expect(interval.lower == .value(1) && interval.upper == .value(1))
    }

    // MARK: Cohen's kappa

    @Test("Cohen's kappa matches scikit-learn on small data sets")
    func kappaMatchesScikitLearn() throws {
        for (name, employer, assessor, kappas, passFail) in Self.kappaCases {
            let pairs = Self.pairs(employer, assessor)
            for (weighting, reference) in zip(KappaWeighting.allCases, kappas) {
                let kappa = try #require(Agreement.cohensKappa(pairs, weighting: weighting).value)
                #expect(abs(kappa - reference) < 1e-9, "\(name) \(weighting): \(kappa)")
            }
            let binary = try #require(Agreement.passFailKappa(pairs).value)
            #expect(abs(binary - passFail) < 1e-9, "\(name) pass/fail: \(binary)")
        }
    }

    @Test("scikit-learn's documented example: 0.6875")
    func kappaDocumentedExample() {
        // y1 = [negative, positive, negative, neutral, positive], y2 = [negative, positive, negative, neutral, negative]
        // with negative = 1, neutral = 2, positive = 3; unused categories do not change unweighted kappa.
        let pairs = Self.pairs([1, 3, 1, 2, 3], [1, 3, 1, 2, 1])
        #expect(abs((Agreement.cohensKappa(pairs, weighting: .unweighted).value ?? 0) - 0.6875) < 1e-12)
        #expect(abs((Agreement.cohensKappa(pairs, categories: 1...3, weighting: .unweighted).value ?? 0) - 0.6875) < 1e-12)
    }

    @Test("Kappa is 1 for identical scores that vary, and pairs off the scale are ignored")
    func kappaIdentical() {
        var generator = SplitMix64(seed: 11)
        for _ in 0..<100 {
            let scores = (0..<(2 + generator.below(60))).map { _ in 1 + generator.below(7) }
            guard Set(scores).count > 1 else { continue }
            let pairs = Self.pairs(scores, scores)
            for weighting in KappaWeighting.allCases {
                #expect(Agreement.cohensKappa(pairs, weighting: weighting) == .value(1))
                #expect(Agreement.cohensKappa(pairs + [(0, 3), (8, 8)], weighting: weighting) == .value(1))
            }
            #expect(Agreement.exactAgreement(pairs) == .value(1))
            #expect(Agreement.withinOneAgreement(pairs) == .value(1))
        }
    }

    @Test("Kappa and agreement not defined: no pairs, one category only")
    func kappaUndefined() {
        let empty: [(Int, Int)] = []
        let same = [(5, 5), (5, 5), (5, 5)]
        for weighting in KappaWeighting.allCases {
            #expect(Agreement.cohensKappa(empty, weighting: weighting).value == nil)
            #expect(Agreement.cohensKappa(same, weighting: weighting).value == nil)
            #expect(Agreement.cohensKappa([(0, 9)], weighting: weighting).value == nil)
        }
        #expect(Agreement.passFailKappa(empty).value == nil)
        #expect(Agreement.passFailKappa([(4, 5), (7, 6)]).value == nil)  // all pass
        #expect(Agreement.passFailKappa([(4, 3), (5, 2)]) == .value(0))  // the employer passes all, the assessor fails all
        #expect(Agreement.exactAgreement(empty).value == nil)
        #expect(Agreement.withinOneAgreement(empty).value == nil)
        #expect(Agreement.exactAgreement(same) == .value(1))
    }

    @Test("Exact and within-one agreement")
    func shares() {
        let pairs = [(1, 1), (2, 3), (4, 6), (7, 7), (5, 4), (9, 1)]  // (9, 1) is off the scale
        #expect(Agreement.exactAgreement(pairs) == .value(0.4))
        #expect(Agreement.withinOneAgreement(pairs) == .value(0.8))
    }

    // MARK: Confusion matrix

    @Test("Confusion matrix: counts, marginals, ignored pairs, JSON round trip")
    func confusionMatrix() throws {
        let matrix = ConfusionMatrix(pairs: [(employer: 5, assessor: 4), (5, 4), (3, 3), (7, 1), (0, 4)])
        #expect(matrix.total == 4 && matrix.ignored == 1)
        #expect(matrix.counts[4][3] == 2 && matrix.count(employer: 5, assessor: 4) == 2 && matrix.count(employer: 9, assessor: 1) == 0)
        #expect(matrix.employerTotals == [0, 0, 1, 0, 2, 0, 1])
        #expect(matrix.assessorTotals == [1, 0, 1, 2, 0, 0, 0])
        let scores = ConfusionMatrix(scores: [(try Score(5), try Score(4)), (try Score(5), try Score(4)), (try Score(3), try Score(3)), (try Score(7), try Score(1))])
        #expect(scores.counts == matrix.counts)
        let data = try JSONEncoder().encode(matrix)
        #expect(try JSONDecoder().decode(ConfusionMatrix.self, from: data) == matrix)
        let ragged = Data(#"{"lowest":1,"highest":2,"counts":[[1,2],[3]]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ConfusionMatrix.self, from: ragged) }
        #expect(Agreement.cohensKappa(matrix, weighting: .quadratic) == Agreement.cohensKappa([(5, 4), (5, 4), (3, 3), (7, 1)], weighting: .quadratic))
    }

    // MARK: Statistic

    @Test("A statistic encodes as {\"value\": x} or {\"notDefined\": reason} and decodes back")
    func statisticJSON() throws {
        let encoder = JSONEncoder()
        #expect(String(decoding: try encoder.encode(Statistic.value(0.5)), as: UTF8.self) == #"{"value":0.5}"#)
        #expect(String(decoding: try encoder.encode(Statistic.notDefined(reason: "no pairs")), as: UTF8.self)
            == #"{"notDefined":"no pairs"}"#)
        for statistic in [Statistic.value(-0.25), .notDefined(reason: "only one rater per observation")] {
            #expect(try JSONDecoder().decode(Statistic.self, from: encoder.encode(statistic)) == statistic)
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Statistic.self, from: Data("{}".utf8)) }
    }

    // MARK: Descriptive

    @Test("Quantiles match numpy's default (type 7)")
    func quantiles() {
        let cases: [(values: [Double], levels: [Double], numpy: [Double])] = [
            ([3, 1, 4, 1, 5, 9, 2, 6], [0, 0.1, 0.25, 0.5, 0.9, 1], [1, 1, 1.75, 3.5, 6.9, 9]),
            ([2.5, -1, 7.25], [0.33, 0.5, 0.95], [1.31, 2.5, 6.775]),
            ([42], [0.5, 0.99], [42, 42]),
        ]
        for (values, levels, numpy) in cases {
            for (level, reference) in zip(levels, numpy) {
                let quantile = Descriptive.quantile(values, level).value ?? .nan
                #expect(abs(quantile - reference) < 1e-12, "\(values) at \(level): \(quantile)")
            }
        }
        #expect(Descriptive.median([5, 1, 3, 2]) == .value(2.5))
        #expect(Descriptive.mean([1, 2, 6]) == .value(3))
        #expect(Descriptive.median([]).value == nil)
        #expect(Descriptive.mean([]).value == nil)
        #expect(Descriptive.quantile([1, 2], 1.5).value == nil)
        #expect(Descriptive.mean([1, .nan]).value == nil)
    }

    @Test("Student t quantiles match the tables", arguments: [
        (0.975, 1.0, 12.706204736), (0.975, 10, 2.228138852), (0.975, 30, 2.042272456), (0.975, 1000, 1.962339081),
        (0.95, 5, 2.015048373), (0.995, 2, 9.924843201), (0.025, 10, -2.228138852), (0.5, 3, 0),
    ])
    func tQuantiles(p: Double, degreesOfFreedom: Double, table: Double) throws {
        let t = try #require(Descriptive.studentTQuantile(p, degreesOfFreedom: degreesOfFreedom))
        #expect(abs(t - table) < 1e-6, "t(\(p), \(degreesOfFreedom)) = \(t)")
    }

    @Test("Mean with a t interval; one value has no interval")
    func meanInterval() throws {
        // x̄ = 5, s² = 2.5, n = 5: 5 ± 2.776445105 × √0.5.
        let interval = Descriptive.meanWithInterval([3, 4, 5, 6, 7])
        #expect(interval.mean == .value(5))
        let lower = try #require(interval.lower.value), upper = try #require(interval.upper.value)
        #expect(abs(lower - (5 - 2.776445105 * 0.5.squareRoot())) < 1e-8)
        #expect(abs(upper - (5 + 2.776445105 * 0.5.squareRoot())) < 1e-8)
        let one = Descriptive.meanWithInterval([4])
        #expect(one.mean == .value(4) && one.lower.value == nil && one.upper.value == nil)
        #expect(Descriptive.meanWithInterval([]).mean.value == nil)
        #expect(Descriptive.studentTQuantile(1, degreesOfFreedom: 3) == nil)
        #expect(Descriptive.studentTQuantile(0.9, degreesOfFreedom: 0) == nil)
    }
}
