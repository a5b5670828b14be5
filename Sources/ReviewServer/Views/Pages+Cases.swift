import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// Observations, the case lists, a case with its history, and the lead's board.
extension Pages {
    func observations(_ page: PageContext) async throws -> View {
        let controller = ObservationController(services: services)
        let number = max(Int(page.request.uri.queryParameters["page"] ?? "1") ?? 1, 1)
        let list = try await page.read(controller.listObservations, query: "pageSize=50&page=\(number)")
        let names = try await candidateNames(page, of: list["items"] as? [[String: Any]] ?? [])
        let items = (list["items"] as? [[String: Any]] ?? []).map { item -> [String: Any] in
            var item = item
            item["candidateName"] = names[item["candidateId"] as? String ?? ""] ?? "—"
            item["practiceAreaText"] = Self.practiceAreaText(item["practiceArea"] as? String)
            return item
        }
        return View(template: "observations", title: page.role == .employer ? "Our observations" : "Observations", values: [
            "items": items, "empty": items.isEmpty, "nextPage": orNull(list["nextPage"]), "previousPage": number > 1 ? number - 1 : NSNull(),
        ])
    }

    func observation(_ page: PageContext) async throws -> View {
        guard !page.isModerator else { throw Access.forbidden("Moderators see an observation through the case assigned to them.") }
        let controller = ObservationController(services: services)
        let id = try page.context.id("observationId", as: ObservationID.self)
        let parameters = ["observationId": id.description]
        var observation = try await page.read(controller.observation, parameters)
        let names = try await candidateNames(page, of: [observation])
        observation["candidateName"] = names[observation["candidateId"] as? String ?? ""] ?? "—"
        observation["practiceAreaText"] = Self.practiceAreaText(observation["practiceArea"] as? String)
        let ratings = try await page.items(controller.ratings, query: "pageSize=100", parameters).map { rating -> [String: Any] in
            var rating = rating
            rating["sourceText"] = Self.sourceText(rating["source"] as? String)
            rating["band"] = Self.band(rating["score"] as? Int)
            return rating
        }
        let recordings = try await page.items(RecordingController(services: services).list, query: "observationId=\(id)&pageSize=50")
            .map { item -> [String: Any] in
                var item = item
                item["statusText"] = Self.recordingStatusText(item["status"] as? String ?? "")
                return item
            }
        let cases = try await services.store.cases.cases(of: id)
        let visible = await cases.asyncFilter { (try? await services.access.case($0.id, for: page.actor)) != nil }
        let mayRate = page.role == .assessor || page.role == .employer
        return View(template: "observation", title: "Observation", values: [
            "observation": observation, "ratings": ratings, "hasRatings": !ratings.isEmpty,
            "recordings": recordings, "hasRecordings": !recordings.isEmpty,
            "cases": visible.map { ["id": $0.id.description, "stateText": Self.stateText($0.state.rawValue)] },
            "mayRate": mayRate, "mayFlag": [.assessor, .employer, .lead].contains(page.role),
            "mayUpload": page.role == .assessor || page.role == .lead, "scores": Self.scale(), "prefix": "rating",
            // Subject access (docs/data-protection.md): the lead answers a candidate's request with this export.
            "subjectExportLink": page.isLead ? orNull((observation["candidateId"] as? String).map { "/api/v1/candidates/\($0)/subject-export" }) : NSNull(),
        ])
    }

    func cases(_ page: PageContext) async throws -> View {
        let controller = CaseController(services: services)
        let state = page.request.uri.queryParameters["state"].map(String.init).flatMap(Case.State.init(rawValue:))
        let number = max(Int(page.request.uri.queryParameters["page"] ?? "1") ?? 1, 1)
        let list = try await page.read(controller.list, query: "pageSize=50&page=\(number)" + (state.map { "&state=\($0.rawValue)" } ?? ""))
        let items = (list["items"] as? [[String: Any]] ?? []).map(Self.caseRow)
        let filters = Case.State.allCases.map { ["value": $0.rawValue, "label": Self.stateText($0.rawValue), "selected": $0 == state] }
        return View(template: "cases", title: "Cases", values: [
            "items": items, "empty": items.isEmpty, "filters": filters, "stateQuery": state.map { "&state=\($0.rawValue)" } ?? "",
            "nextPage": orNull(list["nextPage"]), "previousPage": number > 1 ? number - 1 : NSNull(),
        ])
    }

