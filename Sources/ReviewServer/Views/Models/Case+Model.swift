import Foundation
import ReviewDomain
import Mustache

/// A case as the pages show it, from the API's representation (so a blind moderator's case has no scores here either).
struct CaseRow: PageModel {
    struct Finding: PageModel {
        let employerScore: Int
        let assessorScore: Int
        /// The reasons in words ("they differ by 2 or more").
        let reasonText: [String]
    }

    struct Outcome: PageModel {
        let score: Int
        let meetsStandard: Bool
        let rule: String?
        let reason: String?
    }

    struct Flag: PageModel {
        let at: Timestamp
        let role: String
        let reason: String
    }

    let id: String
    /// What people call the case: its observation's reference and the candidate's name (``References``).
    let reference: String
    let state: String
    let stateText: String
    let kindText: String
    let round: Int
    let openedAt: Timestamp
    let updatedAt: Timestamp
    let finding: Finding?
    let calibrationScore: Int?
    let outcome: Outcome?
    /// "4 (meets the standard)", when decided.
    let outcomeText: String?
    let hasFlags: Bool
    let flags: [Flag]
    /// "The first 100 of 2,000 flags.", when the case shows only its first (decision 35).
    let flagsNote: String?
    let hasPreviousOutcomes: Bool
    let previousOutcomes: [Outcome]
}

extension CaseRow {
    init(_ value: CaseRepresentation, reference: String) {
        let outcome = value.outcome.map(Outcome.init)
        let previous = (value.previousOutcomes ?? []).map(Outcome.init)
        self.init(
            id: value.id.description, reference: reference, state: value.state.rawValue, stateText: Labels.state(value.state),
            kindText: Labels.caseKind(value.kind), round: value.round, openedAt: Timestamp(value.openedAt), updatedAt: Timestamp(value.updatedAt),
            finding: value.finding.map { finding in
                Finding(employerScore: finding.employerScore, assessorScore: finding.assessorScore,
                        reasonText: finding.reasons.map { Labels.findingReason($0, tolerance: finding.tolerance) })
            },
            calibrationScore: value.calibrationScore, outcome: outcome,
            outcomeText: outcome.map { "\($0.score) (\($0.meetsStandard ? "meets the standard" : "below the standard"))" },
            hasFlags: !value.flags.isEmpty, flags: value.flags.map { Flag(at: Timestamp($0.at), role: Labels.role($0.role), reason: $0.reason) },
            flagsNote: value.flagCount > value.flags.count
                ? "The first \(value.flags.count) of \(value.flagCount) flags." : nil,
            hasPreviousOutcomes: !previous.isEmpty, previousOutcomes: previous)
    }
}

extension CaseRow {
    /// A case in a list, from its summary (no query per row): no finding, flags or earlier outcomes, which only the
    /// case's own page shows.
    init(_ value: CaseSummaryRepresentation) {
        self.init(
            id: value.id.description, reference: Pages.reference(value), state: value.state.rawValue, stateText: Labels.state(value.state),
            kindText: Labels.caseKind(value.kind), round: value.round, openedAt: Timestamp(value.openedAt), updatedAt: Timestamp(value.updatedAt),
            finding: nil, calibrationScore: value.calibrationScore, outcome: nil,
            outcomeText: value.outcomeScore.map { "\($0) (\($0 >= Score.passMark ? "meets the standard" : "below the standard"))" },
            hasFlags: false, flags: [], flagsNote: nil, hasPreviousOutcomes: false, previousOutcomes: [])
    }
}

extension CaseRow.Outcome {
    init(_ value: CaseRepresentation.OutcomeRepresentation) {
        self.init(score: value.score, meetsStandard: value.meetsStandard, rule: value.rule.map { Labels.plain($0) }, reason: value.reason.map { Labels.plain($0) })
    }
}

/// A moderator's place on a case, with their name when the viewer may know it.
struct AssignmentRow: PageModel {
    let caseId: String
    let caseReference: String
    let moderatorName: String
    let kind: String
    let round: Int
    let state: String
    let stateText: String
    let overdue: Bool
    let assignedAt: Timestamp
    let dueAt: Timestamp
    let reasons: [String]
    let endReason: String?
}

