import Foundation
import ReviewDomain

/// `audit.mustache`: the audit trail, filtered by subject, a page at a time.
struct AuditModel: PageTemplateModel {
    static let template = "audit"

    struct Entry: PageModel {
        let sequence: Int64
        let at: Timestamp
        let actorName: String
        let actionText: String
        let subjectType: String
        let shortSubject: String
        let reason: String?
    }

    let items: [Entry]
    let empty: Bool
    let subjectType: String
    let subjectId: String
    let subjectTypes: [Choice]
    /// The query of the next page ("after=…"), when there is one.
    let next: String?
}