    func casePage(_ page: PageContext) async throws -> View {
        let controller = CaseController(services: services)
        let id = try page.context.id("caseId", as: CaseID.self)
        if page.isModerator { return try await review(page) }
        let (value, _) = try await services.access.case(id, for: page.actor)
        let parameters = ["caseId": id.description]
        var values: [String: Any] = ["case": Self.caseRow(try await page.read(controller.show, parameters))]
        let observationController = ObservationController(services: services)
        let observationParameters = ["observationId": value.observationID.description]
        values["observation"] = orNull(try await page.readIfAllowed(observationController.observation, observationParameters))
        values["ratings"] = try await (page.readIfAllowed(observationController.ratings, query: "pageSize=100", observationParameters)?["items"] as? [[String: Any]] ?? []).map { rating in
            rating.merging(["sourceText": Self.sourceText(rating["source"] as? String)]) { $1 }
        }
        values["recordings"] = try await page.items(RecordingController(services: services).list, query: "observationId=\(value.observationID)&pageSize=50")
        let people = try await directory(page)
        let assignments = try await page.readIfAllowed(controller.listAssignments, parameters) ?? [:]
        values["assignments"] = (assignments["items"] as? [[String: Any]] ?? []).map { Self.assignmentRow($0, people: people) }
        values["routingProblem"] = orNull(assignments["routingProblem"])
        values["sampleReason"] = orNull(assignments["sampleReason"])
        values["opinions"] = try await page.readIfAllowed(controller.listOpinions, parameters).map { list in
            (list["items"] as? [[String: Any]] ?? []).map { opinion in
                opinion.merging(["moderatorName": people[opinion["moderatorId"] as? String ?? ""] ?? "A moderator",
                                 "band": Self.band(opinion["score"] as? Int)]) { $1 }
            }
        } ?? [[String: Any]]()
        values["messages"] = try await page.readIfAllowed(controller.listMessages, parameters).map { list in
            (list["items"] as? [[String: Any]] ?? []).map { $0.merging(["authorName": people[$0["authorId"] as? String ?? ""] ?? "Panel member"]) { $1 } }
        } ?? [[String: Any]]()
        if page.role == .employer || page.isLead || page.role == .auditor {
            values["plan"] = orNull(try await page.readIfAllowed(controller.developmentPlan, parameters))
        }
        values["mayAcknowledge"] = page.role == .employer
        values["mayPost"] = page.isLead
        values["actions"] = Self.actionForms(value, for: page.actor)
        values["scores"] = Self.scale()
        values["mayAssign"] = page.isLead
        values["history"] = [[String: Any]]()
        if page.isLead {
            values["moderators"] = try await page.items(ModerationController(services: services).moderators).filter { $0["active"] as? Bool == true }
                .map { ["id": $0["userId"] as? String ?? "", "name": people[$0["userId"] as? String ?? ""] ?? "Moderator",
                        "workload": $0["openWorkload"] as? Int ?? 0, "kindText": $0["kind"] as? String == "lay" ? "lay panel" : "practitioner"] }
            values["mayMarkSeed"] = value.state == .decided || value.state == .closed
        }
        if [.lead, .auditor].contains(page.role) {
            let history = try await page.items(AuditController(services: services).list,
                                               query: "subjectType=case&subjectId=\(id)&pageSize=200")
            values["history"] = history.map { entry in
                entry.merging(["actorName": people[entry["actorId"] as? String ?? ""] ?? Self.shortID(entry["actorId"]),
                               "actionText": Self.auditActionText(entry["action"] as? String ?? "")]) { $1 }
            }
        }
        values["bundleLink"] = ExportController.bundleRoles.contains(page.role) ? "/api/v1/cases/\(id)/bundle" : NSNull()
        return View(template: "case", title: "Case", values: values)
    }

