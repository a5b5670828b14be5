import Foundation
import ReviewDomain
import Testing

/// The figures beyond κ (issue 15) on published or hand-computed examples. Reference values: irrCAC 0.4.4's
/// documented example (Gwet's "abstractors" 3 × 3 table), statsmodels 0.15 (`cohens_kappa`, `mcnemar`,
/// `SquareTable(…, shift_zeros=False).homogeneity()`), pingouin 0.6.1's documented wine example (`intraclass_corr`) and
/// scipy 1.12 for the distributions; scripts/check-stats.py repeats every comparison on hundreds of random data sets.
@Suite("Agreement beyond kappa")
struct AgreementBeyondKappaTests {
    static func matrix(_ counts: [[Int]], lowest: Int = 1) -> ConfusionMatrix {
        var matrix = ConfusionMatrix(categories: lowest...(lowest + counts.count - 1))
        for (i, row) in counts.enumerated() {
            for (j, count) in row.enumerated() { matrix.add(employer: lowest + i, assessor: lowest + j, times: count) }
        }
        return matrix
    }

    static func close(_ statistic: Statistic, _ expected: Double, _ tolerance: Double = 1e-12) -> Bool {
        guard let value = statistic.value else { return false }
        return abs(value - expected) <= tolerance
    }

    /// irrCAC's documented example (Gwet 2014, the abstractors' 3 × 3 table), printed to five decimals.
    static let abstractors = matrix([[13, 0, 0], [0, 20, 7], [0, 4, 56]])

    @Test("Gwet's AC1 and quadratic AC2 equal irrCAC's documented example")
    func gwetPublished() {
        let ac1 = Agreement.gwet(Self.abstractors, weighting: .unweighted)
        #expect(Self.close(ac1.value, 0.84933, 5e-6))
        #expect(Self.close(ac1.standardError, 0.04322, 5e-6))
        #expect(Self.close(ac1.lower, 0.76358, 5e-6))
        #expect(Self.close(ac1.upper, 0.93508, 5e-6))
        let ac2 = Agreement.gwet(Self.abstractors, weighting: .quadratic)
        #expect(Self.close(ac2.value, 0.94024, 5e-6))
        #expect(Self.close(ac2.standardError, 0.01792, 5e-6))
        #expect(Self.close(ac2.lower, 0.90468, 5e-6))
        #expect(Self.close(ac2.upper, 0.97579, 5e-6))
    }

    @Test("AC1 stays defined where kappa is not: every score the same gives 1; PABAK is 2 p_o − 1")
    func prevalence() {
        let constant = Self.matrix([[0, 0], [0, 12]], lowest: 3)  // every pair is 4/4
        #expect(Agreement.cohensKappa(constant, weighting: .unweighted).value == nil)
        #expect(Agreement.gwet(constant, weighting: .unweighted).value == .value(1))
        // Skewed: 45 pass/pass, 3 disagreements, 2 fail/fail. p_o = 47/50; κ is low, PABAK and AC1 high.
        let skewed = Self.matrix([[2, 1], [2, 45]], lowest: 3)
        let pabak = Agreement.passFailPABAK(skewed)
        #expect(Self.close(pabak, 2 * 47.0 / 50 - 1))
        let kappa = Agreement.passFailKappa(skewed).value ?? 1
        #expect(kappa < 0.6)
        #expect((Agreement.passFailAC1(skewed).value.value ?? 0) > 0.9)
        #expect(Agreement.passFailPABAK(ConfusionMatrix()).value == nil)
    }

    @Test("Kappa's large-sample variance equals statsmodels' cohens_kappa")
    func kappaVariance() {
        // Pass/fail 2 × 2 (20, 5 / 10, 15): p_o = 0.7, p_e = 0.5, κ = 0.4 by hand.
        let table = Self.matrix([[20, 5], [10, 15]])
        let estimate = Agreement.kappaEstimate(table, weighting: .unweighted)
        #expect(Self.close(estimate.kappa.value, 0.4))
        #expect(Self.close(estimate.kappa.standardError, 0.12699606293110033))
        #expect(Self.close(estimate.kappa.lower, 0.151092290476661))
        #expect(Self.close(estimate.kappa.upper, 0.6489077095233389))
        #expect(Self.close(estimate.standardErrorUnderNull, 0.13856406460551018))
        #expect(Self.close(estimate.pValue, 0.0038924171227786367))
        let quadratic = Agreement.kappaEstimate(Self.abstractors, weighting: .quadratic)
        #expect(Self.close(quadratic.kappa.value, 0.892156862745098))
        #expect(Self.close(quadratic.kappa.standardError, 0.035351507575659406))
        #expect(Self.close(quadratic.kappa.lower, 0.8228691810976106))
        #expect(Self.close(quadratic.kappa.upper, 0.9614445443925853))
    }

