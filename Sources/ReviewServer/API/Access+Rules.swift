import Foundation
import ReviewDomain
import ReviewStore

/// The named allow/deny rules: what a role may do, and the relationships some rules add (the uploader of a recording,
/// the state of a case). The JSON API refuses with them and the pages offer a form or a link only when they allow, so
/// the two cannot disagree (decision 21). A rule that is only a role list is an ``Access/Rule``; a rule that also
/// looks at the thing is a function of it and the viewer.
extension Access {
    /// A permission by role, with the words that say what it permits (for the 403 message).
    struct Rule: Sendable {
        let roles: Set<Role>
        /// "upload recordings": completes "Employers cannot …".
        let doWhat: String
        /// The 403's message when the usual one ("… cannot …; … can.") would not tell the caller where to go instead.
        var refusal: String? = nil

        func allows(_ actor: ActingUser) -> Bool { roles.contains(actor.role) }

        /// 403, naming the roles that may, unless `actor` is one of them.
        func require(_ actor: ActingUser) throws(APIError) {
            guard allows(actor) else {
                if let refusal { throw Access.forbidden(refusal) }
                throw Access.forbidden("\(actor.role.plural) cannot \(doWhat); \(Role.list(roles)) can.")
            }
        }
    }

    static let moderators: Set<Role> = [.moderator(.professional), .moderator(.lay)]
}

extension Access.Rule {
    // Observations and ratings.
    static let rate = Self(roles: [.assessor, .employer], doWhat: "record an assessor or employer rating (moderators give second opinions)")
    /// A correction of a rating: its rater, or the lead for them (with a reason; the ledger checks whose it is).
    static let correctRatings = Self(roles: [.assessor, .employer, .lead], doWhat: "correct a rating")
    static let flag = Self(roles: [.assessor, .employer, .lead], doWhat: "flag an observation for review")
    /// The observation pages: a moderator sees an observation only through the case assigned to them (the review screen).
    static let openObservationPages = Self(roles: Set(Role.allCases).subtracting(Access.moderators), doWhat: "open observation pages",
                                           refusal: "Moderators see an observation through the case assigned to them.")
    static let exportSubjectAccess = Self(roles: [.lead, .administrator], doWhat: "export what is held about a candidate")

    // Recordings.
    static let upload = Self(roles: [.assessor, .lead], doWhat: "upload recordings")
    static let addCaptions = Self(roles: [.assessor, .lead], doWhat: "add captions to a recording")
    static let reindex = Self(roles: [.assessor, .lead], doWhat: "index a recording again")
    static let readConsents = Self(roles: Access.schemeReaders, doWhat: "read a recording's consents")
    static let recordConsent = Self(roles: [.assessor, .lead], doWhat: "record consent on a recording")

    // Cases and their moderation.
    static let assignModerators = Self(roles: [.lead], doWhat: "assign moderators")
    static let readAssignments = Self(roles: Access.moderators.union([.lead, .auditor]), doWhat: "see a case's moderators")
    static let readPanelDiscussion = Self(roles: Access.moderators.union([.lead, .auditor]), doWhat: "read a case's panel discussion")
    static let postToPanelDiscussion = Self(roles: Access.moderators.union([.lead]), doWhat: "post to a case's panel discussion")
    static let readDevelopmentPlan = Self(roles: [.lead, .auditor, .assessor, .employer], doWhat: "see a development plan")
    /// Who follows a case's development plan on its page: the employer, who acts on it, and those who oversee it.
    static let followDevelopmentPlans = Self(roles: [.employer, .lead, .auditor], doWhat: "follow development plans")
    static let acknowledgeDevelopmentPlan = Self(roles: [.employer], doWhat: "acknowledge a development plan (the candidate's employer does)")
    static let keepNoteDrafts = Self(roles: Access.moderators, doWhat: "keep draft notes (moderators do, on their own cases)")
    static let review = Self(roles: Access.moderators, doWhat: "use the review screen",
                             refusal: "The review screen is for moderators; open the case page instead.")
    static let markSeeds = Self(roles: [.lead], doWhat: "mark calibration seeds")
    static let exportBundle = Self(roles: [.lead, .auditor], doWhat: "export a case's evidence bundle")
    static let runBoard = Self(roles: [.lead], doWhat: "run the moderation board")
    /// The decision view: the opinions side by side and every note on one player, for the lead who decides.
    static let decideCases = Self(roles: [.lead], doWhat: "open the decision view (the moderation lead decides cases)")

    // Running moderation: the lead sets it up, the auditor reads it; an administrator keeps moderators' profiles.
    static let readModeration = Self(roles: [.lead, .auditor], doWhat: "read the moderation policy, samples and calibration")
    static let setPolicy = Self(roles: [.lead], doWhat: "set the moderation policy")
    static let drawSamples = Self(roles: [.lead], doWhat: "draw a quality sample")
    static let listModerators = Self(roles: [.lead, .auditor, .administrator], doWhat: "list moderators")
    static let setModeratorProfiles = Self(roles: [.lead, .administrator], doWhat: "set a moderator's profile")
    static let recordConflicts = Self(roles: [.lead], doWhat: "record a moderator's conflict")
    static let sendToModerationInBulk = Self(roles: [.lead], doWhat: "send several cases to moderation at once (the lead does, from the board)")

    // People and records.
    static let listUsers = Self(roles: [.administrator, .lead], doWhat: "list users")
    /// Creating, deactivating and approving accounts and organisations: administrators only (the lead lists users to
    /// run moderation, and no more).
    static let manageUsers = Self(roles: [.administrator], doWhat: "manage users and organisations")
    static let readAuditTrail = Self(roles: [.auditor, .lead, .administrator], doWhat: "read the audit trail")
    static let manageHolds = Self(roles: [.lead, .administrator], doWhat: "place or release legal holds and erase candidates")
}

