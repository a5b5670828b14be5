import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Running moderation (`/api/v1/moderation/policy`, `/moderators`, `/assignments`, `/routing`, `/samples`,
/// `/calibration/…`): the lead sets the policy, keeps moderators' profiles, draws quality samples, runs routing
/// and marks calibration seeds; the auditor reads; moderators declare conflicts and see their own work.
struct ModerationController: Sendable {
    let services: APIServices

    static let readers: Set<Role> = [.lead, .auditor]

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("moderation/policy", use: policy)
        group.put("moderation/policy", use: setPolicy)
        group.get("moderators", use: moderators)
        group.put("moderators/:userId/profile", use: setProfile)
        group.get("moderators/:userId/conflicts", use: conflicts)
        group.post("moderators/:userId/conflicts", use: declareConflict)
        group.get("assignments", use: assignments)
        group.post("routing", use: route)
        group.post("samples", use: drawSample)
        group.get("samples/estimates", use: sampleEstimates)
        group.get("calibration/seeds", use: seeds)
        group.post("calibration/seeds", use: markSeed)
        group.get("calibration/results", use: calibrationResults)
        group.get("development-plans", use: developmentPlans)
    }

    /// Near misses' development plans (`?acknowledged=false`: those still to acknowledge): the lead, the auditor
    /// and assessors see all; an employer its own staff's.
    @Sendable func developmentPlans(_ request: Request, context: ReviewRequestContext) async throws -> ItemList<DevelopmentPlanRepresentation> {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: [.lead, .auditor, .assessor, .employer], to: "list development plans")
        let acknowledged = try request.query("acknowledged", "true or false") { Bool($0) }
        let plans = try await services.store.moderation.developmentPlans(employerID: actor.role == .employer ? actor.organisationID : nil, acknowledged: acknowledged)
        return ItemList(items: plans.map(DevelopmentPlanRepresentation.init))
    }

    @Sendable func policy(_ request: Request, context: ReviewRequestContext) async throws -> PolicyRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.readers, to: "read the moderation policy")
        return PolicyRepresentation(policy: try await services.store.moderation.moderationPolicy())
    }

    /// Replaces the policy; keys left out take their defaults. 422 names a value out of range.
    @Sendable func setPolicy(_ request: Request, context: ReviewRequestContext) async throws -> PolicyRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: [.lead], to: "set the moderation policy")
        let policy: ModerationPolicy
        do {
            policy = try await request.json(ModerationPolicy.self, context: context)
        } catch let error as DomainError {
            throw APIError(.unprocessableContent, code: .invalid, message: error.message)
        }
        try await services.store.moderation.setModerationPolicy(policy, by: actor, at: services.now())
        return PolicyRepresentation(policy: policy)
    }

    @Sendable func moderators(_ request: Request, context: ReviewRequestContext) async throws -> ItemList<ModeratorRepresentation> {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: [.lead, .auditor, .administrator], to: "list moderators")
        return ItemList(items: try await services.store.moderation.moderatorProfiles().map { ModeratorRepresentation($0.profile, openWorkload: $0.openWorkload) })
    }

    struct Profile: Decodable {
        let practiceAreas: [Observation.PracticeArea]
        let capacity: Int
    }

    @Sendable func setProfile(_ request: Request, context: ReviewRequestContext) async throws -> ModeratorRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: [.lead, .administrator], to: "set a moderator's profile")
        let id: UserID = try context.id("userId")
        let body = try await request.json(Profile.self, context: context)
        guard ModeratorProfile.capacityRange.contains(body.capacity) else {
            throw APIError(.unprocessableContent, code: .invalid, message: "\"capacity\" must be 0–100 open cases, not \(body.capacity).")
        }
        try await services.store.moderation.setModeratorProfile(of: id, practiceAreas: Set(body.practiceAreas), capacity: body.capacity, by: actor, at: services.now())
        guard let updated = try await services.store.moderation.moderatorProfiles().first(where: { $0.profile.id == id }) else {
            throw Access.notFound("moderator \(id)")
        }
        return ModeratorRepresentation(updated.profile, openWorkload: updated.openWorkload)
    }

    /// A moderator reads and declares their own conflicts; the lead anyone's (and records them); the auditor reads.
    private func conflictTarget(_ context: ReviewRequestContext, actor: ActingUser, declaring: Bool) async throws -> UserID {
        let id: UserID = try context.id("userId")
        if actor.role.isModerator {
            guard id == actor.userID else { throw Access.forbidden("A moderator manages only their own conflicts of interest.") }
        } else {
            try services.access.require(actor, in: declaring ? [.lead] : Self.readers, to: declaring ? "record a moderator's conflict" : "read moderators' conflicts")
        }
        guard let user = try await services.store.records.users.find(id), user.role.isModerator else { throw Access.notFound("moderator \(id)") }
        return id
    }

    @Sendable func conflicts(_ request: Request, context: ReviewRequestContext) async throws -> ItemList<ConflictRepresentation> {
        let actor = try context.requireIdentity()
        let id = try await conflictTarget(context, actor: actor, declaring: false)
        return ItemList(items: try await services.store.moderation.conflicts(of: id).map(ConflictRepresentation.init))
    }

    struct NewConflict: Decodable {
        let candidateId: CandidateID?
        let organisationId: OrganisationID?
        let reason: String
    }

    @Sendable func declareConflict(_ request: Request, context: ReviewRequestContext) async throws -> Created<ConflictRepresentation> {
        let actor = try context.requireIdentity()
        let id = try await conflictTarget(context, actor: actor, declaring: true)
        let body = try await request.json(NewConflict.self, context: context)
        let subject: DeclaredConflict.Subject
        switch (body.candidateId, body.organisationId) {
        case (let candidate?, nil):
            guard try await services.store.records.candidates.find(candidate) != nil else {
                throw APIError(.unprocessableContent, code: .invalid, message: "There is no candidate \(candidate).")
            }
            subject = .candidate(candidate)
        case (nil, let organisation?):
            guard try await services.store.records.organisations.find(organisation) != nil else {
                throw APIError(.unprocessableContent, code: .invalid, message: "There is no organisation \(organisation).")
            }
            subject = .organisation(organisation)
        default:
            throw APIError(.unprocessableContent, code: .invalid, message: "Give exactly one of \"candidateId\" or \"organisationId\".")
        }
        let conflict: DeclaredConflict
        do {
            conflict = try DeclaredConflict(moderatorID: id, subject: subject, reason: body.reason)
        } catch {
            throw APIError(.unprocessableContent, code: .invalid, message: error.message)
        }
        return Created(body: ConflictRepresentation(try await services.store.moderation.declareConflict(conflict, by: actor, at: services.now())))
    }

    /// A moderator's own assignments (their work, open first); for the lead and the auditor, the overdue ones, or
    /// with `?state=` the latest 500 in that state across cases (e.g. `expired`, `declined`).
    @Sendable func assignments(_ request: Request, context: ReviewRequestContext) async throws -> ItemList<AssignmentRepresentation> {
        let actor = try context.requireIdentity()
        let now = services.now()
        if actor.role.isModerator {
            // Sealed panels (decision 10): the reasons do not say which place a moderator fills until they may see the panel.
            let unsealed = try await services.store.moderation.unsealedRounds(of: actor.userID)
            return ItemList(items: try await services.store.moderation.assignments(ofModerator: actor.userID).map {
                AssignmentRepresentation($0, now: now, sealed: unsealed[$0.caseID] != $0.round)
            })
        }
        try services.access.require(actor, in: Self.readers.union([.moderator(.professional), .moderator(.lay)]), to: "list assignments")
        let states = Assignment.State.allCases.map(\.rawValue).joined(separator: ", ")
        if let state = try request.query("state", "an assignment state (\(states))", Assignment.State.init(rawValue:)) {
            return ItemList(items: try await services.store.moderation.assignments(in: state).map { AssignmentRepresentation($0, now: now) })
        }
        return ItemList(items: try await services.store.moderation.overdueAssignments(at: now).map { AssignmentRepresentation($0, now: now) })
    }

    struct RoutingRequestBody: Decodable {
        let caseIds: [CaseID]?
    }

    /// Runs a routing pass now (it also runs on a schedule): expiries, calibration cases, missing moderators.
    @Sendable func route(_ request: Request, context: ReviewRequestContext) async throws -> RoutingReportRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: [.lead], to: "run routing")
        let body = try await request.json(RoutingRequestBody.self, context: context)
        let now = services.now()
        return RoutingReportRepresentation(try await services.store.moderation.route(cases: body.caseIds, trigger: "lead \(actor.userID)", at: now), now: now)
    }

    struct SampleRequest: Decodable {
        /// Default: the policy's sample rate.
        let rate: Double?
        let seed: UInt64
        let dryRun: Bool?
    }

    @Sendable func drawSample(_ request: Request, context: ReviewRequestContext) async throws -> Created<SampleDrawRepresentation> {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: [.lead], to: "draw a quality sample")
        let body = try await request.json(SampleRequest.self, context: context)
        var rate = body.rate ?? 0
        if body.rate == nil { rate = try await services.store.moderation.moderationPolicy().sampleRate }
        guard rate >= 0, rate <= 1 else {
            throw APIError(.unprocessableContent, code: .invalid, message: "\"rate\" must be between 0 and 1 (e.g. 0.1 for 10%), not \(rate).")
        }
        let dryRun = body.dryRun ?? false
        let record = try await services.store.moderation.drawSample(rate: rate, seed: body.seed, dryRun: dryRun, by: actor, at: services.now())
        return Created(body: SampleDrawRepresentation(record, dryRun: dryRun), status: dryRun ? .ok : .created)
    }

    /// The decided sample cases' findings weighted by the design (Horvitz–Thompson, Hájek form) with 95 % intervals:
    /// the lead and the auditor.
    @Sendable func sampleEstimates(_ request: Request, context: ReviewRequestContext) async throws -> SampleFindingsRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.readers, to: "read the quality samples' estimates")
        return SampleFindingsRepresentation(try await services.store.moderation.sampleFindings(confidence: 0.95), confidence: 0.95)
    }

    @Sendable func seeds(_ request: Request, context: ReviewRequestContext) async throws -> ItemList<SeedRepresentation> {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.readers, to: "list calibration seeds")
        return ItemList(items: try await services.store.moderation.seeds().map(SeedRepresentation.init))
    }

    struct NewSeed: Decodable {
        let observationId: ObservationID
        let score: Int
        let reason: String
    }

    @Sendable func markSeed(_ request: Request, context: ReviewRequestContext) async throws -> Created<SeedRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.markSeeds.require(actor)
        let body = try await request.json(NewSeed.self, context: context)
        guard let score = try? Score(body.score) else {
            throw APIError(.unprocessableContent, code: .invalid, message: "\"score\" must be a whole number from 1 to 7, not \(body.score).")
        }
        return Created(body: SeedRepresentation(try await services.store.moderation.markSeed(body.observationId, score: score, reason: body.reason, by: actor, at: services.now())))
    }

    @Sendable func calibrationResults(_ request: Request, context: ReviewRequestContext) async throws -> CalibrationResultsRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.readers, to: "read calibration results")
        return CalibrationResultsRepresentation(try await services.store.moderation.calibrationResults())
    }
}
