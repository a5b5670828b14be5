import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// A candidate's attributes for the fairness statistics (ethnicity, disability, …): held only with the
/// candidate's recorded consent, read and changed only by the lead and administrators, erased when consent is
/// withdrawn. Every change is audited (with the names of the attributes, never their values).
extension ObservationController {
    static let attributeKeepers: Set<Role> = [.lead, .administrator]

    func addAttributeRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("candidates/:candidateId/attributes", use: attributes)
        group.put("candidates/:candidateId/attributes", use: recordAttributes)
        group.delete("candidates/:candidateId/attributes", use: withdrawAttributes)
    }

    struct AttributesRepresentation: ResponseEncodable, Sendable {
        let candidateId: CandidateID
        let attributes: [String: String]
        let consentReference: String
        let consentedAt: Date
        let recordedBy: UserID
        let recordedAt: Date

        init(_ value: CandidateAttributes) {
            candidateId = value.candidateID
            attributes = value.values
            consentReference = value.consentReference
            consentedAt = value.consentedAt
            recordedBy = value.recordedBy
            recordedAt = value.recordedAt
        }
    }

    struct NewAttributes: Decodable {
        let attributes: [String: String]
        let consentReference: String
        /// When the candidate consented (default: now).
        let consentedAt: Date?
    }

    private func keeperAndCandidate(_ context: ReviewRequestContext, to doWhat: String) async throws -> (ActingUser, CandidateID) {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.attributeKeepers, to: doWhat)
        let id: CandidateID = try context.id("candidateId")
        guard try await services.store.records.candidates.find(id) != nil else { throw Access.notFound("candidate \(id)") }
        return (actor, id)
    }

    @Sendable func attributes(_ request: Request, context: ReviewRequestContext) async throws -> AttributesRepresentation {
        let (_, id) = try await keeperAndCandidate(context, to: "read a candidate's attributes")
        guard let held = try await services.store.insight.attributes(of: id) else {
            throw APIError(.notFound, code: .notFound, message: "No attributes are held for candidate \(id) (none were given with consent).")
        }
        return AttributesRepresentation(held)
    }

    @Sendable func recordAttributes(_ request: Request, context: ReviewRequestContext) async throws -> AttributesRepresentation {
        let (actor, id) = try await keeperAndCandidate(context, to: "record a candidate's attributes")
        let body = try await request.json(NewAttributes.self, context: context)
        let now = services.now()
        if let consentedAt = body.consentedAt, consentedAt > now {
            throw APIError(.unprocessableContent, code: .invalid, message: "consentedAt is in the future: give the date the candidate consented.")
        }
        return AttributesRepresentation(try await services.store.insight.recordAttributes(
            of: id, body.attributes, consentReference: body.consentReference, consentedAt: body.consentedAt ?? now, by: actor, at: now))
    }

    @Sendable func withdrawAttributes(_ request: Request, context: ReviewRequestContext) async throws -> HTTPResponse.Status {
        let (actor, id) = try await keeperAndCandidate(context, to: "erase a candidate's attributes")
        guard try await services.store.insight.withdrawAttributes(of: id, by: actor, at: services.now()) else {
            throw APIError(.notFound, code: .notFound, message: "No attributes are held for candidate \(id).")
        }
        return .noContent
    }
}
