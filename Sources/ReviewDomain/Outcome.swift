/// The decision on a case: the decided score, pass or fail, and the rule or person that decided it.
public struct Outcome: Hashable, Codable, Sendable {
    /// A named decision rule; extensible.
    public struct Rule: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The employer and the assessor agreed a score in local review.
        public static let localAgreement = Rule(rawValue: "local_agreement")
        /// The median of moderators' opinions within tolerance and on one side of the pass line
        /// (a half rounds down).
        public static let median = Rule(rawValue: "median")
    }

    /// What decided the outcome.
    public enum Basis: Hashable, Codable, Sendable {
        /// A rule applied to the ratings.
        case rule(Rule)
        /// A person's judgement, e.g. a lead resolving an escalation.
        case person(UserID)
    }

    /// The decided score.
    public let score: Score
    /// What decided it.
    public let basis: Basis
    /// Codes explaining the decision, e.g. `opinions_within_tolerance`.
    public let reasonCodes: [String]

    /// Whether the candidate passes (the score meets the standard).
    public var meetsStandard: Bool { score.meetsStandard }

    /// Creates an outcome.
    public init(score: Score, basis: Basis, reasonCodes: [String] = []) {
        self.score = score
        self.basis = basis
        self.reasonCodes = reasonCodes
    }
}
