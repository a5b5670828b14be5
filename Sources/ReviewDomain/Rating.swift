public import Foundation

/// Who a rating comes from.
public enum RatingSource: String, Hashable, Codable, Sendable, CaseIterable {
    /// The accrediting body's assessor.
    case assessor
    /// The candidate's employer (endorsement).
    case employer
    /// An independent moderator (second opinion).
    case moderator

    /// Whether an actor in `role` may record a rating from this source.
    public func accepts(_ role: Role) -> Bool {
        switch self {
        case .assessor: role == .assessor
        case .employer: role == .employer
        case .moderator: role.isModerator
        }
    }
}

/// One score for an observation from one source. Ratings are never changed: a correction is a new
/// rating that ``supersedes`` the one it corrects, kept in a ``RatingLedger``.
public struct Rating: Identifiable, Hashable, Codable, Sendable {
    /// The rating's identity.
    public let id: RatingID
    /// The observation rated.
    public let observationID: ObservationID
    /// Who the rating comes from.
    public let source: RatingSource
    /// The user who gave it (for a correction, the user who corrected).
    public let raterID: UserID
    /// The score.
    public let score: Score
    /// Why the rater gave this score.
    public let rationale: String
    /// When it was given.
    public let ratedAt: Date
    /// The rating this one corrects, if it is a correction.
    public let supersedes: RatingID?
    /// Why the earlier rating was corrected; present exactly when ``supersedes`` is.
    public let correctionReason: String?

    /// Creates a rating; use ``RatingLedger/record(source:score:rationale:by:at:id:)`` and
    /// ``RatingLedger/correct(_:newScore:reason:by:at:id:)`` to create them under the rules.
    public init(
        id: RatingID = RatingID(),
        observationID: ObservationID,
        source: RatingSource,
        raterID: UserID,
        score: Score,
        rationale: String,
        ratedAt: Date,
        supersedes: RatingID? = nil,
        correctionReason: String? = nil
    ) {
        self.id = id
        self.observationID = observationID
        self.source = source
        self.raterID = raterID
        self.score = score
        self.rationale = rationale
        self.ratedAt = ratedAt
        self.supersedes = supersedes
        self.correctionReason = correctionReason
    }
}
