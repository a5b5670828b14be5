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

    /// A queue and how many wait in it, with where to work on it.
    struct Queue: PageModel {
        let label: String
        let count: Int
        let link: String
        /// Whether something waits here for the viewer.
        let waiting: Bool
    }

    /// The next thing to do: what, and where.
    struct NextStep: PageModel {
        let text: String
        let link: String
        let linkText: String
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
    /// The viewer's queues with their counts, and the next thing to do (every role but the administrator).
    var queues: [Queue] = [] { didSet { hasQueues = !queues.isEmpty } }
    var hasQueues = false
    var next: NextStep? = nil
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
    var escalated: [CaseRow] = []
    var hasEscalated = false
    // Administrators.
    var users: [Account] = []
}
