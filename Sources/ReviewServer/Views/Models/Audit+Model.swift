import Foundation
import ReviewDomain

/// `audit.mustache`: the audit trail, newest first, filtered by who, what, subject and dates, a page at a time.
struct AuditModel: PageTemplateModel {
    static let template = "audit"

    struct Entry: PageModel {
        let sequence: Int64
        let at: Timestamp
        let actorName: String
        let actionText: String
        /// The subject in words: "Case OBS-T-1 · Casey Candidate", "Recording visit.mp4".
        let subjectText: String
        let reason: String?
    }

    let items: [Entry]
    let empty: Bool
    let actors: [Choice]
    let actions: [Choice]
    let subjectTypes: [Choice]
    /// A subject asked for by link (a case's "History"), kept as a hidden field; its words in `subjectText`.
    let subjectId: String?
    let subjectText: String?
    let from: String
    let to: String
    /// The query of the next (older) page, when there is one.
    let older: String?
    /// The query of the newest page, when this is not it.
    let newest: String?
}
