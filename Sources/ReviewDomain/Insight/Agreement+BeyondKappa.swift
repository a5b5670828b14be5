import Foundation

// Agreement figures beyond κ (issue 15): intervals for Cohen's κ (the large-sample variance of Fleiss, Cohen and
// Everitt, as statsmodels' `cohens_kappa` gives it, and a seeded bootstrap), PABAK, Gwet's AC1 and AC2 with their
// variance (as irrCAC's `table.CAC.gwet`), McNemar's test, the Stuart–Maxwell test of marginal homogeneity (as
// statsmodels' `SquareTable.homogeneity`) and the intraclass correlation for absolute agreement, ICC(A,1) and
// ICC(A,k) with the McGraw–Wong interval (as pingouin's `intraclass_corr`). Every formula is in docs/statistics.md;
// scripts/check-stats.py compares each figure with its reference package.

/// A figure with its standard error and a two-sided confidence interval.
public struct FigureInterval: Sendable, Equatable, Codable {
    /// The figure itself.
    public var value: Statistic
    /// Its large-sample standard error.
    public var standardError: Statistic
    /// The lower and upper ends of the interval.
    public var lower: Statistic
    public var upper: Statistic
    /// The confidence level, e.g. 0.95.
    public var confidence: Double
    /// The number of pairs it rests on.
    public var count: Int

    /// Everything not defined, for the same reason.
    static func undefined(_ reason: String, confidence: Double, count: Int) -> FigureInterval {
        FigureInterval(value: .notDefined(reason: reason), standardError: .notDefined(reason: reason),
                       lower: .notDefined(reason: reason), upper: .notDefined(reason: reason), confidence: confidence,
                       count: count)
    }
}

/// Cohen's κ with its large-sample standard error, a normal interval, and the test of κ = 0.
public struct KappaEstimate: Sendable, Equatable, Codable {
    /// κ, the standard error and the interval κ ± z_{(1+c)/2} · SE.
    public var kappa: FigureInterval
    /// The standard error under the null hypothesis κ = 0.
    public var standardErrorUnderNull: Statistic
    /// z = κ / SE₀ and its two-sided p-value.
    public var z: Statistic
    public var pValue: Statistic
}

/// A percentile bootstrap interval.
public struct BootstrapInterval: Sendable, Equatable, Codable {
    public var lower: Statistic
    public var upper: Statistic
    public var confidence: Double
    public var samples: Int
    /// Resamples on which the figure was not defined (skipped).
    public var undefinedSamples: Int
    public var seed: UInt64
    /// How the resamples were drawn from the seed; absent (nil) in an interval kept before issue 21, whose resamples
    /// were drawn item by item (``ResamplingMethod/items``).
    public var resampling: ResamplingMethod?
}


/// Bootstrap intervals of every κ, from one set of resampled pairs.
public struct KappaBootstrap: Sendable, Equatable, Codable {
    public var unweighted: BootstrapInterval
    public var linear: BootstrapInterval
    public var quadratic: BootstrapInterval
    public var passFail: BootstrapInterval
}

/// McNemar's test on the pass/fail split: does one rater pass more often than the other?
public struct McNemarTest: Sendable, Equatable, Codable {
    /// Pairs the employer passed and the assessor failed, and the other way round.
    public var employerPassAssessorFail: Int
    public var employerFailAssessorPass: Int
    /// The exact test: the smaller discordant count, and the two-sided binomial p-value min(1, 2 P(X ≤ it)),
    /// X ~ Binomial(discordant, ½).
    public var exactStatistic: Int
    public var exactPValue: Statistic
    /// With continuity correction: (|b − c| − 1)² / (b + c), p-value from chi-square with one degree of freedom.
    public var chiSquare: Statistic
    public var chiSquarePValue: Statistic
}

/// The Stuart–Maxwell test that the employer's and the assessor's score distributions are the same.
public struct MarginalHomogeneityTest: Sendable, Equatable, Codable {
    public var statistic: Statistic
    /// Degrees of freedom: the categories used off the diagonal, less one.
    public var degreesOfFreedom: Int
    public var pValue: Statistic
    /// Categories left out because neither rater ever gave them where the other gave something else.
    public var categoriesLeftOut: [Int]
}

/// The intraclass correlation for absolute agreement (two-way random effects, Shrout & Fleiss ICC(2,1) and ICC(2,k),
/// McGraw & Wong ICC(A,1) and ICC(A,k)), with the F test of no between-observation variance.
public struct IntraclassCorrelation: Sendable, Equatable, Codable {
    /// Observations (targets) with both scores, and raters per observation.
    public var targets: Int
    public var raters: Int
    /// A single rater's score: ICC(A,1), with the McGraw–Wong interval.
    public var single: FigureInterval
    /// The mean of the raters' scores: ICC(A,k).
    public var average: FigureInterval
    /// F = MS_targets / MS_error on (n − 1, (n − 1)(k − 1)) degrees of freedom, and its p-value.
    public var f: Statistic
    public var pValue: Statistic
}

