import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

struct AssignmentRepresentation: ResponseEncodable, Sendable {
    let caseId: CaseID
    let moderatorId: UserID
    let kind: ModeratorKind
    let round: Int
    let state: Assignment.State
    let assignedBy: UserID
    let assignedAt: Date
    let dueAt: Date
    let overdue: Bool
    let reasons: [String]
    let endedAt: Date?
    let endReason: String?

    /// `sealed`: shown to a moderator whose panel is sealed, the reasons leave out which place they fill (an escalation
    /// place would tell them the first panel disagreed; decision 10).
    init(_ assignment: Assignment, now: Date, sealed: Bool = false) {
        caseId = assignment.caseID
        moderatorId = assignment.moderatorID
        kind = assignment.kind
        round = assignment.round
        state = assignment.state
        assignedBy = assignment.assignedBy
        assignedAt = assignment.assignedAt
        dueAt = assignment.dueAt
        overdue = assignment.isOverdue(at: now)
        reasons = sealed ? assignment.reasons.filter { !$0.hasPrefix("panel place") && !$0.hasPrefix("further place") } : assignment.reasons
        endedAt = assignment.endedAt
        endReason = assignment.endReason
    }
}

/// A case's panel: every assignment the caller may see, why places are unfilled, why it was sampled.
struct CaseAssignmentsRepresentation: ResponseEncodable, Sendable {
    let items: [AssignmentRepresentation]
    let routingProblem: String?
    let sampleReason: String?
}

struct AnnotationRepresentation: Codable, Sendable {
    let start: Double
    let end: Double?
    let text: String
    let tag: String?
    /// The recording the note is on; when a submission leaves it out, the observation's newest ready recording.
    let recordingId: RecordingID?

    init(_ annotation: Annotation) {
        start = annotation.start
        end = annotation.end
        text = annotation.text
        tag = annotation.tag
        recordingId = annotation.recordingID
    }
}

struct OpinionRepresentation: ResponseEncodable, Sendable {
    let id: OpinionID
    let caseId: CaseID
    let moderatorId: UserID
    let round: Int
    let score: Int
    let rationale: String
    let annotations: [AnnotationRepresentation]
    let submittedAt: Date
    let supersedes: OpinionID?
    let correctionReason: String?
    /// Whether a later correction replaces it (it stays visible).
    let superseded: Bool

    init(_ opinion: SecondOpinion, superseded: Bool) {
        id = opinion.id
        caseId = opinion.caseID
        moderatorId = opinion.moderatorID
        round = opinion.round
        score = opinion.score.value
        rationale = opinion.rationale
        annotations = opinion.annotations.map(AnnotationRepresentation.init)
        submittedAt = opinion.submittedAt
        supersedes = opinion.supersedes
        correctionReason = opinion.correctionReason
        self.superseded = superseded
    }

    static func all(_ opinions: [SecondOpinion]) -> [OpinionRepresentation] {
        let superseded = Set(opinions.compactMap(\.supersedes))
        return opinions.map { OpinionRepresentation($0, superseded: superseded.contains($0.id)) }
    }
}

struct SubmittedOpinionRepresentation: ResponseEncodable, Sendable {
    let opinion: OpinionRepresentation
    /// The case after the submission: decided by rule, escalated, or waiting for the other opinions.
    let caseAfter: CaseRepresentation
    let escalationAssignments: [AssignmentRepresentation]
}

struct MessageRepresentation: ResponseEncodable, Sendable {
    let id: MessageID
    let caseId: CaseID
    let authorId: UserID
    let body: String
    let atSeconds: Double?
    let postedAt: Date

    init(_ message: CaseMessage) {
        id = message.id
        caseId = message.caseID
        authorId = message.authorID
        body = message.body
        atSeconds = message.atSeconds
        postedAt = message.postedAt
    }
}

struct DevelopmentPlanRepresentation: ResponseEncodable, Sendable {
    let caseId: CaseID
    let employerId: OrganisationID
    let createdAt: Date
    let acknowledged: Bool
    let acknowledgedBy: UserID?
    let acknowledgedAt: Date?
    let note: String?

