import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// Observations, the case lists, a case with its history, and the lead's board.
extension Pages {
    func observations(_ page: PageContext) async throws -> View<ObservationListModel> {
        let controller = ObservationController(services: services)
        let number = page.pageNumber
        let list = try await page.read(controller.listObservations, query: "pageSize=50&page=\(number)")
        let names = try await candidateNames(page, of: list.items)
        let items = list.items.map { ObservationRow($0, names: names) }
        return View(title: page.role == .employer ? "Our observations" : "Observations", model: ObservationListModel(
            items: items, empty: items.isEmpty, nextPage: list.nextPage, previousPage: number > 1 ? number - 1 : nil))
    }

    func observation(_ page: PageContext) async throws -> View<ObservationPageModel> {
        try Access.Rule.openObservationPages.require(page.actor)
        let controller = ObservationController(services: services)
        let id = try page.context.id("observationId", as: ObservationID.self)
        let parameters = ["observationId": id.description]
        let observation = try await page.read(controller.observation, parameters)
        let names = try await candidateNames(page, of: [observation])
        let ratingValues = try await page.items(controller.ratings, query: "pageSize=100", parameters)
        let ratings = RatingRow.rows(ratingValues)
        let recordings = try await page.items(RecordingController(services: services).list, query: "observationId=\(id)&pageSize=50")
            .map { ObservationPageModel.RecordingLink(id: $0.id.description, fileName: $0.fileName, statusText: Labels.recordingStatus($0.status)) }
        let cases = try await services.access.cases(of: id, for: page.actor)
        return View(title: "Observation", model: ObservationPageModel(
            observation: ObservationRow(observation, names: names), ratings: ratings, hasRatings: !ratings.isEmpty,
            recordings: recordings, hasRecordings: !recordings.isEmpty,
            cases: cases.map { ObservationPageModel.CaseLink(id: $0.id.description, stateText: Labels.state($0.state)) },
            rating: Access.Rule.rate.allows(page.actor) ? RatingForm(ratings: ratingValues, cases: cases, viewer: page.actor) : nil,
            mayFlag: Access.Rule.flag.allows(page.actor), mayUpload: Access.Rule.upload.allows(page.actor),
            // Subject access (docs/data-protection.md): the lead answers a candidate's request with this export.
            subjectExportLink: Access.Rule.exportSubjectAccess.allows(page.actor) ? "/api/v1/candidates/\(observation.candidateId)/subject-export" : nil))
    }

    func cases(_ page: PageContext) async throws -> View<CaseListModel> {
        let controller = CaseController(services: services)
        let state = page.request.uri.queryParameters["state"].map(String.init).flatMap(Case.State.init(rawValue:))
        let number = page.pageNumber
        let list = try await page.read(controller.list, query: "pageSize=50&page=\(number)" + (state.map { "&state=\($0.rawValue)" } ?? ""))
        let items = list.items.map(CaseRow.init)
        return View(title: "Cases", model: CaseListModel(
            items: items, empty: items.isEmpty,
            filters: Case.State.allCases.map { Choice(value: $0.rawValue, label: Labels.state($0), selected: $0 == state) },
            stateQuery: state.map { "&state=\($0.rawValue)" } ?? "", nextPage: list.nextPage, previousPage: number > 1 ? number - 1 : nil))
    }