extension Agreement {
    // MARK: Cohen's kappa: variance and bootstrap

    /// Cohen's κ with the large-sample standard error of Fleiss, Cohen & Everitt (1969), the normal interval
    /// κ ± z · SE, the standard error under κ = 0, and z = κ / SE₀ with its two-sided p-value — statsmodels'
    /// `cohens_kappa(table, wt=…)` (`std_kappa`, `kappa_low`, `kappa_upp`, `std_kappa0`, `z_value`,
    /// `pvalue_two_sided`), for any weighting.
    ///
    /// With agreement weights w, p_ij = O_ij / n, marginals r, c, p_e = Σ w_ij r_i c_j, w̄_i· = Σ_j w_ij c_j,
    /// w̄_·j = Σ_i r_i w_ij:
    /// Var κ = [Σ p_ij (w_ij − (w̄_i· + w̄_·j)(1 − κ))² − (κ − p_e(1 − κ))²] / (n (1 − p_e)²), and
    /// Var₀ κ = [Σ r_i c_j (w_ij − (w̄_i· + w̄_·j))² − p_e²] / (n (1 − p_e)²).
    public static func kappaEstimate(
        _ matrix: ConfusionMatrix, weighting: KappaWeighting, confidence: Double = 0.95
    ) -> KappaEstimate {
        let n = matrix.total
        let kappa = cohensKappa(matrix, weighting: weighting)
        guard let k = kappa.value else {
            let reason = kappa.reason ?? "kappa is not defined"
            return KappaEstimate(kappa: .undefined(reason, confidence: confidence, count: n),
                                 standardErrorUnderNull: .notDefined(reason: reason), z: .notDefined(reason: reason),
                                 pValue: .notDefined(reason: reason))
        }
        let size = matrix.categories.count
        let total = Double(n)
        let rows = matrix.employerTotals.map { Double($0) / total }
        let columns = matrix.assessorTotals.map { Double($0) / total }
        let maximum = Double(weighting.disagreement(size - 1 == 0 ? 0 : size - 1))
        func weight(_ i: Int, _ j: Int) -> Double {
            maximum == 0 ? (i == j ? 1 : 0) : 1 - Double(weighting.disagreement(i - j)) / maximum
        }
        var rowWeight = [Double](repeating: 0, count: size), columnWeight = [Double](repeating: 0, count: size)
        var expected = 0.0
        for i in 0..<size {
            for j in 0..<size {
                let w = weight(i, j)
                rowWeight[i] += w * columns[j]
                columnWeight[j] += rows[i] * w
                expected += w * rows[i] * columns[j]
            }
        }
        var termA = 0.0, termNull = 0.0
        for i in 0..<size {
            for j in 0..<size {
                let w = weight(i, j)
                let p = Double(matrix.counts[i][j]) / total
                let deviation = w - (rowWeight[i] + columnWeight[j]) * (1 - k)
                termA += p * deviation * deviation
                let nullDeviation = w - (rowWeight[i] + columnWeight[j])
                termNull += rows[i] * columns[j] * nullDeviation * nullDeviation
            }
        }
        let scale = total * (1 - expected) * (1 - expected)
        let variance = (termA - (k - expected * (1 - k)) * (k - expected * (1 - k))) / scale
        let varianceNull = (termNull - expected * expected) / scale
        var estimate = KappaEstimate(
            kappa: FigureInterval(value: kappa, standardError: .notDefined(reason: ""), lower: .notDefined(reason: ""),
                                  upper: .notDefined(reason: ""), confidence: confidence, count: n),
            standardErrorUnderNull: .notDefined(reason: ""), z: .notDefined(reason: ""), pValue: .notDefined(reason: ""))
        let flat = "the scores vary too little for a standard error"
        if variance > 0, let z = normalQuantile(confidence) {
            let se = variance.squareRoot()
            estimate.kappa.standardError = .value(se)
            estimate.kappa.lower = .finite(k - z * se, otherwise: flat)
            estimate.kappa.upper = .finite(k + z * se, otherwise: flat)
        } else {
            estimate.kappa.standardError = variance == 0 ? .value(0) : .notDefined(reason: flat)
            estimate.kappa.lower = .notDefined(reason: flat)
            estimate.kappa.upper = .notDefined(reason: flat)
        }
        if varianceNull > 0 {
            let se0 = varianceNull.squareRoot()
            estimate.standardErrorUnderNull = .value(se0)
            estimate.z = .finite(k / se0, otherwise: flat)
            estimate.pValue = .finite(2 * Distributions.normalCDF(-abs(k / se0)), otherwise: flat)
        } else {
            for keyPath in [\KappaEstimate.standardErrorUnderNull, \.z, \.pValue] { estimate[keyPath: keyPath] = .notDefined(reason: flat) }
        }
        return estimate
    }

