public import Foundation

// The insight report (issue 7, part 2): every figure of the insight pages, API and `obsreview stats` as one pure
// function of ``InsightData`` — agreement, outcomes, leniency, calibration, fairness and score distributions — and
// the same figures as flat tables for CSV. The definitions are in the doc comments and in docs/statistics.md,
// "Insight report: definitions". The outcome figures are in InsightReport+Outcomes.swift, leniency and calibration
// in InsightReport+Leniency.swift, the fairness breakdowns in InsightReport+Fairness.swift.

// MARK: - Filter

/// Which observations a report covers: those with `observedAt` in `[from, to)` (either end open when `nil`) and, when
/// `employerID` is set, of that employer. Cases follow their observation (calibration cases included: they follow
/// the observation they were seeded from), opinions and assignments follow their case, and candidates' attributes
/// count only for candidates with an observation in the selection.
///
/// JSON: `{"from": "2026-01-01T00:00:00Z", "to": …, "employerID": "…"}`, dates as ISO 8601 in UTC whatever the
/// encoder's date strategy, absent keys for `nil`.
public struct InsightFilter: Sendable, Equatable, Codable {
    /// The first instant included, or `nil` for no lower bound.
    public var from: Date?
    /// The first instant excluded, or `nil` for no upper bound.
    public var to: Date?
    /// Only this employer's observations, or `nil` for every employer.
    public var employerID: OrganisationID?

    public init(from: Date? = nil, to: Date? = nil, employerID: OrganisationID? = nil) {
        self.from = from
        self.to = to
        self.employerID = employerID
    }

    /// Whether the filter selects `observation`.
    public func includes(_ observation: InsightData.ObservationFacts) -> Bool {
        if let from, observation.observedAt < from { return false }
        if let to, observation.observedAt >= to { return false }
        if let employerID, observation.employerID != employerID { return false }
        return true
    }

    private enum CodingKeys: String, CodingKey {
        case from, to, employerID
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func date(_ key: CodingKeys) throws -> Date? {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let date = ISO8601Date.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "\(text) is not an ISO 8601 date or date-time")
            }
            return date
        }
        from = try date(.from)
        to = try date(.to)
        employerID = try container.decodeIfPresent(OrganisationID.self, forKey: .employerID)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(from.map(CalendarMonth.iso8601), forKey: .from)
        try container.encodeIfPresent(to.map(CalendarMonth.iso8601), forKey: .to)
        try container.encodeIfPresent(employerID, forKey: .employerID)
    }
}

// MARK: - Report

/// Every figure of the insight report, computed from ``InsightData`` by ``compute(_:filter:bootstrapSamples:seed:)``.
///
/// Pure and deterministic: the same data, filter, sample count and seed give the same report (and the same JSON) on
/// every platform. No figure is NaN: each is a ``Statistic`` (a value or the reason there is none), a ``Rate`` (a
/// numerator, a denominator and their ratio as a statistic) or a count. Calibration cases (`kind == nil`) are left
/// out of every figure except ``calibration``. Months are calendar months in UTC, keyed `yyyy-MM`.
public struct InsightReport: Sendable, Equatable, Codable {
    /// The selection the figures cover.
    public var filter: InsightFilter
    /// How much data the figures rest on.
    public var counts: Counts
    /// Employer–assessor agreement, and the reliability of all raters.
    public var agreement: AgreementFigures
    /// Fail, near-miss, dispute, overturn and local-resolution rates, time to decision, late assignments.
    public var outcomes: OutcomeFigures
    /// Who scores higher than whom.
    public var leniency: LeniencyFigures
    /// Moderators against the definitive scores of calibration cases.
    public var calibration: CalibrationFigures
    /// Outcome rates by employer and by consented candidate attribute, with small groups suppressed.
    public var fairness: FairnessFigures
    /// How often each score 1–7 was given, by source: employer, assessor, moderator, outcome (in that order).
    public var distribution: [ScoreDistribution]
    /// Quadratic κ and AC2 per employer and per assessor, groups under 5 pairs suppressed.
    public var agreementGroups: AgreementGroups

