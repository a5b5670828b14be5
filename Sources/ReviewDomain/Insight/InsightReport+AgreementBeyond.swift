import Foundation

// The agreement figures beyond κ in the insight report (issue 15): κ's intervals, PABAK, Gwet's AC1/AC2, McNemar's and
// the Stuart–Maxwell tests, the ICC, and κ and AC2 per employer and per assessor with small groups suppressed.
// Formulas: Agreement+BeyondKappa.swift and docs/statistics.md.

extension InsightReport {
    /// Figures that stay meaningful where κ misleads (skewed data), intervals for every κ, and the tests of whether
    /// one side scores systematically higher — all on the employer/assessor pairs of ``AgreementFigures``.
    public struct BeyondKappa: Sendable, Equatable, Codable {
        /// κ with its large-sample standard error and normal 95 % interval, per weighting and on pass/fail.
        public struct Kappas: Sendable, Equatable, Codable {
            public var unweighted, linear, quadratic, passFail: KappaEstimate
        }

        public var kappa: Kappas
        /// Percentile bootstrap intervals of every κ (pairs resampled in the order of their cells).
        public var kappaBootstrap: KappaBootstrap
        /// Prevalence- and bias-adjusted κ on pass/fail: 2 p_o − 1.
        public var pabak: Statistic
        /// Gwet's AC1 on pass/fail and on the seven scores as categories; AC2 with linear and quadratic weights.
        public var ac1PassFail, ac1, ac2Linear, ac2Quadratic: FigureInterval
        /// Does one side pass more often (McNemar), or use the scores differently (Stuart–Maxwell)?
        public var mcNemar: McNemarTest
        public var stuartMaxwell: MarginalHomogeneityTest
        /// ICC(A,1) and ICC(A,k) for absolute agreement, the scores taken as numbers.
        public var icc: IntraclassCorrelation

        init(_ matrix: ConfusionMatrix, bootstrapSamples: Int, seed: UInt64) {
            kappa = Kappas(unweighted: Agreement.kappaEstimate(matrix, weighting: .unweighted),
                           linear: Agreement.kappaEstimate(matrix, weighting: .linear),
                           quadratic: Agreement.kappaEstimate(matrix, weighting: .quadratic),
                           passFail: Agreement.kappaEstimate(matrix.passFail, weighting: .unweighted))
            kappaBootstrap = Agreement.kappaBootstrap(matrix, samples: bootstrapSamples, seed: seed)
            pabak = Agreement.passFailPABAK(matrix)
            ac1PassFail = Agreement.passFailAC1(matrix)
            ac1 = Agreement.gwet(matrix, weighting: .unweighted)
            ac2Linear = Agreement.gwet(matrix, weighting: .linear)
            ac2Quadratic = Agreement.gwet(matrix, weighting: .quadratic)
            mcNemar = Agreement.mcNemar(matrix)
            stuartMaxwell = Agreement.stuartMaxwell(matrix)
            icc = Agreement.intraclassCorrelation(matrix.scoreRows)
        }
    }

    /// Quadratic κ and AC2 for one employer's or one assessor's pairs; a group with fewer than
    /// ``AgreementGroups/minimumPairs`` pairs shows nothing but that it is small.
    public struct AgreementGroup: Sendable, Equatable, Codable {
        /// The employer's or the assessor's id, and the employer's name when known.
        public var id: String
        public var name: String?
        /// Whether the group is too small to show (fewer than 5 pairs): then every figure, and the count, are absent.
        public var suppressed: Bool
        public var pairs: Int?
        public var kappaQuadratic: FigureInterval?
        public var ac2Quadratic: FigureInterval?
    }

    /// Agreement per employer and per assessor (employers see only their own row, and no assessor's).
    public struct AgreementGroups: Sendable, Equatable, Codable {
        /// Groups with fewer pairs show no figures.
        public static let minimumPairs = 5
        public var byEmployer: [AgreementGroup]
        public var byAssessor: [AgreementGroup]

        init(_ selection: InsightSelection) {
            // Tallied by the selection's dense numbers of employers and assessors (no id made text or hashed per
            // observation); a group is a matrix with at least one pair.
            var employers = [ConfusionMatrix?](repeating: nil, count: selection.employers.count)
            var assessorIndex = DenseIndex<UserID>(), assessors: [ConfusionMatrix] = []
            for (index, observation) in selection.observations.enumerated() {
                guard let e = observation.employerScore, let a = observation.assessorScore else { continue }
                let employer = selection.employerOf[index]
                if employers[employer] == nil { employers[employer] = ConfusionMatrix() }
                employers[employer]?.add(employer: e, assessor: a)
                if let assessor = observation.assessorID {
                    let position = assessorIndex.index(assessor)
                    if position == assessors.count { assessors.append(ConfusionMatrix()) }
                    assessors[position].add(employer: e, assessor: a)
                }
            }
            func groups(_ matrices: [(id: String, name: String?, matrix: ConfusionMatrix)]) -> [AgreementGroup] {
                matrices.map { id, name, matrix in
                    let small = matrix.total < Self.minimumPairs
                    return AgreementGroup(
                        id: id, name: name, suppressed: small, pairs: small ? nil : matrix.total,
                        kappaQuadratic: small ? nil : Agreement.kappaEstimate(matrix, weighting: .quadratic).kappa,
                        ac2Quadratic: small ? nil : Agreement.gwet(matrix, weighting: .quadratic))
                }.sorted { ($0.name ?? $0.id, $0.id) < ($1.name ?? $1.id, $1.id) }
            }
            byEmployer = groups(zip(selection.employers, employers).compactMap { id, matrix in
                matrix.map { (id.description, selection.data.employerNames[id], $0) }
            })
            byAssessor = groups(zip(assessorIndex.ids, assessors).map { ($0.description, nil, $1) })
        }
    }
}

