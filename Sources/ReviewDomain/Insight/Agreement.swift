import Foundation

// The statistics of agreement between raters (issue 7): Cohen's kappa (unweighted, linear, quadratic and on the
// pass/fail split), exact and within-one agreement, the employer × assessor confusion matrix, Krippendorff's alpha
// (nominal, ordinal, interval) with a seeded bootstrap interval, and the descriptive figures reports need (type-7
// quantiles, a t interval for a mean). Pure and deterministic; every formula is in docs/statistics.md, and
// scripts/check-stats.py checks the figures against scikit-learn and the `krippendorff` package.

// MARK: - Statistic

/// The value of a statistic, or the plain-English reason it has none.
///
/// Nothing here returns NaN or infinity: a figure that would be 0/0 (no pairs, a single category, no unit rated
/// twice, …) is ``notDefined(reason:)``. Encodes as `{"value": 0.42}` or `{"notDefined": "no pairs of scores"}`.
public enum Statistic: Sendable, Equatable, Codable, CustomStringConvertible {
    /// A finite value.
    case value(Double)
    /// No value, and why.
    case notDefined(reason: String)

    /// The value, or `nil` when not defined.
    public var value: Double? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// Why there is no value, or `nil` when there is one.
    public var reason: String? {
        if case .notDefined(let reason) = self { return reason }
        return nil
    }

    /// `.value(value)` when `value` is finite, otherwise `.notDefined(reason: reason)`: the last guard against NaN.
    static func finite(_ value: Double, otherwise reason: @autoclosure () -> String) -> Statistic {
        value.isFinite ? .value(value) : .notDefined(reason: reason())
    }

    private enum CodingKeys: String, CodingKey {
        case value, notDefined
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let value = try container.decodeIfPresent(Double.self, forKey: .value) {
            self = .value(value)
        } else if let reason = try container.decodeIfPresent(String.self, forKey: .notDefined) {
            self = .notDefined(reason: reason)
        } else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: #"A statistic is {"value": number} or {"notDefined": "reason"}."#))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .value(let value): try container.encode(value, forKey: .value)
        case .notDefined(let reason): try container.encode(reason, forKey: .notDefined)
        }
    }

    public var description: String {
        switch self {
        case .value(let value): String(value)
        case .notDefined(let reason): "not defined (\(reason))"
        }
    }
}

// MARK: - Confusion matrix

