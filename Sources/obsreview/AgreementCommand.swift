import ArgumentParser
import Foundation
import ReviewDomain

/// `obsreview agreement` (hidden): the agreement statistics on data sets read as JSON from stdin, for
/// `scripts/check-stats.py`, which compares every figure with scikit-learn and the `krippendorff` package; with
/// `--bench`, times the figures on a seeded synthetic year of observations against a baseline measured in the same run.
struct AgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Agreement statistics for data sets on stdin (JSON), or a benchmark.",
        discussion: """
            stdin:  {"sets": [{"pairs": [[employer, assessor], …], "units": [[1, 2, null], …]}, …]}
            stdout: {"results": [{"kappa": {"unweighted": S, "linear": S, "quadratic": S}, "passFailKappa": S,
                     "exact": S, "withinOne": S, "alpha": {"nominal": S, "ordinal": S, "interval": S}}, …]}
            where S is {"value": x} or {"notDefined": "reason"}.
            """,
        shouldDisplay: false)

    @Flag(help: "Benchmark on seeded synthetic data instead of reading stdin.") var bench = false
    @Option(help: "Benchmark: observations (each rated by the employer and the assessor, about half by moderators).")
    var observations = 100_000
    @Option(help: "Benchmark: bootstrap resamples.") var samples = 1000
    @Option(help: "Benchmark: runs (the median is reported).") var runs = 3
    @Option(help: "Benchmark: seed of the data and of the bootstrap.") var seed: UInt64 = 20_261_122

    func run() throws {
        if bench {
            try runBenchmark()
            return
        }
        let input: Input
        do {
            input = try JSONDecoder().decode(Input.self, from: FileHandle.standardInput.readDataToEndOfFile())
        } catch {
            throw ValidationError("stdin is not a data-set document (\(error)): see `obsreview agreement --help`.")
        }
        var results: [Figures] = []
        for (number, set) in input.sets.enumerated() {
            var pairs: [(Int, Int)] = []
            for pair in set.pairs ?? [] {
                guard pair.count == 2 else {
                    throw ValidationError("Data set \(number): a pair is [employer's score, assessor's score], got \(pair).")
                }
                pairs.append((pair[0], pair[1]))
            }
            results.append(Figures(pairs: pairs, units: set.units ?? []))
        }
        try Self.printJSON(Output(results: results))
    }

    /// The data sets on stdin.
    struct Input: Decodable {
        struct DataSet: Decodable {
            var pairs: [[Int]]?
            var units: [[Double?]]?
        }

        var sets: [DataSet]
    }

    struct Output: Encodable {
        var results: [Figures]
    }

    /// Every figure of one data set.
    struct Figures: Encodable {
        struct Kappa: Encodable {
            var unweighted, linear, quadratic: Statistic
        }

        struct Alpha: Encodable {
            var nominal, ordinal, interval: Statistic
        }

        var kappa: Kappa
        var passFailKappa, exact, withinOne: Statistic
        var alpha: Alpha

        init(pairs: [(Int, Int)], units: [[Double?]]) {
            var matrix = ConfusionMatrix()
            for (employer, assessor) in pairs { matrix.add(employer: employer, assessor: assessor) }
            kappa = Kappa(unweighted: Agreement.cohensKappa(matrix, weighting: .unweighted),
                          linear: Agreement.cohensKappa(matrix, weighting: .linear),
                          quadratic: Agreement.cohensKappa(matrix, weighting: .quadratic))
            passFailKappa = Agreement.passFailKappa(matrix)
            exact = Agreement.exactAgreement(matrix)
            withinOne = Agreement.withinOneAgreement(matrix)
            alpha = Alpha(nominal: Agreement.krippendorffAlpha(units, level: .nominal),
                          ordinal: Agreement.krippendorffAlpha(units, level: .ordinal),
                          interval: Agreement.krippendorffAlpha(units, level: .interval))
        }
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

// MARK: - Benchmark

extension AgreementCommand {
    /// What `--bench` prints.
    struct BenchReport: Encodable {
        struct Figures: Encodable {
            var kappa: Figures.Kappa
            var passFailKappa, exact, withinOne, alphaOrdinal: Statistic
            var bootstrap: AlphaInterval

            struct Kappa: Encodable {
                var unweighted, linear, quadratic: Statistic
            }
        }

        struct Milliseconds: Encodable {
            var kappaAndConfusion, alphaOrdinal, bootstrap, total: Double
        }

        struct Baseline: Encodable {
            var name: String
            var milliseconds: Double
        }

        var observations, ratings, runs: Int
        var seed: UInt64
        var figures: Figures
        /// Medians over the runs.
        var milliseconds: Milliseconds
        var baseline: Baseline
        /// total / baseline.
        var ratio: Double
    }

    /// Seeded observations: quality 1–7 peaking at 4; the assessor scores it ±1, the employer one higher two times in
    /// five; moderators (0, 1, 1 or 2 by turns: one per observation on average) score it ±1.
    static func syntheticData(observations: Int, seed: UInt64) -> (pairs: [(Int, Int)], units: [[Double?]]) {
        var generator = SplitMix64(seed: seed)
        func clamp(_ score: Int) -> Int { min(7, max(1, score)) }
        func noise() -> Int { [-1, 0, 0, 0, 1][generator.below(5)] }
        var pairs: [(Int, Int)] = [], units: [[Double?]] = []
        pairs.reserveCapacity(observations)
        units.reserveCapacity(observations)
        for index in 0..<observations {
            let quality = 1 + generator.below(4) + generator.below(4)
            let assessor = clamp(quality + noise())
            let employer = clamp(quality + (generator.below(5) < 2 ? 1 : 0) + noise())
            pairs.append((employer, assessor))
            var unit: [Double?] = [Double(employer), Double(assessor)]
            for _ in 0..<[0, 1, 1, 2][index % 4] { unit.append(Double(clamp(quality + noise()))) }
            units.append(unit)
        }
        return (pairs, units)
    }

    func runBenchmark() throws {
        guard observations > 0, samples > 0, runs > 0 else {
            throw ValidationError("--observations, --samples and --runs must be positive.")
        }
        let (pairs, units) = Self.syntheticData(observations: observations, seed: seed)
        let ratings = units.reduce(0) { $0 + $1.count }
        let scores = units.flatMap { $0.compactMap { $0 } }
        func milliseconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
        func median(_ times: [Double]) -> Double { Descriptive.median(times).value ?? 0 }

        var kappaTimes: [Double] = [], alphaTimes: [Double] = [], bootstrapTimes: [Double] = [], baselineTimes: [Double] = []
        var figures: BenchReport.Figures?
        for _ in 0..<runs {
            var start = DispatchTime.now().uptimeNanoseconds
            var matrix = ConfusionMatrix()
            for (employer, assessor) in pairs { matrix.add(employer: employer, assessor: assessor) }
            let kappa = BenchReport.Figures.Kappa(
                unweighted: Agreement.cohensKappa(matrix, weighting: .unweighted),
                linear: Agreement.cohensKappa(matrix, weighting: .linear),
                quadratic: Agreement.cohensKappa(matrix, weighting: .quadratic))
            let passFail = Agreement.passFailKappa(matrix)
            let exact = Agreement.exactAgreement(matrix), withinOne = Agreement.withinOneAgreement(matrix)
            kappaTimes.append(milliseconds(since: start))

            start = DispatchTime.now().uptimeNanoseconds
            let alpha = Agreement.krippendorffAlpha(units, level: .ordinal)
            alphaTimes.append(milliseconds(since: start))

            start = DispatchTime.now().uptimeNanoseconds
            let bootstrap = Agreement.krippendorffAlphaBootstrap(units, level: .ordinal, samples: samples, seed: seed)
            bootstrapTimes.append(milliseconds(since: start))

            // The baseline: sorting every rating once, the least any order statistic of the data costs.
            start = DispatchTime.now().uptimeNanoseconds
            let sorted = scores.sorted()
            baselineTimes.append(milliseconds(since: start))
            guard sorted.count == scores.count else { throw ValidationError("the baseline lost ratings") }

            figures = BenchReport.Figures(kappa: kappa, passFailKappa: passFail, exact: exact, withinOne: withinOne,
                                          alphaOrdinal: alpha, bootstrap: bootstrap)
        }
        guard let figures else { return }
        let times = BenchReport.Milliseconds(
            kappaAndConfusion: median(kappaTimes), alphaOrdinal: median(alphaTimes), bootstrap: median(bootstrapTimes),
            total: median(zip(zip(kappaTimes, alphaTimes), bootstrapTimes).map { $0.0 + $0.1 + $1 }))
        let baseline = median(baselineTimes)
        try Self.printJSON(BenchReport(
            observations: observations, ratings: ratings, runs: runs, seed: seed, figures: figures, milliseconds: times,
            baseline: .init(name: "sort the \(scores.count) ratings once", milliseconds: baseline),
            ratio: baseline > 0 ? times.total / baseline : 0))
    }
}
