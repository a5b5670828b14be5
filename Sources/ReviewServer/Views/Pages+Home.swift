import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// Each role's home page (what to do next), the moderator's review screen and the audit trail.
extension Pages {
    func home(_ page: PageContext) async throws -> View<HomeModel> {
        var model = HomeModel()
        var references = References(store: services.store)
        let cases = CaseController(services: services)
        let moderation = ModerationController(services: services)
        switch page.role {
        case .assessor, .employer:
            if page.role == .assessor { model.isAssessor = true } else { model.isEmployer = true }
            // Their cases awaiting them: open, or in local review with them.
            for state in [Case.State.open, .localReview] {
                model.openCases += try await page.items(cases.list, query: "pageSize=20&state=\(state.rawValue)").map(CaseRow.init)
            }
            model.hasOpenCases = !model.openCases.isEmpty
            let recordings = RecordingController(services: services)
            for status in ["stored", "indexing", "rejected"] {
                model.recordingsToWatch += try await page.items(recordings.list, query: "pageSize=10&status=\(status)").map(RecordingRow.init)
            }
            model.hasRecordingsToWatch = !model.recordingsToWatch.isEmpty
            for plan in try await page.items(moderation.developmentPlans, query: "acknowledged=false") {
                model.plans.append(HomeModel.PlanLink(caseId: plan.caseId.description, caseReference: try await references.case(plan.caseId),
                                                      createdAt: Timestamp(plan.createdAt)))
            }
            model.hasPlans = !model.plans.isEmpty
            let open = model.openCases.filter { $0.state == Case.State.open.rawValue }.count
            let local = model.openCases.count - open
            model.queues = [
                .init(label: "Open cases", count: open, link: "/cases?state=open", waiting: open > 0),
                .init(label: "In local review", count: local, link: "/cases?state=local_review", waiting: local > 0),
            ]
            if page.role == .employer {
                model.queues.append(.init(label: "Development plans to acknowledge", count: model.plans.count, link: "#plans-heading", waiting: !model.plans.isEmpty))
            } else {
                let rejected = model.recordingsToWatch.filter { $0.status == "rejected" }.count
                model.queues.append(.init(label: "Rejected recordings", count: rejected, link: "/recordings", waiting: rejected > 0))
            }
            if let plan = model.plans.first {
                model.next = .init(text: "A development plan waits for your acknowledgement.", link: "/cases/\(plan.caseId)",
                                   linkText: "Open \(plan.caseReference)")
            } else if let first = model.openCases.first(where: { $0.state == Case.State.localReview.rawValue }) ?? model.openCases.first {
                model.next = .init(text: "A case about your observations waits for you.", link: "/cases/\(first.id)", linkText: "Open \(first.reference)")
            }
        case .moderator:
            model.isModerator = true
            let mine = try await references.rows(try await page.items(moderation.assignments))
            model.offered = mine.filter { $0.state == Assignment.State.offered.rawValue }
            model.accepted = mine.filter { $0.state == Assignment.State.accepted.rawValue }
            model.done = mine.filter { $0.state == Assignment.State.submitted.rawValue }
            model.hasOffered = !model.offered.isEmpty
            model.hasAccepted = !model.accepted.isEmpty
            model.hasDone = !model.done.isEmpty
            model.nothingToDo = model.offered.isEmpty && model.accepted.isEmpty
            let late = (model.offered + model.accepted).filter(\.overdue).count
            model.queues = [
                .init(label: "Offered to you", count: model.offered.count, link: "#offered-heading", waiting: !model.offered.isEmpty),
                .init(label: "To review", count: model.accepted.count, link: "#accepted-heading", waiting: !model.accepted.isEmpty),
                .init(label: "Past their due date", count: late, link: "#accepted-heading", waiting: late > 0),
            ]
            if let first = (model.offered + model.accepted).first(where: \.overdue) ?? model.accepted.first ?? model.offered.first {
                let offered = first.state == Assignment.State.offered.rawValue
                model.next = .init(text: offered ? "A case is offered to you: accept it or decline it." : "A case waits for your opinion.",
                                   link: "/cases/\(first.caseId)/review", linkText: (offered ? "Open the offer of " : "Review ") + first.caseReference)
            }
        case .lead:
            model.isLead = true
            // The lead's queues from one query over the case summaries (decision 26).
            let counts = try await services.store.records.caseCounts(CaseFilter(), now: services.now())
            let waiting = (counts.byState[.open] ?? 0) + (counts.byState[.localReview] ?? 0)
            let escalated = counts.byState[.escalated] ?? 0
            model.queues = [
                .init(label: "Open disputes waiting", count: waiting, link: "/board?state=open", waiting: waiting > 0),
                .init(label: "Awaiting moderators", count: counts.byState[.awaitingModeration] ?? 0, link: "/board?state=awaiting_moderation",
                      waiting: (counts.byState[.awaitingModeration] ?? 0) > 0),
                .init(label: "In moderation", count: counts.byState[.inModeration] ?? 0, link: "/board?state=in_moderation", waiting: false),
                .init(label: "Awaiting your decision", count: escalated, link: "/board?state=escalated", waiting: escalated > 0),
                .init(label: "Overdue assignments", count: counts.overdue, link: "/board?overdue=true&sort=due", waiting: counts.overdue > 0),
            ]
            model.escalated = try await page.items(cases.list, query: "pageSize=20&state=escalated").map(CaseRow.init)
            model.hasEscalated = !model.escalated.isEmpty
            if let first = model.escalated.first {
                model.next = .init(text: "\(escalated) escalated \(escalated == 1 ? "case waits" : "cases wait") for your decision.",
                                   link: "/cases/\(first.id)", linkText: "Decide \(first.reference)")
            } else if counts.overdue > 0 {
                model.next = .init(text: "\(counts.overdue) \(counts.overdue == 1 ? "case has" : "cases have") overdue assignments: chase or reassign them.",
                                   link: "/board?overdue=true&sort=due", linkText: "Show overdue work on the board")
            } else if waiting > 0 {
                model.next = .init(text: "\(waiting) open \(waiting == 1 ? "dispute waits" : "disputes wait"): send them to moderation.",
                                   link: "/board?state=open", linkText: "Show open disputes on the board")
            }
        case .auditor:
            model.isAuditor = true
        case .administrator:
            model.isAdministrator = true
            model.users = try await page.items(DirectoryController(services: services).listUsers, query: "pageSize=500").map {
                HomeModel.Account(name: $0.name, username: $0.username, roleText: Labels.role($0.role), active: $0.active)
            }
        }
        return View(title: "Home", model: model)
    }