/// Counts of paired scores: `counts[employer − lowest][assessor − lowest]`, by default over the 1–7 scale, so
/// `counts[e − 1][a − 1]` is the number of observations the employer scored `e` and the assessor `a`.
///
/// Pairs with a score outside ``categories`` are not counted but tallied in ``ignored`` (as scikit-learn's
/// `confusion_matrix(labels=…)` drops them).
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// The categories, in order: row and column `i` is category `categories.lowerBound + i`.
    public let categories: ClosedRange<Int>
    /// `counts[row][column]`: rows are the employer's scores, columns the assessor's.
    public internal(set) var counts: [[Int]]
    /// Pairs not counted because a score was outside ``categories``.
    public private(set) var ignored: Int

    /// An empty matrix over `categories`.
    public init(categories: ClosedRange<Int> = Score.range) {
        self.categories = categories
        counts = Array(repeating: Array(repeating: 0, count: categories.count), count: categories.count)
        ignored = 0
    }

    /// The matrix of `pairs` (employer's score, assessor's score).
    public init(pairs: [(employer: Int, assessor: Int)], categories: ClosedRange<Int> = Score.range) {
        self.init(categories: categories)
        for pair in pairs { add(employer: pair.employer, assessor: pair.assessor) }
    }

    /// The matrix of validated scores on the 1–7 scale.
    public init(scores: [(employer: Score, assessor: Score)]) {
        self.init(categories: Score.range)
        for pair in scores { add(employer: pair.employer.value, assessor: pair.assessor.value) }
    }

    /// Counts a pair `times` times (0 or more); returns `false` (and counts it in ``ignored``) when a score is
    /// outside ``categories``.
    @discardableResult
    public mutating func add(employer: Int, assessor: Int, times: Int = 1) -> Bool {
        precondition(times >= 0, "a pair is counted a negative number of times")
        guard categories.contains(employer), categories.contains(assessor) else {
            ignored += times
            return false
        }
        counts[employer - categories.lowerBound][assessor - categories.lowerBound] += times
        return true
    }

    /// How many pairs scored `employer` by the employer and `assessor` by the assessor (0 outside the categories).
    public func count(employer: Int, assessor: Int) -> Int {
        guard categories.contains(employer), categories.contains(assessor) else { return 0 }
        return counts[employer - categories.lowerBound][assessor - categories.lowerBound]
    }

    /// The number of pairs counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Row marginals: how often the employer gave each category.
    public var employerTotals: [Int] { counts.map { $0.reduce(0, +) } }

    /// Column marginals: how often the assessor gave each category.
    public var assessorTotals: [Int] {
        (0..<categories.count).map { column in counts.reduce(0) { $0 + $1[column] } }
    }

    private enum CodingKeys: String, CodingKey {
        case lowest, highest, counts, ignored, total
    }

    /// Decodes `{"lowest": 1, "highest": 7, "counts": [[…]], "ignored": 0}`, refusing a ragged or negative matrix
    /// (a `total` key, written for readers, is ignored).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let lowest = try container.decode(Int.self, forKey: .lowest)
        let highest = try container.decode(Int.self, forKey: .highest)
        guard lowest <= highest else {
            throw DecodingError.dataCorruptedError(forKey: .highest, in: container, debugDescription: "highest is below lowest")
        }
        let counts = try container.decode([[Int]].self, forKey: .counts)
        let size = highest - lowest + 1
        guard counts.count == size, counts.allSatisfy({ $0.count == size && $0.allSatisfy { $0 >= 0 } }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .counts, in: container, debugDescription: "counts must be a \(size)×\(size) matrix of counts")
        }
        categories = lowest...highest
        self.counts = counts
        ignored = try container.decodeIfPresent(Int.self, forKey: .ignored) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(categories.lowerBound, forKey: .lowest)
        try container.encode(categories.upperBound, forKey: .highest)
        try container.encode(counts, forKey: .counts)
        try container.encode(ignored, forKey: .ignored)
        try container.encode(total, forKey: .total)
    }
}

// MARK: - Agreement

/// How Cohen's kappa credits partial agreement between categories `i` and `j` of `k`.
public enum KappaWeighting: String, Sendable, Codable, CaseIterable {
    /// Only identical categories agree: agreement weight `1` when `i = j`, else `0`.
    case unweighted
    /// Agreement weight `1 − |i − j| / (k − 1)`.
    case linear
    /// Agreement weight `1 − (i − j)² / (k − 1)²`.
    case quadratic

    /// The disagreement weight for categories `distance` apart: `1 − agreement weight`, times `(k − 1)` (linear)
    /// or `(k − 1)²` (quadratic). The scale cancels in kappa, so whole numbers keep the sums exact.
    func disagreement(_ distance: Int) -> Int {
        switch self {
        case .unweighted: distance == 0 ? 0 : 1
        case .linear: abs(distance)
        case .quadratic: distance * distance
        }
    }
}

/// Krippendorff's levels of measurement: which difference function δ² alpha uses.
public enum AlphaLevel: String, Sendable, Codable, CaseIterable {
    /// δ²(c, k) = 0 when c = k, else 1.
    case nominal
    /// δ²(c, k) = (Σ_{g = c…k} n_g − (n_c + n_k) / 2)², from the values' marginal frequencies n_g.
    case ordinal
    /// δ²(c, k) = (c − k)².
    case interval
}