    public init(
        filter: InsightFilter, counts: Counts, agreement: AgreementFigures, outcomes: OutcomeFigures,
        leniency: LeniencyFigures, calibration: CalibrationFigures, fairness: FairnessFigures,
        distribution: [ScoreDistribution], agreementGroups: AgreementGroups
    ) {
        self.agreementGroups = agreementGroups
        self.filter = filter
        self.counts = counts
        self.agreement = agreement
        self.outcomes = outcomes
        self.leniency = leniency
        self.calibration = calibration
        self.fairness = fairness
        self.distribution = distribution
    }

    /// The report on the observations `filter` selects.
    ///
    /// `bootstrapSamples` and `seed` drive the bootstrap interval of the ordinal Krippendorff's alpha
    /// (``Agreement/krippendorffAlphaBootstrap(_:level:samples:seed:confidence:)``). Runs in a few single passes over
    /// the data, with dictionaries keyed by id; the bootstrap dominates (about 0.25 s for 100,000 observations and
    /// 1,000 resamples).
    public static func compute(
        _ data: InsightData, filter: InsightFilter = .init(), bootstrapSamples: Int = 1000, seed: UInt64 = 20_261_203
    ) -> InsightReport {
        let selection = InsightSelection(data, filter: filter)
        return InsightReport(
            filter: filter,
            counts: Counts(selection),
            agreement: AgreementFigures(selection, bootstrapSamples: bootstrapSamples, seed: seed),
            outcomes: OutcomeFigures(selection),
            leniency: LeniencyFigures(selection),
            calibration: CalibrationFigures(selection),
            fairness: FairnessFigures(selection),
            distribution: ScoreDistribution.all(selection),
            agreementGroups: AgreementGroups(selection))
    }
}

// MARK: - Shared figures

extension InsightReport {
    /// A share: `numerator` of `denominator`, and `value` = numerator / denominator — not defined (with the reason
    /// given) when the denominator is 0. JSON: `{"numerator": 3, "denominator": 10, "value": {"value": 0.3}}`.
    public struct Rate: Sendable, Equatable, Codable {
        public var numerator: Int
        public var denominator: Int
        public var value: Statistic

        /// `numerator` of `denominator`; `reason` says why there is no value when `denominator` is 0.
        public init(_ numerator: Int, of denominator: Int, otherwise reason: @autoclosure () -> String) {
            self.numerator = numerator
            self.denominator = denominator
            value = denominator > 0 ? .value(Double(numerator) / Double(denominator)) : .notDefined(reason: reason())
        }
    }

    /// A mean over one calendar month.
    public struct MonthlyValue: Sendable, Equatable, Codable {
        /// `yyyy-MM`, UTC.
        public var month: String
        /// The number of values in the month.
        public var count: Int
        /// Their mean.
        public var mean: Statistic
    }

    /// How much data the report rests on.
    public struct Counts: Sendable, Equatable, Codable {
        /// Observations in the selection.
        public var observations: Int
        /// Of those, observations with a current employer score and a current assessor score.
        public var observationsWithBothScores: Int
        /// Cases on them, calibration cases not counted.
        public var cases: Int
        /// Of those, cases decided (state `decided` or `closed`, with an outcome score).
        public var decidedCases: Int
        /// Current moderators' opinions on those cases (calibration opinions are in ``CalibrationFigures``).
        public var opinions: Int
        /// Distinct candidates observed.
        public var candidates: Int

        init(_ selection: InsightSelection) {
            observations = selection.observations.count
            observationsWithBothScores = selection.observations.reduce(0) {
                $0 + ($1.employerScore != nil && $1.assessorScore != nil ? 1 : 0)
            }
            var cases = 0, decided = 0
            for facts in selection.cases where !facts.isCalibration {
                cases += 1
                if facts.decidedScore != nil { decided += 1 }
            }
            self.cases = cases
            decidedCases = decided
            opinions = selection.opinionCase.reduce(0) { $0 + (selection.cases[$1].isCalibration ? 0 : 1) }
            candidates = selection.candidates.count
        }
    }
}

// MARK: - Agreement

