import ArgumentParser
import Foundation
import ReviewDomain

/// `obsreview agreement` (hidden): the agreement statistics on data sets read as JSON from stdin, for
/// `scripts/check-stats.py`, which compares every figure with scikit-learn and the `krippendorff` package; with
/// `--bench`, times the figures — and the whole ``InsightReport`` on a seeded synthetic ``InsightData`` — on a seeded
/// synthetic year of observations against a baseline measured in the same run.
struct AgreementCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agreement",
        abstract: "Agreement statistics for data sets on stdin (JSON), or a benchmark.",
        discussion: """
            stdin:  {"sets": [{"pairs": [[employer, assessor], …], "units": [[1, 2, null], …]}, …]}
            stdout: {"results": [{"kappa": {"unweighted": S, "linear": S, "quadratic": S}, "passFailKappa": S,
                     "exact": S, "withinOne": S, "alpha": {"nominal": S, "ordinal": S, "interval": S},
                     "kappaEstimate": …, "pabak": S, "gwet": …, "mcNemar": …, "stuartMaxwell": …, "icc": …}, …]}
            where S is {"value": x} or {"notDefined": "reason"}.
            """,
        shouldDisplay: false)

    @Flag(help: "Benchmark the agreement figures and the whole insight report on seeded synthetic data instead of reading stdin.")
    var bench = false
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

        /// The figures beyond κ (issue 15).
        struct KappaEstimates: Encodable {
            var unweighted, linear, quadratic: KappaEstimate
        }

        struct Gwet: Encodable {
            var ac1PassFail, ac1, ac2Linear, ac2Quadratic: FigureInterval
        }

        var kappa: Kappa
        var passFailKappa, exact, withinOne: Statistic
        var alpha: Alpha
        var kappaEstimate: KappaEstimates
        var pabak: Statistic
        var gwet: Gwet
        var mcNemar: McNemarTest
        var stuartMaxwell: MarginalHomogeneityTest
        var icc: IntraclassCorrelation
        /// The κ bootstrap by counts (issue 21), 1,000 resamples from ``bootstrapSeed``: scripts/check-stats.py checks
        /// its ends against a pair-by-pair bootstrap within sampling error.
        var kappaBootstrap: KappaBootstrap

        static let bootstrapSeed: UInt64 = 20_261_207

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
            kappaEstimate = KappaEstimates(unweighted: Agreement.kappaEstimate(matrix, weighting: .unweighted),
                                           linear: Agreement.kappaEstimate(matrix, weighting: .linear),
                                           quadratic: Agreement.kappaEstimate(matrix, weighting: .quadratic))
            pabak = Agreement.passFailPABAK(matrix)
            gwet = Gwet(ac1PassFail: Agreement.passFailAC1(matrix), ac1: Agreement.gwet(matrix, weighting: .unweighted),
                        ac2Linear: Agreement.gwet(matrix, weighting: .linear),
                        ac2Quadratic: Agreement.gwet(matrix, weighting: .quadratic))
            mcNemar = Agreement.mcNemar(matrix)
            stuartMaxwell = Agreement.stuartMaxwell(matrix)
            var rows: [[Double]] = []
            for i in matrix.counts.indices {
                for j in matrix.counts.indices where matrix.counts[i][j] > 0 {
                    let pair = [Double(i + matrix.categories.lowerBound), Double(j + matrix.categories.lowerBound)]
                    rows.append(contentsOf: repeatElement(pair, count: matrix.counts[i][j]))
                }
            }
            icc = Agreement.intraclassCorrelation(rows)
            kappaBootstrap = Agreement.kappaBootstrap(matrix, samples: 1000, seed: Self.bootstrapSeed)
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
        /// `InsightReport.compute` and its JSON on a synthetic `InsightData` of the same size.
        var insightReport: InsightReportBench
    }

    /// The insight report part of `--bench`.
    struct InsightReportBench: Encodable {
        struct Milliseconds: Encodable {
            var compute, encodeJSON, total: Double
        }

        struct Ratio: Encodable {
            var compute, encodeJSON, total: Double
        }

        struct Figures: Encodable {
            var failRate, nearMissShareOfFailures, overturnRate, localResolutionRate: Statistic
            var alphaOrdinal: AlphaInterval
            var medianDaysToDecision: Statistic
        }

        var observations, cases, calibrationCases, opinions, assignments, attributes, ratings: Int
        var jsonBytes: Int
        var figures: Figures
        /// Medians over the runs.
        var milliseconds: Milliseconds
        /// Over the baseline of the agreement benchmark (sorting its ratings once).
        var ratio: Ratio
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
        let insight = try insightReportBenchmark(baseline: baseline)
        try Self.printJSON(BenchReport(
            observations: observations, ratings: ratings, runs: runs, seed: seed, figures: figures, milliseconds: times,
            baseline: .init(name: "sort the \(scores.count) ratings once", milliseconds: baseline),
            ratio: baseline > 0 ? times.total / baseline : 0, insightReport: insight))
    }

    /// Times `InsightReport.compute` (with the bootstrap) and its JSON encoding on ``syntheticInsightData(observations:seed:)``.
    func insightReportBenchmark(baseline: Double) throws -> InsightReportBench {
        let data = Self.syntheticInsightData(observations: observations, seed: seed)
        func milliseconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
        func median(_ times: [Double]) -> Double { Descriptive.median(times).value ?? 0 }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var computeTimes: [Double] = [], encodeTimes: [Double] = []
        var report: InsightReport?
        var bytes = 0
        for _ in 0..<runs {
            var start = DispatchTime.now().uptimeNanoseconds
            let computed = InsightReport.compute(data, bootstrapSamples: samples, seed: seed)
            computeTimes.append(milliseconds(since: start))
            start = DispatchTime.now().uptimeNanoseconds
            bytes = try encoder.encode(computed).count
            encodeTimes.append(milliseconds(since: start))
            report = computed
        }
        guard let report else { throw ValidationError("--runs must be positive.") }
        let times = InsightReportBench.Milliseconds(
            compute: median(computeTimes), encodeJSON: median(encodeTimes),
            total: median(zip(computeTimes, encodeTimes).map { $0 + $1 }))
        func ratio(_ value: Double) -> Double { baseline > 0 ? value / baseline : 0 }
        let overall = report.outcomes.overall
        return InsightReportBench(
            observations: data.observations.count, cases: report.counts.cases, calibrationCases: report.calibration.cases,
            opinions: data.opinions.count, assignments: data.assignments.count, attributes: data.attributes.count,
            ratings: 2 * data.observations.count + data.opinions.count, jsonBytes: bytes,
            figures: .init(
                failRate: overall.failRate.value, nearMissShareOfFailures: overall.nearMissShareOfFailures.value,
                overturnRate: overall.overturnRate.value, localResolutionRate: overall.localResolutionRate.value,
                alphaOrdinal: report.agreement.alpha.ordinalBootstrap,
                medianDaysToDecision: overall.timeToDecision.medianDays),
            milliseconds: times, ratio: .init(compute: ratio(times.compute), encodeJSON: ratio(times.encodeJSON),
                                              total: ratio(times.total)))
    }

    /// A seeded year of insight data: `observations` observations (quality 1–7 peaking at 4, the assessor ±1, the
    /// employer one higher two times in five) of `observations / 3` candidates at 40 employers, by 60 assessors; a case
    /// on two observations in five (a dispute when employer and assessor fall either side of the pass mark, else a
    /// manual flag or a sample), 85 % of them decided — disputes a third of the time locally — and the others decided by
    /// a panel of 2 or 3 of 150 moderators (their opinions the quality ±1, the outcome their median), an assignment per
    /// opinion (a few late) and one open per undecided case; 500 calibration cases with four opinions each; consented
    /// attributes for half the candidates. About 40,000 cases and 100,000 opinions for 100,000 observations.
    static func syntheticInsightData(observations count: Int, seed: UInt64) -> InsightData {
        var generator = SplitMix64(seed: seed ^ 0x1_2026_1203)
        func uuid() -> UUID {
            let (high, low) = (generator.next(), generator.next())
            var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &bytes) { raw in
                raw.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
            }
            return UUID(uuid: bytes)
        }
        func clamp(_ score: Int) -> Int { min(7, max(1, score)) }
        func noise() -> Int { [-1, 0, 0, 0, 1][generator.below(5)] }
        let day = 86_400.0
        let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        let employers = (0..<40).map { _ in OrganisationID(rawValue: uuid()) }
        let assessors = (0..<60).map { _ in UserID(rawValue: uuid()) }
        let moderators = (0..<150).map { _ in UserID(rawValue: uuid()) }
        let candidates = (0..<max(1, count / 3)).map { _ in CandidateID(rawValue: uuid()) }
        var observations: [InsightData.ObservationFacts] = [], cases: [InsightData.CaseFacts] = []
        var opinions: [InsightData.OpinionFacts] = [], assignments: [InsightData.AssignmentFacts] = []
        observations.reserveCapacity(count)
        func moderatorKind(_ index: Int) -> ModeratorKind { index % 4 == 0 ? .lay : .professional }

        for index in 0..<count {
            let quality = 1 + generator.below(4) + generator.below(4)
            let assessor = clamp(quality + noise())
            let employer = clamp(quality + (generator.below(5) < 2 ? 1 : 0) + noise())
            let candidate = generator.below(candidates.count)
            let observedAt = start.addingTimeInterval(Double(generator.below(365 * 24)) * 3600)
            let uploadedAt = generator.below(10) == 0 ? nil : observedAt.addingTimeInterval(Double(generator.below(72)) * 3600)
            let observation = ObservationID(rawValue: uuid())
            observations.append(.init(
                id: observation, candidateID: candidates[candidate], employerID: employers[candidate % employers.count],
                observedAt: observedAt, employerScore: employer, assessorScore: assessor,
                assessorID: assessors[generator.below(assessors.count)], firstUploadAt: uploadedAt))
            guard index % 5 < 2 else { continue }

            let disputed = (employer >= 4) != (assessor >= 4)
            let kind: Case.Kind = disputed ? .automaticDispute : (generator.below(3) == 0 ? .manualFlag : .sample)
            let caseID = CaseID(rawValue: uuid())
            let openedAt = (uploadedAt ?? observedAt).addingTimeInterval(day)
            let decided = generator.below(100) < 85
            let local = decided && kind != .sample && generator.below(3) == 0
            var outcome: Int?
            var decidedAt: Date?
            if local {
                outcome = generator.below(2) == 0 ? employer : assessor
                decidedAt = openedAt.addingTimeInterval(Double(1 + generator.below(7)) * day)
            } else {
                let panel = generator.below(5) < 4 ? 3 : 2
                var scores: [Int] = []
                var latest = openedAt
                for _ in 0..<panel {
                    let moderator = generator.below(moderators.count)
                    let assignedAt = openedAt.addingTimeInterval(Double(generator.below(48)) * 3600)
                    let dueAt = assignedAt.addingTimeInterval(7 * day)
                    let submittedAt = assignedAt.addingTimeInterval(Double(1 + generator.below(9 * 24)) * 3600)
                    let score = clamp(quality + noise())
                    scores.append(score)
                    latest = max(latest, submittedAt)
                    opinions.append(.init(caseID: caseID, moderatorID: moderators[moderator],
                                          moderatorKind: moderatorKind(moderator), round: 1, score: score,
                                          submittedAt: submittedAt))
                    assignments.append(.init(caseID: caseID, moderatorID: moderators[moderator], assignedAt: assignedAt,
                                             dueAt: dueAt, endedAt: submittedAt, isOpen: false))
                }
                if decided {
                    outcome = scores.sorted()[scores.count / 2]
                    decidedAt = latest.addingTimeInterval(Double(generator.below(48)) * 3600)
                } else {
                    let moderator = generator.below(moderators.count)
                    assignments.append(.init(caseID: caseID, moderatorID: moderators[moderator], assignedAt: latest,
                                             dueAt: latest.addingTimeInterval(7 * day), endedAt: nil, isOpen: true))
                }
            }
            cases.append(.init(
                id: caseID, observationID: observation, kind: kind,
                state: decided ? (generator.below(2) == 0 ? .closed : .decided) : .inModeration, openedAt: openedAt,
                decidedAt: decidedAt, outcomeScore: outcome, decidedLocally: local, calibrationScore: nil))
        }
        for _ in 0..<min(500, count) {
            let seeded = observations[generator.below(observations.count)]
            let definitive = seeded.assessorScore ?? 4
            let caseID = CaseID(rawValue: uuid())
            cases.append(.init(id: caseID, observationID: seeded.id, kind: nil, state: .inModeration,
                               openedAt: seeded.observedAt, decidedAt: nil, outcomeScore: nil, decidedLocally: false,
                               calibrationScore: definitive))
            for _ in 0..<4 {
                let moderator = generator.below(moderators.count)
                let submittedAt = start.addingTimeInterval(Double(generator.below(365 * 24)) * 3600)
                opinions.append(.init(caseID: caseID, moderatorID: moderators[moderator],
                                      moderatorKind: moderatorKind(moderator), round: 1,
                                      score: clamp(definitive + noise()), submittedAt: submittedAt))
            }
        }
        var attributes: [InsightData.AttributeFacts] = []
        let ethnicities = ["Asian", "Black", "Mixed", "White", "Other"]
        for (index, candidate) in candidates.enumerated() where index % 2 == 0 {
            attributes.append(.init(candidateID: candidate, name: "ethnicity", value: ethnicities[generator.below(5)]))
            attributes.append(.init(candidateID: candidate, name: "disability", value: generator.below(6) == 0 ? "yes" : "no"))
        }
        var names: [OrganisationID: String] = [:]
        for (index, employer) in employers.enumerated() { names[employer] = "Employer \(index + 1)" }
        return InsightData(observations: observations, cases: cases, opinions: opinions, assignments: assignments,
                           attributes: attributes, employerNames: names, now: start.addingTimeInterval(380 * day))
    }
}