    /// The two-sided normal quantile for `confidence`: z_{(1 + confidence)/2}.
    static func normalQuantile(_ confidence: Double) -> Double? {
        guard confidence > 0, confidence < 1 else { return nil }
        return Distributions.normalQuantile((1 + confidence) / 2)
    }

    /// Percentile bootstrap intervals of κ (unweighted, linear, quadratic) and of pass/fail κ.
    ///
    /// Each of `samples` resamples draws n pairs with replacement from the matrix's n pairs — so the interval depends
    /// only on the counts, never on the order of the data or on ids — with one ``SplitMix64`` generator seeded with
    /// `seed`; every κ is recomputed on the resampled matrix, and resamples where it is not defined are skipped and
    /// counted. The ends are the type-7 quantiles at (1 ∓ confidence)/2. With `.counts` (the default since issue 21)
    /// a resample is one multinomial draw of the cells' counts (``Resampling/multinomial(trials:counts:into:using:)``,
    /// cells row by row); with `.items`, n pairs drawn one by one from the pairs taken in the order of their cells
    /// (the method before it). Both give resamples with the same distribution, from different random streams.
    public static func kappaBootstrap(
        _ matrix: ConfusionMatrix, samples: Int = 1000, seed: UInt64, confidence: Double = 0.95,
        resampling: ResamplingMethod = .counts
    ) -> KappaBootstrap {
        let n = matrix.total, size = matrix.categories.count
        func empty(_ reason: String) -> BootstrapInterval {
            BootstrapInterval(lower: .notDefined(reason: reason), upper: .notDefined(reason: reason), confidence: confidence,
                              samples: max(samples, 0), undefinedSamples: 0, seed: seed, resampling: resampling)
        }
        func allEmpty(_ reason: String) -> KappaBootstrap {
            KappaBootstrap(unweighted: empty(reason), linear: empty(reason), quadratic: empty(reason), passFail: empty(reason))
        }
        guard confidence > 0, confidence < 1 else { return allEmpty("the confidence level must be between 0 and 1") }
        guard samples > 0 else { return allEmpty("no resamples were asked for") }
        guard n > 0 else { return allEmpty("there are no pairs of scores") }
        let cellCounts = matrix.counts.flatMap { $0 }
        var cellOf = [Int32]()
        if resampling == .items {
            cellOf.reserveCapacity(n)
            for (cell, count) in cellCounts.enumerated() where count > 0 {
                cellOf.append(contentsOf: repeatElement(Int32(cell), count: count))
            }
        }
        let pass = Score.passMark - matrix.categories.lowerBound
        var values: [[Double]] = Array(repeating: [], count: 4)
        var undefined = [Int](repeating: 0, count: 4)
        var generator = SplitMix64(seed: seed)
        var counts = [Int](repeating: 0, count: size * size)
        var resampled = ConfusionMatrix(categories: matrix.categories)
        for _ in 0..<samples {
            counts.withUnsafeMutableBufferPointer { tally in
                switch resampling {
                case .counts:
                    cellCounts.withUnsafeBufferPointer { cells in
                        Resampling.multinomial(trials: n, counts: cells, into: tally, using: &generator)
                    }
                case .items:
                    for index in tally.indices { tally[index] = 0 }
                    cellOf.withUnsafeBufferPointer { cells in
                        for _ in 0..<n {
                            let draw = Int(generator.next().multipliedFullWidth(by: UInt64(n)).high)
                            tally[Int(cells[draw])] += 1
                        }
                    }
                }
            }
            resampled.setCounts(counts)
            let figures = [cohensKappa(resampled, weighting: .unweighted), cohensKappa(resampled, weighting: .linear),
                           cohensKappa(resampled, weighting: .quadratic), passFailKappa(resampled, passIndex: pass)]
            for (index, figure) in figures.enumerated() {
                if let value = figure.value { values[index].append(value) } else { undefined[index] += 1 }
            }
        }
        let tail = (1 - confidence) / 2
        func interval(_ index: Int, defined: Bool, reason: String) -> BootstrapInterval {
            var result = empty(reason)
            result.undefinedSamples = undefined[index]
            guard defined else { return result }
            guard !values[index].isEmpty else {
                result.lower = .notDefined(reason: "kappa was not defined on any resample")
                result.upper = result.lower
                return result
            }
            let sorted = values[index].sorted()
            result.lower = .value(Descriptive.sortedQuantile(sorted, tail))
            result.upper = .value(Descriptive.sortedQuantile(sorted, 1 - tail))
            return result
        }
        let originals = [cohensKappa(matrix, weighting: .unweighted), cohensKappa(matrix, weighting: .linear),
                         cohensKappa(matrix, weighting: .quadratic), passFailKappa(matrix)]
        let intervals = originals.enumerated().map { index, figure in
            interval(index, defined: figure.value != nil, reason: figure.reason ?? "")
        }
        return KappaBootstrap(unweighted: intervals[0], linear: intervals[1], quadratic: intervals[2], passFail: intervals[3])
    }