    func casePage(_ page: PageContext) async throws -> View<CasePageModel> {
        let controller = CaseController(services: services)
        let id = try page.context.id("caseId", as: CaseID.self)
        let (value, _) = try await services.access.case(id, for: page.actor)
        var references = References(store: services.store)
        let parameters = ["caseId": id.description]
        let shown = try await page.read(controller.show, parameters)
        let observationController = ObservationController(services: services)
        let observationParameters = ["observationId": value.observationID.description]
        let observation = try await page.readIfAllowed(observationController.observation, observationParameters)
        let ratings = try await page.readIfAllowed(observationController.ratings, query: "pageSize=100", observationParameters)?.items ?? []
        let recordings = try await page.items(RecordingController(services: services).list, query: "observationId=\(value.observationID)&pageSize=50")
        let people = try await directory(page)
        let assignments = try await page.readIfAllowed(controller.listAssignments, parameters)
        let opinions = try await page.readIfAllowed(controller.listOpinions, parameters)?.items ?? []
        let messages = try await page.readIfAllowed(controller.listMessages, parameters)?.items ?? []
        var plan: DevelopmentPlanStatus?
        if Access.Rule.followDevelopmentPlans.allows(page.actor) { plan = try await page.readIfAllowed(controller.developmentPlan, parameters) }
        // Only while moderators can still be added (the store's own rule); a decided or withdrawn case offers no assignment.
        let mayAssign = Access.Rule.assignModerators.allows(page.actor) && Access.acceptsModerators(value)
        var moderators: [ModeratorOption] = []
        if mayAssign {
            moderators = try await page.items(ModerationController(services: services).moderators).filter(\.active).map {
                ModeratorOption(id: $0.userId.description, name: people[$0.userId.description] ?? "Moderator",
                                kindText: Labels.moderatorKind($0.kind), workload: $0.openWorkload)
            }
        }
        var history: [HistoryEntry] = []
        if Access.Rule.readAuditTrail.allows(page.actor) {
            history = try await page.items(AuditController(services: services).list, query: "subjectType=case&subjectId=\(id)&pageSize=200").map {
                HistoryEntry(at: Timestamp($0.at), actionText: Labels.auditAction($0.action),
                             actorName: Labels.actor($0.actorId, people: people), reason: $0.reason.map { Labels.plain($0, people: people) })
            }
        }
        return View(title: "Case", model: CasePageModel(
            case: try await references.row(shown),
            observation: observation.map { CasePageModel.ObservationLink(id: $0.id.description, ref: $0.ref, scenario: $0.scenario) },
            ratings: RatingRow.rows(ratings),
            recordings: recordings.map { CasePageModel.RecordingLink(id: $0.id.description, fileName: $0.fileName, status: $0.status) },
            assignments: try await references.rows(assignments?.items ?? [], people: people),
            routingProblem: assignments?.routingProblem, sampleReason: assignments?.sampleReason,
            opinions: opinions.map { OpinionRow($0, people: people, viewer: page.actor.userID) },
            messages: messages.map { MessageRow(authorName: people[$0.authorId.description] ?? "Panel member", postedAt: Timestamp($0.postedAt), body: $0.body) },
            plan: plan.map(PlanStatusModel.init),
            mayAcknowledge: Access.Rule.acknowledgeDevelopmentPlan.allows(page.actor),
            mayPost: Access.Rule.postToPanelDiscussion.allows(page.actor),
            actions: Self.actionForms(value, for: page.actor), scores: Labels.scale, mayAssign: mayAssign, moderators: moderators,
            mayMarkSeed: Access.mayMarkSeed(from: value, viewer: page.actor), history: history,
            bundleLink: Access.Rule.exportBundle.allows(page.actor) ? "/api/v1/cases/\(id)/bundle" : nil,
            decisionLink: Access.actions(on: value, for: page.actor).contains(.decide) ? "/cases/\(id)/decision" : nil,
            adoptionText: Self.adoption(of: shown.outcome, opinions: opinions, people: people)))
    }