    /// The moderator's review screen: offer (accept, decline, declare a conflict), then the recording with
    /// time-coded notes and the blind opinion form; once their panel is complete, the other scores and opinions.
    func review(_ page: PageContext) async throws -> View<ReviewModel> {
        try Access.Rule.review.require(page.actor)
        let controller = CaseController(services: services)
        let id = try page.context.id("caseId", as: CaseID.self)
        let parameters = ["caseId": id.description]
        let (value, blind) = try await services.access.case(id, for: page.actor)
        var references = References(store: services.store)
        let shown = try await page.read(controller.show, parameters)
        let mine = try await page.read(controller.listAssignments, parameters).items.last
        let state = mine?.state
        // Who the case is about, so that a moderator can see a conflict of interest before watching.
        var about = (candidate: "", employer: "", scenario: "")
        if let observation = try await services.store.records.observationWithEmployer(value.observationID) {
            about.candidate = (try await services.store.records.candidates.find(observation.record.observation.candidateID))?.name ?? ""
            about.employer = (try await services.store.records.organisations.find(observation.employerID))?.name ?? ""
            about.scenario = observation.record.observation.scenario
        }
        var chosen = ChosenRecording()
        if state == .accepted || state == .submitted {
            chosen = try await chooseRecording(page, observationID: value.observationID, caseID: id)
        }
        var opinions: [OpinionRow] = [], ratings: [RatingRow] = []
        if !blind {
            opinions = (try await page.readIfAllowed(controller.listOpinions, parameters)?.items ?? [])
                .map { OpinionRow($0, people: [:], viewer: page.actor.userID) }
            ratings = RatingRow.rows(try await page.readIfAllowed(ObservationController(services: services).ratings, query: "pageSize=100",
                                                                  ["observationId": value.observationID.description])?.items ?? [])
        }
        return View(title: "Review", model: ReviewModel(
            case: try await references.row(shown), blind: blind,
            assignment: try await references.rows(mine.map { [$0] } ?? []).first,
            offered: state == .offered, reviewing: state == .accepted, submitted: state == .submitted,
            mayDecline: state == .offered || state == .accepted,
            candidateName: about.candidate, employerName: about.employer, scenario: about.scenario,
            recording: chosen.recording, captions: chosen.captions, media: chosen.media, otherRecordings: chosen.others,
            noRecording: chosen.none, scores: Labels.scale, prefix: "opinion", tags: Self.noteTags.map(ReviewModel.Tag.init),
            opinions: opinions, ratings: ratings))
    }

