import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// Each role's home page (what to do next), the moderator's review screen and the audit trail.
extension Pages {
    func home(_ page: PageContext) async throws -> View {
        var values: [String: Any] = ["role": page.role.rawValue]
        let cases = CaseController(services: services)
        let moderation = ModerationController(services: services)
        switch page.role {
        case .assessor, .employer:
            values[page.role == .assessor ? "isAssessor" : "isEmployer"] = true
            var open: [[String: Any]] = []
            for state in [Case.State.open, .localReview] {
                open += try await page.items(cases.list, query: "pageSize=20&state=\(state.rawValue)").map(Self.caseRow)
            }
            values["openCases"] = open
            values["hasOpenCases"] = !open.isEmpty
            let recordings = RecordingController(services: services)
            var attention: [[String: Any]] = []
            for status in ["stored", "indexing", "rejected"] {
                attention += try await page.items(recordings.list, query: "pageSize=10&status=\(status)")
                    .map { $0.merging(["statusText": Self.recordingStatusText(status)]) { $1 } }
            }
            values["recordingsToWatch"] = attention
            values["hasRecordingsToWatch"] = !attention.isEmpty
            let plans = try await page.items(moderation.developmentPlans, query: "acknowledged=false")
            values["plans"] = plans.map { $0.merging(["shortCaseId": Self.shortID($0["caseId"])]) { $1 } }
            values["hasPlans"] = !plans.isEmpty
        case .moderator:
            values["isModerator"] = true
            let mine = try await page.items(moderation.assignments).map { Self.assignmentRow($0, people: [:]) }
            let offered = mine.filter { $0["state"] as? String == "offered" }
            let accepted = mine.filter { $0["state"] as? String == "accepted" }
            let done = mine.filter { $0["state"] as? String == "submitted" }
            values["offered"] = offered
            values["accepted"] = accepted
            values["done"] = done
            values["hasOffered"] = !offered.isEmpty
            values["hasAccepted"] = !accepted.isEmpty
            values["hasDone"] = !done.isEmpty
            values["nothingToDo"] = offered.isEmpty && accepted.isEmpty
        case .lead:
            values["isLead"] = true
            var counts: [[String: Any]] = []
            for state in [Case.State.awaitingModeration, .inModeration, .escalated] {
                let list = try await page.read(cases.list, query: "pageSize=100&state=\(state.rawValue)")
                let count = (list["items"] as? [Any])?.count ?? 0
                counts.append(["state": state.rawValue, "label": Self.stateText(state.rawValue),
                               "count": list["nextPage"] is Int ? "100+" : "\(count)"])
            }
            values["counts"] = counts
            let escalated = try await page.items(cases.list, query: "pageSize=20&state=escalated").map(Self.caseRow)
            values["escalated"] = escalated
            values["hasEscalated"] = !escalated.isEmpty
            values["overdueCount"] = try await page.items(moderation.assignments).count
        case .auditor:
            values["isAuditor"] = true
        case .administrator:
            values["isAdministrator"] = true
            values["users"] = try await page.items(DirectoryController(services: services).listUsers, query: "pageSize=500").map { user in
                user.merging(["roleText": Role(rawValue: user["role"] as? String ?? "").map(PageContext.roleName) ?? ""]) { $1 }
            }
        }
        return View(template: "home", title: "Home", values: values)
    }

