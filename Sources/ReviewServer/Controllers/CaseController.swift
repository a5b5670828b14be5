import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Dispute cases: lists, one case, transitions through the workflow, and moderator assignments.
struct CaseController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("cases", use: listJSON)
        group.get("cases/:caseId", use: show)
        group.get("cases/:caseId/flags", use: listFlags)
        group.post("cases/:caseId/transitions", use: transition)
        group.post("cases/:caseId/assignments", use: assign)
        addModerationRoutes(to: group)
        addBulkRoutes(to: group)
        addNoteDraftRoutes(to: group)
    }

    /// Cases as lists show them, from the case summaries (decision 26): filtered by state, employer, reason and overdue
    /// work, searched by the candidate's name or the observation's reference (`q`), sorted, paged. One query for the
    /// page whatever the number of cases (two for a moderator: their unsealed rounds too); no case document read.
    @Sendable func list(_ request: Request, context: ReviewRequestContext) async throws -> Page<CaseSummaryRepresentation> {
        try await list(try ListQuery(request, context: context, now: services.now()))
    }

    /// The API's list: for a viewer who reviews nothing blind, written as SQLite steps through the rows (decision 43)
    /// and kept while nothing is committed (decision 44); otherwise (a moderator, PostgreSQL) the page of
    /// representations, written. The same JSON either way.
    @Sendable func listJSON(_ request: Request, context: ReviewRequestContext) async throws -> JSONWriter {
        let query = try ListQuery(request, context: context, now: services.now())
        if let filter = query.filter, !query.actor.role.isModerator {
            let (key, now) = (ListPageCache.Key(filter: filter, page: query.page, showCalibration: query.showCalibration, showPanel: query.showPanel), query.now)
            // Which cases are overdue changes with the clock alone: such a list is always read afresh. The version is
            // asked before the read, so a page kept under it can be no older than it.
            // An erasure empties the kept pages: one read before it is not kept after it (asked before the version).
            let emptied = services.listPages.emptied
            let version = filter.overdueAt == nil ? services.store.records.dataVersion() : nil
            if let version, let kept = services.listPages.page(key, version: version, now: now) { return kept }
            if let written = try await services.store.records.readCaseSummaryRows(filter, page: key.page, { rows in
                try CaseSummaryRowsJSON.page(&rows, key, now: now)
            }) {
                if let version { services.listPages.keep(written, for: key, version: version, emptied: emptied, now: now) }
                return written.writer
            }
        }
        var writer = JSONWriter()
        try await list(query).write(to: &writer)
        return writer
    }

    /// Who asks for which page of which cases, checked: the filter as the viewer's access narrows it (`nil`: nothing
    /// they may see), and what they are shown of each case.
    struct ListQuery {
        let actor: ActingUser
        let page: PageRequest
        let now: Date
        let filter: CaseFilter?
        let showCalibration: Bool
        let showPanel: Bool

        init(_ request: Request, context: ReviewRequestContext, now: Date) throws {
            actor = try context.requireIdentity()
            page = try request.page()
            self.now = now
            let asked = try CaseController.filter(request, now: now)
            showCalibration = Access.seesCalibration(actor)
            showPanel = Access.seesPanels(actor)
            // The panel's due dates are for those who see panels: filtering or sorting by them would tell anyone else
            // whether the other moderators on a case are late (found by the hostile tester).
            guard showPanel || (asked.overdueAt == nil && asked.sort != .due) else {
                throw Access.forbidden("Cases are listed by due dates for the moderation lead and the auditor only.")
            }
            filter = try Access.scope(asked, for: actor)
        }
    }

    func list(_ query: ListQuery) async throws -> Page<CaseSummaryRepresentation> {
        let (actor, page, now, showCalibration, showPanel) = (query.actor, query.page, query.now, query.showCalibration, query.showPanel)
        guard var filter = query.filter else { return Page(fetched: [], page: page) }
        guard actor.role.isModerator else {
            return Page(fetched: try await services.store.records.listCaseSummaries(filter, page: page).map {
                CaseSummaryRepresentation($0, blind: false, showCalibration: showCalibration, showPanel: showPanel, now: now)
            }, page: page)
        }
        // Why a case exists would tell a moderator reviewing blind what the others think of it (decision 10).
        guard filter.reason == nil else {
            throw Access.forbidden("A moderator reviews blind: cases are not listed by why they exist.")
        }
        // A moderator sees a case sealed until their round's panel is complete (decision 10); a sealed escalated case
        // shows as in moderation, so the state filter is applied to the state the moderator sees.
        let unsealed = try await services.store.moderation.unsealedRounds(of: actor.userID)
        func representation(_ value: CaseSummary) -> CaseSummaryRepresentation {
            CaseSummaryRepresentation(value, blind: !value.state.hasOutcome && unsealed[value.caseID] != value.round, showCalibration: false,
                                      showPanel: false, now: now)
        }
        guard let state = filter.state, state == .inModeration || state == .escalated else {
            return Page(fetched: try await services.store.records.listCaseSummaries(filter, page: page).map(representation), page: page)
        }
        filter.state = nil
        var shown: [CaseSummaryRepresentation] = []
        var next = PageRequest(number: 1, size: PageRequest.maximumSize)
        while true {
            let batch = try await services.store.records.listCaseSummaries(filter, page: next)
            shown += batch.prefix(next.size).map(representation).filter { $0.state == state }
            guard batch.count > next.size, shown.count <= page.offset + page.size else { break }
            next = PageRequest(number: next.number + 1, size: next.size)
        }
        return Page(fetched: Array(shown.dropFirst(page.offset).prefix(page.size + 1)), page: page)
    }

    /// The list's filter from the query: `state`, `employerId`, `reason`, `overdue`, `q`, `sort`.
    static func filter(_ request: Request, now: Date) throws(APIError) -> CaseFilter {
        let state = try request.query("state", "a case state (\(Case.State.allCases.map(\.rawValue).joined(separator: ", ")))", Case.State.init(rawValue:))
        let reason = try request.query("reason", "a reason (\(CaseSummary.Reason.allCases.map(\.rawValue).joined(separator: ", ")))",
                                       CaseSummary.Reason.init(rawValue:))
        let overdue = try request.query("overdue", "true or false") { ["true": true, "false": false][$0] }
        let sort = try request.query("sort", "an order (\(CaseSort.allCases.map(\.rawValue).joined(separator: ", ")))", CaseSort.init(rawValue:))
        let search = request.uri.queryParameters["q"].map(String.init)
        // Characters as Swift counts them may be any number of bytes (a letter and its combining marks): bounded in bytes
        // too, below SQLite's longest LIKE pattern (50,000 bytes; past it the list failed with a 500) and the kept pages' keys.
        guard (search?.count ?? 0) <= 200, (search?.utf8.count ?? 0) <= 1_000 else {
            throw APIError(.badRequest, code: .badRequest,
                           message: "The search (q) is longer than 200 characters (or 1,000 bytes): search by part of a name or a reference.")
        }
        return CaseFilter(state: state, employerID: try request.queryID("employerId"), reason: reason, overdueAt: overdue == true ? now : nil,
                          search: search, sort: sort ?? .opened)
    }

    @Sendable func show(_ request: Request, context: ReviewRequestContext) async throws -> CaseRepresentation {
        let actor = try context.requireIdentity()
        let (value, blind) = try await services.access.case(try context.id("caseId"), for: actor)
        return try await services.representation(of: value, blind: blind, showCalibration: Access.seesCalibration(actor))
    }

    /// The flags raised on a case, oldest first, paged (decision 35: a case may carry thousands): for whoever may see
    /// the case and its flags (not a moderator reviewing blind).
    @Sendable func listFlags(_ request: Request, context: ReviewRequestContext) async throws -> Page<CaseRepresentation.FlagRepresentation> {
        let actor = try context.requireIdentity()
        let page = try request.page()
        let (value, blind) = try await services.access.case(try context.id("caseId"), for: actor)
        guard !blind else { throw Access.forbidden("A moderator reviews blind: a case's flags are not shown until the panel is complete.") }
        let flags = try await services.store.records.cases.flags(of: value.id, offset: page.offset, limit: page.size + 1)
        return Page(fetched: flags.map(CaseRepresentation.FlagRepresentation.init), page: page)
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
        /// For `decide`: the current opinion of this round whose score the lead adopts (the decision view); `score`, when
        /// given too, must be that opinion's. Without it the score is the lead's own, and the reasons say why (decision 27).
        let adoptedOpinionId: OpinionID?
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
            let round = SecondOpinion.current(try await services.store.moderation.opinions(ofCase: current.id)).filter { $0.round == current.round }
            var adopted: SecondOpinion?
            if let asked = body.adoptedOpinionId {
                guard let opinion = round.first(where: { $0.id == asked }) else {
                    throw APIError(.unprocessableContent, code: .invalid, message: """
                        "adoptedOpinionId" must be one of this round's current opinions on the case, and \(asked) is not: a corrected \
                        opinion, one of an earlier round or of another case cannot be adopted.
                        """)
                }
                if let given = body.score, given != opinion.score.value {
                    throw APIError(.unprocessableContent, code: .invalid, message: """
                        The opinion you adopt gives \(opinion.score), not \(given): adopt it as it is, or give your own score without \
                        "adoptedOpinionId".
                        """)
                }
                adopted = opinion
            }
            let score = try adopted?.score ?? score()
            // What a decision says it rests on must be this case's: found by the hostile tester, another case's opinion and
            // made-up codes were stored in the outcome and carried into its evidence bundle.
            if let stranger = body.basedOn?.first(where: { id in !round.contains { $0.id == id } }) {
                throw APIError(.unprocessableContent, code: .invalid, message: """
                    "basedOn" must name this round's current opinions on the case, and \(stranger) is not one of them.
                    """)
            }
            let basedOn = adopted.map { [$0.id] } ?? body.basedOn ?? round.map(\.id)
            var codes = (body.reasonCodes ?? []).compactMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            guard codes.count <= 10, codes.allSatisfy({ $0.wholeMatch(of: /[a-z][a-z0-9_]{0,63}/) != nil }) else {
                throw APIError(.unprocessableContent, code: .invalid, message: """
                    "reasonCodes" are at most 10 short codes in lower case with underscores (such as new_information); say the rest in "reason".
                    """)
            }
            if codes.isEmpty { codes = [adopted == nil ? "decided_by_lead" : "opinion_adopted"] }
            command = .decide(Outcome(score: score, basis: .person(actor.userID), reasonCodes: codes, basedOn: basedOn, reason: body.reason,
                                      adopted: adopted?.id))
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
        return try await services.representation(of: updated, blind: blind, showCalibration: Access.seesCalibration(actor))
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