    /// The recording the review screen plays, with its index, and the others as links.
    struct ChosenRecording {
        var recording: RecordingRow? = nil
        var captions = false
        var media = MediaFacts.none
        var others: [ReviewModel.OtherRecording] = []
        /// Whether no recording of the observation is ready to watch.
        var none = false
    }

    /// The recording to review: the one asked for (`?recording=`), else the newest ready one with pictures;
    /// the others are offered as links to `path` (the review screen unless another is given) playing them.
    func chooseRecording(_ page: PageContext, observationID: ObservationID, caseID: CaseID, linkingTo path: String? = nil) async throws -> ChosenRecording {
        let ready = try await page.items(RecordingController(services: services).list, query: "observationId=\(observationID)&pageSize=50&status=ready")
        var reports: [(recording: RecordingRepresentation, index: IndexSummary)] = []
        for recording in ready.reversed() {
            guard let index = try await indexSummary(of: recording.id, page) else { continue }
            reports.append((recording, index))
        }
        let asked = page.request.uri.queryParameters["recording"].map(String.init)
        guard let chosen = reports.first(where: { $0.recording.id.description == asked }) ?? reports.first(where: { $0.index.hasVideo }) ?? reports.first
        else { return ChosenRecording(none: true) }
        return ChosenRecording(
            recording: RecordingRow(chosen.recording), captions: try await hasCaptions(chosen.recording.id, page), media: MediaFacts(index: chosen.index),
            others: reports.filter { $0.recording.id != chosen.recording.id }.map {
                ReviewModel.OtherRecording(href: "\(path ?? "/cases/\(caseID)/review")?recording=\($0.recording.id)", fileName: $0.recording.fileName)
            })
    }

    /// Tags a note can carry: the standard's domains that reviewers comment on.
    static let noteTags = [
        "Communication", "Engagement and relationship", "Assessment and analysis", "Risk and safeguarding",
        "Values and ethics", "Use of authority", "Reflection",
    ]

