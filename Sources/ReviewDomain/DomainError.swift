/// A domain rule was broken by the input: says what was wrong and what to do instead.
///
/// Thrown by constructors and operations that validate input (scores, policies, ratings, recordings),
/// so invalid input is reported to the caller and never crashes the process.
public struct DomainError: Error, Hashable, Codable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable, machine-readable code; extensible without breaking callers that switch on known codes.
    public struct Code: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
        /// The dotted code, e.g. `score.out_of_range`.
        public let rawValue: String

        /// Creates a code from its dotted text.
        public init(rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }

        /// A score was outside 1–7.
        public static let scoreOutOfRange = Code(rawValue: "score.out_of_range")
        /// A policy setting was outside its allowed range.
        public static let policyOutOfRange = Code(rawValue: "policy.out_of_range")
        /// A reason or rationale was required but empty.
        public static let reasonRequired = Code(rawValue: "reason.required")
        /// A reason or rationale is longer than ``FreeText/maximumLength``.
        public static let textTooLong = Code(rawValue: "text.too_long")
        /// The actor's role or organisation does not allow the operation.
        public static let notPermitted = Code(rawValue: "actor.not_permitted")
        /// No rating with the given id is in the ledger.
        public static let ratingNotFound = Code(rawValue: "rating.not_found")
        /// The rating was already corrected; only the latest rating of a chain can be corrected.
        public static let ratingSuperseded = Code(rawValue: "rating.superseded")
        /// The rater already has a current rating from this source; correct it instead.
        public static let ratingDuplicate = Code(rawValue: "rating.duplicate")
        /// A set of ratings does not form a valid append-only ledger.
        public static let ledgerInconsistent = Code(rawValue: "rating.ledger_inconsistent")
        /// A recording's ingest status cannot move as requested.
        public static let ingestTransition = Code(rawValue: "recording.invalid_transition")
        /// A recording's checksum or size is malformed.
        public static let invalidContent = Code(rawValue: "recording.invalid_content")
        /// A time-coded note is malformed or outside the recording.
        public static let invalidAnnotation = Code(rawValue: "opinion.invalid_annotation")
        /// An assignment cannot move as requested.
        public static let assignmentTransition = Code(rawValue: "assignment.invalid_transition")
    }

    /// What kind of rule was broken.
    public let code: Code
    /// What was wrong and what to do; safe to show to the user who supplied the input.
    public let message: String

    /// Creates an error with a code and a message that says what was wrong and what to do.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
    public var debugDescription: String { "DomainError(\(code)): \(message)" }
}