extension ConfusionMatrix {
    /// One `[employer, assessor]` row per pair, in the order of the cells: the same for any order of the data.
    var scoreRows: [[Double]] {
        var rows: [[Double]] = []
        rows.reserveCapacity(total)
        for i in counts.indices {
            for j in counts.indices where counts[i][j] > 0 {
                let pair = [Double(i + categories.lowerBound), Double(j + categories.lowerBound)]
                rows.append(contentsOf: repeatElement(pair, count: counts[i][j]))
            }
        }
        return rows
    }
}

extension InsightReport {
    /// Rows for the summary table: figure, value, lower, upper, n.
    var beyondKappaRows: [[String]] {
        let b = agreement.beyondKappa
        func row(_ figure: String, _ value: Statistic, _ lower: Statistic? = nil, _ upper: Statistic? = nil, n: Int? = nil) -> [String] {
            [figure, InsightTable.cell(value), lower.map(InsightTable.cell) ?? "", upper.map(InsightTable.cell) ?? "",
             n.map(InsightTable.cell) ?? ""]
        }
        func interval(_ figure: String, _ f: FigureInterval) -> [String] { row(figure, f.value, f.lower, f.upper, n: f.count) }
        let boot = b.kappaBootstrap
        return [
            interval("kappaUnweightedAnalytic", b.kappa.unweighted.kappa),
            row("kappaUnweightedBootstrap", b.kappa.unweighted.kappa.value, boot.unweighted.lower, boot.unweighted.upper, n: agreement.pairs),
            interval("kappaLinearAnalytic", b.kappa.linear.kappa),
            row("kappaLinearBootstrap", b.kappa.linear.kappa.value, boot.linear.lower, boot.linear.upper, n: agreement.pairs),
            interval("kappaQuadraticAnalytic", b.kappa.quadratic.kappa),
            row("kappaQuadraticBootstrap", b.kappa.quadratic.kappa.value, boot.quadratic.lower, boot.quadratic.upper, n: agreement.pairs),
            interval("passFailKappaAnalytic", b.kappa.passFail.kappa),
            row("passFailKappaBootstrap", b.kappa.passFail.kappa.value, boot.passFail.lower, boot.passFail.upper, n: agreement.pairs),
            row("pabakPassFail", b.pabak, n: agreement.pairs),
            interval("gwetAC1PassFail", b.ac1PassFail),
            interval("gwetAC1", b.ac1),
            interval("gwetAC2Linear", b.ac2Linear),
            interval("gwetAC2Quadratic", b.ac2Quadratic),
            row("mcNemarExactPValue", b.mcNemar.exactPValue, n: b.mcNemar.employerPassAssessorFail + b.mcNemar.employerFailAssessorPass),
            row("mcNemarEmployerPassAssessorFail", .value(Double(b.mcNemar.employerPassAssessorFail))),
            row("mcNemarEmployerFailAssessorPass", .value(Double(b.mcNemar.employerFailAssessorPass))),
            row("mcNemarChiSquare", b.mcNemar.chiSquare),
            row("mcNemarChiSquarePValue", b.mcNemar.chiSquarePValue),
            row("stuartMaxwellChiSquare", b.stuartMaxwell.statistic, n: b.stuartMaxwell.degreesOfFreedom),
            row("stuartMaxwellPValue", b.stuartMaxwell.pValue),
            interval("iccAbsoluteSingle", b.icc.single),
            interval("iccAbsoluteAverage", b.icc.average),
            row("iccF", b.icc.f),
            row("iccPValue", b.icc.pValue),
        ]
    }

    /// `agreement-by-employer` and `agreement-by-assessor`.
    var agreementGroupTables: [InsightTable] {
        func table(_ name: String, _ groups: [AgreementGroup]) -> InsightTable {
            InsightTable(
                name: name,
                columns: ["id", "name", "suppressed", "pairs", "kappaQuadratic", "kappaLower", "kappaUpper", "ac2Quadratic",
                          "ac2Lower", "ac2Upper"],
                rows: groups.map { group in
                    guard !group.suppressed, let kappa = group.kappaQuadratic, let ac2 = group.ac2Quadratic else {
                        return [group.id, group.name ?? "", "true", "< \(AgreementGroups.minimumPairs)", "", "", "", "", "", ""]
                    }
                    return [group.id, group.name ?? "", "false", InsightTable.cell(group.pairs ?? 0), InsightTable.cell(kappa.value),
                            InsightTable.cell(kappa.lower), InsightTable.cell(kappa.upper), InsightTable.cell(ac2.value),
                            InsightTable.cell(ac2.lower), InsightTable.cell(ac2.upper)]
                })
        }
        return [table("agreement-by-employer", agreementGroups.byEmployer), table("agreement-by-assessor", agreementGroups.byAssessor)]
    }
}