extension InsightReport {
    /// Agreement between employer and assessor, and the reliability of every rater.
    ///
    /// The pair figures are on the observations with both a current employer and a current assessor score (pairs
    /// outside 1–7 are tallied in the matrix's `ignored`): Cohen's κ unweighted, linear and quadratic on the 1–7 scale;
    /// κ on pass (≥ 4) / fail; exact and within-one agreement; the 7 × 7 ``ConfusionMatrix`` (rows the employer's
    /// score, columns the assessor's); and the mean of employer − assessor with a 95 % t interval (positive: employers
    /// score higher).
    ///
    /// Krippendorff's α is across all raters: one unit per observation, whose values are its employer score, its
    /// assessor score, the scores of further assessors who double-marked it, and the current opinions of the moderators of its non-calibration cases (every round); units
    /// with fewer than two values do not count. Ordinal (the headline), nominal and interval, and a seeded bootstrap
    /// 95 % percentile interval of the ordinal α. Formulas: the sections above in docs/statistics.md.
    public struct AgreementFigures: Sendable, Equatable, Codable {
        /// Cohen's κ under the three weightings.
        public struct Kappa: Sendable, Equatable, Codable {
            public var unweighted: Statistic
            public var linear: Statistic
            public var quadratic: Statistic
        }

        /// Krippendorff's α across employer, assessor and moderators.
        public struct Alpha: Sendable, Equatable, Codable {
            /// Observations with two or more values (the pairable units).
            public var units: Int
            /// Values in those units.
            public var values: Int
            public var nominal: Statistic
            public var ordinal: Statistic
            public var interval: Statistic
            /// The ordinal α with its bootstrap percentile interval.
            public var ordinalBootstrap: AlphaInterval
        }

        /// Observations with both scores: the pairs.
        public var pairs: Int
        public var kappa: Kappa
        /// Unweighted κ on fail (1–3) / pass (4–7).
        public var passFailKappa: Statistic
        /// Share of pairs with the same score.
        public var exactAgreement: Statistic
        /// Share of pairs at most one point apart.
        public var withinOneAgreement: Statistic
        /// Rows: the employer's score; columns: the assessor's.
        public var confusionMatrix: ConfusionMatrix
        /// Employer − assessor over the pairs, with a 95 % t interval.
        public var meanDifference: MeanInterval
        public var alpha: Alpha
        /// Intervals for every κ, PABAK, Gwet's AC1/AC2, McNemar, Stuart–Maxwell and the ICC (issue 15).
        public var beyondKappa: BeyondKappa

        init(_ selection: InsightSelection, bootstrapSamples: Int, seed: UInt64) {
            var matrix = ConfusionMatrix()
            var differences: [Double] = []
            var units: [[Double?]] = []
            units.reserveCapacity(selection.observations.count)
            for observation in selection.observations {
                var unit: [Double?] = []
                if let employer = observation.employerScore { unit.append(Double(employer)) }
                if let assessor = observation.assessorScore { unit.append(Double(assessor)) }
                for other in observation.otherAssessorScores { unit.append(Double(other)) }
                if let employer = observation.employerScore, let assessor = observation.assessorScore {
                    matrix.add(employer: employer, assessor: assessor)
                    differences.append(Double(employer - assessor))
                }
                units.append(unit)
            }
            for (opinion, caseIndex) in zip(selection.opinions, selection.opinionCase)
            where !selection.cases[caseIndex].isCalibration {
                units[selection.caseObservation[caseIndex]].append(Double(opinion.score))
            }
            pairs = differences.count
            kappa = Kappa(
                unweighted: Agreement.cohensKappa(matrix, weighting: .unweighted),
                linear: Agreement.cohensKappa(matrix, weighting: .linear),
                quadratic: Agreement.cohensKappa(matrix, weighting: .quadratic))
            passFailKappa = Agreement.passFailKappa(matrix)
            exactAgreement = Agreement.exactAgreement(matrix)
            withinOneAgreement = Agreement.withinOneAgreement(matrix)
            confusionMatrix = matrix
            meanDifference = Descriptive.meanWithInterval(differences)
            beyondKappa = BeyondKappa(matrix, bootstrapSamples: bootstrapSamples, seed: seed)

            // The patterns are built once for nominal and interval; the bootstrap builds its own and gives the ordinal α.
            let patterns = ReliabilityPatterns(units)
            let bootstrap = Agreement.krippendorffAlphaBootstrap(units, level: .ordinal, samples: bootstrapSamples, seed: seed)
            let pairable = units.reduce(into: (units: 0, values: 0)) { total, unit in
                if unit.count >= 2 {
                    total.units += 1
                    total.values += unit.count
                }
            }
            alpha = Alpha(
                units: pairable.units, values: pairable.values,
                nominal: patterns.alpha(multiplicities: patterns.multiplicities, level: .nominal),
                ordinal: bootstrap.alpha,
                interval: patterns.alpha(multiplicities: patterns.multiplicities, level: .interval),
                ordinalBootstrap: bootstrap)
        }
    }
}

