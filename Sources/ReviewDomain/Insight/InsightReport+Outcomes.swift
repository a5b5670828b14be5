import Foundation

// The outcome figures of the insight report: overall and by calendar month of observation.

extension InsightReport {
    /// The outcome figures over the whole selection and for each calendar month (UTC) of `observedAt`, ascending.
    /// Cases and assignments count in the month of their observation. Calibration cases (and their assignments) are
    /// left out.
    public struct OutcomeFigures: Sendable, Equatable, Codable {
        public var overall: PeriodOutcomes
        /// One entry per month with at least one observation, ascending.
        public var byMonth: [MonthlyOutcomes]

        init(_ selection: InsightSelection) {
            var overall = OutcomeTally()
            var monthly: [Int: OutcomeTally] = [:]
            for (index, outcome) in selection.outcomes.enumerated() {
                overall.add(outcome)
                monthly[selection.months[index], default: OutcomeTally()].add(outcome)
            }
            for (index, facts) in selection.cases.enumerated() where !facts.isCalibration && facts.decidedScore != nil {
                let observation = selection.caseObservation[index]
                guard let uploaded = selection.observations[observation].firstUploadAt, let decided = facts.decidedAt else {
                    continue
                }
                let days = decided.timeIntervalSince(uploaded) / 86_400
                overall.days.append(days)
                monthly[selection.months[observation], default: OutcomeTally()].days.append(days)
            }
            let now = selection.data.now
            for (assignment, caseIndex) in zip(selection.assignments, selection.assignmentCase)
            where !selection.cases[caseIndex].isCalibration {
                overall.add(assignment, now: now)
                monthly[selection.months[selection.caseObservation[caseIndex]], default: OutcomeTally()].add(assignment, now: now)
            }
            self.overall = overall.period
            byMonth = monthly.keys.sorted().map { MonthlyOutcomes(month: CalendarMonth.key($0), outcomes: monthly[$0]!.period) }
        }
    }

    /// The outcome figures of one calendar month of observation.
    public struct MonthlyOutcomes: Sendable, Equatable, Codable {
        /// `yyyy-MM`, UTC.
        public var month: String
        public var outcomes: PeriodOutcomes
    }

    /// The outcome figures of a set of observations.
    ///
    /// - The **final score** of an observation is the outcome score of its latest decided case (state `decided` or
    ///   `closed` with an outcome score; latest by `decidedAt`) if it has one, else its assessor score; observations
    ///   with neither are not counted.
    /// - **failRate**: counted observations with a final score ≤ 3, of counted observations.
    /// - **nearMissShareOfFailures**: failures with a final score of exactly 3, of failures.
    /// - **disputeRate**: observations with at least one case of kind `automaticDispute` or `manualFlag`, of all
    ///   observations.
    /// - **overturnRate**: of the cases decided by moderation (`decidedLocally == false`) whose observation has an
    ///   assessor score, those whose outcome is on the other side of the pass mark (≥ 4) from the assessor's score.
    /// - **localResolutionRate**: of the decided dispute cases (`automaticDispute`, `manualFlag`), those decided
    ///   locally.
    /// - **timeToDecision**: days from the observation's first upload to the case's `decidedAt`, over decided cases
    ///   whose observation has an upload: the median and the 90th percentile (type 7).
    /// - **overdueAssignments**: open assignments whose `dueAt` is before `InsightData.now`, of open assignments.
    /// - **lateAssignments**: ended assignments whose `endedAt` is after `dueAt`, of ended assignments.
    public struct PeriodOutcomes: Sendable, Equatable, Codable {
        /// Observations in the period.
        public var observations: Int
        public var failRate: Rate
        public var nearMissShareOfFailures: Rate
        public var disputeRate: Rate
        public var overturnRate: Rate
        public var localResolutionRate: Rate
        public var timeToDecision: TimeToDecision
        public var overdueAssignments: Rate
        public var lateAssignments: Rate
    }

    /// Days from the first upload of an observation to the decision of one of its cases.
    public struct TimeToDecision: Sendable, Equatable, Codable {
        /// Decided cases with an upload on their observation.
        public var count: Int
        /// The median, in days.
        public var medianDays: Statistic
        /// The 90th percentile (type 7), in days.
        public var p90Days: Statistic

        init(_ days: [Double]) {
            count = days.count
            guard !days.isEmpty else {
                let reason = "no decided case in the selection has an uploaded recording"
                medianDays = .notDefined(reason: reason)
                p90Days = .notDefined(reason: reason)
                return
            }
            let sorted = days.sorted()
            medianDays = .finite(Descriptive.sortedQuantile(sorted, 0.5), otherwise: "a date is not finite")
            p90Days = .finite(Descriptive.sortedQuantile(sorted, 0.9), otherwise: "a date is not finite")
        }
    }

