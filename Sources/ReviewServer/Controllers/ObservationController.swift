import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Candidates, observations, their ratings and dispute flags.
struct ObservationController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("candidates", use: listCandidates)
        group.get("candidates/:candidateId", use: candidate)
        group.get("observations", use: listObservations)
        group.get("observations/:observationId", use: observation)
        group.get("observations/:observationId/ratings", use: ratings)
        group.post("observations/:observationId/ratings", use: rate)
        group.post("observations/:observationId/flags", use: flag)
        addAttributeRoutes(to: group)
    }

    @Sendable func listCandidates(_ request: Request, context: ReviewRequestContext) async throws -> Page<CandidateRepresentation> {
        let actor = try context.requireIdentity()
        let scope = try services.access.employerScope(of: actor, listing: "candidates")
        let page = try request.page()
        let asked: OrganisationID? = try request.queryID("employerId")
        if let scope, let asked, asked != scope { return Page(fetched: [], page: page) }
        let records = try await services.store.records.listCandidates(employerID: scope ?? asked, page: page)
        return Page(fetched: records.map(CandidateRepresentation.init), page: page)
    }

    @Sendable func candidate(_ request: Request, context: ReviewRequestContext) async throws -> CandidateRepresentation {
        let actor = try context.requireIdentity()
        return CandidateRepresentation(try await services.access.candidate(try context.id("candidateId"), for: actor))
    }

    @Sendable func listObservations(_ request: Request, context: ReviewRequestContext) async throws -> Page<ObservationRepresentation> {
        let actor = try context.requireIdentity()
        let scope = try services.access.employerScope(of: actor, listing: "observations")
        let page = try request.page()
        let candidateID: CandidateID? = try request.queryID("candidateId")
        let records = try await services.store.records.listObservations(candidateID: candidateID, employerID: scope, page: page)
        return Page(fetched: records.map(ObservationRepresentation.init), page: page)
    }

    @Sendable func observation(_ request: Request, context: ReviewRequestContext) async throws -> ObservationRepresentation {
        let actor = try context.requireIdentity()
        return ObservationRepresentation(try await services.access.observation(try context.id("observationId"), for: actor).record)
    }

    @Sendable func ratings(_ request: Request, context: ReviewRequestContext) async throws -> Page<RatingRepresentation> {
        let actor = try context.requireIdentity()
        let id: ObservationID = try context.id("observationId")
        if actor.role.isModerator, !(try await services.access.mayReadRatings(of: id, as: actor.userID)) {
            throw Access.forbidden("""
                Moderators review blind: the earlier ratings are shown once every moderator on your panel has given their opinion \
                (or the case is decided).
                """)
        }
        _ = try await services.access.observation(id, for: actor)
        let ratings = try await services.store.records.ratings.ratings(of: id).map(RatingRepresentation.init)
        return Page(fetched: ratings, page: PageRequest(number: 1, size: max(1, min(ratings.count, PageRequest.maximumSize))))
    }

    /// An original rating (score and rationale), or a correction of one's own (score, `supersedes` and `correctionReason`;
    /// the reason is the corrected rating's rationale). A second original is refused (409 `rating_duplicate`), never turned
    /// into a correction: a change needs a reason its author gives (decision 27).
    struct NewRating: Decodable {
        let score: Int
        let rationale: String?
        let supersedes: RatingID?
        let correctionReason: String?
    }

    struct RatingResult: ResponseEncodable, Sendable {
        let rating: RatingRepresentation
        /// The dispute case the rating opened, if it did.
        let openedCase: CaseRepresentation?
    }

    @Sendable func rate(_ request: Request, context: ReviewRequestContext) async throws -> Created<RatingResult> {
        let actor = try context.requireIdentity()
        // The lead rates nothing, but corrects a rating for whoever gave it (decision 27; the ledger checks the rest).
        try (actor.role == .lead ? Access.Rule.correctRatings : Access.Rule.rate).require(actor)
        let id: ObservationID = try context.id("observationId")
        _ = try await services.access.observation(id, for: actor)
        let body = try await request.json(NewRating.self, context: context)
        if actor.role == .lead, body.supersedes == nil { try Access.Rule.rate.require(actor) }
        let score: Score
        do { score = try Score(body.score) } catch {
            throw APIError(.unprocessableContent, code: .invalid, message: "\"score\" must be a whole number from 1 to 7, not \(body.score).")
        }
        if body.supersedes != nil, body.correctionReason.nonBlank == nil {
            throw APIError(.unprocessableContent, code: .reasonRequired,
                           message: "A correction needs \"correctionReason\": say why you are changing your score; it is kept and shown with the correction.")
        }
        guard body.supersedes != nil || body.rationale.nonBlank != nil else {
            throw APIError(.unprocessableContent, code: .reasonRequired, message: "Give a rationale for the score of \(score).")
        }
        let recorded = try await services.store.workflow.recordRating(
            observationID: id, score: score, rationale: body.rationale ?? "", supersedes: body.supersedes, correctionReason: body.correctionReason,
            by: actor, at: services.now())
        return Created(body: RatingResult(rating: RatingRepresentation(recorded.rating), openedCase: recorded.openedCase.map { CaseRepresentation($0, flags: [], blind: false, showCalibration: false) }))
    }

    struct NewFlag: Decodable {
        let reason: String
    }

    @Sendable func flag(_ request: Request, context: ReviewRequestContext) async throws -> Created<CaseRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.flag.require(actor)
        let id: ObservationID = try context.id("observationId")
        _ = try await services.access.observation(id, for: actor)
        let body = try await request.json(NewFlag.self, context: context)
        let result = try await services.store.workflow.flag(observationID: id, reason: body.reason, by: actor, at: services.now())
        return Created(body: try await services.representation(of: result, blind: false, showCalibration: false))
    }
}
