public import Foundation

/// The append-only record of every rating of one observation.
///
/// ``record(source:score:rationale:by:at:id:)`` appends a rating and
/// ``correct(_:newScore:reason:by:at:id:)`` appends one that supersedes an earlier rating; nothing is
/// ever removed or changed, so every opinion given stays visible. "Latest" means latest appended, not
/// latest `ratedAt`, so clock skew between raters cannot reorder history.
public struct RatingLedger: Hashable, Sendable {
    /// The observation rated.
    public let observationID: ObservationID
    /// The candidate's employer: only its representatives may give the employer rating.
    public let employerID: OrganisationID
    /// Every rating, in the order appended.
    public private(set) var ratings: [Rating]
    /// The ids of ratings that a later rating supersedes.
    public private(set) var supersededIDs: Set<RatingID>

    /// An empty ledger for an observation of a candidate employed by `employerID`.
    public init(observationID: ObservationID, employerID: OrganisationID) {
        self.observationID = observationID
        self.employerID = employerID
        self.ratings = []
        self.supersededIDs = []
    }

    /// Rebuilds a ledger from stored ratings (in append order), checking that they form one:
    /// all of this observation, unique ids, each correction supersedes an earlier rating of the same
    /// source that nothing else supersedes, and carries a reason.
    public init(observationID: ObservationID, employerID: OrganisationID, restoring ratings: [Rating]) throws(DomainError) {
        self.init(observationID: observationID, employerID: employerID)
        var seen: [RatingID: Rating] = [:]
        for rating in ratings {
            func inconsistent(_ problem: String) -> DomainError {
                DomainError(
                    code: .ledgerInconsistent,
                    message: "Rating \(rating.id) \(problem); the stored ratings must be repaired before use."
                )
            }
            guard rating.observationID == observationID else { throw inconsistent("belongs to another observation") }
            guard seen[rating.id] == nil else { throw inconsistent("appears twice") }
            if let earlier = rating.supersedes {
                guard let original = seen[earlier], original.source == rating.source else {
                    throw inconsistent("supersedes no earlier rating of the same source")
                }
                guard !supersededIDs.contains(earlier) else { throw inconsistent("supersedes a rating already superseded") }
                guard rating.correctionReason.nonBlank != nil else { throw inconsistent("is a correction without a reason") }
                supersededIDs.insert(earlier)
            }
            seen[rating.id] = rating
            self.ratings.append(rating)
        }
    }

    /// The rating with `id`, if present.
    public func rating(_ id: RatingID) -> Rating? {
        ratings.first { $0.id == id }
    }

    /// Whether a later rating supersedes `id`.
    public func isSuperseded(_ id: RatingID) -> Bool {
        supersededIDs.contains(id)
    }

    /// Every rating no correction supersedes, in append order.
    public var currentRatings: [Rating] {
        ratings.filter { !supersededIDs.contains($0.id) }
    }

    /// The latest appended rating from `source` that no correction supersedes.
    public func current(source: RatingSource) -> Rating? {
        ratings.last { $0.source == source && !supersededIDs.contains($0.id) }
    }

    /// The correction chain ending at or passing through `id`, original rating first.
    public func chain(through id: RatingID) -> [Rating] {
        guard let rating = rating(id) else { return [] }
        var chain = [rating]
        while let earlier = chain[0].supersedes, let previous = self.rating(earlier) {
            chain.insert(previous, at: 0)
        }
        while let later = ratings.first(where: { $0.supersedes == chain[chain.count - 1].id }) {
            chain.append(later)
        }
        return chain
    }