    /// The four outcome rates the fairness breakdowns compare (definitions: ``PeriodOutcomes``).
    public struct GroupRates: Sendable, Equatable, Codable {
        public var failRate: Rate
        public var nearMissShareOfFailures: Rate
        public var disputeRate: Rate
        public var overturnRate: Rate
    }
}

/// Running counts behind ``InsightReport/PeriodOutcomes`` and ``InsightReport/GroupRates``.
struct OutcomeTally {
    var observations = 0, counted = 0, failures = 0, nearMisses = 0, disputed = 0
    var moderated = 0, overturned = 0, decidedDisputes = 0, resolvedLocally = 0
    var days: [Double] = []
    var openAssignments = 0, overdue = 0, endedAssignments = 0, late = 0

    mutating func add(_ outcome: ObservationOutcome) {
        observations += 1
        if let score = outcome.finalScore {
            counted += 1
            if score < Score.passMark {
                failures += 1
                if score == Score.nearMissValue { nearMisses += 1 }
            }
        }
        if outcome.disputed { disputed += 1 }
        moderated += outcome.moderated
        overturned += outcome.overturned
        decidedDisputes += outcome.decidedDisputes
        resolvedLocally += outcome.resolvedLocally
    }

    mutating func add(_ assignment: InsightData.AssignmentFacts, now: Date) {
        if assignment.isOpen {
            openAssignments += 1
            if assignment.dueAt < now { overdue += 1 }
        } else if let ended = assignment.endedAt {
            endedAssignments += 1
            if ended > assignment.dueAt { late += 1 }
        }
    }

    var rates: InsightReport.GroupRates {
        InsightReport.GroupRates(
            failRate: .init(failures, of: counted, otherwise: "no observation in the selection has a final score"),
            nearMissShareOfFailures: .init(nearMisses, of: failures, otherwise: "no observation in the selection failed"),
            disputeRate: .init(disputed, of: observations, otherwise: "there are no observations in the selection"),
            overturnRate: .init(overturned, of: moderated, otherwise: "no case in the selection was decided by moderation"))
    }

    var period: InsightReport.PeriodOutcomes {
        let rates = rates
        return InsightReport.PeriodOutcomes(
            observations: observations, failRate: rates.failRate, nearMissShareOfFailures: rates.nearMissShareOfFailures,
            disputeRate: rates.disputeRate, overturnRate: rates.overturnRate,
            localResolutionRate: .init(
                resolvedLocally, of: decidedDisputes, otherwise: "no dispute case in the selection is decided"),
            timeToDecision: .init(days),
            overdueAssignments: .init(overdue, of: openAssignments, otherwise: "no assignment in the selection is open"),
            lateAssignments: .init(late, of: endedAssignments, otherwise: "no assignment in the selection has ended"))
    }
}

// MARK: - Tables

extension InsightReport.PeriodOutcomes {
    /// The columns of an outcomes table, after the period's own.
    static let columns = [
        "observations", "countedObservations", "failures", "failRate", "nearMisses", "nearMissShareOfFailures",
        "disputedObservations", "disputeRate", "moderatedCases", "overturns", "overturnRate", "decidedDisputes",
        "resolvedLocally", "localResolutionRate", "timedDecisions", "medianDaysToDecision", "p90DaysToDecision",
        "openAssignments", "overdueAssignments", "overdueRate", "endedAssignments", "lateAssignments", "lateRate",
    ]

    /// The cells under ``columns``.
    var cells: [String] {
        [InsightTable.cell(observations), InsightTable.cell(failRate.denominator)] + InsightTable.cells(failRate)
            + InsightTable.cells(nearMissShareOfFailures)
            + [InsightTable.cell(disputeRate.numerator), InsightTable.cell(disputeRate.value)]
            + [InsightTable.cell(overturnRate.denominator)] + InsightTable.cells(overturnRate)
            + [InsightTable.cell(localResolutionRate.denominator)] + InsightTable.cells(localResolutionRate)
            + [InsightTable.cell(timeToDecision.count), InsightTable.cell(timeToDecision.medianDays),
               InsightTable.cell(timeToDecision.p90Days)]
            + [InsightTable.cell(overdueAssignments.denominator)] + InsightTable.cells(overdueAssignments)
            + [InsightTable.cell(lateAssignments.denominator)] + InsightTable.cells(lateAssignments)
    }
}

extension InsightReport.OutcomeFigures {
    var tables: [InsightTable] {
        [
            InsightTable(name: "outcomes", columns: ["period"] + InsightReport.PeriodOutcomes.columns,
                         rows: [["all"] + overall.cells]),
            InsightTable(name: "outcomes-by-month", columns: ["month"] + InsightReport.PeriodOutcomes.columns,
                         rows: byMonth.map { [$0.month] + $0.outcomes.cells }),
        ]
    }
}