/// Krippendorff's alpha with a bootstrap percentile interval.
public struct AlphaInterval: Sendable, Equatable, Codable {
    /// Alpha on the data.
    public var alpha: Statistic
    /// The lower end of the percentile interval.
    public var lower: Statistic
    /// The upper end of the percentile interval.
    public var upper: Statistic
    /// The confidence level, e.g. 0.95.
    public var confidence: Double
    /// Resamples drawn.
    public var samples: Int
    /// Resamples skipped because alpha was not defined on them (e.g. every drawn value the same).
    public var undefinedSamples: Int
    /// The seed of the ``SplitMix64`` generator that drew the resamples.
    public var seed: UInt64
    /// How the resamples were drawn from the seed; absent (nil) in an interval kept before issue 21, whose resamples
    /// were drawn item by item (``ResamplingMethod/items``).
    public var resampling: ResamplingMethod?
}


/// The statistics of agreement between raters. Pairs are `(employer's score, assessor's score)`; units for
/// Krippendorff's alpha are observations with any number of ratings (`nil` for a missing one).
public enum Agreement {
    // MARK: Cohen's kappa

    /// Cohen's kappa on `pairs` (employer, assessor) over `categories` (the 1–7 scale by default); pairs with a
    /// score outside `categories` are ignored.
    ///
    /// κ = (p_o − p_e) / (1 − p_e) with weighted agreement p_o = Σ w_ij O_ij / n, p_e = Σ w_ij r_i c_j / n², where
    /// O is the confusion matrix, r and c its row and column totals, and the agreement weights w_ij are
    /// 1 when i = j else 0 (unweighted), 1 − |i − j| / (k − 1) (linear) or 1 − (i − j)² / (k − 1)² (quadratic)
    /// for k categories. Computed in the equivalent disagreement form κ = 1 − n Σ v_ij O_ij / Σ v_ij r_i c_j with
    /// v_ij = [i ≠ j], |i − j| or (i − j)², in exact whole numbers — as scikit-learn's
    /// `cohen_kappa_score(labels=…, weights=…)` does.
    ///
    /// Not defined with no pairs, or when every score from both raters is the same category (chance agreement is
    /// then total and κ would be 0/0).
    public static func cohensKappa(
        _ pairs: [(Int, Int)], categories: ClosedRange<Int> = Score.range, weighting: KappaWeighting
    ) -> Statistic {
        cohensKappa(matrix(pairs, categories: categories), weighting: weighting)
    }

    /// Cohen's kappa on a confusion matrix: see ``cohensKappa(_:categories:weighting:)``.
    public static func cohensKappa(_ matrix: ConfusionMatrix, weighting: KappaWeighting) -> Statistic {
        let n = matrix.total
        guard n > 0 else { return .notDefined(reason: "there are no pairs of scores") }
        let rows = matrix.employerTotals, columns = matrix.assessorTotals
        var observed = 0  // Σ v_ij O_ij: at most (k − 1)² n, no overflow
        var expected = 0.0  // Σ v_ij r_i c_j, each term exact in a Double
        for i in rows.indices {
            for j in columns.indices where i != j {
                let weight = weighting.disagreement(i - j)
                observed += weight * matrix.counts[i][j]
                expected += Double(weight) * Double(rows[i]) * Double(columns[j])
            }
        }
        guard expected > 0 else {
            return .notDefined(reason: "every score from both raters is the same, so agreement by chance is total")
        }
        return .finite(1 - Double(n) * Double(observed) / expected, otherwise: "kappa overflowed")
    }

    /// Unweighted Cohen's kappa on the pass/fail split: scores of 3 or less fail, 4 or more pass (two categories).
    /// Pairs outside the 1–7 scale are ignored. Not defined with no pairs, or when every pair is all pass or all
    /// fail.
    public static func passFailKappa(_ pairs: [(Int, Int)]) -> Statistic {
        passFailKappa(matrix(pairs, categories: Score.range))
    }

