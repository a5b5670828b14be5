import Foundation
import ReviewDomain

/// `home.mustache`: what each role does next. One model for every role; only the viewer's role's parts are filled.
struct HomeModel: PageTemplateModel {
    static let template = "home"

    /// A development plan for the employer to acknowledge.
    struct PlanLink: PageModel {
        let caseId: String
        let caseReference: String
        let createdAt: Timestamp
    }

    /// How many cases wait in a state, for the lead ("100+" past a page).
    struct StateCount: PageModel {
        let state: String
        let label: String
        let count: String
    }

    /// An account, for the administrator.
    struct Account: PageModel {
        let name: String
        let username: String?
        let roleText: String
        let active: Bool
    }

    var isAssessor = false
    var isEmployer = false
    var isModerator = false
    var isLead = false
    var isAuditor = false
    var isAdministrator = false
    // Assessors and employers.
    var openCases: [CaseRow] = []
    var hasOpenCases = false
    var recordingsToWatch: [RecordingRow] = []
    var hasRecordingsToWatch = false
    var plans: [PlanLink] = []
    var hasPlans = false
    // Moderators.
    var offered: [AssignmentRow] = []
    var accepted: [AssignmentRow] = []
    var done: [AssignmentRow] = []
    var hasOffered = false
    var hasAccepted = false
    var hasDone = false
    var nothingToDo = false
    // The lead.
    var counts: [StateCount] = []
    var escalated: [CaseRow] = []
    var hasEscalated = false
    var overdueCount = 0
    // Administrators.
    var users: [Account] = []
}