// MARK: - Distribution

extension InsightReport {
    /// How often one source gave each score: `counts[s − 1]` is the number of scores `s`, for s in 1…7 (scores outside
    /// the scale are not counted).
    ///
    /// Sources: `employer` and `assessor` — the current scores of the selected observations; `moderator` — the current
    /// opinions on non-calibration cases (every round); `outcome` — each observation's final decided outcome (the
    /// latest decided case's outcome score, observations without a decided case not counted).
    public struct ScoreDistribution: Sendable, Equatable, Codable {
        /// Whose scores.
        public enum Source: String, Sendable, Equatable, Codable, CaseIterable {
            case employer, assessor, moderator, outcome
        }

        public var source: Source
        /// Seven counts, for scores 1 to 7.
        public var counts: [Int]

        /// The number of scores counted.
        public var total: Int { counts.reduce(0, +) }

        init(source: Source, scores: some Sequence<Int>) {
            self.source = source
            var counts = [Int](repeating: 0, count: Score.range.count)
            for score in scores where Score.range.contains(score) { counts[score - Score.range.lowerBound] += 1 }
            self.counts = counts
        }

        static func all(_ selection: InsightSelection) -> [ScoreDistribution] {
            [
                ScoreDistribution(source: .employer, scores: selection.observations.lazy.compactMap(\.employerScore)),
                ScoreDistribution(source: .assessor, scores: selection.observations.lazy.compactMap(\.assessorScore)),
                ScoreDistribution(
                    source: .moderator,
                    scores: zip(selection.opinions, selection.opinionCase).lazy
                        .filter { !selection.cases[$0.1].isCalibration }.map(\.0.score)),
                ScoreDistribution(source: .outcome, scores: selection.outcomes.lazy.compactMap(\.decidedScore)),
            ]
        }
    }
}

// MARK: - Selection

extension InsightData.CaseFacts {
    /// A calibration case: it reviews no candidate and counts only in the calibration figures.
    var isCalibration: Bool { kind == nil }

    /// A dispute: opened automatically by the dispute rules or flagged by hand.
    var isDispute: Bool { kind == .automaticDispute || kind == .manualFlag }

    /// The outcome score when the case is decided (state `decided` or `closed` with an outcome score), else `nil`.
    var decidedScore: Int? { state.hasOutcome ? outcomeScore : nil }

    /// Decided by moderation rather than agreed in local review.
    var isModerationDecision: Bool { decidedScore != nil && !decidedLocally }
}

/// What one observation contributes to the outcome rates.
struct ObservationOutcome {
    /// The latest decided case's outcome score, if a case of it is decided.
    var decidedScore: Int?
    /// ``decidedScore``, else the assessor's score; `nil` (not counted) with neither.
    var finalScore: Int?
    /// Has at least one dispute case (automatic or manual flag).
    var disputed = false
    /// Its cases decided by moderation (when it has an assessor score), and how many of those reversed the
    /// assessor's pass/fail.
    var moderated = 0
    var overturned = 0
    /// Its decided dispute cases, and how many of those were resolved locally.
    var decidedDisputes = 0
    var resolvedLocally = 0
}