    /// Pass/fail kappa from a confusion matrix over any categories: see ``passFailKappa(_:)``.
    public static func passFailKappa(_ matrix: ConfusionMatrix) -> Statistic {
        var split = ConfusionMatrix(categories: 0...1)  // 0 fail, 1 pass
        let pass = Score.passMark - matrix.categories.lowerBound  // first passing row/column
        for (i, row) in matrix.counts.enumerated() {
            for (j, count) in row.enumerated() where count > 0 {
                split.add(employer: i >= pass ? 1 : 0, assessor: j >= pass ? 1 : 0, times: count)
            }
        }
        switch cohensKappa(split, weighting: .unweighted) {
        case .value(let value): return .value(value)
        case .notDefined where split.total > 0:
            return .notDefined(reason: "every score from both raters is on the same side of the pass mark")
        case .notDefined(let reason): return .notDefined(reason: reason)
        }
    }

    /// The share of pairs on the 1–7 scale with equal scores: Σ_i O_ii / n. Not defined with no pairs.
    public static func exactAgreement(_ pairs: [(Int, Int)]) -> Statistic {
        exactAgreement(matrix(pairs, categories: Score.range))
    }

    /// The share of pairs in `matrix` with equal scores.
    public static func exactAgreement(_ matrix: ConfusionMatrix) -> Statistic {
        share(matrix) { $0 == $1 }
    }

    /// The share of pairs on the 1–7 scale whose scores differ by at most one: Σ_{|i − j| ≤ 1} O_ij / n.
    /// Not defined with no pairs.
    public static func withinOneAgreement(_ pairs: [(Int, Int)]) -> Statistic {
        withinOneAgreement(matrix(pairs, categories: Score.range))
    }

    /// The share of pairs in `matrix` whose scores differ by at most one.
    public static func withinOneAgreement(_ matrix: ConfusionMatrix) -> Statistic {
        share(matrix) { abs($0 - $1) <= 1 }
    }

    private static func share(_ matrix: ConfusionMatrix, where agrees: (Int, Int) -> Bool) -> Statistic {
        let n = matrix.total
        guard n > 0 else { return .notDefined(reason: "there are no pairs of scores") }
        var agreeing = 0
        for (i, row) in matrix.counts.enumerated() {
            for (j, count) in row.enumerated() where agrees(i, j) { agreeing += count }
        }
        return .value(Double(agreeing) / Double(n))
    }

    private static func matrix(_ pairs: [(Int, Int)], categories: ClosedRange<Int>) -> ConfusionMatrix {
        var matrix = ConfusionMatrix(categories: categories)
        for (employer, assessor) in pairs { matrix.add(employer: employer, assessor: assessor) }
        return matrix
    }

    // MARK: Krippendorff's alpha

    /// Krippendorff's alpha on `units` (observations), each with any number of ratings by different raters;
    /// `nil` (or a non-finite number) is a missing rating. Units with fewer than two ratings are not pairable and
    /// are dropped; the distinct values in the pairable units, sorted, are the value domain.
    ///
    /// Coincidence-matrix form (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"): with n_uc the
    /// number of ratings c in unit u and m_u its number of ratings,
    /// o_ck = Σ_u n_uc (n_uk − [c = k]) / (m_u − 1), n_c = Σ_k o_ck, n = Σ_c n_c, and
    /// α = 1 − (n − 1) Σ_ck o_ck δ²_ck / Σ_ck n_c n_k δ²_ck, with δ² from `level`. Equals the `krippendorff`
    /// package's `alpha(reliability_data=…, level_of_measurement=…)`.
    ///
    /// Runs in O(ratings + patterns × V²): units with the same multiset of values share one contribution.
    /// Not defined when no unit has two ratings, or when every pairable rating is the same value.
    public static func krippendorffAlpha(_ units: [[Double?]], level: AlphaLevel = .ordinal) -> Statistic {
        let data = ReliabilityPatterns(units)
        return data.alpha(multiplicities: data.multiplicities, level: level)
    }

