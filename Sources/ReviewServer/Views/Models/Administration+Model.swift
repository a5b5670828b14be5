import Foundation
import ReviewDomain

/// `users.mustache`: the administrator's users and organisations: accounts with their state (active, deactivated,
/// awaiting a second administrator's approval), and the forms to create, deactivate, reactivate and approve.
struct UsersModel: PageTemplateModel {
    static let template = "users"

    struct Person: PageModel {
        let id: String
        let name: String
        let username: String
        let roleText: String
        let organisationName: String
        let statusText: String
        let active: Bool
        let awaitingApproval: Bool
        /// Who asked for the account, when it awaits approval ("Created by Ada Admin").
        let requestedByText: String?
        /// The viewer created it: another administrator must approve it (the two-person rule).
        let requestedByViewer: Bool
        let isViewer: Bool
        /// Someone else with a password: a reset link can be issued for them.
        let mayReset: Bool
    }

    struct OrganisationRow: PageModel {
        let name: String
        let kindText: String
    }

    /// A reset link that works only once a second administrator approves it (decision 41).
    struct PendingReset: PageModel {
        let userId: String
        let name: String
        /// "Password and second factor" or "Password".
        let resetsText: String
        let issuedByName: String
        let until: Timestamp
        /// The viewer issued it, or it is their own account: they cannot approve it.
        let issuedByViewer: Bool
        let isViewer: Bool
    }

    let people: [Person]
    let pendingResets: [PendingReset]
    let hasPendingResets: Bool
    let organisations: [OrganisationRow]
    let roles: [Choice]
    let organisationChoices: [Choice]
    let organisationKinds: [Choice]
    /// "Moderation leads, auditors and administrators": the roles whose new accounts wait for a second administrator.
    let approvalRolesText: String
}

/// `reset.mustache`: setting a new password with a reset link (public; the link's secret is read by the script).
struct ResetModel: PageTemplateModel {
    static let template = "reset"
}

/// The sub-navigation of the pages that run moderation (moderators, policy, samples, calibration): the sections the
/// viewer may open, the current one marked.
enum ModerationSections {
    static func links(for actor: ActingUser, path: String) -> [LayoutModel.NavigationItem] {
        var links: [(String, String)] = []
        if Access.Rule.listModerators.allows(actor) { links.append(("/moderation", "Moderators and conflicts")) }
        if Access.Rule.readModeration.allows(actor) {
            links += [("/moderation/policy", "Moderation policy"), ("/moderation/samples", "Quality samples"), ("/moderation/calibration", "Calibration")]
        }
        return links.map { LayoutModel.NavigationItem(href: $0.0, label: $0.1, current: $0.0 == path) }
    }
}

/// `moderators.mustache`: moderators' profiles (kind, practice areas, capacity, open work) and declared conflicts.
struct ModeratorsModel: PageTemplateModel {
    static let template = "moderators"

    struct Area: PageModel {
        let value: String
        let label: String
        let checked: Bool
    }

    struct Conflict: PageModel {
        let conflictId: String
        let subjectText: String
        let reason: String
        let declaredAt: Timestamp
        let declaredByName: String
    }

    struct Moderator: PageModel {
        let id: String
        let name: String
        let kindText: String
        let organisationName: String
        let areasText: String
        let capacity: String
        let openWorkload: String
        let active: Bool
        let areas: [Area]
        let conflicts: [Conflict]
        let noConflicts: Bool
    }

    let sections: [LayoutModel.NavigationItem]
    let moderators: [Moderator]
    let empty: Bool
    let mayEditProfiles: Bool
    let showConflicts: Bool
    let mayRecordConflicts: Bool
    let capacityMaximum: String
    let candidates: [Choice]
    let organisations: [Choice]
}

/// `policy.mustache`: the moderation policy with each setting's current value, its default and its range; an editor
/// for the lead (the server validates and the page shows its message beside the setting).
struct PolicyModel: PageTemplateModel {
    static let template = "policy"

    struct Setting: PageModel {
        let name: String
        let label: String
        let hint: String
        let value: String
        let defaultText: String
        let minimum: String
        let maximum: String
        let step: String
        /// `int` or `number`, for the form's script.
        let type: String
        let changed: Bool
    }

    struct Place: PageModel {
        let number: String
        let options: [Choice]
    }

    let sections: [LayoutModel.NavigationItem]
    let settings: [Setting]
    let places: [Place]
    let panelText: String
    let panelDefaultText: String
    let strata: [Choice]
    let strataText: String
    let strataDefaultText: String
    let mayEdit: Bool
}

/// `samples.mustache`: quality samples: a preview (a dry run: each pick with why and its chance), then the draw of the
/// same picks; and the draws made so far.
struct SamplesModel: PageTemplateModel {
    static let template = "samples"

    struct Pick: PageModel {
        let observationId: String
        let reference: String
        let employerName: String
        let assessorName: String
        let why: String
        let probability: String
        let boundary: Bool
    }

    struct Preview: PageModel {
        let seed: String
        let rate: String
        let rateText: String
        let population: String
        let picks: [Pick]
        let noPicks: Bool
    }

    struct Draw: PageModel {
        let drawnAt: Timestamp
        let seed: String
        let rateText: String
        let population: String
        let cases: String
        let decided: String
    }

    let sections: [LayoutModel.NavigationItem]
    let mayDraw: Bool
    let seed: String
    let rate: String
    let policyRateText: String
    let preview: Preview?
    let draws: [Draw]
    let noDraws: Bool
}

/// `calibration.mustache`: calibration seeds (observations with a definitive score) and each moderator's results on
/// calibration cases.
struct CalibrationModel: PageTemplateModel {
    static let template = "calibration"

    struct Seed: PageModel {
        let reference: String
        let score: String
        let reason: String
        let markedAt: Timestamp
        let markedByName: String
        let active: Bool
        let timesUsed: String
    }

    struct ModeratorFigures: PageModel {
        let name: String
        let opinions: String
        let meanDeviation: String
        let meanAbsoluteDeviation: String
        let agreement: String
    }

    struct Result: PageModel {
        let name: String
        let reference: String
        let definitive: String
        let given: String
        let deviation: String
        let submittedAt: Timestamp
    }

    let sections: [LayoutModel.NavigationItem]
    let seeds: [Seed]
    let noSeeds: Bool
    let moderators: [ModeratorFigures]
    let results: [Result]
    let noResults: Bool
    let mayMark: Bool
    let observations: [Choice]
    let scores: [Choice]
}
