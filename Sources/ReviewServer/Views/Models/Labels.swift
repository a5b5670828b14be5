import Foundation
import ReviewDomain

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
        default: status
        }
    }

    static func role(_ role: Role) -> String {
        switch role {
        case .assessor: "Assessor"
        case .employer: "Employer"
        case .moderator(.professional): "Practitioner moderator"
        case .moderator(.lay): "Lay panel moderator"
        case .lead: "Moderation lead"
        case .auditor: "Auditor"
        case .administrator: "Administrator"
        }
    }

    static func moderatorKind(_ kind: ModeratorKind) -> String { kind == .lay ? "lay panel" : "practitioner" }

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
}