    func board(_ page: PageContext) async throws -> View {
        try services.access.require(page.actor, in: [.lead], to: "run the moderation board")
        let controller = CaseController(services: services)
        let people = try await directory(page)
        var columns: [[String: Any]] = []
        for state in [Case.State.open, .localReview, .awaitingModeration, .inModeration, .escalated, .decided] {
            let list = try await page.read(controller.list, query: "pageSize=25&state=\(state.rawValue)")
            let items = (list["items"] as? [[String: Any]] ?? []).map(Self.caseRow)
            columns.append(["state": state.rawValue, "label": Self.stateText(state.rawValue), "items": items, "count": items.count,
                            "more": list["nextPage"] is Int, "empty": items.isEmpty])
        }
        let overdue = try await page.items(ModerationController(services: services).assignments).map { Self.assignmentRow($0, people: people) }
        return View(template: "board", title: "Moderation board", values: [
            "columns": columns, "overdue": overdue, "hasOverdue": !overdue.isEmpty,
        ])
    }

    /// People's names by user id: the directory for those who may read it (the lead, administrators); and `ids`,
    /// people a page must name whoever reads it (the actors on a page of the audit trail), for those who may read the
    /// audit trail (auditors too), looked up one by one when the directory's first 500 do not have them.
    func directory(_ page: PageContext, naming ids: [String] = []) async throws -> [String: String] {
        // The service's own steps (routing, reconciling by rule) are signed by its account, hidden from the directory.
        var names: [String: String] = [UserID.system.description: "ObservationReview (automatic step)"]
        if page.isLead || page.role == .administrator {
            for user in try await page.items(DirectoryController(services: services).listUsers, query: "pageSize=500") {
                if let id = user["id"] as? String { names[id] = user["name"] as? String }
            }
        }
        guard [.lead, .administrator, .auditor].contains(page.role) else { return names }
        for id in Set(ids) where names[id] == nil {
            if let uuid = UUID(uuidString: id), let user = try await services.store.users.find(UserID(rawValue: uuid)) { names[id] = user.name }
        }
        return names
    }

    /// The workflow actions the viewer may take on the case now, as forms: which need a reason, a score or a
    /// ground for reopening.
    static func actionForms(_ value: Case, for actor: ReviewDomain.Actor) -> [[String: Any]] {
        let names = Dictionary(uniqueKeysWithValues: CaseController.actions.map { ($1, $0) })
        return value.availableActions(for: actor).compactMap { action -> [String: Any]? in
            guard let name = names[action] else { return nil }
            return [
                "action": name, "label": actionLabel(action), "version": value.version, "caseId": value.id.description,
                "needsReason": action.requiresReason, "needsScore": action == .decide || action == .agreeLocalScore,
                "needsGround": action == .reopen, "scores": scale(), "prefix": name,
            ]
        }
    }

    static func actionLabel(_ action: CaseAction) -> String {
        switch action {
        case .open: "Open"
        case .flag: "Add a flag"
        case .startLocalReview: "Start local review"
        case .agreeLocalScore: "Agree a score locally"
        case .requestModeration: "Send to moderation"
        case .startModeration: "Start moderation"
        case .escalate: "Escalate"
        case .decide: "Decide the outcome"
        case .close: "Close the case"
        case .withdraw: "Withdraw the case"
        case .reopen: "Reopen the case"
        }
    }

