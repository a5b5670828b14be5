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
        let ratings = try await page.items(controller.ratings, query: "pageSize=100", parameters).map(RatingRow.init)
        let recordings = try await page.items(RecordingController(services: services).list, query: "observationId=\(id)&pageSize=50")
            .map { ObservationPageModel.RecordingLink(id: $0.id.description, fileName: $0.fileName, statusText: Labels.recordingStatus($0.status)) }
        let cases = try await services.access.cases(of: id, for: page.actor)
        return View(title: "Observation", model: ObservationPageModel(
            observation: ObservationRow(observation, names: names), ratings: ratings, hasRatings: !ratings.isEmpty,
            recordings: recordings, hasRecordings: !recordings.isEmpty,
            cases: cases.map { ObservationPageModel.CaseLink(id: $0.id.description, stateText: Labels.state($0.state)) },
            mayRate: Access.Rule.rate.allows(page.actor), mayFlag: Access.Rule.flag.allows(page.actor),
            mayUpload: Access.Rule.upload.allows(page.actor), scores: Labels.scale, prefix: "rating",
            // Subject access (docs/data-protection.md): the lead answers a candidate's request with this export.
            subjectExportLink: Access.Rule.exportSubjectAccess.allows(page.actor) ? "/api/v1/candidates/\(observation.candidateId)/subject-export" : nil))
    }

    func cases(_ page: PageContext) async throws -> View<CaseListModel> {
        let controller = CaseController(services: services)
        let state = page.request.uri.queryParameters["state"].map(String.init).flatMap(Case.State.init(rawValue:))
        let number = page.pageNumber
        let list = try await page.read(controller.list, query: "pageSize=50&page=\(number)" + (state.map { "&state=\($0.rawValue)" } ?? ""))
        var references = References(store: services.store)
        let items = try await references.rows(list.items)
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
        let mayAssign = Access.Rule.assignModerators.allows(page.actor)
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
            ratings: ratings.map(RatingRow.init),
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
            bundleLink: Access.Rule.exportBundle.allows(page.actor) ? "/api/v1/cases/\(id)/bundle" : nil))
    }

    func board(_ page: PageContext) async throws -> View<BoardModel> {
        try Access.Rule.runBoard.require(page.actor)
        let controller = CaseController(services: services)
        let people = try await directory(page)
        var references = References(store: services.store)
        var columns: [BoardModel.Column] = []
        for state in [Case.State.open, .localReview, .awaitingModeration, .inModeration, .escalated, .decided] {
            let list = try await page.read(controller.list, query: "pageSize=25&state=\(state.rawValue)")
            let items = try await references.rows(list.items)
            columns.append(BoardModel.Column(state: state.rawValue, label: Labels.state(state), items: items, count: items.count,
                                             more: list.nextPage != nil, empty: items.isEmpty))
        }
        let overdue = try await references.rows(try await page.items(ModerationController(services: services).assignments), people: people)
        return View(title: "Moderation board", model: BoardModel(columns: columns, overdue: overdue, hasOverdue: !overdue.isEmpty))
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
        return Access.actions(on: value, for: actor).compactMap { action in
            guard let name = names[action] else { return nil }
            return ActionForm(
                action: name, label: Labels.action(action), version: value.version, caseId: value.id.description,
                needsReason: action.requiresReason, needsScore: action == .decide || action == .agreeLocalScore,
                needsGround: action == .reopen, scores: Labels.scale, prefix: name)
        }
    }
}

extension PageContext {
    /// The page of a list asked for (`?page=`), from 1.
    var pageNumber: Int { max(Int(request.uri.queryParameters["page"] ?? "1") ?? 1, 1) }
}