    /// Krippendorff's alpha (``krippendorffAlpha(_:level:)``) with a bootstrap percentile interval.
    ///
    /// Each of `samples` resamples draws as many pairable units as the data has, uniformly with replacement, with a
    /// ``SplitMix64`` generator seeded with `seed` (so the same data, seed and sample count give the same
    /// interval), and recomputes alpha with the original value domain; resamples on which alpha is not defined are
    /// skipped and counted. The interval is the (1 − confidence)/2 and (1 + confidence)/2 type-7 quantiles of the
    /// resampled alphas. With `.counts` (the default since issue 21) a resample is one multinomial draw of how many
    /// units of each pattern it holds (``Resampling/multinomial(trials:counts:into:using:)``, patterns in the order
    /// of their first unit), O(patterns × V²); with `.items` (before it) the units are drawn one by one by position,
    /// O(units + patterns × V²). Both give resamples with the same distribution, from different random streams.
    public static func krippendorffAlphaBootstrap(
        _ units: [[Double?]], level: AlphaLevel = .ordinal, samples: Int = 1000, seed: UInt64, confidence: Double = 0.95,
        resampling: ResamplingMethod = .counts
    ) -> AlphaInterval {
        let data = ReliabilityPatterns(units)
        let alpha = data.alpha(multiplicities: data.multiplicities, level: level)
        var interval = AlphaInterval(
            alpha: alpha, lower: .notDefined(reason: ""), upper: .notDefined(reason: ""), confidence: confidence,
            samples: max(samples, 0), undefinedSamples: 0, seed: seed, resampling: resampling)
        func undefined(_ reason: String) -> AlphaInterval {
            interval.lower = .notDefined(reason: reason)
            interval.upper = .notDefined(reason: reason)
            return interval
        }
        guard confidence > 0, confidence < 1 else { return undefined("the confidence level must be between 0 and 1") }
        guard samples > 0 else { return undefined("no resamples were asked for") }
        if case .notDefined(let reason) = alpha { return undefined(reason) }

        var generator = SplitMix64(seed: seed)
        let unitCount = data.unitPatterns.count
        var multiplicities = [Int](repeating: 0, count: data.patterns.count)
        var alphas: [Double] = []
        alphas.reserveCapacity(samples)
        for _ in 0..<samples {
            switch resampling {
            case .counts:
                data.multiplicities.withUnsafeBufferPointer { counts in
                    multiplicities.withUnsafeMutableBufferPointer { tallies in
                        Resampling.multinomial(trials: unitCount, counts: counts, into: tallies, using: &generator)
                    }
                }
            case .items:
                for index in multiplicities.indices { multiplicities[index] = 0 }
                data.unitPatterns.withUnsafeBufferPointer { patternOf in
                    for _ in 0..<unitCount {
                        // Lemire's multiply-shift: an index in 0..<unitCount without a division per draw.
                        let draw = Int(generator.next().multipliedFullWidth(by: UInt64(unitCount)).high)
                        multiplicities[Int(patternOf[draw])] += 1
                    }
                }
            }
            if let value = data.alpha(multiplicities: multiplicities, level: level).value {
                alphas.append(value)
            } else {
                interval.undefinedSamples += 1
            }
        }
        guard !alphas.isEmpty else { return undefined("alpha was not defined on any resample") }
        alphas.sort()
        let tail = (1 - confidence) / 2
        interval.lower = .value(Descriptive.sortedQuantile(alphas, tail))
        interval.upper = .value(Descriptive.sortedQuantile(alphas, 1 - tail))
        return interval
    }
}

/// Pairable units grouped by their multiset of values ("pattern"): alpha is a sum of per-unit contributions, and
/// units with the same pattern contribute the same, so alpha over any multiset of units needs only each pattern's
/// multiplicity. With 1–7 scores and a handful of raters there are a few hundred patterns at most.
struct ReliabilityPatterns {
    /// One distinct multiset of values: `entries` are (value index, count) with distinct indices, `ratings` = m_u.
    struct Pattern {
        var entries: [(value: Int, count: Int)]
        var ratings: Int
    }