extension AssignmentRow {
    init(_ value: AssignmentRepresentation, reference: String, people: [String: String] = [:]) {
        self.init(
            caseId: value.caseId.description, caseReference: reference,
            moderatorName: people[value.moderatorId.description] ?? "A moderator", kind: value.kind.rawValue, round: value.round,
            state: value.state.rawValue, stateText: Labels.assignmentState(value.state.rawValue), overdue: value.overdue,
            assignedAt: Timestamp(value.assignedAt), dueAt: Timestamp(value.dueAt), reasons: value.reasons.map { Labels.plain($0, people: people) },
            endReason: value.endReason.map { Labels.plain($0, people: people) })
    }
}

/// A rating of an observation (never shown to a sealed moderator: the API refuses it). A correction shows as one
/// ("Corrected from 4 to 3: reason"), and the rating it replaced says so, instead of two equal rows (decision 27).
struct RatingRow: PageModel {
    let sourceText: String
    let score: Int
    let band: String
    let rationale: String
    /// "Corrected from 4 to 3", for a correction; its reason is ``rationale``.
    let correctionText: String?
    /// Whether a later correction replaced it (it stays visible).
    let replaced: Bool
    let ratedAt: Timestamp
}

extension RatingRow {
    /// The rows of an observation's ratings, in the order given (append order), each correction naming the score it corrected.
    static func rows(_ values: [RatingRepresentation]) -> [RatingRow] {
        let byID = Dictionary(values.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let replaced = Set(values.compactMap(\.supersedes))
        return values.map { value in
            RatingRow(
                sourceText: Labels.source(value.source.rawValue), score: value.score, band: Labels.band(value.score),
                rationale: value.rationale,
                correctionText: value.supersedes.map { earlier in byID[earlier].map { "Corrected from \($0.score) to \(value.score)" } ?? "A correction" },
                replaced: replaced.contains(value.id), ratedAt: Timestamp(value.ratedAt))
        }
    }
}

/// A second opinion with its time-coded notes.
struct OpinionRow: PageModel {
    struct Note: PageModel {
        /// Seconds, as the API writes them ("1.5", "12").
        let start: String
        let tag: String?
        let text: String
    }

    let moderatorName: String
    /// Whether it is the viewer's own (the review screen).
    let mine: Bool
    let score: Int
    let band: String
    let rationale: String
    let superseded: Bool
    let annotations: [Note]
    let submittedAt: Timestamp
    let round: Int
}

extension OpinionRow {
    init(_ value: OpinionRepresentation, people: [String: String], viewer: UserID) {
        self.init(
            moderatorName: people[value.moderatorId.description] ?? "A moderator", mine: value.moderatorId == viewer, score: value.score,
            band: Labels.band(value.score), rationale: value.rationale, superseded: value.superseded,
            annotations: value.annotations.map { Note(start: PageFormat.number($0.start), tag: $0.tag, text: $0.text) },
            submittedAt: Timestamp(value.submittedAt), round: value.round)
    }
}

/// A message of the panel's discussion.
struct MessageRow: PageModel {
    let authorName: String
    let postedAt: Timestamp
    let body: String
}

/// Whether a case has a development plan (a near miss) and where it stands.
///
/// The template opens `{{#plan}}{{#required}}{{#plan}}…`: when there is no plan record yet the inner `plan` is absent
/// and Mustache falls through to this status itself (so the form's case id is empty, as it always was).
struct PlanStatusModel: PageModel {
    struct Plan: PageModel {
        let caseId: String
        let acknowledged: Bool
        let acknowledgedAt: Timestamp?
        let note: String?
    }

    let required: Bool
    let plan: Plan?
}

extension PlanStatusModel {
    init(_ value: DevelopmentPlanStatus) {
        self.init(required: value.required, plan: value.plan.map {
            Plan(caseId: $0.caseId.description, acknowledged: $0.acknowledged, acknowledgedAt: $0.acknowledgedAt.map(Timestamp.init), note: $0.note)
        })
    }
}

/// A workflow action the viewer can take now, as a form: whether it needs a reason, a score or a ground.
struct ActionForm: PageModel {
    let action: String
    let label: String
    let version: Int
    let caseId: String
    let needsReason: Bool
    let needsScore: Bool
    let needsGround: Bool
    let scores: [ScoreOption]
    let prefix: String
}

/// An entry of the case's history (the audit trail).
struct HistoryEntry: PageModel {
    let at: Timestamp
    let actionText: String
    let actorName: String
    let reason: String?
}

/// A moderator the lead can assign.
struct ModeratorOption: PageModel {
    let id: String
    let name: String
    let kindText: String
    let workload: Int
}

/// `case.mustache`: a case with its observation, panel, opinions, thread, plan, actions and history.
struct CasePageModel: PageTemplateModel {
    static let template = "case"