    /// Appends a new rating.
    ///
    /// The actor's role must match the source (an assessor gives the assessor rating, an employer
    /// representative of the candidate's employer the employer rating, a moderator a moderator rating),
    /// the rationale must not be blank, and the actor must not already have given a rating from the source
    /// (an original of theirs, corrected or not): a change of mind is a ``correct(_:newScore:reason:by:at:id:)``.
    @discardableResult
    public mutating func record(
        source: RatingSource,
        score: Score,
        rationale: String,
        by actor: ActingUser,
        at time: Date,
        id: RatingID = RatingID()
    ) throws(DomainError) -> Rating {
        guard source.accepts(actor.role), actor.actsFor(employer: employerID) else {
            throw DomainError(
                code: .notPermitted,
                message: "\(actor.role.plural) cannot give the \(source.rawValue) rating for this candidate"
                    + (source == .employer ? "; only the candidate's own employer can." : ".")
            )
        }
        guard let rationale = rationale.nonBlank else {
            throw DomainError(code: .reasonRequired, message: "Give a rationale for the score of \(score).")
        }
        if let tooLong = FreeText.tooLong(rationale, "The rationale") { throw DomainError(code: .textTooLong, message: tooLong) }
        // One rating per rater, source and observation: a rater who started a chain (even one a lead has corrected
        // since) changes it by correcting its latest rating. The database holds the same rule (migration 10).
        if let original = ratings.first(where: { $0.source == source && $0.raterID == actor.userID && $0.supersedes == nil }) {
            let latest = chain(through: original.id).last ?? original
            throw DomainError(
                code: .ratingDuplicate,
                message: "You already gave the \(source.rawValue) rating for this observation (rating \(latest.id), score \(latest.score)); "
                    + "to change it, correct rating \(latest.id) with a reason."
            )
        }
        return append(
            Rating(id: id, observationID: observationID, source: source, raterID: actor.userID,
                   score: score, rationale: rationale, ratedAt: time)
        )
    }

    /// Appends a rating that supersedes `ratingID` with `newScore`.
    ///
    /// Only the latest rating of a chain can be corrected, the reason must not be blank, and only the
    /// original rater of the chain (or whoever made the rating being corrected) or a lead may correct.
    /// The correction keeps the source of the rating it corrects; its rater is the corrector.
    @discardableResult
    public mutating func correct(
        _ ratingID: RatingID,
        newScore: Score,
        reason: String,
        by actor: ActingUser,
        at time: Date,
        id: RatingID = RatingID()
    ) throws(DomainError) -> Rating {
        guard let original = rating(ratingID) else {
            throw DomainError(code: .ratingNotFound, message: "No rating \(ratingID) for this observation; check the id.")
        }
        if let later = ratings.first(where: { $0.supersedes == ratingID }) {
            throw DomainError(
                code: .ratingSuperseded,
                message: "Rating \(ratingID) was already corrected by rating \(later.id); correct the latest rating instead."
            )
        }
        let originalRater = chain(through: ratingID)[0].raterID
        guard actor.role == .lead || actor.userID == originalRater || actor.userID == original.raterID else {
            throw DomainError(
                code: .notPermitted,
                message: "Only the original rater or a moderation lead can correct rating \(ratingID)."
            )
        }
        guard let reason = reason.nonBlank else {
            throw DomainError(code: .reasonRequired, message: "Say why rating \(ratingID) is being corrected.")
        }
        if let tooLong = FreeText.tooLong(reason, "The correction's reason") { throw DomainError(code: .textTooLong, message: tooLong) }
        return append(
            Rating(id: id, observationID: observationID, source: original.source, raterID: actor.userID,
                   score: newScore, rationale: reason, ratedAt: time, supersedes: ratingID, correctionReason: reason)
        )
    }

    private mutating func append(_ rating: Rating) -> Rating {
        if let earlier = rating.supersedes { supersededIDs.insert(earlier) }
        ratings.append(rating)
        return rating
    }
}

extension RatingLedger: Codable {
    private enum CodingKeys: String, CodingKey {
        case observationID, employerID, ratings
    }

    /// Decodes through ``init(observationID:employerID:restoring:)``, so a decoded ledger obeys the rules.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            observationID: container.decode(ObservationID.self, forKey: .observationID),
            employerID: container.decode(OrganisationID.self, forKey: .employerID),
            restoring: container.decode([Rating].self, forKey: .ratings)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(observationID, forKey: .observationID)
        try container.encode(employerID, forKey: .employerID)
        try container.encode(ratings, forKey: .ratings)
    }
}