    /// The audit trail, newest first (issue 20): read from the store after the API's own checks (the rule that lets the
    /// viewer read the trail, and the part of it they may read), because the API's list runs oldest first by sequence and
    /// its filters are the contract's; the page's filters are for people.
    func audit(_ page: PageContext) async throws -> View<AuditModel> {
        try Access.Rule.readAuditTrail.require(page.actor)
        let query = page.request.uri.queryParameters
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        let days = DateFormatter()
        days.calendar = Calendar(identifier: .iso8601)
        days.locale = Locale(identifier: "en_GB_POSIX")
        days.timeZone = TimeZone(identifier: "UTC")
        days.dateFormat = "yyyy-MM-dd"
        // A filter that is given but cannot be read is refused in words, never ignored (a page that silently showed the
        // whole trail for `before=abc` looked like an answer to the question asked).
        func given<T>(_ name: String, _ expected: String, _ convert: (String) -> T?) throws(APIError) -> T? {
            try page.request.query(name, expected, blankIsAbsent: true, convert)
        }
        let day = "a day written as 2026-01-31"
        var filter = AuditFilter(
            actor: try given("actor", "a person of this list") { UUID(uuidString: $0).map(UserID.init(rawValue:)) }, action: value("action"),
            subjectType: value("subjectType"), subjectID: value("subjectType") == nil ? nil : value("subjectId"),
            from: try given("from", day, days.date(from:)), to: try given("to", day, days.date(from:)).map { $0.addingTimeInterval(86_400) },
            before: try given("before", "a place in the trail (a whole number from 1)") { Int64($0).flatMap { $0 > 0 ? $0 : nil } })
        let size = 100
        let actions = Access.auditActions(for: page.actor)
        var entries = try await services.store.audit.listEntries(newestFirst: filter, actionPrefixes: actions, limit: size)
        let more = entries.count > size
        entries = Array(entries.prefix(size))
        var people = try await directory(page, naming: entries.map(\.event.actorID) + (filter.actor.map { [$0] } ?? []))
        people[UserID.system.description] = Labels.automatic
        var references = References(store: services.store)
        var items: [AuditModel.Entry] = []
        var subjectText: String?
        for entry in entries {
            let event = entry.event
            items.append(AuditModel.Entry(
                sequence: event.sequence ?? 0, at: Timestamp(event.at), actorName: Labels.actor(event.actorID, people: people),
                actionText: Labels.auditAction(event.action.rawValue),
                subjectText: try await references.subject(type: event.subject.type, id: event.subject.id, people: people),
                reason: event.reason.map { Labels.plain($0, people: people) }))
            // The filter's subject is named only from an entry the viewer may read: an id typed into the address must
            // not turn into a name (an administrator reads account events only, and could otherwise learn any
            // candidate's name from a case id).
            if subjectText == nil, event.subject.type == filter.subjectType, event.subject.id == filter.subjectID {
                subjectText = items.last?.subjectText
            }
        }
        // The filter's query, for the pager's links.
        filter.before = nil
        var parts: [String] = []
        for name in ["actor", "action", "subjectType", "subjectId", "from", "to"] {
            if let given = value(name), let encoded = given.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { parts.append("\(name)=\(encoded)") }
        }
        let filterQuery = parts.joined(separator: "&")
        let recorded = try await services.store.audit.actionsRecorded().filter { action in actions?.contains { action.hasPrefix($0) } ?? true }
        let actorChoices = people.map { Choice(value: $0.key, label: $0.value, selected: $0.key == filter.actor?.description) }
            .sorted { $0.label < $1.label }
        return View(title: "Audit trail", model: AuditModel(
            items: items, empty: items.isEmpty, actors: actorChoices,
            actions: recorded.map { Choice(value: $0, label: Labels.auditAction($0), selected: $0 == filter.action) },
            subjectTypes: [("case", "Cases"), ("recording", "Recordings"), ("observation", "Observations"), ("user", "People")].map {
                Choice(value: $0.0, label: $0.1, selected: $0.0 == filter.subjectType)
            },
            subjectId: filter.subjectID, subjectText: subjectText, from: value("from") ?? "", to: value("to") ?? "",
            older: more ? items.last.map { (filterQuery.isEmpty ? "" : filterQuery + "&") + "before=\($0.sequence)" } : nil,
            newest: filter.before == nil && value("before") != nil ? (filterQuery.isEmpty ? "" : filterQuery) : nil))
    }
}
