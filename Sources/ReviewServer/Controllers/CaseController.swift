import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Dispute cases: lists, one case, transitions through the workflow, and moderator assignments.
struct CaseController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("cases", use: list)
        group.get("cases/:caseId", use: show)
        group.post("cases/:caseId/transitions", use: transition)
        group.post("cases/:caseId/assignments", use: assign)
        addModerationRoutes(to: group)
        addNoteDraftRoutes(to: group)
    }

    @Sendable func list(_ request: Request, context: ReviewRequestContext) async throws -> Page<CaseRepresentation> {
        let actor = try context.requireIdentity()
        let page = try request.page()
        let state = try request.query("state", "a case state (\(Case.State.allCases.map(\.rawValue).joined(separator: ", ")))", Case.State.init(rawValue:))
        let asked: OrganisationID? = try request.queryID("employerId")
        guard var filter = try Access.scope(CaseFilter(state: state, employerID: asked), for: actor) else { return Page(fetched: [], page: page) }
        let showCalibration = Access.seesCalibration(actor)
        guard actor.role.isModerator else {
            return Page(fetched: try await services.store.records.listCases(filter, page: page).map {
                CaseRepresentation($0, blind: false, showCalibration: showCalibration)
            }, page: page)
        }
        // A moderator sees a case sealed until their round's panel is complete (decision 10); a sealed escalated case
        // shows as in moderation, so the state filter is applied to the state the moderator sees.
        let unsealed = try await services.store.moderation.unsealedRounds(of: actor.userID)
        func representation(_ value: Case) -> CaseRepresentation {
            CaseRepresentation(value, blind: !value.state.hasOutcome && unsealed[value.id] != value.round, showCalibration: false)
        }
        guard let state, state == .inModeration || state == .escalated else {
            return Page(fetched: try await services.store.records.listCases(filter, page: page).map(representation), page: page)
        }
        filter.state = nil
        var shown: [CaseRepresentation] = []
        var next = PageRequest(number: 1, size: PageRequest.maximumSize)
        while true {
            let batch = try await services.store.records.listCases(filter, page: next)
            shown += batch.prefix(next.size).map(representation).filter { $0.state == state }
            guard batch.count > next.size, shown.count <= page.offset + page.size else { break }
            next = PageRequest(number: next.number + 1, size: next.size)
        }
        return Page(fetched: Array(shown.dropFirst(page.offset).prefix(page.size + 1)), page: page)
    }

    @Sendable func show(_ request: Request, context: ReviewRequestContext) async throws -> CaseRepresentation {
        let actor = try context.requireIdentity()
        let (value, blind) = try await services.access.case(try context.id("caseId"), for: actor)
        return CaseRepresentation(value, blind: blind, showCalibration: Access.seesCalibration(actor))
    }

    struct TransitionRequest: Decodable {
        let action: String
        let expectedVersion: Int
        let reason: String?
        let score: Int?
        /// For `decide`: codes for the decision (default `decided_by_lead`).
        let reasonCodes: [String]?
        /// For `decide`: the opinions the decision draws on (default: the round's current opinions).
        let basedOn: [OpinionID]?
        /// For `reopen`: `material_flaw` or `new_information`.
        let ground: String?
    }

    /// The actions a caller may name, by their API spelling.
    static let actions: [String: CaseAction] = [
        "flag": .flag, "startLocalReview": .startLocalReview, "agreeLocalScore": .agreeLocalScore,
        "requestModeration": .requestModeration, "startModeration": .startModeration, "escalate": .escalate,
        "decide": .decide, "close": .close, "withdraw": .withdraw, "reopen": .reopen,
    ]

    @Sendable func transition(_ request: Request, context: ReviewRequestContext) async throws -> CaseRepresentation {
        let actor = try context.requireIdentity()
        let (current, blind) = try await services.access.case(try context.id("caseId"), for: actor)
        let body = try await request.json(TransitionRequest.self, context: context)
        guard let action = Self.actions[body.action] else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "\"action\" must be one of \(Self.actions.keys.sorted().joined(separator: ", ")), not \"\(body.action)\".")
        }
        guard Access.mayAsk(action, as: actor) else {
            throw Access.forbidden("\(actor.role.plural) cannot \(body.action.replacingOccurrences(of: "_", with: " ")) a case.")
        }
        func score() throws(APIError) -> Score {
            guard let value = body.score, let score = try? Score(value) else {
                throw APIError(.unprocessableContent, code: .invalid, message: "\(body.action) needs \"score\", a whole number from 1 to 7.")
            }
            return score
        }
        let command: CaseCommand
        switch action {
        case .flag: command = .flag
        case .startLocalReview: command = .startLocalReview
        case .agreeLocalScore: command = .agreeLocalScore(try score())
        case .requestModeration: command = .requestModeration
        case .startModeration: command = .startModeration
        case .escalate: command = .escalate
        case .decide:
            let score = try score()
            var basedOn = body.basedOn ?? []
            if body.basedOn == nil {
                basedOn = SecondOpinion.current(try await services.store.moderation.opinions(ofCase: current.id)).filter { $0.round == current.round }.map(\.id)
            }
            let codes = (body.reasonCodes ?? []).compactMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            command = .decide(Outcome(score: score, basis: .person(actor.userID), reasonCodes: codes.isEmpty ? ["decided_by_lead"] : codes,
                                      basedOn: basedOn, reason: body.reason))
        case .close: command = .close
        case .withdraw: command = .withdraw
        case .reopen:
            guard let text = body.ground, let ground = Outcome.ReopenGround(rawValue: text) else {
                throw APIError(.unprocessableContent, code: .invalid, message: "reopen needs \"ground\": material_flaw or new_information (and a reason).")
            }
            command = .reopen(ground)
        case .open: throw APIError(.unprocessableContent, code: .invalid, message: "Cases open by rating or flagging an observation.")
        }
        let updated = try await services.store.workflow.transition(
            current.id, command, expectedVersion: body.expectedVersion, reason: body.reason, by: actor, at: services.now())
        return CaseRepresentation(updated, blind: blind, showCalibration: Access.seesCalibration(actor))
    }

    struct NewAssignment: Decodable {
        let moderatorId: UserID
    }

    @Sendable func assign(_ request: Request, context: ReviewRequestContext) async throws -> Created<AssignmentRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.assignModerators.require(actor)
        let (value, _) = try await services.access.case(try context.id("caseId"), for: actor)
        let body = try await request.json(NewAssignment.self, context: context)
        guard let moderator = try await services.store.records.users.find(body.moderatorId), moderator.role.isModerator, moderator.active else {
            throw APIError(.unprocessableContent, code: .invalid, message: "\(body.moderatorId) is not an active moderator's account.")
        }
        let assignment = try await services.store.moderation.assign(moderator: moderator.id, to: value.id, by: actor, at: services.now())
        return Created(body: AssignmentRepresentation(assignment, now: services.now()))
    }
}