    /// Pass/fail κ with the first passing row given, without building a second matrix per call.
    private static func passFailKappa(_ matrix: ConfusionMatrix, passIndex pass: Int) -> Statistic {
        var a = 0, b = 0, c = 0, d = 0  // fail/fail, fail/pass, pass/fail, pass/pass
        for (i, row) in matrix.counts.enumerated() {
            for (j, count) in row.enumerated() {
                switch (i >= pass, j >= pass) {
                case (false, false): a += count
                case (false, true): b += count
                case (true, false): c += count
                case (true, true): d += count
                }
            }
        }
        let n = a + b + c + d
        let expected = Double(a + b) * Double(b + d) + Double(c + d) * Double(a + c)
        guard n > 0, expected > 0 else { return .notDefined(reason: "every score from both raters is on the same side of the pass mark") }
        return .finite(1 - Double(n) * Double(b + c) / expected, otherwise: "kappa overflowed")
    }

    // MARK: PABAK and Gwet's AC1 / AC2

    /// The prevalence- and bias-adjusted κ on the pass/fail split (Byrt, Bishop & Carlin 1993): 2 p_o − 1, where
    /// p_o is the share of pairs on the same side of the pass mark. It is Brennan & Prediger's coefficient with two
    /// categories (irrCAC's `bp()`). Not defined with no pairs.
    public static func passFailPABAK(_ matrix: ConfusionMatrix) -> Statistic {
        brennanPrediger(matrix.passFail)
    }

    /// Brennan & Prediger's coefficient on the matrix's q categories, (p_o − 1/q) / (1 − 1/q): PABAK for q
    /// categories (irrCAC's `table.CAC(…).bp()`, unweighted). Not defined with no pairs or one category.
    public static func brennanPrediger(_ matrix: ConfusionMatrix) -> Statistic {
        let n = matrix.total, q = Double(matrix.categories.count)
        guard n > 0 else { return .notDefined(reason: "there are no pairs of scores") }
        guard q > 1 else { return .notDefined(reason: "there is only one category") }
        let agreeing = (0..<matrix.categories.count).reduce(0) { $0 + matrix.counts[$1][$1] }
        let observed = Double(agreeing) / Double(n)
        return .finite((observed - 1 / q) / (1 - 1 / q), otherwise: "the coefficient overflowed")
    }

    /// Gwet's AC1 (unweighted) or AC2 (linear or quadratic weights) for two raters on the matrix's q categories
    /// (Gwet 2014, ch. 2 and 5; irrCAC's `table.CAC(table, weights=…).gwet()`), with its standard error and the t
    /// interval on n − 1 degrees of freedom, the upper end capped at 1 as irrCAC does.
    ///
    /// p_a = Σ w_kl p_kl, π_k = (p_k· + p_·k)/2, p_e = T_w Σ π_k (1 − π_k) / (q (q − 1)) with T_w = Σ w_kl,
    /// AC = (p_a − p_e)/(1 − p_e); Var = [Σ p_kl (w_kl − 2(1 − AC) T_w (1 − (π_k + π_l)/2)/(q(q − 1)))²
    /// − (p_a − 2(1 − AC) p_e)²] / (n (1 − p_e)²). Unlike κ it stays defined (and 1) when every score is the same.
    public static func gwet(_ matrix: ConfusionMatrix, weighting: KappaWeighting, confidence: Double = 0.95) -> FigureInterval {
        let n = matrix.total, size = matrix.categories.count, q = Double(size)
        guard n > 0 else { return .undefined("there are no pairs of scores", confidence: confidence, count: n) }
        guard size > 1 else { return .undefined("there is only one category", confidence: confidence, count: n) }
        let total = Double(n)
        let maximum = Double(weighting.disagreement(size - 1))
        func weight(_ i: Int, _ j: Int) -> Double { 1 - Double(weighting.disagreement(i - j)) / maximum }
        let rows = matrix.employerTotals, columns = matrix.assessorTotals
        let pi = (0..<size).map { Double(rows[$0] + columns[$0]) / (2 * total) }
        var weightSum = 0.0, observed = 0.0
        for i in 0..<size {
            for j in 0..<size {
                weightSum += weight(i, j)
                observed += weight(i, j) * Double(matrix.counts[i][j]) / total
            }
        }
        let spread = pi.reduce(0) { $0 + $1 * (1 - $1) }
        let expected = weightSum * spread / (q * (q - 1))
        let ac = (observed - expected) / (1 - expected)
        var result = FigureInterval.undefined("", confidence: confidence, count: n)
        result.value = .finite(ac, otherwise: "chance agreement is total")
        guard ac.isFinite else { return .undefined("chance agreement is total", confidence: confidence, count: n) }
        var sum = 0.0
        for i in 0..<size {
            for j in 0..<size where matrix.counts[i][j] > 0 {
                let term = weight(i, j) - 2 * (1 - ac) * weightSum * (1 - (pi[i] + pi[j]) / 2) / (q * (q - 1))
                sum += Double(matrix.counts[i][j]) / total * term * term
            }
        }
        let centre = observed - 2 * (1 - ac) * expected
        let variance = (sum - centre * centre) / (total * (1 - expected) * (1 - expected))
        let flat = "the scores vary too little for a standard error"
        guard variance > 0 else {
            result.standardError = variance == 0 ? .value(0) : .notDefined(reason: flat)
            result.lower = .notDefined(reason: flat)
            result.upper = .notDefined(reason: flat)
            return result
        }
        let se = variance.squareRoot()
        result.standardError = .value(se)
        guard n >= 2, confidence > 0, confidence < 1,
              let t = Descriptive.studentTQuantile((1 + confidence) / 2, degreesOfFreedom: total - 1)
        else {
            result.lower = .notDefined(reason: "an interval needs at least two pairs")
            result.upper = result.lower
            return result
        }
        result.lower = .finite(ac - t * se, otherwise: flat)
        result.upper = .finite(min(1, ac + t * se), otherwise: flat)
        return result
    }

