import Foundation
import ReviewDomain

/// `data-protection.mustache`: legal holds and the erasure of a candidate.
struct DataProtectionModel: PageTemplateModel {
    static let template = "data-protection"

    struct Hold: PageModel {
        let id: String
        let subjectText: String
        let reason: String
        let placedAt: Timestamp
        let placedByName: String
        let active: Bool
    }

    let holds: [Hold]
    let empty: Bool
    let mayChange: Bool
    let showReleased: Bool
    let subjectTypes: [Choice]
}
