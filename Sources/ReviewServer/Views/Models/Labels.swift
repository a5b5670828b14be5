import Foundation
import ReviewDomain
import ReviewStore

/// The words the pages use for the API's codes: states, sources, kinds, actions. One place, so that a page and the
/// next page say the same thing.
enum Labels {
    static func state(_ state: String) -> String {
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

    static func state(_ state: Case.State) -> String { self.state(state.rawValue) }

    static func caseKind(_ kind: Case.Kind?) -> String {
        switch kind?.rawValue {
        case "automatic_dispute": "Scores differ"
        case "manual_flag": "Flagged"
        case "sample": "Sample"
        case "calibration": "Calibration"
        default: "—"
        }
    }

    /// Why a case exists, as the board and the lists say it.
    static func caseReason(_ reason: CaseSummary.Reason) -> String {
        switch reason {
        case .straddle: "scores either side of the pass line"
        case .gap: "scores far apart"
        case .flag: "flagged"
        case .sample: "quality sample"
        case .calibration: "calibration"
        }
    }

    static func caseSort(_ sort: CaseSort) -> String {
        switch sort {
        case .opened: "Oldest first"
        case .updated: "Changed most recently"
        case .due: "Due soonest"
        case .candidate: "Candidate's name"
        }
    }

    /// "opened today", "opened 1 day ago", "opened 12 days ago".
    static func age(since date: Date, now: Date) -> String {
        let days = max(0, Int(now.timeIntervalSince(date) / 86_400))
        return days == 0 ? "opened today" : days == 1 ? "opened 1 day ago" : "opened \(days) days ago"
    }

    static func findingReason(_ reason: DisputeFinding.Reason, tolerance: Int) -> String {
        switch reason {
        case .straddlesPassLine: "one is below the standard and the other meets it"
        case .exceedsTolerance: "they differ by \(tolerance) or more"
        }
    }

    static func assignmentState(_ state: String) -> String {
        switch state {
        case "offered": "Offered"
        case "accepted": "Accepted"
        case "submitted": "Opinion submitted"
        case "declined": "Declined"
        case "expired": "Expired"
        case "withdrawn": "Withdrawn"
        default: state
        }
    }

    static func source(_ source: String) -> String {
        switch source {
        case "employer": "Employer"
        case "assessor": "Assessor (accrediting body)"
        case "moderator": "Moderator"
        default: source
        }
    }

    static func practiceArea(_ area: String) -> String {
        switch area {
        case "childrens": "Children's services"
        case "adults": "Adult services"
        case "mental_health": "Mental health"
        default: "Other"
        }
    }

    static func recordingStatus(_ status: String) -> String {
        switch status {
        case "uploading": "Uploading"
        case "stored": "Waiting to be indexed"
        case "indexing": "Indexing"
        case "ready": "Ready to watch"
        case "rejected": "Rejected"
        case "deleted": "Deleted from the server"
        default: status
        }
    }

    static func role(_ role: Role) -> String {
        switch role {
        case .assessor: "Assessor"
        case .employer: "Employer"
        case .moderator(.professional): "Professional moderator"
        case .moderator(.lay): "Lay moderator"
        case .lead: "Moderation lead"
        case .auditor: "Auditor"
        case .administrator: "Administrator"
        }
    }

    static func moderatorKind(_ kind: ModeratorKind) -> String { kind == .lay ? "lay" : "professional" }

    /// The band of a score in words; empty for a number that is not a score.
    static func band(_ score: Int) -> String {
        guard let value = Score(exactly: score) else { return "" }
        return switch value.band {
        case .meetsStandard: "meets the standard"
        case .nearMiss: "near miss"
        case .belowStandard: "below the standard"
        }
    }

    static func action(_ action: CaseAction) -> String {
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

    /// How often a person's notices go by e-mail (decision 24).
    static func delivery(_ delivery: NotificationPreferences.Delivery) -> String {
        switch delivery {
        case .immediate: "An e-mail for each notice"
        case .daily: "One summary e-mail a day"
        case .off: "No e-mail: the notices page only"
        }
    }

    /// `case.moderation_requested` → "Case moderation requested".
    static func auditAction(_ action: String) -> String {
        let words = action.replacingOccurrences(of: ".", with: " ").replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// The 1–7 scale with what each score means, for score pickers.
    static let scale: [ScoreOption] = Score.allCases.map { score in
        let meaning = switch score.value {
        case 1: "Well below the standard: unsafe or absent practice"
        case 2: "Below the standard: significant gaps"
        case 3: "Near miss: just below the standard"
        case 4: "Meets the standard"
        case 5: "Meets the standard well"
        case 6: "Strong practice, above the standard"
        default: "Excellent practice throughout"
        }
        return ScoreOption(value: score.value, meaning: meaning, fails: !score.meetsStandard)
    }

    /// The service's own accounts (routing, reconciling by rule, the indexing worker) sign as UUIDs 00000000-0000-…;
    /// people read them as one name.
    static let automatic = "ObservationReview (automatic)"

    /// Who did something, by name: a person in `people`, the service's own steps as ``automatic``.
    static func actor(_ id: some CustomStringConvertible, people: [String: String]) -> String {
        let text = id.description
        if let name = people[text] { return name }
        return text.hasPrefix("00000000-0000-") ? automatic : "a person whose account is not listed"
    }

    /// Words for the codes that reach people inside stored reasons (the audit trail's reasons are hash-chained, so they
    /// are translated when shown, never rewritten): dispute and outcome reasons, routing reasons, roles, actions.
    static let codeWords: [String: String] = [
        "straddles_pass_line": "one score is below the standard and the other meets it",
        "straddle": "one score is below the standard and the other meets it",
        "exceeds_tolerance": "the scores differ by the tolerance or more",
        "gap": "the scores differ by the tolerance or more",
        "flag": "flagged by hand", "manual_flag": "flagged by hand",
        "sample": "quality sample", "quality_sample": "quality sample",
        "calibration": "calibration", "automatic_dispute": "scores differ",
        "opinions_within_tolerance": "the opinions are within the tolerance",
        "same_side_of_pass_line": "the opinions are on the same side of the pass line",
        "opinions_differ_beyond_tolerance": "the opinions differ by the tolerance or more",
        "opinions_straddle_pass_line": "the opinions straddle the pass line",
        "no_opinions": "no opinions",
        "median": "the median of the opinions", "local_agreement": "a score agreed locally",
        "material_flaw": "a material flaw", "new_information": "new information",
        "reviewed_observation": "reviewed this observation before",
    ]

    /// `text` with its codes in words and its ids as names: "panel complete (case.moderation_requested by 4877b6ec-…)"
    /// → "panel complete (after Case moderation requested, by Lee Lead)".
    static func plain(_ text: String, people: [String: String] = [:]) -> String {
        var result = text
        // Ids: a person's name, the service, or nothing a reader could use.
        let uuid = try! Regex(#"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#)
        result = result.replacing(uuid) { match in
            let id = String(result[match.range]).lowercased()
            return people[id] ?? (id.hasPrefix("00000000-0000-") ? automatic : "someone")
        }
        // Roles: "moderator.professional" → "a professional moderator".
        for role in Role.allCases where role.rawValue.contains(".") {
            result = result.replacingOccurrences(of: role.rawValue, with: role.phrase)
        }
        // Practice areas in routing reasons: "(childrens)" → "(Children's services)".
        for area in ["childrens", "adults", "mental_health"] {
            result = result.replacingOccurrences(of: "(\(area))", with: "(\(practiceArea(area)))")
            result = result.replacingOccurrences(of: ": \(area))", with: ": \(practiceArea(area)))")
        }
        // Audit actions ("case.moderation_requested") and the remaining snake_case codes.
        result = result.replacing(try! Regex(#"\b[a-z]+(?:\.[a-z_]+)+\b"#)) { match in
            "after " + auditAction(String(result[match.range])).lowercased()
        }
        result = result.replacing(try! Regex(#"\b[a-z]+(?:_[a-z0-9]+)+\b"#)) { match in
            let code = String(result[match.range])
            return codeWords[code] ?? code.replacingOccurrences(of: "_", with: " ")
        }
        // A list of codes ("straddles_pass_line,exceeds_tolerance") reads as a list.
        if !text.contains(" ") && text.contains(",") {
            result = text.split(separator: ",").map { codeWords[String($0)] ?? plain(String($0), people: people) }.joined(separator: "; ")
        } else if let words = codeWords[text] {
            result = words
        }
        return result
    }

    static func organisationKind(_ kind: Organisation.Kind) -> String {
        switch kind {
        case .employer: "Employer"
        case .accreditingBody: "Accrediting body"
        case .moderationPanel: "Moderation panel"
        }
    }

    /// How quality samples are grouped before drawing.
    static func sampleStrata(_ strata: SampleStrata) -> String {
        switch strata {
        case .employerAssessor: "By employer and assessor"
        case .employer: "By employer"
        case .none: "The whole scheme as one group"
        }
    }

    /// A share as people read it: 0.1 → "10%", 0.055 → "5.5%".
    static func percent(_ share: Double) -> String { PageFormat.number((share * 1000).rounded() / 10) + "%" }

    /// What an audit event or a hold is about, when there is no name for the thing itself.
    static func subjectType(_ type: String) -> String {
        switch type {
        case "api_token": "An API token"
        case "rating": "A rating"
        case "import": "An import"
        case "username": "A sign-in name"
        case "policy", "moderation_policy": "The moderation policy"
        case "organisation": "An organisation"
        case "session": "A session"
        default: type.prefix(1).uppercased() + type.dropFirst().replacingOccurrences(of: "_", with: " ")
        }
    }
}