    /// Gwet's AC1 on the pass/fail split (two categories): see ``gwet(_:weighting:confidence:)``.
    public static func passFailAC1(_ matrix: ConfusionMatrix, confidence: Double = 0.95) -> FigureInterval {
        gwet(matrix.passFail, weighting: .unweighted, confidence: confidence)
    }

    // MARK: Tests of marginal difference

    /// McNemar's test on the pass/fail split (statsmodels' `mcnemar(table, exact=True)` and
    /// `mcnemar(table, exact=False, correction=True)`): b = employer pass and assessor fail, c = the reverse.
    /// Exact: min(b, c) with p = min(1, 2 P(X ≤ min(b, c))), X ~ Binomial(b + c, ½) (p = 1 with no discordant pairs).
    /// Chi-square: (|b − c| − 1)² / (b + c), p from χ²₁; not defined with no discordant pairs.
    public static func mcNemar(_ matrix: ConfusionMatrix) -> McNemarTest {
        let split = matrix.passFail
        let b = split.counts[1][0], c = split.counts[0][1], discordant = b + c
        let smaller = min(b, c)
        let exact = min(1, 2 * Distributions.binomialHalfCDF(smaller, trials: discordant))
        var test = McNemarTest(employerPassAssessorFail: b, employerFailAssessorPass: c, exactStatistic: smaller,
                               exactPValue: .value(exact),
                               chiSquare: .notDefined(reason: "no pair is passed by one rater and failed by the other"),
                               chiSquarePValue: .notDefined(reason: "no pair is passed by one rater and failed by the other"))
        if discordant > 0 {
            let excess = Double(abs(b - c)) - 1
            let statistic = excess * excess / Double(discordant)
            test.chiSquare = .value(statistic)
            test.chiSquarePValue = .value(Distributions.chiSquareSurvival(statistic, degreesOfFreedom: 1))
        }
        return test
    }

