import Foundation

/// Statistical disclosure control for the figures released outside the lead and the auditor (docs/statistics.md,
/// "Release rules").
///
/// A released table is a set of counts whose total is published (or can be worked out from other releases). The
/// rule for one such set:
/// - **primary suppression**: a cell counting 1 to 4 (fewer than ``threshold``) is withheld;
/// - **complementary suppression**: while any cell is withheld and either only one is, or the withheld cells add up
///   to fewer than ``threshold``, the smallest shown cell is withheld too (non-zero cells before zeros; ties by
///   position). The total minus the shown cells then gives only the withheld cells' sum, which is 5 or more and
///   spread over two or more cells: no single cell, and so no person, can be recovered. When the cells run out
///   first, everything is withheld.
public enum DisclosureControl {
    /// Cells counting fewer than this are withheld.
    public static let threshold = 5

    /// The positions of `counts` to withhold under the rule above.
    public static func withheld(_ counts: [Int], threshold: Int = threshold) -> Set<Int> {
        var withheld = Set(counts.indices.filter { counts[$0] > 0 && counts[$0] < threshold })
        guard !withheld.isEmpty else { return [] }
        var sum = withheld.reduce(0) { $0 + counts[$1] }
        // Complements: the smallest non-zero cells first, then zero cells; ties by position.
        let candidates = counts.indices.filter { !withheld.contains($0) }.sorted {
            let (a, b) = (counts[$0], counts[$1])
            if (a == 0) != (b == 0) { return a != 0 }
            return (a, $0) < (b, $1)
        }
        for index in candidates where withheld.count == 1 || sum < threshold {
            withheld.insert(index)
            sum += counts[index]
        }
        return withheld
    }
}

// MARK: - What an employer is given

extension InsightReport {
    /// The figures an employer may see for one ended reporting period: its own staff's report, and the scheme's overall
    /// figures under the release rules.
    ///
    /// - Own staff: the employer's own observations in the period, without the rows of assessors and moderators (who are
    ///   not its staff). The employer already sees its staff's scores and outcomes case by case; what the report adds
    ///   that it could not see — the consented attributes — is in the fairness breakdowns, which are suppressed by
    ///   ``DisclosureControl`` (groups under 5 people, complemented).
    /// - The scheme: what the employer does not know is the *other* employers' part (the scheme minus its own). When
    ///   fewer than 5 other candidates were observed in the period nothing about the scheme is released; otherwise the
    ///   headline figures, and each source's score distribution with a cell withheld whenever the other employers' part
    ///   of it counts 1 to 4 (complemented as above, so that subtracting the employer's own counts recovers nobody).
    public static func employerRelease(
        _ data: InsightData, employer: OrganisationID, period: ReportingPeriod, bootstrapSamples: Int = 1000, seed: UInt64 = 20_261_203
    ) -> EmployerRelease {
        let own = InsightFilter(from: period.start, to: period.end, employerID: employer)
        var report = compute(data, filter: own, bootstrapSamples: bootstrapSamples, seed: seed)
        report.leniency.byAssessor = []
        report.agreementGroups.byAssessor = []
        report.leniency.byModerator = []
        report.calibration.byModerator = []
        let scheme = compute(data, filter: InsightFilter(from: period.start, to: period.end), bootstrapSamples: bootstrapSamples, seed: seed)
        let others = scheme.counts.candidates - Set(data.observations.lazy.filter { own.includes($0) }.map(\.candidateID)).count
        guard others >= DisclosureControl.threshold else {
            return EmployerRelease(
                period: period, report: report,
                overall: .withheld(reason: "Fewer than \(DisclosureControl.threshold) other employers' candidates were observed in \(period): "
                                   + "the scheme's figures would show theirs, so they are not released for this period."))
        }
        let distribution = zip(scheme.distribution, report.distribution).map { scheme, own in
            let withheld = DisclosureControl.withheld(zip(scheme.counts, own.counts).map { $0 - $1 })
            return ReleasedDistribution(
                source: scheme.source, counts: scheme.counts.indices.map { withheld.contains($0) ? nil : scheme.counts[$0] },
                total: scheme.total)
        }
        return EmployerRelease(
            period: period, report: report,
            overall: OverallRelease(counts: scheme.counts, agreement: AgreementHeadline(scheme.agreement), outcomes: scheme.outcomes.overall,
                                    distribution: distribution, withheldReason: nil))
    }

    /// Headline agreement figures without the cell counts (the confusion matrix and McNemar's discordant pairs are
    /// counts of few observations; the coefficients are not).
    public struct AgreementHeadline: Sendable, Equatable, Codable {
        public var pairs: Int
        public var kappa: AgreementFigures.Kappa
        public var passFailKappa: Statistic
        public var exactAgreement: Statistic
        public var withinOneAgreement: Statistic
        public var meanDifference: MeanInterval
        /// Observations with two or more values, and the ordinal α with its bootstrap interval.
        public var alphaUnits: Int
        public var alphaOrdinal: AlphaInterval

        public init(_ agreement: AgreementFigures) {
            pairs = agreement.pairs
            kappa = agreement.kappa
            passFailKappa = agreement.passFailKappa
            exactAgreement = agreement.exactAgreement
            withinOneAgreement = agreement.withinOneAgreement
            meanDifference = agreement.meanDifference
            alphaUnits = agreement.alpha.units
            alphaOrdinal = agreement.alpha.ordinalBootstrap
        }
    }

    /// A score distribution as released: `counts[s − 1]` for s in 1…7, `nil` where withheld.
    public struct ReleasedDistribution: Sendable, Equatable, Codable {
        public var source: ScoreDistribution.Source
        public var counts: [Int?]
        public var total: Int
    }

    /// The scheme's overall figures as released to an employer, or the reason they are withheld.
    public struct OverallRelease: Sendable, Equatable, Codable {
        public var counts: Counts?
        public var agreement: AgreementHeadline?
        public var outcomes: PeriodOutcomes?
        public var distribution: [ReleasedDistribution]
        /// Why nothing about the scheme is released, when it is not.
        public var withheldReason: String?

        static func withheld(reason: String) -> OverallRelease {
            OverallRelease(counts: nil, agreement: nil, outcomes: nil, distribution: [], withheldReason: reason)
        }
    }

    /// What an employer is given for one period.
    public struct EmployerRelease: Sendable, Equatable, Codable {
        public var period: ReportingPeriod
        /// The employer's own staff.
        public var report: InsightReport
        public var overall: OverallRelease
    }
}
