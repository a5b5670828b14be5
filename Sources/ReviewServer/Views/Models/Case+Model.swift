import Foundation
import ReviewDomain

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
            hasPreviousOutcomes: !previous.isEmpty, previousOutcomes: previous)
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

/// A rating of an observation (never shown to a sealed moderator: the API refuses it).
struct RatingRow: PageModel {
    let sourceText: String
    let score: Int
    let band: String
    let rationale: String
    let correctionReason: String?
    let ratedAt: Timestamp
}

extension RatingRow {
    init(_ value: RatingRepresentation) {
        self.init(sourceText: Labels.source(value.source.rawValue), score: value.score, band: Labels.band(value.score),
                  rationale: value.rationale, correctionReason: value.correctionReason, ratedAt: Timestamp(value.ratedAt))
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

/// `board.mustache`: the lead's board, a column per state, and the overdue assignments.
struct BoardModel: PageTemplateModel {
    static let template = "board"

    struct Column: PageModel {
        let state: String
        let label: String
        let items: [CaseRow]
        let count: Int
        /// Whether the column has more cases than it shows.
        let more: Bool
        let empty: Bool
    }

    let columns: [Column]
    let overdue: [AssignmentRow]
    let hasOverdue: Bool
}
