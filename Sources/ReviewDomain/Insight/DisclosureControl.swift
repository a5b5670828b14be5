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
    /// The figures an employer may see for one reporting period: its own staff's report, and the scheme's overall
    /// figures under the release rules (docs/statistics.md, "Release rules").
    ///
    /// - Own staff: the employer's own observations in the period, without the rows of assessors and moderators (who are
    ///   not its staff) and **without any breakdown by candidates' attributes**: the employer sees its staff's outcomes
    ///   case by case, so any outcome figure by attribute among them narrows down who has which attribute (a group's one
    ///   failure is the one failure it knows of; a group with no failures passed everyone).
    /// - The scheme: what the employer does not know is the *other* employers' part (the scheme minus its own). When
    ///   fewer than 5 other candidates were observed in the period nothing about the scheme is released. Otherwise the
    ///   counts, the agreement coefficients and the outcome rates, each rate withheld whenever the other employers'
    ///   part of its numerator or of its complement counts 1 to 4 (a rate whose denominator is another rate's withheld
    ///   numerator goes too). No score distribution or confusion matrix of the scheme: their cells, with the rates,
    ///   would be a system of equations to solve for the withheld ones.
    public static func employerRelease(
        _ data: InsightData, employer: OrganisationID, period: ReportingPeriod, bootstrapSamples: Int = 1000, seed: UInt64 = 20_261_203
    ) -> EmployerRelease {
        let own = InsightFilter(from: period.start, to: period.end, employerID: employer)
        var report = compute(data, filter: own, bootstrapSamples: bootstrapSamples, seed: seed)
        report.leniency.byAssessor = []
        report.agreementGroups.byAssessor = []
        report.leniency.byModerator = []
        report.calibration.byModerator = []
        report.fairness.byAttribute = []
        let scheme = compute(data, filter: InsightFilter(from: period.start, to: period.end), bootstrapSamples: bootstrapSamples, seed: seed)
        let others = scheme.counts.candidates - Set(data.observations.lazy.filter { own.includes($0) }.map(\.candidateID)).count
        guard others >= DisclosureControl.threshold else {
            return EmployerRelease(
                period: period, report: report,
                overall: .withheld(reason: "Fewer than \(DisclosureControl.threshold) other employers' candidates were observed in \(period): "
                                   + "the scheme's figures would show theirs, so they are not released for this period."))
        }
        return EmployerRelease(
            period: period, report: report,
            overall: OverallRelease(counts: scheme.counts, agreement: AgreementHeadline(scheme.agreement),
                                    outcomes: ReleasedOutcomes(scheme: scheme.outcomes.overall, own: report.outcomes.overall), withheldReason: nil))
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

    /// A rate as released: its numerator and denominator, or neither (and the value "not defined", saying why) when the
    /// other employers' part of it would be a group of 1 to 4.
    public struct ReleasedRate: Sendable, Equatable, Codable {
        public var numerator: Int?
        public var denominator: Int?
        public var value: Statistic
        /// Whether it was withheld by the release rules.
        public var withheld: Bool

        static let reason = "withheld: fewer than \(DisclosureControl.threshold) of the other employers' observations on one side of it"

        /// `rate` as it is (nothing withheld): the lead's and auditor's figures, and an employer's own.
        public init(_ rate: Rate) {
            numerator = rate.numerator
            denominator = rate.denominator
            value = rate.value
            withheld = false
        }

        /// `scheme`'s rate, unless the others' part (`scheme` − `own`) of its numerator or complement counts 1 to 4, or
        /// `denominatorWithheld`.
        init(scheme: Rate, own: Rate, denominatorWithheld: Bool = false) {
            let numerator = scheme.numerator - own.numerator
            let complement = (scheme.denominator - scheme.numerator) - (own.denominator - own.numerator)
            if denominatorWithheld || !DisclosureControl.withheld([numerator, complement]).isEmpty {
                self.numerator = nil
                denominator = nil
                value = .notDefined(reason: Self.reason)
                withheld = true
            } else {
                self.numerator = scheme.numerator
                denominator = scheme.denominator
                value = scheme.value
                withheld = false
            }
        }
    }

    /// The scheme's outcome figures as released to an employer.
    public struct ReleasedOutcomes: Sendable, Equatable, Codable {
        public var observations: Int
        public var failRate: ReleasedRate
        public var nearMissShareOfFailures: ReleasedRate
        public var disputeRate: ReleasedRate
        public var overturnRate: ReleasedRate
        public var localResolutionRate: ReleasedRate
        /// Withheld (nil) when fewer than 5 of the decided cases are other employers'.
        public var timeToDecision: TimeToDecision?
        public var overdueAssignments: ReleasedRate
        public var lateAssignments: ReleasedRate

        /// `outcomes` as they are (nothing withheld).
        public init(_ outcomes: PeriodOutcomes) {
            observations = outcomes.observations
            failRate = ReleasedRate(outcomes.failRate)
            nearMissShareOfFailures = ReleasedRate(outcomes.nearMissShareOfFailures)
            disputeRate = ReleasedRate(outcomes.disputeRate)
            overturnRate = ReleasedRate(outcomes.overturnRate)
            localResolutionRate = ReleasedRate(outcomes.localResolutionRate)
            timeToDecision = outcomes.timeToDecision
            overdueAssignments = ReleasedRate(outcomes.overdueAssignments)
            lateAssignments = ReleasedRate(outcomes.lateAssignments)
        }

        init(scheme: PeriodOutcomes, own: PeriodOutcomes) {
            observations = scheme.observations
            failRate = ReleasedRate(scheme: scheme.failRate, own: own.failRate)
            // Its denominator is the failures: withheld with them.
            nearMissShareOfFailures = ReleasedRate(scheme: scheme.nearMissShareOfFailures, own: own.nearMissShareOfFailures,
                                                   denominatorWithheld: failRate.withheld)
            disputeRate = ReleasedRate(scheme: scheme.disputeRate, own: own.disputeRate)
            overturnRate = ReleasedRate(scheme: scheme.overturnRate, own: own.overturnRate)
            localResolutionRate = ReleasedRate(scheme: scheme.localResolutionRate, own: own.localResolutionRate)
            timeToDecision = scheme.timeToDecision.count - own.timeToDecision.count >= DisclosureControl.threshold ? scheme.timeToDecision : nil
            overdueAssignments = ReleasedRate(scheme: scheme.overdueAssignments, own: own.overdueAssignments)
            lateAssignments = ReleasedRate(scheme: scheme.lateAssignments, own: own.lateAssignments)
        }
    }

    /// The scheme's overall figures as released to an employer, or the reason they are withheld.
    public struct OverallRelease: Sendable, Equatable, Codable {
        public var counts: Counts?
        public var agreement: AgreementHeadline?
        public var outcomes: ReleasedOutcomes?
        /// Why nothing about the scheme is released, when it is not.
        public var withheldReason: String?

        static func withheld(reason: String) -> OverallRelease {
            OverallRelease(counts: nil, agreement: nil, outcomes: nil, withheldReason: reason)
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
