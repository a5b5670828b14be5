import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Erasure of a candidate and legal holds (`/api/v1/erasures`, `/api/v1/holds`; decision 12).
///
/// Only the lead and administrators erase, place and release; auditors may list holds too. A candidate under an
/// active hold (on them, an observation or a case of theirs) cannot be erased (409). Placing, listing, releasing
/// and erasing are audited.
struct DataProtectionController: Sendable {
    let services: APIServices

    static let keepers = Access.Rule.manageHolds.roles
    static let holdReaders: Set<Role> = [.lead, .administrator, .auditor]

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.post("erasures", use: erase)
        group.get("holds", use: listHolds)
        group.post("holds", use: placeHold)
        group.delete("holds/:holdId", use: releaseHold)
    }

    struct ErasureRequest: Decodable {
        let candidateId: CandidateID
        /// The candidate's registration number, typed again: the confirmation that this is the person meant.
        let registrationNumber: String
        let reason: String?
    }

    struct ErasureRepresentation: ResponseEncodable, Sendable {
        let candidateId: CandidateID
        let erasedAt: Date
        let observations: Int
        let recordings: Int
        let textsErased: Int
        let auditDetailsErased: Int
        let filesRemoved: Int
    }

    @Sendable func erase(_ request: Request, context: ReviewRequestContext) async throws -> ErasureRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.keepers, to: "erase a candidate")
        let body = try await request.json(ErasureRequest.self, context: context)
        guard let record = try await services.store.records.candidates.find(body.candidateId) else { throw Access.notFound("candidate \(body.candidateId)") }
        if try await services.store.dataProtection.erasedAt(candidate: body.candidateId) == nil,
            body.registrationNumber.trimmingCharacters(in: .whitespacesAndNewlines).uppercased() != record.candidate.registrationNumber.uppercased()
        {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "The registration number does not match candidate \(body.candidateId): type the candidate's registration number to confirm the erasure.")
        }
        let (report, files) = try await CandidateErasure.erase(body.candidateId, reason: body.reason, by: actor, store: services.store,
                                                               data: services.data, at: services.now())
        // Pages kept with the candidate's name would never be served again (the file changed), but are not kept either.
        services.listPages.removeAll()
        services.hotRanges.removeAll()  // the heads kept for ranges name the recordings' files
        context.logger.info("candidate erased", metadata: ["candidate": "\(body.candidateId)", "files": "\(files)"])
        return ErasureRepresentation(
            candidateId: report.candidateID, erasedAt: report.erasedAt, observations: report.observations, recordings: report.recordings.count,
            textsErased: report.texts, auditDetailsErased: report.auditParts, filesRemoved: files)
    }

    struct HoldRepresentation: ResponseEncodable, Sendable {
        let id: LegalHoldID
        let subjectType: String
        let subjectId: String
        let candidateId: CandidateID
        let reason: String
        let placedBy: UserID
        let placedAt: Date
        let releasedBy: UserID?
        let releasedAt: Date?
        let releaseReason: String?
        let active: Bool

        init(_ hold: LegalHold) {
            id = hold.id
            subjectType = hold.subjectType.rawValue
            subjectId = hold.subjectID.lowercasedString
            candidateId = hold.candidateID
            reason = hold.reason
            placedBy = hold.placedBy
            placedAt = hold.placedAt
            releasedBy = hold.releasedBy
            releasedAt = hold.releasedAt
            releaseReason = hold.releaseReason
            active = hold.isActive
        }
    }

    struct HoldList: ResponseEncodable, Sendable {
        let items: [HoldRepresentation]
    }

    @Sendable func listHolds(_ request: Request, context: ReviewRequestContext) async throws -> HoldList {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.holdReaders, to: "list legal holds")
        let all = request.uri.queryParameters.get("includeReleased") == "true"
        let holds = try await services.store.dataProtection.holds(includingReleased: all)
        try await services.store.audit.append(AuditEvent(
            at: services.now(), actorID: actor.userID, action: "holds.listed", subject: .init(type: "holds", id: "all"),
            details: ["count": String(holds.count), "released_included": String(all), "role": actor.role.rawValue]))
        return HoldList(items: holds.map(HoldRepresentation.init))
    }

    struct NewHold: Decodable {
        let subjectType: LegalHold.SubjectType
        let subjectId: UUID
        let reason: String
    }

    @Sendable func placeHold(_ request: Request, context: ReviewRequestContext) async throws -> Created<HoldRepresentation> {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.keepers, to: "place a legal hold")
        let body = try await request.json(NewHold.self, context: context)
        return Created(body: HoldRepresentation(try await services.store.dataProtection.placeHold(
            on: body.subjectType, id: body.subjectId, reason: body.reason, by: actor, at: services.now())))
    }

    struct Release: Decodable {
        let reason: String?
    }

    @Sendable func releaseHold(_ request: Request, context: ReviewRequestContext) async throws -> HoldRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.keepers, to: "release a legal hold")
        let id: LegalHoldID = try context.id("holdId")
        var reason: String?
        if (request.headers[.contentType] ?? "").hasPrefix("application/json") {
            reason = try await request.json(Release.self, context: context).reason
        }
        return HoldRepresentation(try await services.store.dataProtection.releaseHold(id, reason: reason, by: actor, at: services.now()))
    }
}
