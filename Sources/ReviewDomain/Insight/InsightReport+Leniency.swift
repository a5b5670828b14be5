import Foundation

// Leniency (who scores higher than whom) and calibration (moderators against definitive scores) in the insight report.

// MARK: - Leniency

extension InsightReport {
    /// Who scores higher than whom. Every table is ordered by its mean, highest (most generous) first, rows without a
    /// mean last, ties by id.
    public struct LeniencyFigures: Sendable, Equatable, Codable {
        public var byEmployer: [EmployerLeniency]
        public var byAssessor: [AssessorLeniency]
        public var byModerator: [ModeratorLeniency]

        init(_ selection: InsightSelection) {
            var employers = [[Double]](repeating: [], count: selection.employers.count)
            var assessorIndex = DenseIndex<UserID>(), assessors: [AssessorTally] = []
            for (index, observation) in selection.observations.enumerated() {
                if let employer = observation.employerScore, let assessor = observation.assessorScore {
                    employers[selection.employerOf[index]].append(Double(employer - assessor))
                }
                if observation.assessorScore != nil, let assessorID = observation.assessorID {
                    let assessor = assessorIndex.index(assessorID)
                    if assessor == assessors.count { assessors.append(AssessorTally()) }
                    assessors[assessor].scored += 1
                }
            }
            for (index, facts) in selection.cases.enumerated() where facts.isModerationDecision {
                let observation = selection.observations[selection.caseObservation[index]]
                guard let outcome = facts.decidedScore, let assessor = observation.assessorScore,
                    let assessorID = observation.assessorID, let position = assessorIndex.existing(assessorID)
                else { continue }
                assessors[position].add(assessor: assessor, outcome: outcome)
            }
            var moderatorIndex = DenseIndex<UserID>(), moderators: [ModeratorTally] = []
            for (opinion, caseIndex) in zip(selection.opinions, selection.opinionCase) {
                let facts = selection.cases[caseIndex]
                guard !facts.isCalibration else { continue }
                let moderator = moderatorIndex.index(opinion.moderatorID)
                if moderator == moderators.count { moderators.append(ModeratorTally(opinion)) }
                moderators[moderator].add(opinion, reference: facts.decidedScore)
            }

            byEmployer = zip(selection.employers, employers).compactMap { id, differences in
                differences.isEmpty ? nil : EmployerLeniency(
                    employerID: id, name: selection.data.employerNames[id], difference: Descriptive.meanWithInterval(differences))
            }.sorted {
                MeanInterval.descending($0.difference, $1.difference) ?? ($0.employerID.description < $1.employerID.description)
            }
            byAssessor = zip(assessorIndex.ids, assessors).map { id, tally in
                AssessorLeniency(
                    assessorID: id, scored: tally.scored, difference: Descriptive.meanWithInterval(tally.differences),
                    overturnRate: Rate(tally.overturned, of: tally.differences.count,
                                       otherwise: "no case on this assessor's observations was decided by moderation"))
            }.sorted {
                MeanInterval.descending($0.difference, $1.difference) ?? ($0.assessorID.description < $1.assessorID.description)
            }
            byModerator = zip(moderatorIndex.ids, moderators).map { id, tally in
                ModeratorLeniency(
                    moderatorID: id, kind: tally.kind, opinions: tally.opinions,
                    deviation: Descriptive.meanWithInterval(tally.deviations),
                    meanAbsoluteDeviation: Descriptive.mean(tally.deviations.map(abs)))
            }.sorted {
                MeanInterval.descending($0.deviation, $1.deviation) ?? ($0.moderatorID.description < $1.moderatorID.description)
            }
        }
    }

    /// One employer: employer − assessor over its observations with both scores (positive: the employer scores higher).
    public struct EmployerLeniency: Sendable, Equatable, Codable {
        public var employerID: OrganisationID
        /// From `InsightData.employerNames`, when known.
        public var name: String?
        /// Employer − assessor with a 95 % t interval; its `count` is the number of observations with both scores.
        public var difference: MeanInterval
    }

