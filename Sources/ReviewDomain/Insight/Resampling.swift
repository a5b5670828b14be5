import Foundation

// Bootstrap resamples drawn by counts (issue 21, decision 33). A resample of n items drawn with replacement from n
// items that fall into a few kinds (the 49 cells of the confusion matrix for κ; the patterns of values for α) is
// summed up by how many times each kind was drawn, and those tallies follow a multinomial distribution with the
// kinds' shares as probabilities. Drawing the tallies directly — one binomial per kind — gives resamples with the
// same distribution as drawing the n items one by one, for a few hundred random numbers instead of n.

/// How a bootstrap drew its resamples: part of what a published interval is, since the two draw different random
/// streams from the same seed (same distribution, different intervals).
public enum ResamplingMethod: String, Sendable, Equatable, Codable {
    /// n items drawn one at a time with replacement (until issue 21; the method of every release frozen before it).
    case items
    /// Each kind's tally drawn at once: a multinomial draw by conditional binomials (issue 21, decision 33).
    case counts
}

extension SplitMix64 {
    /// A uniform number in [0, 1) from the top 53 bits of the next output.
    mutating func nextUnitInterval() -> Double { Double(next() >> 11) * 0x1p-53 }
}

enum Resampling {
    /// How many times each kind is drawn when `trials` items are drawn with replacement from a population holding
    /// `counts[k]` items of kind k: Multinomial(trials, counts / Σ counts), into `tallies` (same length as `counts`).
    ///
    /// By conditional binomials in the order of the kinds: kind k's tally is Binomial(trials left, counts[k] / the
    /// counts of kind k and after); the last kind with items takes what is left. A population with no item gives
    /// nothing.
    static func multinomial(
        trials: Int, counts: UnsafeBufferPointer<Int>, into tallies: UnsafeMutableBufferPointer<Int>, using generator: inout SplitMix64
    ) {
        var trialsLeft = trials
        var weightLeft = 0
        for count in counts { weightLeft += count }
        for kind in counts.indices {
            let count = counts[kind]
            guard trialsLeft > 0, count > 0 else {
                tallies[kind] = 0
                weightLeft -= count
                continue
            }
            let tally = count >= weightLeft
                ? trialsLeft
                : binomial(trials: trialsLeft, probability: Double(count) / Double(weightLeft), using: &generator)
            tallies[kind] = tally
            trialsLeft -= tally
            weightLeft -= count
        }
    }

    /// One Binomial(trials, probability) variate, exactly (up to the rounding of the probabilities themselves).
    ///
    /// Inversion of the distribution function with the outcomes taken from the mode outwards — mode, mode − 1,
    /// mode + 1, mode − 2, … — one uniform number less each outcome's probability until it falls below zero (the
    /// chop-down search from the mode, Kemp 1986). Any fixed order of the outcomes gives the binomial distribution;
    /// this one needs about 1.6 standard deviations of steps, whatever the number of trials. The probability of the
    /// mode comes from `lgamma`; the others by the ratio of neighbouring probabilities. In the rare case where the
    /// rounding of those sums leaves the number above the whole mass, a new number is drawn.
    static func binomial(trials n: Int, probability p: Double, using generator: inout SplitMix64) -> Int {
        guard n > 0, p > 0 else { return 0 }
        guard p < 1 else { return n }
        let mode = min(n, Int((Double(n + 1) * p).rounded(.down)))
        let logMode = lgamma(Double(n + 1)) - lgamma(Double(mode + 1)) - lgamma(Double(n - mode + 1))
            + Double(mode) * log(p) + Double(n - mode) * log1p(-p)
        let modeProbability = exp(logMode)
        let odds = p / (1 - p)
        while true {
            var u = generator.nextUnitInterval() - modeProbability
            if u < 0 { return mode }
            var below = mode, above = mode
            var belowProbability = modeProbability, aboveProbability = modeProbability
            while true {
                let belowLeft = below > 0 && belowProbability > 0
                let aboveLeft = above < n && aboveProbability > 0
                guard belowLeft || aboveLeft else { break }
                if belowLeft {
                    // P(k − 1) = P(k) · k / ((n − k + 1) · odds)
                    belowProbability *= Double(below) / (Double(n - below + 1) * odds)
                    below -= 1
                    u -= belowProbability
                    if u < 0 { return below }
                }
                if aboveLeft {
                    // P(k + 1) = P(k) · (n − k) / (k + 1) · odds
                    aboveProbability *= Double(n - above) / Double(above + 1) * odds
                    above += 1
                    u -= aboveProbability
                    if u < 0 { return above }
                }
            }
        }
    }
}