    /// The value domain: the distinct values of the pairable units, ascending.
    let values: [Double]
    let patterns: [Pattern]
    /// Each pairable unit's pattern index.
    let unitPatterns: [Int32]
    /// How many units have each pattern.
    let multiplicities: [Int]

    init(_ units: [[Double?]]) {
        // Pass 1: the value domain. Whole numbers in a small range (scores) are marked in a table, others hashed.
        var seenSmall = [Bool](repeating: false, count: Self.small.count)
        var seenOther = Set<Double>()
        for unit in units where unit.count >= 2 {
            var ratings = 0
            for case let value? in unit where value.isFinite { ratings += 1 }
            guard ratings >= 2 else { continue }
            for case let value? in unit where value.isFinite {
                if let slot = Self.smallSlot(value) { seenSmall[slot] = true } else { seenOther.insert(value == 0 ? 0 : value) }
            }
        }
        let values = (seenSmall.indices.filter { seenSmall[$0] }.map { Double($0 + Self.small.lowerBound) } + seenOther).sorted()
        var smallPositions = [Int](repeating: -1, count: Self.small.count)
        var otherPositions: [Double: Int] = [:]
        for (position, value) in values.enumerated() {
            if let slot = Self.smallSlot(value) { smallPositions[slot] = position } else { otherPositions[value] = position }
        }

        // Pass 2: each pairable unit's pattern. With at most 16 values and 15 ratings a unit's value counts pack into
        // one UInt64 (4 bits per value); otherwise its sorted value positions are the key.
        var patterns: [Pattern] = []
        var multiplicities: [Int] = []
        var unitPatterns: [Int32] = []
        unitPatterns.reserveCapacity(units.count)
        var packedKeys: [UInt64: Int32] = [:]
        var listedKeys: [[Int]: Int32] = [:]
        func newPattern(_ sortedPositions: [Int]) -> Int32 {
            var entries: [(value: Int, count: Int)] = []
            for position in sortedPositions {
                if let last = entries.last, last.value == position {
                    entries[entries.count - 1].count += 1
                } else {
                    entries.append((position, 1))
                }
            }
            patterns.append(Pattern(entries: entries, ratings: sortedPositions.count))
            multiplicities.append(0)
            return Int32(patterns.count - 1)
        }
        var positions: [Int] = []
        for unit in units where unit.count >= 2 {
            positions.removeAll(keepingCapacity: true)
            for case let value? in unit where value.isFinite {
                let position = Self.smallSlot(value).map { smallPositions[$0] } ?? otherPositions[value == 0 ? 0 : value]
                if let position { positions.append(position) }
            }
            guard positions.count >= 2 else { continue }
            let pattern: Int32
            if values.count <= 16, positions.count <= 15 {
                let key = positions.reduce(UInt64(0)) { $0 + (1 << (4 * UInt64($1))) }
                if let known = packedKeys[key] {
                    pattern = known
                } else {
                    pattern = newPattern(positions.sorted())
                    packedKeys[key] = pattern
                }
            } else {
                positions.sort()
                if let known = listedKeys[positions] {
                    pattern = known
                } else {
                    pattern = newPattern(positions)
                    listedKeys[positions] = pattern
                }
            }
            unitPatterns.append(pattern)
            multiplicities[Int(pattern)] += 1
        }
        self.values = values
        self.patterns = patterns
        self.unitPatterns = unitPatterns
        self.multiplicities = multiplicities
    }

    /// Whole numbers in this range are looked up in a table rather than hashed.
    private static let small = -1024..<1024

    private static func smallSlot(_ value: Double) -> Int? {
        guard value >= Double(small.lowerBound), value < Double(small.upperBound), value == value.rounded(.down) else {
            return nil
        }
        return Int(value) - small.lowerBound
    }