    /// One assessor, against moderation: assessor score − outcome score over the cases on their observations that
    /// moderation decided (positive: the assessor scored higher than the moderators decided), and the share of those
    /// cases whose outcome reversed the assessor's pass/fail.
    public struct AssessorLeniency: Sendable, Equatable, Codable {
        public var assessorID: UserID
        /// Observations in the selection with this assessor's current score.
        public var scored: Int
        /// Assessor − outcome over the cases decided by moderation; its `count` is the number of those cases.
        public var difference: MeanInterval
        /// Of those cases, the ones whose outcome is on the other side of the pass mark from the assessor's score.
        public var overturnRate: Rate
    }

    /// One moderator, against the panel's consensus: opinion − outcome score over their current opinions on decided,
    /// non-calibration cases (positive: the moderator scores higher than the panel decided). The moderator's own
    /// opinion is part of the consensus, so the deviations lean towards 0, the more so on small panels.
    public struct ModeratorLeniency: Sendable, Equatable, Codable {
        public var moderatorID: UserID
        /// As recorded on their latest opinion.
        public var kind: ModeratorKind
        /// Current opinions on non-calibration cases in the selection, decided or not.
        public var opinions: Int
        /// Opinion − outcome on the decided cases, with a 95 % t interval; its `count` is the number compared.
        public var deviation: MeanInterval
        /// The mean of |opinion − outcome| on the decided cases.
        public var meanAbsoluteDeviation: Statistic
    }
}

private struct AssessorTally {
    var scored = 0
    var differences: [Double] = []
    var overturned = 0

    mutating func add(assessor: Int, outcome: Int) {
        differences.append(Double(assessor - outcome))
        if (assessor >= Score.passMark) != (outcome >= Score.passMark) { overturned += 1 }
    }
}

/// A moderator's opinions: their kind as of the latest, and deviations from a reference score.
private struct ModeratorTally {
    var kind: ModeratorKind
    var latest: Date
    var opinions = 0
    var deviations: [Double] = []

    init(_ first: InsightData.OpinionFacts) {
        kind = first.moderatorKind
        latest = first.submittedAt
    }

    mutating func add(_ opinion: InsightData.OpinionFacts, reference: Int?) {
        opinions += 1
        if opinion.submittedAt > latest {
            latest = opinion.submittedAt
            kind = opinion.moderatorKind
        }
        if let reference { deviations.append(Double(opinion.score - reference)) }
    }
}

// MARK: - Calibration

extension InsightReport {
    /// Moderators against the definitive scores of calibration cases (cases with `kind == nil` and a
    /// `calibrationScore`): deviation = the score given − the definitive score (positive: more generous). Ordered by
    /// mean deviation, highest first, ties by id.
    public struct CalibrationFigures: Sendable, Equatable, Codable {
        /// Calibration cases in the selection with a definitive score.
        public var cases: Int
        /// Current opinions on them.
        public var opinions: Int
        public var byModerator: [ModeratorCalibration]

        init(_ selection: InsightSelection) {
            cases = selection.cases.reduce(0) { $0 + ($1.isCalibration && $1.calibrationScore != nil ? 1 : 0) }
            var moderators: [UserID: (tally: ModeratorTally, months: [Int])] = [:]
            var opinions = 0
            for (opinion, caseIndex) in zip(selection.opinions, selection.opinionCase) {
                let facts = selection.cases[caseIndex]
                guard facts.isCalibration, let definitive = facts.calibrationScore else { continue }
                opinions += 1
                moderators[opinion.moderatorID, default: (ModeratorTally(opinion), [])].tally.add(opinion, reference: definitive)
                moderators[opinion.moderatorID]!.months.append(CalendarMonth.number(opinion.submittedAt))
            }
            self.opinions = opinions
            byModerator = moderators.map { id, entry in
                ModeratorCalibration(moderatorID: id, kind: entry.tally.kind, deviations: entry.tally.deviations,
                                     months: entry.months)
            }.sorted {
                MeanInterval.descending($0.deviation, $1.deviation) ?? ($0.moderatorID.description < $1.moderatorID.description)
            }
        }
    }

    /// One moderator's calibration: deviations from the definitive scores, and their drift over time.
    ///
    /// **drift** is the mean deviation in each calendar month (UTC) of `submittedAt`, ascending. **driftSlope** is the
    /// least-squares slope of the deviations (one point per opinion) against the months since the moderator's first
    /// calibration month, in points per month: b = Σ (x − x̄)(y − ȳ) / Σ (x − x̄)². Negative: the moderator is growing
    /// stricter (or less generous). Not defined with opinions in fewer than two distinct months.
    public struct ModeratorCalibration: Sendable, Equatable, Codable {
        public var moderatorID: UserID
        /// As recorded on their latest calibration opinion.
        public var kind: ModeratorKind
        /// Given − definitive with a 95 % t interval; its `count` is the number of calibration opinions.
        public var deviation: MeanInterval
        /// The mean of |given − definitive|.
        public var meanAbsoluteDeviation: Statistic
        public var drift: [MonthlyValue]
        public var driftSlope: Statistic