/// The observations a filter selects, with their cases, opinions and assignments, indexed once: cases point at
/// their observation by position, opinions and assignments at their case.
struct InsightSelection {
    let data: InsightData
    let observations: [InsightData.ObservationFacts]
    /// Each observation's calendar month (``CalendarMonth/number(_:)``).
    let months: [Int]
    let cases: [InsightData.CaseFacts]
    /// Each case's observation (index into ``observations``).
    let caseObservation: [Int]
    let opinions: [InsightData.OpinionFacts]
    /// Each opinion's case (index into ``cases``).
    let opinionCase: [Int]
    let assignments: [InsightData.AssignmentFacts]
    /// Each assignment's case (index into ``cases``).
    let assignmentCase: [Int]
    /// Each observation's outcome figures.
    let outcomes: [ObservationOutcome]
    /// The distinct candidates and employers observed, in order of first observation, and each observation's
    /// (indices into them).
    let candidates: [CandidateID]
    let candidateOf: [Int]
    let employers: [OrganisationID]
    let employerOf: [Int]

    init(_ data: InsightData, filter: InsightFilter) {
        self.data = data
        // Observations in the order of their stable keys (date, reference, id), whatever the input's order: the
        // bootstrap resamples by position, so a re-imported export (new ids, same references) gives the same intervals.
        // Without a filter the facts are shared, not copied one by one (100,000 copies with their retains).
        var observations = filter == InsightFilter() ? data.observations : data.observations.filter(filter.includes)
        if !observations.isSorted(by: InsightSelection.precedes) { observations.sort(by: InsightSelection.precedes) }
        var observationIndex: [IDKey: Int] = [:]
        observationIndex.reserveCapacity(observations.count)
        var candidates = DenseIndex<CandidateID>(), employers = DenseIndex<OrganisationID>()
        var candidateOf: [Int] = [], employerOf: [Int] = []
        candidateOf.reserveCapacity(observations.count)
        employerOf.reserveCapacity(observations.count)
        for (index, observation) in observations.enumerated() {
            observationIndex[IDKey(observation.id)] = index
            candidateOf.append(candidates.index(observation.candidateID))
            employerOf.append(employers.index(observation.employerID))
        }

        var cases: [InsightData.CaseFacts] = [], caseObservation: [Int] = [], caseIndex: [IDKey: Int] = [:]
        for facts in data.cases {
            guard let observation = observationIndex[IDKey(facts.observationID)] else { continue }
            caseIndex[IDKey(facts.id)] = cases.count
            cases.append(facts)
            caseObservation.append(observation)
        }
        var opinions: [InsightData.OpinionFacts] = [], opinionCase: [Int] = []
        for opinion in data.opinions {
            guard let index = caseIndex[IDKey(opinion.caseID)] else { continue }
            opinions.append(opinion)
            opinionCase.append(index)
        }
        var assignments: [InsightData.AssignmentFacts] = [], assignmentCase: [Int] = []
        for assignment in data.assignments {
            guard let index = caseIndex[IDKey(assignment.caseID)] else { continue }
            assignments.append(assignment)
            assignmentCase.append(index)
        }

        // Each observation's outcome: its latest decided case (by decision time, then opening time, then id, so
        // that the order of the input does not matter) and its disputes.
        var outcomes = [ObservationOutcome](repeating: ObservationOutcome(), count: observations.count)
        var latest = [Int](repeating: -1, count: observations.count)
        func isLater(_ a: InsightData.CaseFacts, than b: InsightData.CaseFacts) -> Bool {
            let aDecided = a.decidedAt ?? a.openedAt, bDecided = b.decidedAt ?? b.openedAt
            if aDecided != bDecided { return aDecided > bDecided }
            if a.openedAt != b.openedAt { return a.openedAt > b.openedAt }
            return a.id.description > b.id.description
        }
        for (index, facts) in cases.enumerated() where !facts.isCalibration {
            let observation = caseObservation[index]
            if facts.isDispute { outcomes[observation].disputed = true }
            guard let outcome = facts.decidedScore else { continue }
            if latest[observation] < 0 || isLater(facts, than: cases[latest[observation]]) { latest[observation] = index }
            if facts.isDispute {
                outcomes[observation].decidedDisputes += 1
                if facts.decidedLocally { outcomes[observation].resolvedLocally += 1 }
            }
            if !facts.decidedLocally, let assessor = observations[observation].assessorScore {
                outcomes[observation].moderated += 1
                if (outcome >= Score.passMark) != (assessor >= Score.passMark) { outcomes[observation].overturned += 1 }
            }
        }
        for index in observations.indices {
            if latest[index] >= 0 { outcomes[index].decidedScore = cases[latest[index]].decidedScore }
            outcomes[index].finalScore = outcomes[index].decidedScore ?? observations[index].assessorScore
        }

        self.observations = observations
        months = observations.map { CalendarMonth.number($0.observedAt) }
        self.cases = cases
        self.caseObservation = caseObservation
        self.opinions = opinions
        self.opinionCase = opinionCase
        self.assignments = assignments
        self.assignmentCase = assignmentCase
        self.outcomes = outcomes
        self.candidates = candidates.ids
        self.candidateOf = candidateOf
        self.employers = employers.ids
        self.employerOf = employerOf
    }
}