    @Test("The kappa bootstrap depends only on the counts and the seed, and brackets kappa")
    func kappaBootstrap() {
        let pairs = (0..<200).map { i in (1 + i % 7, 1 + (i * 3 + i / 7) % 7) }
        let first = Agreement.kappaBootstrap(ConfusionMatrix(pairs: pairs), samples: 300, seed: 42)
        let shuffled = Agreement.kappaBootstrap(ConfusionMatrix(pairs: Array(pairs.reversed())), samples: 300, seed: 42)
        #expect(first == shuffled)
        let other = Agreement.kappaBootstrap(ConfusionMatrix(pairs: pairs), samples: 300, seed: 43)
        #expect(first != other)
        let kappa = Agreement.cohensKappa(pairs, weighting: .quadratic).value ?? .nan
        #expect((first.quadratic.lower.value ?? .infinity) <= kappa)
        #expect((first.quadratic.upper.value ?? -.infinity) >= kappa)
        #expect(Agreement.kappaBootstrap(ConfusionMatrix(), samples: 10, seed: 1).unweighted.lower.value == nil)
    }

    @Test("McNemar's test: exact binomial and continuity-corrected chi-square by hand")
    func mcNemar() {
        // Pass/fail: employer pass & assessor fail b = 10, the reverse c = 2.
        let table = Self.matrix([[5, 2], [10, 7]], lowest: 3)
        let test = Agreement.mcNemar(table)
        #expect(test.employerPassAssessorFail == 10 && test.employerFailAssessorPass == 2)
        // 2 P(X ≤ 2), X ~ Bin(12, ½) = 2 (1 + 12 + 66) / 4096.
        #expect(Self.close(test.exactPValue, 158.0 / 4096, 1e-15))
        #expect(Self.close(test.chiSquare, 49.0 / 12))
        #expect(Self.close(test.chiSquarePValue, 0.04330814281079206))
        let none = Agreement.mcNemar(Self.matrix([[3, 0], [0, 4]], lowest: 3))
        #expect(none.exactPValue == .value(1))
        #expect(none.chiSquarePValue.value == nil)
    }

    @Test("Stuart–Maxwell: McNemar without correction on 2 × 2, statsmodels on 3 × 3, unused categories left out")
    func stuartMaxwell() {
        let two = Agreement.stuartMaxwell(Self.matrix([[5, 2], [10, 7]]))
        #expect(Self.close(two.statistic, 64.0 / 12))  // (b − c)² / (b + c)
        #expect(two.degreesOfFreedom == 1)
        let three = Agreement.stuartMaxwell(Self.matrix([[20, 10, 5], [3, 30, 15], [0, 5, 40]]))
        #expect(Self.close(three.statistic, 13.76470588235294, 1e-11))
        #expect(Self.close(three.pValue, 0.0010257277265580678))
        // On 1–7 with only 2, 3 and 4 confused: the other categories are left out, df = 2.
        var wide = ConfusionMatrix()
        for (e, a, times) in [(2, 3, 4), (3, 2, 1), (3, 4, 6), (4, 3, 2), (2, 4, 1), (5, 5, 9), (7, 7, 3)] {
            wide.add(employer: e, assessor: a, times: times)
        }
        let test = Agreement.stuartMaxwell(wide)
        #expect(test.degreesOfFreedom == 2)
        #expect(test.categoriesLeftOut == [1, 5, 6, 7])
        #expect(Agreement.stuartMaxwell(Self.matrix([[4, 0], [0, 3]])).pValue == .value(1))
        // Two groups never confused with each other: not defined.
        let split = Agreement.stuartMaxwell(Self.matrix([[1, 2, 0, 0], [1, 1, 0, 0], [0, 0, 1, 3], [0, 0, 1, 1]]))
        #expect(split.statistic.value == nil)
    }