    /// Alpha over units with these pattern multiplicities: see ``Agreement/krippendorffAlpha(_:level:)``.
    func alpha(multiplicities: [Int], level: AlphaLevel) -> Statistic {
        guard !unitPatterns.isEmpty else {
            return .notDefined(reason: "no observation has ratings from two or more raters")
        }
        let size = values.count
        // Coincidences o_ck (row-major) and marginals n_c.
        var coincidences = [Double](repeating: 0, count: size * size)
        var marginals = [Double](repeating: 0, count: size)
        for (pattern, multiplicity) in zip(patterns, multiplicities) where multiplicity > 0 {
            let weight = Double(multiplicity) / Double(pattern.ratings - 1)
            for (c, countC) in pattern.entries {
                marginals[c] += Double(multiplicity * countC)
                for (k, countK) in pattern.entries {
                    coincidences[c * size + k] += weight * Double(countC * (c == k ? countK - 1 : countK))
                }
            }
        }
        let total = marginals.reduce(0, +)

        // δ²_ck for c < k (all three metrics are symmetric and zero on the diagonal).
        var observed = 0.0, expected = 0.0
        for c in 0..<size {
            var between = marginals[c]  // ordinal: Σ_{g = c…k} n_g
            for k in (c + 1)..<size {
                between += marginals[k]
                let delta: Double
                switch level {
                case .nominal: delta = 1
                case .interval: delta = (values[c] - values[k]) * (values[c] - values[k])
                case .ordinal:
                    let distance = between - (marginals[c] + marginals[k]) / 2
                    delta = distance * distance
                }
                observed += (coincidences[c * size + k] + coincidences[k * size + c]) * delta
                expected += 2 * marginals[c] * marginals[k] * delta
            }
        }
        guard expected > 0 else {
            return .notDefined(reason: "every rating of the observations rated twice or more is the same value")
        }
        return .finite(1 - (total - 1) * observed / expected, otherwise: "alpha overflowed")
    }
}

// MARK: - Descriptive statistics

/// A mean with a t-distribution confidence interval.
public struct MeanInterval: Sendable, Equatable, Codable {
    /// The mean, x̄ = Σ x / n.
    public var mean: Statistic
    /// x̄ − t s / √n.
    public var lower: Statistic
    /// x̄ + t s / √n.
    public var upper: Statistic
    /// The number of values.
    public var count: Int
    /// The confidence level, e.g. 0.95.
    public var confidence: Double
}

/// Descriptive statistics for reports: means, type-7 quantiles, a t interval for a mean.
public enum Descriptive {
    /// The arithmetic mean Σ x / n. Not defined for no values or a non-finite value.
    public static func mean(_ values: [Double]) -> Statistic {
        if let problem = problem(values) { return .notDefined(reason: problem) }
        return .finite(values.reduce(0, +) / Double(values.count), otherwise: "the mean overflowed")
    }

    /// The median: ``quantile(_:_:)`` at 0.5.
    public static func median(_ values: [Double]) -> Statistic { quantile(values, 0.5) }

    /// The `p` quantile, Hyndman and Fan's type 7 (numpy's `percentile`/`quantile` default and R's): on the sorted
    /// values x_0 … x_{n−1}, with h = (n − 1) p, x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋).
    /// Not defined for no values, a non-finite value, or `p` outside 0…1.
    public static func quantile(_ values: [Double], _ p: Double) -> Statistic {
        if let problem = problem(values) { return .notDefined(reason: problem) }
        guard p >= 0, p <= 1 else { return .notDefined(reason: "the quantile's level must be between 0 and 1") }
        return .finite(sortedQuantile(values.sorted(), p), otherwise: "the quantile overflowed")
    }

