/// The decision on a case: the decided score and pass or fail, the rule or person that decided it, why,
/// and which opinions it drew on.
public struct Outcome: Hashable, Sendable {
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
        /// A calibration seed's definitive score, set by the lead when marking it.
        public static let calibrationSeed = Rule(rawValue: "calibration_seed")
    }

    /// What decided the outcome.
    public enum Basis: Hashable, Codable, Sendable {
        /// A rule applied to the ratings.
        case rule(Rule)
        /// A person's judgement, e.g. a lead resolving an escalation.
        case person(UserID)
    }

    /// Why a lead may reopen a decided case: nothing else reopens one.
    public enum ReopenGround: String, Hashable, Codable, Sendable, CaseIterable {
        /// The moderation was flawed (e.g. a conflict came to light, the wrong recording was reviewed).
        case materialFlaw = "material_flaw"
        /// Information that was not available to the moderators has come to light.
        case newInformation = "new_information"
    }

    /// The decided score.
    public let score: Score
    /// What decided it.
    public let basis: Basis
    /// Codes explaining the decision, e.g. `opinions_within_tolerance`.
    public let reasonCodes: [String]
    /// The second opinions the decision drew on (empty for local agreement).
    public let basedOn: [OpinionID]
    /// The decider's reasons in words, when a person decided.
    public let reason: String?
    /// The opinion whose score a lead adopted as the final score (the lead's decision view); `nil` when a rule decided or
    /// the lead gave a score of their own (decision 27).
    public let adopted: OpinionID?

    /// Whether the candidate passes (the score meets the standard).
    public var meetsStandard: Bool { score.meetsStandard }

    /// Creates an outcome.
    public init(
        score: Score, basis: Basis, reasonCodes: [String] = [], basedOn: [OpinionID] = [], reason: String? = nil, adopted: OpinionID? = nil
    ) {
        self.score = score
        self.basis = basis
        self.reasonCodes = reasonCodes
        self.basedOn = basedOn
        self.reason = reason
        self.adopted = adopted
    }
}

extension Outcome: Codable {
    private enum CodingKeys: String, CodingKey {
        case score, basis, reasonCodes, basedOn, reason, adopted
    }

    /// Decodes outcomes stored before `basedOn`, `reason` and `adopted` existed as drawing on nothing, with no reason.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            score: try c.decode(Score.self, forKey: .score),
            basis: try c.decode(Basis.self, forKey: .basis),
            reasonCodes: try c.decode([String].self, forKey: .reasonCodes),
            basedOn: try c.decodeIfPresent([OpinionID].self, forKey: .basedOn) ?? [],
            reason: try c.decodeIfPresent(String.self, forKey: .reason),
            adopted: try c.decodeIfPresent(OpinionID.self, forKey: .adopted))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(score, forKey: .score)
        try c.encode(basis, forKey: .basis)
        try c.encode(reasonCodes, forKey: .reasonCodes)
        if !basedOn.isEmpty { try c.encode(basedOn, forKey: .basedOn) }
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(adopted, forKey: .adopted)
    }
}