    init(_ plan: DevelopmentPlan) {
        caseId = plan.caseID
        employerId = plan.employerID
        createdAt = plan.createdAt
        acknowledged = plan.acknowledgedBy != nil
        acknowledgedBy = plan.acknowledgedBy
        acknowledgedAt = plan.acknowledgedAt
        note = plan.note
    }
}

/// A case's development plan, if it has one (a near miss).
struct DevelopmentPlanStatus: ResponseEncodable, Sendable {
    let required: Bool
    let plan: DevelopmentPlanRepresentation?
}

struct ModeratorRepresentation: ResponseEncodable, Sendable {
    let userId: UserID
    let kind: ModeratorKind
    let organisationId: OrganisationID
    let practiceAreas: [Observation.PracticeArea]
    let capacity: Int
    let active: Bool
    let openWorkload: Int

    init(_ profile: ModeratorProfile, openWorkload: Int) {
        userId = profile.id
        kind = profile.kind
        organisationId = profile.organisationID
        practiceAreas = profile.practiceAreas.sorted { $0.rawValue < $1.rawValue }
        capacity = profile.capacity
        active = profile.active
        self.openWorkload = openWorkload
    }
}

struct ConflictRepresentation: ResponseEncodable, Sendable {
    /// Lower case, like every other id (Foundation's UUID encodes upper case).
    let id: String
    let moderatorId: UserID
    let candidateId: CandidateID?
    let organisationId: OrganisationID?
    let reason: String
    let declaredBy: UserID
    let declaredAt: Date

    init(_ record: ConflictRecord) {
        id = record.id.lowercasedString
        moderatorId = record.conflict.moderatorID
        switch record.conflict.subject {
        case .candidate(let candidate): candidateId = candidate; organisationId = nil
        case .organisation(let organisation): candidateId = nil; organisationId = organisation
        }
        reason = record.conflict.reason
        declaredBy = record.declaredBy
        declaredAt = record.declaredAt
    }
}

struct RoutingReportRepresentation: ResponseEncodable, Sendable {
    struct RoutedCase: Encodable, Sendable {
        let caseId: CaseID
        let assigned: [AssignmentRepresentation]
        let problem: String?
    }

    let expired: [AssignmentRepresentation]
    let routed: [RoutedCase]
    let calibrationCasesOpened: [CaseID]

    init(_ report: RoutingReport, now: Date) {
        expired = report.expired.map { AssignmentRepresentation($0, now: now) }
        routed = report.routed.map { RoutedCase(caseId: $0.caseID, assigned: $0.assigned.map { AssignmentRepresentation($0, now: now) }, problem: $0.problem) }
        calibrationCasesOpened = report.calibrationCasesOpened
    }
}

struct SampleDrawRepresentation: ResponseEncodable, Sendable {
    struct Pick: Encodable, Sendable {
        let observationId: ObservationID
        let employerId: OrganisationID
        let assessorId: UserID?
        let boundary: Bool
        let weight: Double
        let stratumSize: Int
        let stratumDrawn: Int
        let why: String
        /// Its stratum after small strata are merged, its inclusion probability π and design weight 1/π.
        let stratum: String?
        let inclusionProbability: Double?
        let designWeight: Double?
        /// The sample case opened for it (absent in a dry run).
        let caseId: CaseID?
    }

    /// Absent in a dry run (nothing is kept). Lower case, like every other id.
    let id: String?
    let seed: UInt64
    let rate: Double
    let population: Int
    let dryRun: Bool
    let picks: [Pick]

