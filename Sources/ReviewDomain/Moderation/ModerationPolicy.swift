/// The moderation rules the lead sets (DESIGN.md §3), with their defaults.
///
/// Decodes with a default for every missing key and validates each value, so a policy file or request
/// names what is wrong instead of being half-applied.
public struct ModerationPolicy: Hashable, Sendable {
    /// Moderators per case (k): 1–5, default 2.
    public var moderatorsPerCase: Int
    /// The make-up the first panel places ask for, in order (default one professional, one lay); entries beyond
    /// ``moderatorsPerCase`` are not used. A place nobody of the asked kind can fill goes to the best eligible
    /// moderator of any kind, and says so.
    public var panel: [ModeratorKind]
    /// Opinions differing by less than this (and on one side of the pass line) are reconciled by their
    /// median: 1–6, default 2 (the dispute tolerance).
    public var tolerance: Int
    /// Further moderators an escalated case gets before the lead decides: 0–3, default 1.
    public var escalationModerators: Int
    /// Days a moderator has to submit an opinion before the assignment expires and the case is re-routed:
    /// 1–90, default 14.
    public var assignmentDays: Int
    /// How many open cases a matching practice area is worth when choosing between moderators: 0–10,
    /// default 2 (a match wins unless the matching moderator carries 2 or more open cases more).
    public var practiceAreaWeight: Int
    /// The share of non-disputed observations drawn for quality sampling: 0–1, default 0.1.
    public var sampleRate: Double
    /// How much likelier a boundary score (3 or 4) is to be sampled than any other: 1–20, default 3.
    public var boundaryWeight: Double
    /// Calibration seed cases opened per ordinary case routed: 0–0.5, default 0.05.
    public var calibrationRate: Double
    /// How quality sampling stratifies: `employer_assessor` (default), `employer` or `none`.
    public var sampleStrata: SampleStrata
    /// A sampling stratum with fewer observations than this joins its employer's remainder stratum, and a remainder
    /// still that small the scheme-wide one (``Sampler``): 1–100, default 5 (1: no merging).
    public var minimumStratumSize: Int

    /// The defaults of DESIGN.md §3.
    public static let `default` = ModerationPolicy(
        moderatorsPerCase: 2, panel: [.professional, .lay], tolerance: DisputePolicy.defaultTolerance, escalationModerators: 1,
        assignmentDays: 14, practiceAreaWeight: 2, sampleRate: 0.1, boundaryWeight: 3, calibrationRate: 0.05,
        sampleStrata: .employerAssessor, minimumStratumSize: 5)

    private init(
        moderatorsPerCase: Int, panel: [ModeratorKind], tolerance: Int, escalationModerators: Int, assignmentDays: Int,
        practiceAreaWeight: Int, sampleRate: Double, boundaryWeight: Double, calibrationRate: Double, sampleStrata: SampleStrata,
        minimumStratumSize: Int
    ) {
        self.moderatorsPerCase = moderatorsPerCase
        self.panel = panel
        self.tolerance = tolerance
        self.escalationModerators = escalationModerators
        self.assignmentDays = assignmentDays
        self.practiceAreaWeight = practiceAreaWeight
        self.sampleRate = sampleRate
        self.boundaryWeight = boundaryWeight
        self.calibrationRate = calibrationRate
        self.sampleStrata = sampleStrata
        self.minimumStratumSize = minimumStratumSize
    }

