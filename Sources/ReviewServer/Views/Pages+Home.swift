import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// Each role's home page (what to do next), the moderator's review screen and the audit trail.
extension Pages {
    func home(_ page: PageContext) async throws -> View<HomeModel> {
        var model = HomeModel()
        let cases = CaseController(services: services)
        let moderation = ModerationController(services: services)
        switch page.role {
        case .assessor, .employer:
            if page.role == .assessor { model.isAssessor = true } else { model.isEmployer = true }
            for state in [Case.State.open, .localReview] {
                model.openCases += try await page.items(cases.list, query: "pageSize=20&state=\(state.rawValue)").map(CaseRow.init)
            }
            model.hasOpenCases = !model.openCases.isEmpty
            let recordings = RecordingController(services: services)
            for status in ["stored", "indexing", "rejected"] {
                model.recordingsToWatch += try await page.items(recordings.list, query: "pageSize=10&status=\(status)").map(RecordingRow.init)
            }
            model.hasRecordingsToWatch = !model.recordingsToWatch.isEmpty
            model.plans = try await page.items(moderation.developmentPlans, query: "acknowledged=false").map {
                HomeModel.PlanLink(caseId: $0.caseId.description, shortCaseId: PageFormat.short($0.caseId), createdAt: Timestamp($0.createdAt))
            }
            model.hasPlans = !model.plans.isEmpty
        case .moderator:
            model.isModerator = true
            let mine = try await page.items(moderation.assignments).map { AssignmentRow($0) }
            model.offered = mine.filter { $0.state == Assignment.State.offered.rawValue }
            model.accepted = mine.filter { $0.state == Assignment.State.accepted.rawValue }
            model.done = mine.filter { $0.state == Assignment.State.submitted.rawValue }
            model.hasOffered = !model.offered.isEmpty
            model.hasAccepted = !model.accepted.isEmpty
            model.hasDone = !model.done.isEmpty
            model.nothingToDo = model.offered.isEmpty && model.accepted.isEmpty
        case .lead:
            model.isLead = true
            for state in [Case.State.awaitingModeration, .inModeration, .escalated] {
                let list = try await page.read(cases.list, query: "pageSize=100&state=\(state.rawValue)")
                model.counts.append(HomeModel.StateCount(state: state.rawValue, label: Labels.state(state),
                                                         count: list.nextPage != nil ? "100+" : "\(list.items.count)"))
            }
            model.escalated = try await page.items(cases.list, query: "pageSize=20&state=escalated").map(CaseRow.init)
            model.hasEscalated = !model.escalated.isEmpty
            model.overdueCount = try await page.items(moderation.assignments).count
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
            ratings = (try await page.readIfAllowed(ObservationController(services: services).ratings, query: "pageSize=100",
                                                    ["observationId": value.observationID.description])?.items ?? []).map(RatingRow.init)
        }
        return View(title: "Review", model: ReviewModel(
            case: CaseRow(shown), blind: blind, assignment: mine.map { AssignmentRow($0) },
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
    /// the others are offered as links.
    func chooseRecording(_ page: PageContext, observationID: ObservationID, caseID: CaseID) async throws -> ChosenRecording {
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
                ReviewModel.OtherRecording(href: "/cases/\(caseID)/review?recording=\($0.recording.id)", fileName: $0.recording.fileName)
            })
    }

    /// Tags a note can carry: the standard's domains that reviewers comment on.
    static let noteTags = [
        "Communication", "Engagement and relationship", "Assessment and analysis", "Risk and safeguarding",
        "Values and ethics", "Use of authority", "Reflection",
    ]

    func audit(_ page: PageContext) async throws -> View<AuditModel> {
        let query = page.request.uri.queryParameters
        let after = Int(query["after"] ?? "0") ?? 0
        var parts = ["pageSize=100", "after=\(max(after, 0))"]
        let type = query["subjectType"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let subject = query["subjectId"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let type, let subject {
            parts += ["subjectType=\(type.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
                      "subjectId=\(subject.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"]
        }
        let list = try await page.read(AuditController(services: services).list, query: parts.joined(separator: "&"))
        let people = try await directory(page, naming: list.items.map(\.actorId))
        let items = list.items.map { entry in
            AuditModel.Entry(sequence: entry.sequence, at: Timestamp(entry.at),
                             actorName: people[entry.actorId.description] ?? PageFormat.short(entry.actorId),
                             actionText: Labels.auditAction(entry.action), subjectType: entry.subjectType,
                             shortSubject: PageFormat.short(entry.subjectId), reason: entry.reason)
        }
        let next = list.nextPage != nil ? items.last.map { "after=\($0.sequence)" + (type.map { "&subjectType=\($0)&subjectId=\(subject ?? "")" } ?? "") } : nil
        return View(title: "Audit trail", model: AuditModel(
            items: items, empty: items.isEmpty, subjectType: type ?? "", subjectId: subject ?? "",
            subjectTypes: [("case", "Case"), ("recording", "Recording"), ("observation", "Observation"), ("user", "User")].map {
                Choice(value: $0.0, label: $0.1, selected: $0.0 == type)
            },
            next: next))
    }
}