extension InsightSelection {
    /// The stable order of observations: by date, then reference (none first), then id.
    static func precedes(_ a: InsightData.ObservationFacts, _ b: InsightData.ObservationFacts) -> Bool {
        if a.observedAt != b.observedAt { return a.observedAt < b.observedAt }
        if a.reference != b.reference { return (a.reference ?? "") < (b.reference ?? "") }
        let (x, y) = (IDKey(a.id), IDKey(b.id))
        return (x.high, x.low) < (y.high, y.low)
    }
}

extension Array {
    /// Whether every element precedes or ties with the next under `areInIncreasingOrder`.
    func isSorted(by areInIncreasingOrder: (Element, Element) -> Bool) -> Bool {
        indices.dropLast().allSatisfy { !areInIncreasingOrder(self[$0 + 1], self[$0]) }
    }
}

/// A UUID as two words, for dictionary keys: hashing two `UInt64`s is several times cheaper than a `UUID` or an id
/// type (hashed byte by byte), which showed with 100,000 observations and as many opinions and assignments.
struct IDKey: Hashable {
    let high: UInt64
    let low: UInt64

    init(_ uuid: UUID) {
        (high, low) = withUnsafeBytes(of: uuid.uuid) {
            ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }

    init(_ id: some DomainIdentifier) { self.init(id.rawValue) }

    /// The two words mixed by one multiply and a shift with the table's seed, instead of SipHash through a `Hasher`
    /// (seeding and finishing one per lookup was a sixth of `InsightReport.compute` at 100,000 observations, decision
    /// 39). The keys are random ids the store made, not text an outsider chooses, so no hash flooding to guard against.
    func _rawHashValue(seed: Int) -> Int {
        var mixed = (high ^ UInt64(truncatingIfNeeded: seed)) &* 0x9E37_79B9_7F4A_7C15 ^ low &* 0xC2B2_AE3D_27D4_EB4F
        mixed ^= mixed >> 29
        return Int(truncatingIfNeeded: mixed)
    }
}

/// Numbers ids 0, 1, 2, … in order of first appearance, so per-id figures can live in arrays.
struct DenseIndex<ID: DomainIdentifier> {
    private(set) var ids: [ID] = []
    private var positions: [IDKey: Int] = [:]

    /// The id's number, assigning the next one to a new id.
    mutating func index(_ id: ID) -> Int {
        let key = IDKey(id)
        if let known = positions[key] { return known }
        positions[key] = ids.count
        ids.append(id)
        return ids.count - 1
    }

