public import Foundation

/// The facts the insight statistics are computed from: one row per observation, case, opinion, assignment and
/// consented candidate attribute, as plain values. The store assembles it (`ReviewStore.insightData(…)`); the
/// statistics (``InsightReport``) are pure functions of it, so the same numbers come from the API, the page and
/// `obsreview stats`.
public struct InsightData: Sendable, Equatable {
    /// An observation with its current (not superseded) employer and assessor scores.
    public struct ObservationFacts: Sendable, Equatable {
        public var id: ObservationID
        public var candidateID: CandidateID
        public var employerID: OrganisationID
        public var observedAt: Date
        /// The employer's current endorsement score, if any.
        public var employerScore: Int?
        /// The assessor's current score, if any, and who gave it.
        public var assessorScore: Int?
        public var assessorID: UserID?
        /// When its first recording was uploaded (the start of the review clock), if any.
        public var firstUploadAt: Date?
        /// The observation's reference from the ratings file (`observationRef`), if it has one: with ``observedAt``, the
        /// stable key that orders observations for the bootstrap, so a re-imported export gives the same intervals.
        public var reference: String?
        /// The current scores of further assessors who marked the observation independently (double marking), in the
        /// order given: each counts as one more rater in Krippendorff's α; ``assessorScore`` (the latest) is the one
        /// paired with the employer's.
        public var otherAssessorScores: [Int]

        public init(
            id: ObservationID, candidateID: CandidateID, employerID: OrganisationID, observedAt: Date,
            employerScore: Int?, assessorScore: Int?, assessorID: UserID?, firstUploadAt: Date?,
            reference: String? = nil, otherAssessorScores: [Int] = []
        ) {
            self.reference = reference
            self.otherAssessorScores = otherAssessorScores
            self.id = id
            self.candidateID = candidateID
            self.employerID = employerID
            self.observedAt = observedAt
            self.employerScore = employerScore
            self.assessorScore = assessorScore
            self.assessorID = assessorID
            self.firstUploadAt = firstUploadAt
        }
    }

    /// A case: why it was opened, where it is, and its outcome if decided.
    public struct CaseFacts: Sendable, Equatable {
        public var id: CaseID
        public var observationID: ObservationID
        /// `nil` for calibration cases (they review no candidate and are left out of outcome figures).
        public var kind: Case.Kind?
        public var state: Case.State
        public var openedAt: Date
        /// When the current outcome was recorded.
        public var decidedAt: Date?
        /// The current outcome's score.
        public var outcomeScore: Int?
        /// Whether the outcome was agreed in local review (employer and assessor agreed), not by moderation.
        public var decidedLocally: Bool
        /// The definitive score, for a calibration case.
        public var calibrationScore: Int?

        public init(
            id: CaseID, observationID: ObservationID, kind: Case.Kind?, state: Case.State, openedAt: Date, decidedAt: Date?,
            outcomeScore: Int?, decidedLocally: Bool, calibrationScore: Int?
        ) {
            self.id = id
            self.observationID = observationID
            self.kind = kind
            self.state = state
            self.openedAt = openedAt
            self.decidedAt = decidedAt
            self.outcomeScore = outcomeScore
            self.decidedLocally = decidedLocally
            self.calibrationScore = calibrationScore
        }
    }

    /// A moderator's current (not superseded) second opinion.
    public struct OpinionFacts: Sendable, Equatable {
        public var caseID: CaseID
        public var moderatorID: UserID
        public var moderatorKind: ModeratorKind
        public var round: Int
        public var score: Int
        public var submittedAt: Date

        public init(caseID: CaseID, moderatorID: UserID, moderatorKind: ModeratorKind, round: Int, score: Int, submittedAt: Date) {
            self.caseID = caseID
            self.moderatorID = moderatorID
            self.moderatorKind = moderatorKind
            self.round = round
            self.score = score
            self.submittedAt = submittedAt
        }
    }

    /// A moderator's assignment to a case, for timeliness.
    public struct AssignmentFacts: Sendable, Equatable {
        public var caseID: CaseID
        public var moderatorID: UserID
        public var assignedAt: Date
        public var dueAt: Date
        /// When it ended (opinion submitted, declined, expired, withdrawn); `nil` while open.
        public var endedAt: Date?
        /// Whether it is still open (offered or accepted).
        public var isOpen: Bool

        public init(caseID: CaseID, moderatorID: UserID, assignedAt: Date, dueAt: Date, endedAt: Date?, isOpen: Bool) {
            self.caseID = caseID
            self.moderatorID = moderatorID
            self.assignedAt = assignedAt
            self.dueAt = dueAt
            self.endedAt = endedAt
            self.isOpen = isOpen
        }
    }

    /// A candidate attribute stored only with the candidate's recorded consent (e.g. `ethnicity`, `disability`).
    public struct AttributeFacts: Sendable, Equatable {
        public var candidateID: CandidateID
        public var name: String
        public var value: String

        public init(candidateID: CandidateID, name: String, value: String) {
            self.candidateID = candidateID
            self.name = name
            self.value = value
        }
    }

    public var observations: [ObservationFacts]
    public var cases: [CaseFacts]
    public var opinions: [OpinionFacts]
    public var assignments: [AssignmentFacts]
    public var attributes: [AttributeFacts]
    /// Employers' names by id, for labels.
    public var employerNames: [OrganisationID: String]
    /// "Now", for overdue assignments.
    public var now: Date

    public init(
        observations: [ObservationFacts], cases: [CaseFacts], opinions: [OpinionFacts], assignments: [AssignmentFacts],
        attributes: [AttributeFacts], employerNames: [OrganisationID: String], now: Date
    ) {
        self.observations = observations
        self.cases = cases
        self.opinions = opinions
        self.assignments = assignments
        self.attributes = attributes
        self.employerNames = employerNames
        self.now = now
    }
}