    /// The observation as the case page names it.
    struct ObservationLink: PageModel {
        let id: String
        let ref: String?
        let scenario: String
    }

    /// A recording of the case's observation.
    struct RecordingLink: PageModel {
        let id: String
        let fileName: String
        let status: String
    }

    let `case`: CaseRow
    let observation: ObservationLink?
    let ratings: [RatingRow]
    let recordings: [RecordingLink]
    let assignments: [AssignmentRow]
    let routingProblem: String?
    let sampleReason: String?
    let opinions: [OpinionRow]
    let messages: [MessageRow]
    let plan: PlanStatusModel?
    let mayAcknowledge: Bool
    let mayPost: Bool
    let actions: [ActionForm]
    let scores: [ScoreOption]
    let mayAssign: Bool
    let moderators: [ModeratorOption]
    let mayMarkSeed: Bool
    let history: [HistoryEntry]
    let bundleLink: String?
    /// The lead's decision view, when the case is theirs to decide now.
    let decisionLink: String?
    /// Which opinion the lead's decision adopted, or that they gave another score.
    let adoptionText: String?
}

/// `cases.mustache`: the list of cases, filtered by state, a page at a time.
struct CaseListModel: PageTemplateModel {
    static let template = "cases"
    let items: [CaseRow]
    let empty: Bool
    let filters: [Choice]
    /// "&state=…" for the pager's links.
    let stateQuery: String
    let nextPage: Int?
    let previousPage: Int?
}

/// `board.mustache`: the lead's board (issue 20 item 1): one row per case with who it is about, both scores, why it
/// exists, its age, its recording, its panel and due dates; filters, search, sort, paging and the bulk "send to
/// moderation". Built from the case summaries (decision 26): a bounded number of queries whatever the number of cases.
struct BoardModel: PageTemplateModel {
    static let template = "board"

    struct Card: PageModel {
        let id: String
        let reference: String
        let employerName: String
        /// "5", or "none yet".
        let employerScore: String
        let assessorScore: String
        let reasonText: String
        let state: String
        let stateText: String
        /// "opened 12 days ago".
        let age: String
        let recordingText: String
        /// "Pro 1, Lay 2", or "nobody yet".
        let moderatorsText: String
        let dueAt: Timestamp?
        let overdue: Bool
        /// Whether the case may be sent to moderation now (open, or in local review).
        let maySend: Bool
    }

    /// How many cases are in a state, for the summary line.
    struct Count: PageModel {
        let state: String
        let label: String
        let count: Int
    }

    let cards: [Card]
    let empty: Bool
    let counts: [Count]
    let overdueCount: Int
    let employers: [Choice]
    let states: [Choice]
    let reasons: [Choice]
    let sorts: [Choice]
    let overdueOnly: Bool
    let search: String
    /// The filters as a query string ("&state=open&q=…"), for the pager's links.
    let filterQuery: String
    let anyToSend: Bool
    let nextPage: Int?
    let previousPage: Int?
    let pageNumber: Int
}

/// The board's page without `Mirror` (decision 38): every name a card does not have (the CSRF token, the filters) is
/// looked up further out, in the layout and then here; by reflection that was a twentieth of a board request.
extension BoardModel: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "cards": cards
        case "empty": empty
        case "counts": counts
        case "overdueCount": overdueCount
        case "employers": employers
        case "states": states
        case "reasons": reasons
        case "sorts": sorts
        case "overdueOnly": overdueOnly
        case "search": search
        case "filterQuery": filterQuery
        case "anyToSend": anyToSend
        case "nextPage": nextPage
        case "previousPage": previousPage
        case "pageNumber": pageNumber
        default: nil
        }
    }
}

extension BoardModel.Count: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "state": state
        case "label": label
        case "count": count
        default: nil
        }
    }
}

extension BoardModel.Card: MustacheParent {
    /// The card's names without `Mirror` (decision 35): 50 cards of 14 names each, looked up by reflection, were the
    /// board's largest cost after its queries. A name the card does not have is `nil`, looked up further out as before.
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "reference": reference
        case "employerName": employerName
        case "employerScore": employerScore
        case "assessorScore": assessorScore
        case "reasonText": reasonText
        case "state": state
        case "stateText": stateText
        case "age": age
        case "recordingText": recordingText
        case "moderatorsText": moderatorsText
        case "dueAt": dueAt
        case "overdue": overdue
        case "maySend": maySend
        default: nil
        }
    }
}