    /// The id's number, if it has one.
    func existing(_ id: ID) -> Int? { positions[IDKey(id)] }
}

// MARK: - Calendar months

/// Calendar months in UTC, as whole numbers (year × 12 + month − 1) for grouping and `yyyy-MM` for keys; computed
/// with Howard Hinnant's civil-from-days algorithm rather than `Calendar`, which costs microseconds a date.
enum CalendarMonth {
    /// The month of `date` in UTC: year × 12 + (month − 1).
    static func number(_ date: Date) -> Int {
        let (year, month, _) = civil(days: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        return year * 12 + month - 1
    }

    /// `yyyy-MM` for a month number.
    static func key(_ number: Int) -> String {
        let year = Int((Double(number) / 12).rounded(.down)), month = number - year * 12 + 1
        return padded(year, 4) + "-" + padded(month, 2)
    }

    /// The month number of a `yyyy-MM` key.
    static func number(key: String) -> Int? {
        let parts = key.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else {
            return nil
        }
        return year * 12 + month - 1
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` (with `.SSS` when the date has a fraction of a second), UTC.
    static func iso8601(_ date: Date) -> String {
        // Round to the millisecond first, so that 23:59:59.9996 becomes the next day's 00:00:00, not 24:00:00.
        let total = (date.timeIntervalSince1970 * 1000).rounded()
        let days = Int((total / 86_400_000).rounded(.down))
        let (year, month, day) = civil(days: days)
        let milliseconds = Int(total - Double(days) * 86_400_000)
        let second = milliseconds / 1000, fraction = milliseconds % 1000
        var text = padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + "T" + padded(second / 3600, 2) + ":"
            + padded(second / 60 % 60, 2) + ":" + padded(second % 60, 2)
        if fraction != 0 { text += "." + padded(fraction, 3) }
        return text + "Z"
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Year, month (1–12) and day (1–31) of a day count since 1970-01-01 (proleptic Gregorian).
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let (year, month, day) = CivilDate.fromDays(Int64(days))
        return (Int(year), Int(month), Int(day))
    }
}

// MARK: - Ordering

extension MeanInterval {
    /// Orders rows by mean, highest first, rows without a mean last.
    static func descending(_ a: MeanInterval, _ b: MeanInterval) -> Bool? {
        switch (a.mean.value, b.mean.value) {
        case let (x?, y?) where x != y: x > y
        case (_?, nil): true
        case (nil, _?): false
        default: nil
        }
    }
}

// MARK: - Tables and CSV

/// One table of an ``InsightReport`` as plain text cells, for CSV: numbers with at most six decimals (trailing zeros
/// dropped), `""` for a figure that is not defined, `"< 5"` (or `"5 or more"`) for the people of a suppressed group.
public struct InsightTable: Sendable, Equatable, Codable {
    /// A file-name-safe name, e.g. `outcomes-by-month`.
    public var name: String
    /// The header.
    public var columns: [String]
    /// The rows, each as long as ``columns``.
    public var rows: [[String]]

    public init(name: String, columns: [String], rows: [[String]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }

    /// The table as CSV (RFC 4180): the header row first, CRLF after every row, a field holding a comma, a quote, a
    /// CR or an LF in double quotes with its quotes doubled. Against CSV injection, a text field (not a number) that
    /// starts with `=`, `+`, `-`, `@`, a tab or a CR gets a leading apostrophe, so that spreadsheets show it as text
    /// rather than run it as a formula.
    public var csv: String {
        var text = ""
        for row in [columns] + rows {
            text += row.map(Self.field).joined(separator: ",")
            text += "\r\n"
        }
        return text
    }

    /// One CSV field: guarded against formula injection, then quoted if need be.
    static func field(_ cell: String) -> String {
        var value = cell
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isNumber(value) {
            value = "'" + value
        }
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Whether `text` is a plain decimal number: `-?digits(.digits)?`, optionally with an exponent.
    static func isNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        func digits() -> Bool {
            let count = bytes.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            bytes = bytes.dropFirst(count)
            return count > 0
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard digits() else { return false }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard digits() else { return false }
        }
        return bytes.isEmpty
    }

    /// A whole number.
    static func cell(_ value: Int) -> String { String(value) }

    /// A statistic: its value, or `""` when not defined.
    static func cell(_ statistic: Statistic) -> String { statistic.value.map(cell) ?? "" }

    /// A number rounded to six decimals, trailing zeros dropped (`0.3`, `0.333333`, `4`, `-0.5`); `""` if not finite.
    static func cell(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        let scaled = (abs(value) * 1_000_000).rounded()
        guard scaled < 9e15 else { return String(value) }  // beyond Int64 in millionths: Swift's shortest form
        let millionths = Int64(scaled)
        var text = (value < 0 && millionths != 0 ? "-" : "") + String(millionths / 1_000_000)
        let fraction = millionths % 1_000_000
        if fraction != 0 {
            var decimals = String(fraction)
            decimals = String(repeating: "0", count: 6 - decimals.count) + decimals
            while decimals.hasSuffix("0") { decimals.removeLast() }
            text += "." + decimals
        }
        return text
    }

    /// A rate as two cells: numerator, value.
    static func cells(_ rate: InsightReport.Rate) -> [String] { [cell(rate.numerator), cell(rate.value)] }

    /// A mean with its interval as four cells: count, mean, lower, upper.
    static func cells(_ mean: MeanInterval) -> [String] {
        [cell(mean.count), cell(mean.mean), cell(mean.lower), cell(mean.upper)]
    }
}

extension InsightReport {
    /// Every table of the report, in this order: `summary` (counts and agreement figures), `confusion-matrix`,
    /// `distribution`, `outcomes`, `outcomes-by-month`, `leniency-by-employer`, `leniency-by-assessor`,
    /// `leniency-by-moderator`, `calibration-by-moderator`, `calibration-drift`, `fairness-by-employer`, and
    /// `fairness-by-attribute-<name>` for each attribute, then `agreement-by-employer` and `agreement-by-assessor` (the name in lower case, characters other than letters, digits,
    /// `-` and `_` replaced by `-`, so that table names are safe as file names).
    public func tables() -> [InsightTable] {
        [summaryTable, confusionTable, distributionTable] + outcomes.tables + leniency.tables + calibration.tables
            + fairness.tables + agreementGroupTables
    }

    /// `table` as CSV: see ``InsightTable/csv``.
    public func csv(_ table: InsightTable) -> String { table.csv }

    private var summaryTable: InsightTable {
        func row(_ figure: String, _ value: Statistic, lower: Statistic? = nil, upper: Statistic? = nil, n: Int? = nil)
            -> [String]
        {
            [figure, InsightTable.cell(value), lower.map(InsightTable.cell) ?? "", upper.map(InsightTable.cell) ?? "",
             n.map(InsightTable.cell) ?? ""]
        }
        func count(_ figure: String, _ value: Int) -> [String] { [figure, InsightTable.cell(value), "", "", ""] }
        let a = agreement
        return InsightTable(
            name: "summary", columns: ["figure", "value", "lower", "upper", "n"],
            rows: [
                count("observations", counts.observations),
                count("observationsWithBothScores", counts.observationsWithBothScores),
                count("cases", counts.cases),
                count("decidedCases", counts.decidedCases),
                count("opinions", counts.opinions),
                count("candidates", counts.candidates),
                row("kappaUnweighted", a.kappa.unweighted, n: a.pairs),
                row("kappaLinear", a.kappa.linear, n: a.pairs),
                row("kappaQuadratic", a.kappa.quadratic, n: a.pairs),
                row("passFailKappa", a.passFailKappa, n: a.pairs),
                row("exactAgreement", a.exactAgreement, n: a.pairs),
                row("withinOneAgreement", a.withinOneAgreement, n: a.pairs),
                row("meanEmployerMinusAssessor", a.meanDifference.mean, lower: a.meanDifference.lower,
                    upper: a.meanDifference.upper, n: a.meanDifference.count),
                row("alphaOrdinal", a.alpha.ordinal, lower: a.alpha.ordinalBootstrap.lower,
                    upper: a.alpha.ordinalBootstrap.upper, n: a.alpha.units),
                row("alphaNominal", a.alpha.nominal, n: a.alpha.units),
                row("alphaInterval", a.alpha.interval, n: a.alpha.units),
            ] + beyondKappaRows)
    }

    private var confusionTable: InsightTable {
        let matrix = agreement.confusionMatrix
        let scores = Array(matrix.categories)
        return InsightTable(
            name: "confusion-matrix",
            columns: ["employerScore"] + scores.map { "assessor\($0)" } + ["total"],
            rows: zip(scores, matrix.counts).map { score, row in
                [InsightTable.cell(score)] + row.map(InsightTable.cell) + [InsightTable.cell(row.reduce(0, +))]
            })
    }

    private var distributionTable: InsightTable {
        InsightTable(
            name: "distribution",
            columns: ["source"] + Score.range.map { "score\($0)" } + ["total"],
            rows: distribution.map { [$0.source.rawValue] + $0.counts.map(InsightTable.cell) + [InsightTable.cell($0.total)] })
    }
}