    static func caseRow(_ item: [String: Any]) -> [String: Any] {
        var item = item
        item["stateText"] = stateText(item["state"] as? String ?? "")
        item["kindText"] = switch item["kind"] as? String {
        case "automatic_dispute": "Scores differ"
        case "manual_flag": "Flagged"
        case "sample": "Sample"
        case "calibration": "Calibration"
        default: "—"
        }
        item["shortId"] = shortID(item["id"])
        if var finding = item["finding"] as? [String: Any] {
            let tolerance = finding["tolerance"] as? Int ?? 0
            finding["reasonText"] = (finding["reasons"] as? [String] ?? []).map { reason in
                switch reason {
                case "straddles_pass_line": "one is below the standard and the other meets it"
                case "exceeds_tolerance": "they differ by \(tolerance) or more"
                default: reason.replacingOccurrences(of: "_", with: " ")
                }
            }
            item["finding"] = finding
        }
        item["hasFlags"] = !(item["flags"] as? [Any] ?? []).isEmpty
        item["hasPreviousOutcomes"] = !(item["previousOutcomes"] as? [Any] ?? []).isEmpty
        if let outcome = item["outcome"] as? [String: Any] {
            item["outcomeText"] = "\(outcome["score"] as? Int ?? 0) (\(outcome["meetsStandard"] as? Bool == true ? "meets the standard" : "below the standard"))"
        }
        return item
    }

    static func assignmentRow(_ item: [String: Any], people: [String: String]) -> [String: Any] {
        var item = item
        item["moderatorName"] = people[item["moderatorId"] as? String ?? ""] ?? "A moderator"
        item["stateText"] = switch item["state"] as? String {
        case "offered": "Offered"
        case "accepted": "Accepted"
        case "submitted": "Opinion submitted"
        case "declined": "Declined"
        case "expired": "Expired"
        case "withdrawn": "Withdrawn"
        default: item["state"] as? String ?? ""
        }
        item["shortCaseId"] = shortID(item["caseId"])
        return item
    }

    static func stateText(_ state: String) -> String {
        switch state {
        case "open": "Open"
        case "local_review": "Local review"
        case "awaiting_moderation": "Awaiting moderators"
        case "in_moderation": "In moderation"
        case "escalated": "Escalated"
        case "decided": "Decided"
        case "closed": "Closed"
        case "withdrawn": "Withdrawn"
        default: state
        }
    }

    static func sourceText(_ source: String?) -> String {
        switch source {
        case "employer": "Employer"
        case "assessor": "Assessor (accrediting body)"
        case "moderator": "Moderator"
        default: source ?? ""
        }
    }

    static func practiceAreaText(_ area: String?) -> String {
        switch area {
        case "childrens": "Children's services"
        case "adults": "Adult services"
        case "mental_health": "Mental health"
        default: "Other"
        }
    }

    static func band(_ score: Int?) -> String {
        guard let score, let value = Score(exactly: score) else { return "" }
        return switch value.band {
        case .meetsStandard: "meets the standard"
        case .nearMiss: "near miss"
        case .belowStandard: "below the standard"
        }
    }

    /// The 1–7 scale with what each score means, for score pickers.
    static func scale() -> [[String: Any]] {
        Score.allCases.map { score in
            let meaning = switch score.value {
            case 1: "Well below the standard: unsafe or absent practice"
            case 2: "Below the standard: significant gaps"
            case 3: "Near miss: just below the standard"
            case 4: "Meets the standard"
            case 5: "Meets the standard well"
            case 6: "Strong practice, above the standard"
            default: "Excellent practice throughout"
            }
            return ["value": score.value, "meaning": meaning, "fails": !score.meetsStandard]
        }
    }

    static func shortID(_ id: Any?) -> String { String((id as? String ?? "").prefix(8)) }

    /// `case.moderation_requested` → "Case moderation requested".
    static func auditActionText(_ action: String) -> String {
        let words = action.replacingOccurrences(of: ".", with: " ").replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}

extension Sequence {
    func asyncFilter(_ isIncluded: (Element) async throws -> Bool) async rethrows -> [Element] {
        var kept: [Element] = []
        for element in self where try await isIncluded(element) { kept.append(element) }
        return kept
    }
}