    init(_ record: SampleDrawRecord, dryRun: Bool) {
        id = dryRun ? nil : record.id.lowercasedString
        seed = record.draw.seed
        rate = record.draw.rate
        population = record.draw.population
        self.dryRun = dryRun
        picks = record.draw.picks.map {
            Pick(observationId: $0.observationID, employerId: $0.employerID, assessorId: $0.assessorID, boundary: $0.boundary, weight: $0.weight,
                 stratumSize: $0.stratumSize, stratumDrawn: $0.stratumDrawn, why: $0.why, stratum: $0.stratum,
                 inclusionProbability: $0.inclusionProbability, designWeight: $0.designWeight, caseId: record.cases[$0.observationID])
        }
    }
}

/// The weighted findings of the quality samples (`GET /api/v1/samples/estimates`): overall and per draw.
struct SampleFindingsRepresentation: ResponseEncodable, Sendable {
    struct Draw: Encodable, Sendable {
        let drawId: String
        let seed: UInt64
        let rate: Double
        let population: Int
        let drawnAt: Date
        let figures: SampleFindings.Figures
    }

    let confidence: Double
    let overall: SampleFindings.Figures
    let draws: [Draw]
    let casesWithoutProbability: Int

    init(_ findings: SampleFindings, confidence: Double) {
        self.confidence = confidence
        overall = findings.overall
        draws = findings.draws.map {
            Draw(drawId: $0.draw.id.lowercasedString, seed: $0.draw.seed, rate: $0.draw.rate, population: $0.draw.population,
                 drawnAt: $0.draw.drawnAt, figures: $0.figures)
        }
        casesWithoutProbability = findings.casesWithoutProbability
    }
}

struct SeedRepresentation: ResponseEncodable, Sendable {
    let observationId: ObservationID
    let score: Int
    let reason: String
    let markedBy: UserID
    let markedAt: Date
    let active: Bool
    let timesUsed: Int

    init(_ seed: CalibrationSeed) {
        observationId = seed.observationID
        score = seed.score.value
        reason = seed.reason
        markedBy = seed.markedBy
        markedAt = seed.markedAt
        active = seed.active
        timesUsed = seed.timesUsed
    }
}

/// Each moderator's record on calibration cases, and every result it is computed from.
struct CalibrationResultsRepresentation: ResponseEncodable, Sendable {
    struct Result: Encodable, Sendable {
        let moderatorId: UserID
        let caseId: CaseID
        let observationId: ObservationID
        let definitiveScore: Int
        let givenScore: Int
        let deviation: Int
        let submittedAt: Date
    }

    struct Moderator: Encodable, Sendable {
        let moderatorId: UserID
        let opinions: Int
        /// Mean of given − definitive: positive is lenient, negative severe.
        let meanDeviation: Double
        let meanAbsoluteDeviation: Double
        /// Share of opinions on the same side of the pass line as the definitive score.
        let passFailAgreement: Double
    }

    let moderators: [Moderator]
    let results: [Result]

    init(_ results: [CalibrationResult]) {
        self.results = results.map {
            Result(moderatorId: $0.moderatorID, caseId: $0.caseID, observationId: $0.observationID, definitiveScore: $0.definitiveScore.value,
                   givenScore: $0.givenScore.value, deviation: $0.deviation, submittedAt: $0.submittedAt)
        }
        moderators = Dictionary(grouping: results, by: \.moderatorID).map { id, mine in
            let n = Double(mine.count)
            return Moderator(
                moderatorId: id, opinions: mine.count,
                meanDeviation: Double(mine.map(\.deviation).reduce(0, +)) / n,
                meanAbsoluteDeviation: Double(mine.map { abs($0.deviation) }.reduce(0, +)) / n,
                passFailAgreement: Double(mine.filter { $0.givenScore.meetsStandard == $0.definitiveScore.meetsStandard }.count) / n)
        }.sorted { $0.moderatorId.description < $1.moderatorId.description }
    }
}

/// The moderation policy as the API shows and takes it (every key optional on the way in).
struct PolicyRepresentation: ResponseEncodable, Sendable {
    let policy: ModerationPolicy

    func encode(to encoder: any Encoder) throws { try policy.encode(to: encoder) }
}

/// A plain list without pages (small, bounded collections).
struct ItemList<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    let items: [Item]
}