extension Access {
    /// Whether `actor` sees calibration cases (seeds sent to moderators unannounced) as such: the lead and the auditor.
    static func seesCalibration(_ actor: ActingUser) -> Bool { [.lead, .auditor].contains(actor.role) }

    /// Whether `actor` sees who sits on each case's panel and when their work is due, in lists: the lead and the auditor
    /// (a case's assignments are theirs to read; a moderator sees only their own, on the case).
    static func seesPanels(_ actor: ActingUser) -> Bool { [.lead, .auditor].contains(actor.role) }

    /// Whether `actor` may have a recording indexed again (the workflow then accepts only a rejected one): its
    /// uploader (an assessor) or the lead.
    static func mayReindex(uploadedBy uploader: UserID, viewer actor: ActingUser) -> Bool {
        Rule.reindex.allows(actor) && isUploaderOrLead(uploader, actor)
    }

    /// Whether `actor` may record consent on a recording: its uploader (an assessor) or the lead.
    static func mayRecordConsent(uploadedBy uploader: UserID, viewer actor: ActingUser) -> Bool {
        Rule.recordConsent.allows(actor) && isUploaderOrLead(uploader, actor)
    }

    private static func isUploaderOrLead(_ uploader: UserID, _ actor: ActingUser) -> Bool {
        actor.role == .lead || uploader == actor.userID
    }

    /// Whether a case action may be asked for by `actor`'s role at all (the domain's table, `CaseAction.permits`):
    /// 403 otherwise; whether the case's state allows it now is the workflow's answer (409).
    static func mayAsk(_ action: CaseAction, as actor: ActingUser) -> Bool { action.permittedRoles.contains(actor.role) }

    /// Whether `viewer` can take `action` on the case now (role and state, the domain's table): the case page offers
    /// exactly these.
    static func can(_ action: CaseAction, case value: Case, viewer: ActingUser) -> Bool {
        value.availableActions(for: viewer).contains(action)
    }

    /// Whether `viewer` can decide the case's outcome now.
    static func canDecide(case value: Case, viewer: ActingUser) -> Bool { can(.decide, case: value, viewer: viewer) }

    /// The actions `viewer` can take on the case now, in the domain's order.
    static func actions(on value: Case, for viewer: ActingUser) -> [CaseAction] { value.availableActions(for: viewer) }

    /// Whether moderators can be added to the case now: while it awaits them or is in moderation or escalated (the store
    /// refuses the others); pages offer "Assign a moderator" only then.
    static func acceptsModerators(_ value: Case) -> Bool {
        [.awaitingModeration, .inModeration, .escalated].contains(value.state)
    }

    /// Whether `viewer` may mark the case's observation as a calibration seed now: the lead, once the case is decided.
    static func mayMarkSeed(from value: Case, viewer: ActingUser) -> Bool {
        Rule.markSeeds.allows(viewer) && (value.state == .decided || value.state == .closed)
    }

    /// The case list's scope for `actor`: `nil` when the list is empty for them whatever is stored (an employer asking
    /// for another employer's cases); 403 for administrators, who take no part in cases.
    static func scope(_ filter: CaseFilter, for actor: ActingUser) throws(APIError) -> CaseFilter? {
        var filter = filter
        switch actor.role {
        case .administrator: throw forbidden("An administrator takes no part in cases.")
        case .employer:
            if let asked = filter.employerID, asked != actor.organisationID { return nil }
            filter.employerID = actor.organisationID
            filter.includeCalibration = false
        case .moderator: filter.assignedTo = actor.userID
        case .assessor: filter.includeCalibration = false
        case .lead, .auditor: break
        }
        return filter
    }

    /// A case's assignments as `actor` may see them: a moderator only their own, the lead and the auditor all.
    static func visible(_ assignments: [Assignment], for actor: ActingUser) -> [Assignment] {
        actor.role.isModerator ? assignments.filter { $0.moderatorID == actor.userID } : assignments
    }

    /// Whether `actor` may read a case's opinions now (blind review, decisions 8 and 10): a sealed moderator not yet;
    /// assessors and the employer once the case is decided; the lead and the auditor always.
    static func requireOpinionsOpen(of value: Case, blind: Bool, for actor: ActingUser) throws(APIError) {
        switch actor.role {
        case .moderator where blind:
            throw forbidden("Blind review: the other opinions are shown once every moderator on your panel has given theirs.")
        case .assessor, .employer:
            guard value.state.hasOutcome else { throw forbidden("The moderators' opinions are shown once the case is decided.") }
        default: break
        }
    }

    /// The panel's discussion is closed to a moderator whose panel is still sealed.
    static func requireDiscussionOpen(blind: Bool) throws(APIError) {
        if blind { throw forbidden("The panel's discussion opens to you once every moderator on your panel has given their opinion.") }
    }

    /// The part of the audit trail `actor` reads, as action prefixes: an administrator only the account events
    /// (``AuditController/accountActions``: the rest names cases and carries scores, separation of duties), the
    /// trail's other readers all of it (`nil`).
    static func auditActions(for actor: ActingUser) -> [String]? {
        actor.role == .administrator ? AuditController.accountActions : nil
    }

    /// The cases of an observation that `actor` may see (the rule of ``case(_:for:)``), oldest first. A failure to read
    /// them is thrown, never taken for "no case".
    func cases(of observationID: ObservationID, for actor: ActingUser) async throws -> [Case] {
        guard actor.role != .administrator else { return [] }
        var visible: [Case] = []
        for value in try await store.records.cases.cases(of: observationID) where try await mayRead(value, as: actor) {
            visible.append(value)
        }
        return visible
    }
}