    /// The lead's board (issue 20 item 1), read from the case summaries through the API's list: four queries whatever
    /// the number of cases — the page of cases, the names of its moderators, the counts, the employers (decision 26).
    func board(_ page: PageContext) async throws -> View<BoardModel> {
        try Access.Rule.runBoard.require(page.actor)
        let parameters = page.request.uri.queryParameters
        func asked(_ name: String) -> String? { parameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let state = asked("state").flatMap(Case.State.init(rawValue:))
        let reason = asked("reason").flatMap(CaseSummary.Reason.init(rawValue:))
        let employer = asked("employerId").flatMap(UUID.init(uuidString:)).map(OrganisationID.init(rawValue:))
        let sort = asked("sort").flatMap(CaseSort.init(rawValue:)) ?? .opened
        let overdueOnly = asked("overdue") == "true"
        let search = String((asked("q") ?? "").prefix(200))
        var filters: [(String, String)] = []
        if let state { filters.append(("state", state.rawValue)) }
        if let reason { filters.append(("reason", reason.rawValue)) }
        if let employer { filters.append(("employerId", employer.description)) }
        if overdueOnly { filters.append(("overdue", "true")) }
        if !search.isEmpty { filters.append(("q", search)) }
        if sort != .opened { filters.append(("sort", sort.rawValue)) }
        let filterQuery = filters.map { "&\($0)=\(Self.queryEscaped($1))" }.joined()
        let number = page.pageNumber
        let list = try await page.read(CaseController(services: services).list, query: "pageSize=50&page=\(number)" + filterQuery)
        // The moderators on this page by name: one query for the page's people, not the whole directory (the lead may
        // read the directory: the names are no news to them).
        let named = try await services.store.records.userNames(list.items.flatMap { $0.moderatorIds ?? [] })
        let people = Dictionary(uniqueKeysWithValues: named.map { ($0.key.description, $0.value) })
        let now = services.now()
        let counts = try await services.store.records.caseCounts(CaseFilter(), now: now)
        let employers = try await services.store.records.organisations.all().filter { $0.kind == .employer }
        let cards = list.items.map { Self.card($0, people: people, now: now) }
        let shownStates: [Case.State] = [.open, .localReview, .awaitingModeration, .inModeration, .escalated, .decided]
        return View(title: "Moderation board", model: BoardModel(
            cards: cards, empty: cards.isEmpty,
            counts: shownStates.map { BoardModel.Count(state: $0.rawValue, label: Labels.state($0), count: counts.byState[$0] ?? 0) },
            overdueCount: counts.overdue,
            employers: employers.map { Choice(value: $0.id.description, label: $0.name, selected: $0.id == employer) },
            states: Case.State.allCases.map { Choice(value: $0.rawValue, label: Labels.state($0), selected: $0 == state) },
            reasons: CaseSummary.Reason.allCases.map { Choice(value: $0.rawValue, label: Labels.caseReason($0), selected: $0 == reason) },
            sorts: CaseSort.allCases.map { Choice(value: $0.rawValue, label: Labels.caseSort($0), selected: $0 == sort) },
            overdueOnly: overdueOnly, search: search, filterQuery: filterQuery, anyToSend: cards.contains { $0.maySend },
            nextPage: list.nextPage, previousPage: number > 1 ? number - 1 : nil, pageNumber: number))
    }

    /// One row of the board.
    static func card(_ value: CaseSummaryRepresentation, people: [String: String], now: Date) -> BoardModel.Card {
        let moderators = (value.moderatorIds ?? []).map { people[$0.description] ?? "a moderator" }
        let reasons: [String] = (value.reasons ?? []).map { Labels.caseReason($0) }
        let recording: String = value.recordingStatus.map { Labels.recordingStatus($0) } ?? "No recording"
        return BoardModel.Card(
            id: value.id.description, reference: reference(value), employerName: value.employerName,
            employerScore: value.employerScore.map { String($0) } ?? "none yet", assessorScore: value.assessorScore.map { String($0) } ?? "none yet",
            reasonText: reasons.joined(separator: ", "), state: value.state.rawValue, stateText: Labels.state(value.state),
            age: Labels.age(since: value.openedAt, now: now), recordingText: recording,
            moderatorsText: moderators.isEmpty ? "nobody yet" : moderators.joined(separator: ", "),
            dueAt: value.earliestDueAt.map { Timestamp($0) }, overdue: value.overdue ?? false,
            maySend: [Case.State.open, .localReview].contains(value.state))
    }

    /// What people call a case in a list: "OBS-2026-0040 · Caius Elsworthy"; the reference alone once the candidate is
    /// erased (as ``References`` names it, from the summary instead of a query per case).
    static func reference(_ value: CaseSummaryRepresentation) -> String {
        let parts = [value.reference, value.candidateName].compactMap { $0?.isEmpty == false ? $0 : nil }
        return parts.isEmpty ? "A case without a reference" : parts.joined(separator: " · ")
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// People's names by user id: the directory for those who may read it (the lead, administrators); and `ids`,
    /// people a page must name whoever reads it (the actors on a page of the audit trail), for those who may read the
    /// audit trail (auditors too), looked up one by one when the directory's first 500 do not have them.
    func directory(_ page: PageContext, naming ids: [UserID] = []) async throws -> [String: String] {
        // The service's own steps (routing, reconciling by rule) are signed by its account, hidden from the directory.
        var names: [String: String] = [UserID.system.description: Labels.automatic]
        if Access.Rule.listUsers.allows(page.actor) {
            for user in try await page.items(DirectoryController(services: services).listUsers, query: "pageSize=500") {
                names[user.id.description] = user.name
            }
        }
        guard Access.Rule.readAuditTrail.allows(page.actor) else { return names }
        for id in Set(ids) where names[id.description] == nil {
            if let user = try await services.store.records.users.find(id) { names[id.description] = user.name }
        }
        return names
    }

    /// The workflow actions the viewer can take on the case now (``Access/actions(on:for:)``), as forms: which need a
    /// reason, a score or a ground for reopening.
    static func actionForms(_ value: Case, for actor: ActingUser) -> [ActionForm] {
        let names = Dictionary(uniqueKeysWithValues: CaseController.actions.map { ($1, $0) })
        // Deciding has its own view (``decision(_:)``): the opinions side by side, a confirmation step.
        return Access.actions(on: value, for: actor).filter { $0 != .decide }.compactMap { action in
            guard let name = names[action] else { return nil }
            return ActionForm(
                action: name, label: Labels.action(action), version: value.version, caseId: value.id.description,
                needsReason: action.requiresReason, needsScore: action == .agreeLocalScore,
                needsGround: action == .reopen, scores: Labels.scale, prefix: name)
        }
    }

    /// Which opinion a lead's decision adopted, or that the lead gave a score of their own (decision 27), in words.
    static func adoption(of outcome: CaseRepresentation.OutcomeRepresentation?, opinions: [OpinionRepresentation], people: [String: String]) -> String? {
        guard let outcome, outcome.decidedBy != nil else { return nil }
        guard let adopted = outcome.adoptedOpinionId else {
            return outcome.reasonCodes.contains("decided_by_lead") || outcome.reasonCodes.isEmpty
                ? "The moderation lead gave this score rather than adopt one of the opinions." : nil
        }
        let name = opinions.first { $0.id == adopted }.flatMap { people[$0.moderatorId.description] } ?? "a moderator"
        return "The moderation lead adopted the opinion of \(name) (\(outcome.score))."
    }
}

extension PageContext {
    /// The page of a list asked for (`?page=`), from 1.
    var pageNumber: Int { max(Int(request.uri.queryParameters["page"] ?? "1") ?? 1, 1) }
}