    /// Type-7 quantile of values already sorted ascending (at least one), `p` in 0…1.
    static func sortedQuantile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p
        let below = min(Int(h.rounded(.down)), sorted.count - 1)
        let above = min(below + 1, sorted.count - 1)
        return sorted[below] + (h - Double(below)) * (sorted[above] - sorted[below])
    }

    /// The mean with a `confidence` interval from Student's t distribution: x̄ ± t_{(1+confidence)/2, n−1} s / √n,
    /// with s² = Σ (x − x̄)² / (n − 1). The interval is not defined for fewer than two values.
    public static func meanWithInterval(_ values: [Double], confidence: Double = 0.95) -> MeanInterval {
        let mean = self.mean(values)
        var result = MeanInterval(mean: mean, lower: .notDefined(reason: ""), upper: .notDefined(reason: ""),
                                  count: values.count, confidence: confidence)
        func undefined(_ reason: String) -> MeanInterval {
            result.lower = .notDefined(reason: reason)
            result.upper = .notDefined(reason: reason)
            return result
        }
        guard let centre = mean.value else { return undefined(mean.reason ?? "the mean is not defined") }
        guard values.count >= 2 else { return undefined("an interval needs at least two values") }
        guard confidence > 0, confidence < 1 else { return undefined("the confidence level must be between 0 and 1") }
        let n = Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - centre) * ($1 - centre) } / (n - 1)
        guard let t = studentTQuantile((1 + confidence) / 2, degreesOfFreedom: n - 1) else {
            return undefined("the t quantile is not defined")
        }
        let halfWidth = t * (variance / n).squareRoot()
        result.lower = .finite(centre - halfWidth, otherwise: "the interval overflowed")
        result.upper = .finite(centre + halfWidth, otherwise: "the interval overflowed")
        return result
    }

    /// The `p` quantile of Student's t distribution with `degreesOfFreedom` ν (> 0): the t with P(T ≤ t) = p,
    /// found by bisection on the tail P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½) (regularised incomplete beta function),
    /// to full double precision. `nil` unless 0 < p < 1 and ν > 0.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double? {
        guard p > 0, p < 1, nu > 0, nu.isFinite else { return nil }
        if p == 0.5 { return 0 }
        let tail = min(p, 1 - p)
        func upperTail(_ t: Double) -> Double {
            let denominator = nu + t * t
            return regularizedIncompleteBeta(nu / denominator, t * t / denominator, a: nu / 2, b: 0.5) / 2
        }
        guard let t = bisect(below: { upperTail($0) > tail }) else { return nil }
        return p > 0.5 ? t : -t
    }

    /// The point on (0, ∞) where `isBelow` turns from true to false (it must turn once, from true near 0), to full
    /// double precision: the bracket doubles until it holds the point, then halves. `nil` if it never turns.
    static func bisect(below isBelow: (Double) -> Bool) -> Double? {
        var low = 0.0, high = 1.0
        while isBelow(high) {
            low = high
            high *= 2
            if !high.isFinite { return nil }
        }
        for _ in 0..<2000 {
            let middle = (low + high) / 2
            if middle <= low || middle >= high { break }
            if isBelow(middle) { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// The regularised incomplete beta function I_x(a, b) (a, b > 0, x in 0…1), by its continued fraction (modified
    /// Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly. `oneMinusX`
    /// is 1 − x computed without cancellation by the caller.
    static func regularizedIncompleteBeta(_ x: Double, _ oneMinusX: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if oneMinusX <= 0 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(oneMinusX)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(oneMinusX, a: b, b: a) / b
    }

    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let sum = a + b, plusOne = a + 1, minusOne = a - 1
        var c = 1.0
        var d = 1 - sum * x / plusOne
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var fraction = d
        for m in 1...10_000 {
            let m = Double(m), twoM = 2 * Double(m)
            var term = m * (b - m) * x / ((minusOne + twoM) * (a + twoM))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            fraction *= d * c
            term = -(a + m) * (sum + m) * x / ((a + twoM) * (plusOne + twoM))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            fraction *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return fraction
    }

    /// Why `values` have no descriptive statistics, or `nil`.
    private static func problem(_ values: [Double]) -> String? {
        if values.isEmpty { return "there are no values" }
        if !values.allSatisfy(\.isFinite) { return "a value is not a finite number" }
        return nil
    }
}