    /// Checks every setting, naming the first one out of range and its allowed range.
    public func validated() throws(DomainError) -> ModerationPolicy {
        func check(_ ok: Bool, _ message: String) throws(DomainError) {
            guard ok else { throw DomainError(code: .policyOutOfRange, message: message) }
        }
        try check((1...5).contains(moderatorsPerCase), "Moderators per case (moderatorsPerCase) must be from 1 to 5, not \(moderatorsPerCase); the default is 2.")
        try check(panel.count <= 5, "The panel (panel) names \(panel.count) places; a case has at most 5 moderators.")
        try check(DisputePolicy.toleranceRange.contains(tolerance), "The dispute tolerance (tolerance) must be from 1 to 6 points, not \(tolerance); the default is 2.")
        try check((0...3).contains(escalationModerators), "Further moderators on escalation (escalationModerators) must be from 0 to 3, not \(escalationModerators); the default is 1.")
        try check((1...90).contains(assignmentDays), "Days to give an opinion (assignmentDays) must be from 1 to 90, not \(assignmentDays); the default is 14.")
        try check((0...10).contains(practiceAreaWeight), "The weight of a matching practice area (practiceAreaWeight) must be from 0 to 10 open cases, not \(practiceAreaWeight); the default is 2.")
        try check(sampleRate >= 0 && sampleRate <= 1, "The sample rate (sampleRate) must be from 0 to 1 (0.1 is 10%), not \(sampleRate); the default is 0.1.")
        try check(boundaryWeight >= 1 && boundaryWeight <= 20, "The boundary weight (boundaryWeight) must be from 1 to 20, not \(boundaryWeight); the default is 3.")
        try check(calibrationRate >= 0 && calibrationRate <= 0.5, "The calibration rate (calibrationRate) must be from 0 to 0.5 (0.05 is one calibration case per 20 cases), not \(calibrationRate); the default is 0.05.")
        try check((1...100).contains(minimumStratumSize), "The smallest sampling group (minimumStratumSize) must be from 1 to 100 observations, not \(minimumStratumSize); the default is 5.")
        return self
    }

    /// The policy with `change` applied, validated.
    public func with(_ change: (inout ModerationPolicy) -> Void) throws(DomainError) -> ModerationPolicy {
        var copy = self
        change(&copy)
        return try copy.validated()
    }
}

extension ModerationPolicy: Codable {
    private enum CodingKeys: String, CodingKey {
        case moderatorsPerCase, panel, tolerance, escalationModerators, assignmentDays, practiceAreaWeight, sampleRate,
            boundaryWeight, calibrationRate, sampleStrata, minimumStratumSize
    }

    /// Decodes with defaults for missing keys, then validates.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = Self.default
        self.init(
            moderatorsPerCase: try c.decodeIfPresent(Int.self, forKey: .moderatorsPerCase) ?? d.moderatorsPerCase,
            panel: try c.decodeIfPresent([ModeratorKind].self, forKey: .panel) ?? d.panel,
            tolerance: try c.decodeIfPresent(Int.self, forKey: .tolerance) ?? d.tolerance,
            escalationModerators: try c.decodeIfPresent(Int.self, forKey: .escalationModerators) ?? d.escalationModerators,
            assignmentDays: try c.decodeIfPresent(Int.self, forKey: .assignmentDays) ?? d.assignmentDays,
            practiceAreaWeight: try c.decodeIfPresent(Int.self, forKey: .practiceAreaWeight) ?? d.practiceAreaWeight,
            sampleRate: try c.decodeIfPresent(Double.self, forKey: .sampleRate) ?? d.sampleRate,
            boundaryWeight: try c.decodeIfPresent(Double.self, forKey: .boundaryWeight) ?? d.boundaryWeight,
            calibrationRate: try c.decodeIfPresent(Double.self, forKey: .calibrationRate) ?? d.calibrationRate,
            sampleStrata: try c.decodeIfPresent(String.self, forKey: .sampleStrata).map { name throws(DomainError) in
                guard let strata = SampleStrata(rawValue: name) else {
                    throw DomainError(code: .policyOutOfRange, message: "How samples are grouped (sampleStrata) must be one of "
                        + SampleStrata.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + ", not \"\(name)\"; the default is \"employer_assessor\".")
                }
                return strata
            } ?? d.sampleStrata,
            minimumStratumSize: try c.decodeIfPresent(Int.self, forKey: .minimumStratumSize) ?? d.minimumStratumSize)
        _ = try validated()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(moderatorsPerCase, forKey: .moderatorsPerCase)
        try c.encode(panel, forKey: .panel)
        try c.encode(tolerance, forKey: .tolerance)
        try c.encode(escalationModerators, forKey: .escalationModerators)
        try c.encode(assignmentDays, forKey: .assignmentDays)
        try c.encode(practiceAreaWeight, forKey: .practiceAreaWeight)
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(boundaryWeight, forKey: .boundaryWeight)
        try c.encode(calibrationRate, forKey: .calibrationRate)
        try c.encode(sampleStrata, forKey: .sampleStrata)
        try c.encode(minimumStratumSize, forKey: .minimumStratumSize)
    }
}