    /// The Stuart–Maxwell test of marginal homogeneity on a k × k matrix (statsmodels'
    /// `SquareTable(table, shift_zeros=False).homogeneity()`): with d_i = c_i − r_i and V_ii = r_i + c_i − 2 p_ii,
    /// V_ij = −(p_ij + p_ji) over the first k − 1 categories (proportions), X² = n dᵀ V⁻¹ d on k − 1 degrees of freedom.
    ///
    /// Categories never given off the diagonal carry no information about a difference and make V singular, so they
    /// are left out first (statsmodels would fail on them) and listed; with one category or none left, X² = 0 and
    /// p = 1. Not defined when the categories left split into groups that are never confused with one another (V is
    /// still singular).
    public static func stuartMaxwell(_ matrix: ConfusionMatrix) -> MarginalHomogeneityTest {
        let size = matrix.categories.count
        let kept = (0..<size).filter { i in (0..<size).contains { j in j != i && (matrix.counts[i][j] > 0 || matrix.counts[j][i] > 0) } }
        let leftOut = (0..<size).filter { !kept.contains($0) }.map { $0 + matrix.categories.lowerBound }
        let n = matrix.total
        guard kept.count >= 2 else {
            return MarginalHomogeneityTest(statistic: .value(0), degreesOfFreedom: 0, pValue: .value(1), categoriesLeftOut: leftOut)
        }
        // Connected through off-diagonal pairs? (Otherwise V is singular.)
        var component = [Int](repeating: -1, count: size)
        var stack = [kept[0]]
        component[kept[0]] = 0
        while let i = stack.popLast() {
            for j in kept where component[j] < 0 && (matrix.counts[i][j] > 0 || matrix.counts[j][i] > 0) {
                component[j] = 0
                stack.append(j)
            }
        }
        guard kept.allSatisfy({ component[$0] == 0 }) else {
            let reason = "some scores are never confused with others, so the test cannot be formed"
            return MarginalHomogeneityTest(statistic: .notDefined(reason: reason), degreesOfFreedom: kept.count - 1,
                                           pValue: .notDefined(reason: reason), categoriesLeftOut: leftOut)
        }
        let m = kept.count - 1
        let total = Double(n)
        var v = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var d = [Double](repeating: 0, count: m)
        let rows = matrix.employerTotals, columns = matrix.assessorTotals
        for (a, i) in kept.prefix(m).enumerated() {
            d[a] = Double(columns[i] - rows[i]) / total
            for (b, j) in kept.prefix(m).enumerated() {
                v[a][b] = a == b
                    ? Double(rows[i] + columns[i] - 2 * matrix.counts[i][i]) / total
                    : -Double(matrix.counts[i][j] + matrix.counts[j][i]) / total
            }
        }
        guard let solution = solve(v, d) else {
            let reason = "the covariance matrix could not be inverted"
            return MarginalHomogeneityTest(statistic: .notDefined(reason: reason), degreesOfFreedom: m,
                                           pValue: .notDefined(reason: reason), categoriesLeftOut: leftOut)
        }
        let statistic = total * zip(d, solution).reduce(0) { $0 + $1.0 * $1.1 }
        return MarginalHomogeneityTest(
            statistic: .finite(statistic, otherwise: "the statistic overflowed"), degreesOfFreedom: m,
            pValue: .finite(Distributions.chiSquareSurvival(statistic, degreesOfFreedom: Double(m)), otherwise: "the statistic overflowed"),
            categoriesLeftOut: leftOut)
    }