        init(moderatorID: UserID, kind: ModeratorKind, deviations: [Double], months: [Int]) {
            self.moderatorID = moderatorID
            self.kind = kind
            deviation = Descriptive.meanWithInterval(deviations)
            meanAbsoluteDeviation = Descriptive.mean(deviations.map(abs))
            var byMonth: [Int: (count: Int, sum: Double)] = [:]
            for (value, month) in zip(deviations, months) {
                byMonth[month, default: (0, 0)].count += 1
                byMonth[month]!.sum += value
            }
            drift = byMonth.keys.sorted().map { month in
                let entry = byMonth[month]!
                return MonthlyValue(month: CalendarMonth.key(month), count: entry.count,
                                    mean: .finite(entry.sum / Double(entry.count), otherwise: "the mean overflowed"))
            }
            driftSlope = Self.slope(deviations, months: months)
        }

        /// The least-squares slope of `values` against `months` (relative to the first).
        static func slope(_ values: [Double], months: [Int]) -> Statistic {
            guard Set(months).count >= 2, let first = months.min() else {
                return .notDefined(reason: "a drift needs calibration opinions in at least two months")
            }
            let xs = months.map { Double($0 - first) }
            let n = Double(values.count)
            let meanX = xs.reduce(0, +) / n, meanY = values.reduce(0, +) / n
            var sxy = 0.0, sxx = 0.0
            for (x, y) in zip(xs, values) {
                sxy += (x - meanX) * (y - meanY)
                sxx += (x - meanX) * (x - meanX)
            }
            return .finite(sxy / sxx, otherwise: "the slope overflowed")
        }
    }
}

// MARK: - Tables

extension InsightReport.LeniencyFigures {
    var tables: [InsightTable] {
        [
            InsightTable(
                name: "leniency-by-employer",
                columns: ["employerID", "employer", "pairs", "meanDifference", "lower", "upper"],
                rows: byEmployer.map {
                    [$0.employerID.description, $0.name ?? ""] + InsightTable.cells($0.difference)
                }),
            InsightTable(
                name: "leniency-by-assessor",
                columns: ["assessorID", "scored", "moderatedCases", "meanDifference", "lower", "upper", "overturns",
                          "overturnRate"],
                rows: byAssessor.map {
                    [$0.assessorID.description, InsightTable.cell($0.scored)] + InsightTable.cells($0.difference)
                        + InsightTable.cells($0.overturnRate)
                }),
            InsightTable(
                name: "leniency-by-moderator",
                columns: ["moderatorID", "kind", "opinions", "compared", "meanDeviation", "lower", "upper",
                          "meanAbsoluteDeviation"],
                rows: byModerator.map {
                    [$0.moderatorID.description, $0.kind.rawValue, InsightTable.cell($0.opinions)]
                        + InsightTable.cells($0.deviation) + [InsightTable.cell($0.meanAbsoluteDeviation)]
                }),
        ]
    }
}

extension InsightReport.CalibrationFigures {
    var tables: [InsightTable] {
        [
            InsightTable(
                name: "calibration-by-moderator",
                columns: ["moderatorID", "kind", "opinions", "meanDeviation", "lower", "upper", "meanAbsoluteDeviation",
                          "driftSlopePerMonth"],
                rows: byModerator.map {
                    [$0.moderatorID.description, $0.kind.rawValue] + InsightTable.cells($0.deviation)
                        + [InsightTable.cell($0.meanAbsoluteDeviation), InsightTable.cell($0.driftSlope)]
                }),
            InsightTable(
                name: "calibration-drift",
                columns: ["moderatorID", "month", "opinions", "meanDeviation"],
                rows: byModerator.flatMap { moderator in
                    moderator.drift.map {
                        [moderator.moderatorID.description, $0.month, InsightTable.cell($0.count), InsightTable.cell($0.mean)]
                    }
                }),
        ]
    }
}