/// The audit trail (`/api/v1/audit`): auditors and the lead read it all; administrators only the account
/// events (users, organisations, sign-ins, sessions, tokens): the rest names cases and carries scores, which
/// an administrator has no part in (separation of duties). Nobody changes it.
struct AuditController: Sendable {
    let services: APIServices

    /// What an administrator's view of the trail holds: events whose action starts with one of these.
    static let accountActions = ["user.", "organisation.", "session.", "api_token."]

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("audit", use: list)
    }

    @Sendable func list(_ request: Request, context: ReviewRequestContext) async throws -> Page<AuditEntryRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.readAuditTrail.require(actor)
        let page = try request.page()
        let after = try request.query("after", "a sequence number (0 or more)") { Int64($0).flatMap { $0 >= 0 ? $0 : nil } } ?? 0
        let type = request.uri.queryParameters["subjectType"].map(String.init)
        let id = request.uri.queryParameters["subjectId"].map(String.init)
        guard (type == nil) == (id == nil) else {
            throw APIError(.badRequest, code: .badRequest, message: "Give subjectType and subjectId together (e.g. subjectType=recording&subjectId=…).")
        }
        let subject = type.flatMap { type in id.map { AuditEvent.Subject(type: type, id: $0) } }
        let entries = try await services.store.audit.listEntries(
            after: after, subject: subject, actionPrefixes: Access.auditActions(for: actor), page: page)
        return Page(fetched: entries.map(AuditEntryRepresentation.init), page: page)
    }
}