    /// Solves A x = b by Gaussian elimination with partial pivoting; `nil` when A is singular.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        var a = a, b = b
        let m = b.count
        for column in 0..<m {
            guard let pivot = (column..<m).max(by: { abs(a[$0][column]) < abs(a[$1][column]) }), a[pivot][column] != 0 else {
                return nil
            }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<max(m, column + 1) {
                let factor = a[row][column] / a[column][column]
                guard factor != 0 else { continue }
                for k in column..<m { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: m)
        for row in stride(from: m - 1, through: 0, by: -1) {
            var sum = b[row]
            for k in (row + 1)..<max(m, row + 1) { sum -= a[row][k] * x[k] }
            x[row] = sum / a[row][row]
        }
        return x
    }

    // MARK: Intraclass correlation

    /// The intraclass correlation for absolute agreement on targets rated by the same k raters (two-way random
    /// effects; pingouin's `intraclass_corr` rows `ICC(A,1)` and `ICC(A,k)`), from the two-way ANOVA without
    /// interaction: MS_R (targets, n − 1 df), MS_C (raters, k − 1 df), MS_E (residual, (n − 1)(k − 1) df):
    /// ICC(A,1) = (MS_R − MS_E) / (MS_R + (k − 1) MS_E + k (MS_C − MS_E)/n), ICC(A,k) = (MS_R − MS_E) / (MS_R +
    /// (MS_C − MS_E)/n); the interval is McGraw & Wong's (1996, case 2A) with Satterthwaite's degrees of freedom v and
    /// F quantiles, ICC(A,k)'s from ICC(A,1)'s by the Spearman–Brown step; F = MS_R / MS_E.
    ///
    /// `targets` are the rows (each exactly `raters` ratings; rows of another length are ignored). Not defined with
    /// fewer than two targets, fewer than two raters, or no variance at all.
    public static func intraclassCorrelation(_ targets: [[Double]], confidence: Double = 0.95) -> IntraclassCorrelation {
        let k = targets.first?.count ?? 0
        let rows = targets.filter { $0.count == k && $0.allSatisfy(\.isFinite) }
        let n = rows.count
        func undefined(_ reason: String) -> IntraclassCorrelation {
            IntraclassCorrelation(targets: n, raters: k, single: .undefined(reason, confidence: confidence, count: n),
                                  average: .undefined(reason, confidence: confidence, count: n),
                                  f: .notDefined(reason: reason), pValue: .notDefined(reason: reason))
        }
        guard n >= 2 else { return undefined("an intraclass correlation needs at least two observations with both scores") }
        guard k >= 2 else { return undefined("an intraclass correlation needs at least two raters") }
        let nd = Double(n), kd = Double(k)
        // The mean squares up to one common positive factor (every figure below is a ratio of them), exact for
        // integer scores, so that a residual variance or a denominator that is zero is exactly zero.
        let squares = scaledMeanSquares(rows, raters: k)
        let msR = squares.rows, msC = squares.columns, msE = squares.error
        guard squares.singleDenominator > 0 else {
            return undefined("every observation has the same mean score and the raters' means are equal, so there is no variance to share")
        }
        let single = squares.numerator / squares.singleDenominator
        let averageValue: Statistic = squares.averageDenominator == 0
            ? .notDefined(reason: "the raters' systematic difference exactly offsets the variance between observations")
            : .finite(squares.numerator / squares.averageDenominator, otherwise: "no variance")
        let notStandardError = "the interval comes from the F distribution, not a standard error"
        var result = IntraclassCorrelation(
            targets: n, raters: k,
            single: FigureInterval(value: .finite(single, otherwise: "no variance"), standardError: .notDefined(reason: notStandardError),
                                   lower: .notDefined(reason: ""), upper: .notDefined(reason: ""), confidence: confidence, count: n),
            average: FigureInterval(value: averageValue, standardError: .notDefined(reason: notStandardError),
                                    lower: .notDefined(reason: ""), upper: .notDefined(reason: ""), confidence: confidence, count: n),
            f: .notDefined(reason: ""), pValue: .notDefined(reason: ""))
        let noError = "the two raters differ by the same amount on every observation, so there is no error variance"
        if msE > 0 {
            let f = msR / msE
            result.f = .finite(f, otherwise: noError)
            result.pValue = .finite(Distributions.fSurvival(f, nd - 1, (nd - 1) * (kd - 1)), otherwise: noError)
        } else {
            result.f = .notDefined(reason: noError)
            result.pValue = .notDefined(reason: noError)
        }
        let alpha = 1 - confidence
        let fj = msC / msE
        let vn = (nd - 1) * (kd - 1) * pow(kd * single * fj + nd * (1 + (kd - 1) * single) - kd * single, 2)
        let vd = (nd - 1) * kd * kd * single * single * fj * fj + pow(nd * (1 + (kd - 1) * single) - kd * single, 2)
        let v = vn / vd
        guard msE > 0, v.isFinite, v > 0, confidence > 0, confidence < 1,
              let fUpper = Distributions.fQuantile(1 - alpha / 2, nd - 1, v),
              let fLower = Distributions.fQuantile(1 - alpha / 2, v, nd - 1)
        else {
            for keyPath in [\IntraclassCorrelation.single.lower, \.single.upper, \.average.lower, \.average.upper] {
                result[keyPath: keyPath] = .notDefined(reason: msE > 0 ? "the interval's degrees of freedom are not defined" : noError)
            }
            return result
        }
        let lower = nd * (msR - fUpper * msE) / (fUpper * (kd * msC + (kd * nd - kd - nd) * msE) + nd * msR)
        let upper = nd * (fLower * msR - msE) / (kd * msC + (kd * nd - kd - nd) * msE + nd * fLower * msR)
        result.single.lower = .finite(lower, otherwise: "the interval overflowed")
        result.single.upper = .finite(upper, otherwise: "the interval overflowed")
        result.average.lower = .finite(lower * kd / (1 + lower * (kd - 1)), otherwise: "the interval overflowed")
        result.average.upper = .finite(upper * kd / (1 + upper * (kd - 1)), otherwise: "the interval overflowed")
        return result
    }
    /// The two-way ANOVA's mean squares MS_R, MS_C and MS_E, all multiplied by one positive factor, with the numerator
    /// and the denominators of ICC(A,1) and ICC(A,k) multiplied by the same factor (and by n).
    struct ScaledMeanSquares {
        var rows: Double, columns: Double, error: Double
        /// n (MS_R − MS_E), n (MS_R + (k − 1) MS_E) + k (MS_C − MS_E) and n MS_R + MS_C − MS_E.
        var numerator: Double, singleDenominator: Double, averageDenominator: Double
    }

    /// The mean squares of `rows` (n targets × k raters, n, k ≥ 2) up to a common factor.
    ///
    /// Integer scores (always the case for the 1–7 scale) are summed exactly in integers: with T = Σx, S = Σx², row
    /// sums R_i and column sums C_j, nk·SS_R = nΣR_i² − T², nk·SS_C = kΣC_j² − T² and nk·SS_E = nk·S − T² − nk·SS_R −
    /// nk·SS_C; multiplied by nk(n − 1)(k − 1) the mean squares are nk·SS_R·(k − 1), nk·SS_C·(n − 1) and nk·SS_E. A
    /// residual variance or a denominator that is zero is then exactly zero — in floating point it is a rounding error
    /// of either sign, and the ICC divides by it (pingouin, which subtracts in floating point, gives ICC(A,k) = 9·10¹⁵
    /// for the pairs (3, 5), (4, 2), (4, 2), whose exact value is −2/0). Other scores, or sums beyond 64 bits, are
    /// summed about the means in floating point.
    static func scaledMeanSquares(_ rows: [[Double]], raters k: Int) -> ScaledMeanSquares {
        let n = rows.count
        if let exact = exactMeanSquares(rows, raters: k) { return exact }
        let nd = Double(n), kd = Double(k)
        let grand = rows.reduce(0) { $0 + $1.reduce(0, +) } / (nd * kd)
        var ssRows = 0.0, ssTotal = 0.0
        var columnSums = [Double](repeating: 0, count: k)
        for row in rows {
            let mean = row.reduce(0, +) / kd
            ssRows += kd * (mean - grand) * (mean - grand)
            for (j, x) in row.enumerated() {
                columnSums[j] += x
                ssTotal += (x - grand) * (x - grand)
            }
        }
        let ssColumns = columnSums.reduce(0) { $0 + nd * ($1 / nd - grand) * ($1 / nd - grand) }
        let ssError = max(0, ssTotal - ssRows - ssColumns)
        let msR = ssRows / (nd - 1), msC = ssColumns / (kd - 1), msE = ssError / ((nd - 1) * (kd - 1))
        return ScaledMeanSquares(rows: msR, columns: msC, error: msE, numerator: nd * (msR - msE),
                                 singleDenominator: nd * (msR + (kd - 1) * msE) + kd * (msC - msE),
                                 averageDenominator: nd * msR + msC - msE)
    }

    /// ``scaledMeanSquares(_:raters:)`` in 64-bit integers; `nil` unless every score is an integer of magnitude below
    /// 2³¹ and no sum overflows.
    private static func exactMeanSquares(_ rows: [[Double]], raters k: Int) -> ScaledMeanSquares? {
        struct Overflow: Error {}
        func times(_ a: Int, _ b: Int) throws -> Int {
            let (r, overflow) = a.multipliedReportingOverflow(by: b)
            if overflow { throw Overflow() }
            return r
        }
        func plus(_ a: Int, _ b: Int) throws -> Int {
            let (r, overflow) = a.addingReportingOverflow(b)
            if overflow { throw Overflow() }
            return r
        }
        func minus(_ a: Int, _ b: Int) throws -> Int {
            let (r, overflow) = a.subtractingReportingOverflow(b)
            if overflow { throw Overflow() }
            return r
        }
        let n = rows.count
        do {
            var total = 0, squares = 0, rowSquares = 0
            var columnSums = [Int](repeating: 0, count: k)
            for row in rows {
                var rowSum = 0
                for (j, x) in row.enumerated() {
                    guard x.rounded() == x, abs(x) < 2_147_483_648 else { return nil }
                    let value = Int(x)
                    rowSum = try plus(rowSum, value)
                    columnSums[j] = try plus(columnSums[j], value)
                    squares = try plus(squares, try times(value, value))
                }
                total = try plus(total, rowSum)
                rowSquares = try plus(rowSquares, try times(rowSum, rowSum))
            }
            let columnSquares = try columnSums.reduce(0) { try plus($0, try times($1, $1)) }
            let correction = try times(total, total)
            let ssRows = try minus(try times(n, rowSquares), correction)          // nk·SS_R
            let ssColumns = try minus(try times(k, columnSquares), correction)    // nk·SS_C
            let ssTotal = try minus(try times(try times(n, k), squares), correction)
            let ssError = try minus(try minus(ssTotal, ssRows), ssColumns)
            let msR = try times(ssRows, k - 1), msC = try times(ssColumns, n - 1), msE = ssError
            let numerator = try times(n, try minus(msR, msE))
            let single = try plus(try times(n, try plus(msR, try times(k - 1, msE))), try times(k, try minus(msC, msE)))
            let average = try minus(try plus(try times(n, msR), msC), msE)
            return ScaledMeanSquares(rows: Double(msR), columns: Double(msC), error: Double(msE),
                                     numerator: Double(numerator), singleDenominator: Double(single),
                                     averageDenominator: Double(average))
        } catch {
            return nil
        }
    }
}

extension ConfusionMatrix {
    /// The 2 × 2 matrix on fail (row/column 0: scores below the pass mark) and pass (1).
    public var passFail: ConfusionMatrix {
        var split = ConfusionMatrix(categories: 0...1)
        let pass = Score.passMark - categories.lowerBound
        for (i, row) in counts.enumerated() {
            for (j, count) in row.enumerated() where count > 0 {
                split.add(employer: i >= pass ? 1 : 0, assessor: j >= pass ? 1 : 0, times: count)
            }
        }
        return split
    }

    /// Replaces the counts with `flat` (row-major, categories² entries); `ignored` is kept.
    mutating func setCounts(_ flat: [Int]) {
        let size = categories.count
        for i in 0..<size {
            for j in 0..<size { counts[i][j] = flat[i * size + j] }
        }
    }
}