    /// The moderator's review screen: offer (accept, decline, declare a conflict), then the recording with
    /// time-coded notes and the blind opinion form; once their panel is complete, the other scores and opinions.
    func review(_ page: PageContext) async throws -> View {
        guard page.isModerator else { throw Access.forbidden("The review screen is for moderators; open the case page instead.") }
        let controller = CaseController(services: services)
        let id = try page.context.id("caseId", as: CaseID.self)
        let parameters = ["caseId": id.description]
        let (value, blind) = try await services.access.case(id, for: page.actor)
        var values: [String: Any] = ["case": Self.caseRow(try await page.read(controller.show, parameters)), "blind": blind]
        let mine = try await page.items(controller.listAssignments, parameters).last
        let state = mine?["state"] as? String ?? ""
        values["assignment"] = orNull(mine.map { Self.assignmentRow($0, people: [:]) })
        values["offered"] = state == "offered"
        values["reviewing"] = state == "accepted"
        values["submitted"] = state == "submitted"
        values["mayDecline"] = state == "offered" || state == "accepted"
        // Who the case is about, so that a moderator can see a conflict of interest before watching.
        if let observation = try await services.store.observationWithEmployer(value.observationID) {
            values["candidateName"] = (try await services.store.candidates.find(observation.record.observation.candidateID))?.name ?? ""
            values["employerName"] = (try await services.store.organisations.find(observation.employerID))?.name ?? ""
            values["scenario"] = observation.record.observation.scenario
        }
        if state == "accepted" || state == "submitted" {
            try await chooseRecording(page, observationID: value.observationID, caseID: id, into: &values)
        }
        values["scores"] = Self.scale()
        values["prefix"] = "opinion"
        values["tags"] = Self.noteTags.map { ["tag": $0] }
        if !blind {
            values["opinions"] = (try await page.readIfAllowed(controller.listOpinions, parameters)?["items"] as? [[String: Any]] ?? []).map { opinion in
                opinion.merging(["band": Self.band(opinion["score"] as? Int), "mine": opinion["moderatorId"] as? String == page.actor.userID.description]) { $1 }
            }
            values["ratings"] = (try await page.readIfAllowed(ObservationController(services: services).ratings, query: "pageSize=100",
                                                              ["observationId": value.observationID.description])?["items"] as? [[String: Any]] ?? [])
                .map { $0.merging(["sourceText": Self.sourceText($0["source"] as? String)]) { $1 } }
        }
        values["messages"] = (try await page.readIfAllowed(controller.listMessages, parameters)?["items"] as? [[String: Any]] ?? [])
        return View(template: "review", title: "Review", values: values)
    }

    /// The recording to review: the one asked for (`?recording=`), else the newest ready one with pictures;
    /// the others are offered as links.
    func chooseRecording(_ page: PageContext, observationID: ObservationID, caseID: CaseID, into values: inout [String: Any]) async throws {
        let ready = try await page.items(RecordingController(services: services).list, query: "observationId=\(observationID)&pageSize=50&status=ready")
        var reports: [(recording: [String: Any], index: [String: Any])] = []
        for recording in ready.reversed() {
            guard let id = (recording["id"] as? String).flatMap(UUID.init(uuidString:)).map(RecordingID.init(rawValue:)),
                let tree = try await indexTree(of: id)
            else { continue }
            reports.append((recording, tree))
        }
        let asked = page.request.uri.queryParameters["recording"].map(String.init)
        let hasVideo = { (index: [String: Any]) in (index["streams"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "video" } }
        guard let chosen = reports.first(where: { $0.recording["id"] as? String == asked }) ?? reports.first(where: { hasVideo($0.index) }) ?? reports.first
        else {
            values["noRecording"] = true
            return
        }
        values["recording"] = chosen.recording
        if let id = (chosen.recording["id"] as? String).flatMap(UUID.init(uuidString:)).map(RecordingID.init(rawValue:)) {
            values["captions"] = try await hasCaptions(id, page)
        }
        values.merge(MediaFacts(index: chosen.index).values) { $1 }
        values["otherRecordings"] = reports.filter { $0.recording["id"] as? String != chosen.recording["id"] as? String }
            .map { ["href": "/cases/\(caseID)/review?recording=\($0.recording["id"] as? String ?? "")", "fileName": orNull($0.recording["fileName"])] }
    }

    /// Tags a note can carry: the standard's domains that reviewers comment on.
    static let noteTags = [
        "Communication", "Engagement and relationship", "Assessment and analysis", "Risk and safeguarding",
        "Values and ethics", "Use of authority", "Reflection",
    ]

    func audit(_ page: PageContext) async throws -> View {
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
        let people = try await directory(page, naming: (list["items"] as? [[String: Any]] ?? []).compactMap { $0["actorId"] as? String })
        let items = (list["items"] as? [[String: Any]] ?? []).map { entry in
            entry.merging(["actorName": people[entry["actorId"] as? String ?? ""] ?? Self.shortID(entry["actorId"]),
                           "actionText": Self.auditActionText(entry["action"] as? String ?? ""),
                           "shortSubject": Self.shortID(entry["subjectId"])]) { $1 }
        }
        let last = items.last?["sequence"] as? Int
        return View(template: "audit", title: "Audit trail", values: [
            "items": items, "empty": items.isEmpty, "subjectType": type ?? "", "subjectId": subject ?? "",
            "subjectTypes": [("case", "Case"), ("recording", "Recording"), ("observation", "Observation"), ("user", "User")].map {
                ["value": $0.0, "label": $0.1, "selected": $0.0 == type]
            },
            "next": list["nextPage"] is Int ? orNull(last.map { "after=\($0)" + (type.map { "&subjectType=\($0)&subjectId=\(subject ?? "")" } ?? "") }) : NSNull(),
        ])
    }
}