    @Test("ICC for absolute agreement equals pingouin's documented wine example")
    func intraclass() {
        let wines: [[Double]] = [[1, 2, 0, 1], [1, 3, 3, 2], [3, 8, 1, 4], [6, 4, 3, 3], [6, 5, 5, 6], [7, 5, 6, 2],
                                 [8, 7, 7, 9], [9, 9, 9, 8]]
        let icc = Agreement.intraclassCorrelation(wines)
        #expect(Self.close(icc.single.value, 0.7276887871853546))
        #expect(Self.close(icc.average.value, 0.9144500359453631))
        #expect(Self.close(icc.f, 11.7866927592955, 1e-11))
        #expect(Self.close(icc.pValue, 5.025715464060357e-06, 1e-15))
        // pingouin prints the interval to two decimals: [0.43, 0.93] and [0.75, 0.98].
        #expect(Self.close(icc.single.lower, 0.43, 0.005) && Self.close(icc.single.upper, 0.93, 0.005))
        #expect(Self.close(icc.average.lower, 0.75, 0.005) && Self.close(icc.average.upper, 0.98, 0.005))
        #expect(Agreement.intraclassCorrelation([[4, 4], [4, 4]]).single.value.value == nil)
        #expect(Agreement.intraclassCorrelation([[4, 5]]).single.value.value == nil)
    }

    @Test("ICC: a residual variance or a denominator that is exactly zero is not defined, not a rounding error")
    func intraclassDegenerate() {
        // (3, 5), (4, 2), (4, 2): MS_R = 2/3, MS_C = 2/3, MS_E = 8/3, so ICC(A,1) = −2/2 = −1 and ICC(A,k) = −2/0.
        // pingouin, subtracting in floating point, gives ICC(A,k) = 9.0e15.
        let offset = Agreement.intraclassCorrelation([[3, 5], [4, 2], [4, 2]])
        #expect(offset.single.value == .value(-1))
        #expect(offset.average.value.value == nil)
        #expect(Self.close(offset.f, 0.25))
        // Perfect agreement: MS_E = 0 exactly; the coefficients are 1, F and the intervals are not defined.
        let perfect = Agreement.intraclassCorrelation([[6, 6], [6, 6], [5, 5], [5, 5], [7, 7], [7, 7], [5, 5], [7, 7], [5, 5]])
        #expect(perfect.single.value == .value(1) && perfect.average.value == .value(1))
        #expect(perfect.f.value == nil && perfect.single.lower.value == nil && perfect.average.upper.value == nil)
        // A constant difference: MS_E = 0 as well.
        let shifted = Agreement.intraclassCorrelation([[3, 4], [5, 6], [6, 7], [2, 3]])
        #expect(shifted.f.value == nil && shifted.single.lower.value == nil)
        // Non-integer scores take the floating-point path.
        let halves = Agreement.intraclassCorrelation([[1.5, 2], [3, 3.5], [4, 6], [6.5, 6]])
        #expect(Self.close(halves.single.value, 0.8592592592592593, 1e-12))  // pingouin
    }

    @Test("Student t quantiles to full precision (mpmath at 40 digits; scipy 1.12's t.ppf is off by up to 1e-8)")
    func tQuantilesExact() throws {
        for (nu, expected) in [(5.0, 2.5705818356363155), (6, 2.44691185114497), (39, 2.0226909200367613),
                               (100, 1.9839715185235522)] {
            let t = try #require(Descriptive.studentTQuantile(0.975, degreesOfFreedom: nu))
            #expect(abs(t - expected) < 5e-14, "t(0.975, \(nu)) = \(t)")
        }
    }

    @Test("Distributions equal scipy's")
    func distributions() {
        #expect(abs(Distributions.chiSquareSurvival(3.8414588206941254, degreesOfFreedom: 1) - 0.05) < 1e-15)
        #expect(abs(Distributions.chiSquareSurvival(10, degreesOfFreedom: 3) - 0.01856613546304325) < 1e-15)
        #expect(abs(Distributions.chiSquareSurvival(0.5, degreesOfFreedom: 7) - 0.9994464813904249) < 1e-15)
        #expect(abs(Distributions.chiSquareSurvival(150, degreesOfFreedom: 100) - 0.0009039320423540184) < 1e-15)
        #expect(abs((Distributions.fQuantile(0.975, 7, 21) ?? 0) - 2.968630335010685) < 1e-12)
        #expect(abs((Distributions.fQuantile(0.975, 7, 3.5) ?? 0) - 11.117249290115204) < 1e-10)
        #expect(abs((Distributions.normalQuantile(0.975) ?? 0) - 1.959963984540054) < 1e-15)
        #expect(abs((Distributions.normalQuantile(1e-10) ?? 0) + 6.361340902404056) < 1e-12)
        #expect(abs(Distributions.binomialHalfCDF(40, trials: 100) - 0.028443966820490392) < 1e-15)
    }
}
