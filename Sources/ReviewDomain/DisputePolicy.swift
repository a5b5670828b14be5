/// The rules that turn an employer and an assessor rating into a dispute.
public struct DisputePolicy: Hashable, Sendable {
    /// The tolerance used when none is configured.
    public static let defaultTolerance = 2
    /// The tolerances a policy may use: 1 flags any difference, 6 only the widest.
    public static let toleranceRange: ClosedRange<Int> = 1...6
    /// Tolerance 2, local review allowed.
    public static let `default` = DisputePolicy(checkedTolerance: defaultTolerance, localReviewAllowed: true)

    /// A difference of at least this many points is a dispute even on the same side of the pass line.
    public let tolerance: Int
    /// Whether a dispute may first be reviewed locally by the employer and the assessor.
    public let localReviewAllowed: Bool

    /// Creates a policy, throwing ``DomainError/Code/policyOutOfRange`` when `tolerance` is outside 1–6.
    public init(tolerance: Int = defaultTolerance, localReviewAllowed: Bool = true) throws(DomainError) {
        guard Self.toleranceRange.contains(tolerance) else {
            throw DomainError(
                code: .policyOutOfRange,
                message: "Tolerance \(tolerance) is outside 1–6: set the smallest difference between employer "
                    + "and assessor scores that should open a dispute (default \(Self.defaultTolerance))."
            )
        }
        self.init(checkedTolerance: tolerance, localReviewAllowed: localReviewAllowed)
    }

    private init(checkedTolerance: Int, localReviewAllowed: Bool) {
        self.tolerance = checkedTolerance
        self.localReviewAllowed = localReviewAllowed
    }

    /// Compares the employer and assessor scores: a dispute when they straddle the pass line
    /// (one ≤ 3, the other ≥ 4) or differ by at least ``tolerance``; `nil` when they agree closely
    /// enough or either score is missing.
    public func evaluate(employer: Score?, assessor: Score?) -> DisputeFinding? {
        guard let employer, let assessor else { return nil }
        var reasons: [DisputeFinding.Reason] = []
        if employer.meetsStandard != assessor.meetsStandard { reasons.append(.straddlesPassLine) }
        if abs(employer.value - assessor.value) >= tolerance { reasons.append(.exceedsTolerance) }
        guard !reasons.isEmpty else { return nil }
        return DisputeFinding(employer: employer, assessor: assessor, tolerance: tolerance, reasons: reasons)
    }
}

extension DisputePolicy: Codable {
    private enum CodingKeys: String, CodingKey {
        case tolerance, localReviewAllowed
    }

    /// Decodes with defaults for missing keys, validating the tolerance.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            tolerance: container.decodeIfPresent(Int.self, forKey: .tolerance) ?? Self.defaultTolerance,
            localReviewAllowed: container.decodeIfPresent(Bool.self, forKey: .localReviewAllowed) ?? true
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tolerance, forKey: .tolerance)
        try container.encode(localReviewAllowed, forKey: .localReviewAllowed)
    }
}

/// Why an employer and an assessor rating are in dispute.
public struct DisputeFinding: Hashable, Codable, Sendable {
    /// One reason for a dispute.
    public enum Reason: String, Hashable, Codable, Sendable, CaseIterable {
        /// One score is below the standard (≤ 3), the other meets it (≥ 4).
        case straddlesPassLine = "straddles_pass_line"
        /// The scores differ by at least the tolerance.
        case exceedsTolerance = "exceeds_tolerance"
    }

    /// The employer's score.
    public let employer: Score
    /// The assessor's score.
    public let assessor: Score
    /// The tolerance in force.
    public let tolerance: Int
    /// Every reason that applies, in ``Reason/allCases`` order; never empty.
    public let reasons: [Reason]

    /// The absolute difference between the scores.
    public var difference: Int { abs(employer.value - assessor.value) }
}
