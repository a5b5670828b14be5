import Foundation
public import Hummingbird
import ReviewDomain
public import ReviewStore

// What the JSON API sends and accepts. The domain types stay free of wire concerns: each resource has its
// representation here (camelCase keys, `…Id` identifiers, ISO 8601 times), and `API/openapi.json` (the contract's
// one source, decision 18) describes exactly these shapes: change both in one commit. Every JSON response of the API
// tests is validated against the document (ContractCheck in the test support), and schemathesis checks the live server.

/// One page of a list: `nextPage` is left out on the last page.
public struct Page<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public let items: [Item]
    public let page: Int
    public let pageSize: Int
    public let nextPage: Int?

    /// `fetched` holds up to `pageSize + 1` rows: the extra one only says that another page exists.
    public init(fetched: [Item], page: PageRequest) {
        self.items = Array(fetched.prefix(page.size))
        self.page = page.number
        self.pageSize = page.size
        self.nextPage = fetched.count > page.size ? page.number + 1 : nil
    }
}

extension Page: JSONWritable where Item: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("items")
        writer.beginArray()
        for item in items { item.write(to: &writer) }
        writer.endArray()
        writer.field("nextPage", nextPage)
        writer.field("page", page)
        writer.field("pageSize", pageSize)
        writer.endObject()
    }
}

struct OrganisationRepresentation: ResponseEncodable, Sendable {
    let id: OrganisationID
    let name: String
    let kind: Organisation.Kind

    init(_ organisation: Organisation) {
        id = organisation.id
        name = organisation.name
        kind = organisation.kind
    }
}

struct UserRepresentation: ResponseEncodable, Sendable {
    let id: UserID
    let name: String
    let role: Role
    let organisationId: OrganisationID
    let active: Bool
    let username: String?
    /// A lead, auditor or administrator account waiting for a second administrator's approval (inactive till then).
    let awaitingApproval: Bool

    init(_ user: User, username: String?, awaitingApproval: Bool = false) {
        id = user.id
        name = user.name
        role = user.role
        organisationId = user.organisationID
        active = user.active
        self.username = username
        self.awaitingApproval = awaitingApproval
    }
}

struct SessionRepresentation: ResponseEncodable, Sendable {
    let user: UserRepresentation
    let csrfToken: String
    /// Only at the sign-in that confirms a new second factor: ten one-time recovery codes, shown this once.
    var recoveryCodes: [String]? = nil
}

struct APITokenRepresentation: ResponseEncodable, Sendable {
    let id: String
    let name: String
    let createdAt: Date
    let lastUsedAt: Date?
    /// When it stops working.
    let expiresAt: Date
    /// Whether it may only read (GET, HEAD).
    let readOnly: Bool

    init(_ token: APITokenRecord) {
        id = token.id
        name = token.name
        createdAt = token.createdAt
        lastUsedAt = token.lastUsedAt
        expiresAt = token.expiresAt
        readOnly = token.readOnly
    }
}

struct CreatedAPIToken: ResponseEncodable, Sendable {
    let token: APITokenRepresentation
    /// The secret to send as `Authorization: Bearer …`; shown once, stored only as a hash.
    let secret: String
}

struct CandidateRepresentation: ResponseEncodable, Sendable {
    let id: CandidateID
    let registrationNumber: String
    let name: String
    let employerId: OrganisationID

    init(_ record: CandidateRecord) {
        id = record.candidate.id
        registrationNumber = record.candidate.registrationNumber
        name = record.name
        employerId = record.candidate.employerID
    }
}

struct ObservationRepresentation: ResponseEncodable, Sendable {
    let id: ObservationID
    let ref: String?
    let candidateId: CandidateID
    let observedAt: Date
    let scenario: String
    let practiceArea: Observation.PracticeArea

    init(_ record: ObservationRecord) {
        id = record.observation.id
        ref = record.ref
        candidateId = record.observation.candidateID
        observedAt = record.observation.date
        scenario = record.observation.scenario
        practiceArea = record.observation.practiceArea
    }
}

struct RatingRepresentation: ResponseEncodable, Sendable {
    let id: RatingID
    let observationId: ObservationID
    let source: RatingSource
    let score: Int
    let raterId: UserID
    let rationale: String
    let ratedAt: Date
    let supersedes: RatingID?
    let correctionReason: String?

    init(_ rating: Rating) {
        id = rating.id
        observationId = rating.observationID
        source = rating.source
        score = rating.score.value
        raterId = rating.raterID
        rationale = rating.rationale
        ratedAt = rating.ratedAt
        supersedes = rating.supersedes
        correctionReason = rating.correctionReason
    }
}

struct RecordingRepresentation: ResponseEncodable, Sendable {
    struct Links: Encodable, Sendable {
        let media: String
        let proxy: String
        /// The segments of a proxy being made, and then the proxy (``RecordingController/preview(_:context:)``).
        let preview: String
        let index: String
        let poster: String
    }

    let id: RecordingID
    let observationId: ObservationID
    let uploadedBy: UserID
    let fileName: String
    /// `uploading`, `stored`, `indexing`, `ready` or `rejected`; `deleted` once its video is gone (erased, or past the
    /// retention schedule: `mediaDeletedAt` says when).
    let status: String
    let mediaDeletedAt: Date?
    let rejectionReason: String?
    let sha256: String?
    let byteCount: Int64?
    let links: Links

    init(_ recording: Recording) {
        id = recording.id
        observationId = recording.observationID
        uploadedBy = recording.uploadedBy
        fileName = recording.fileName
        status = recording.mediaDeletedAt == nil ? recording.status.name : "deleted"
        mediaDeletedAt = recording.mediaDeletedAt
        if case .rejected(let reason) = recording.status { rejectionReason = reason } else { rejectionReason = nil }
        sha256 = recording.sha256
        byteCount = recording.byteCount
        let base = "/api/v1/recordings/\(recording.id)"
        links = Links(media: base + "/media", proxy: base + "/proxy", preview: base + "/preview", index: base + "/index", poster: base + "/thumbnails/0")
    }
}

/// A case as the API shows it. For a moderator who has not yet submitted an opinion, everything that
/// carries an earlier score (the dispute finding, the local agreement, outcomes) is left out: blind review.
struct CaseRepresentation: ResponseEncodable, Sendable {
    struct FlagRepresentation: Encodable, Sendable {
        let raisedBy: UserID
        let role: Role
        let at: Date
        let reason: String

        init(_ value: Case.Flag) {
            raisedBy = value.raisedBy
            role = value.role
            at = value.at
            reason = value.reason
        }
    }

    struct FindingRepresentation: Encodable, Sendable {
        let employerScore: Int
        let assessorScore: Int
        let tolerance: Int
        let reasons: [DisputeFinding.Reason]
    }

    struct OutcomeRepresentation: Encodable, Sendable {
        let score: Int
        let meetsStandard: Bool
        /// The rule that decided (`median`, `local_agreement`), or null when a person did.
        let rule: String?
        /// The person who decided, when a person did.
        let decidedBy: UserID?
        let reasonCodes: [String]
        /// The opinions the decision drew on.
        let basedOn: [OpinionID]
        /// The decider's reasons in words.
        let reason: String?
        /// The opinion whose score the lead adopted; absent when a rule decided or the lead gave a score of their own.
        let adoptedOpinionId: OpinionID?

        init(_ outcome: Outcome) {
            basedOn = outcome.basedOn
            adoptedOpinionId = outcome.adopted
            reason = outcome.reason
            score = outcome.score.value
            meetsStandard = outcome.meetsStandard
            switch outcome.basis {
            case .rule(let rule): self.rule = rule.rawValue; decidedBy = nil
            case .person(let person): self.rule = nil; decidedBy = person
            }
            reasonCodes = outcome.reasonCodes
        }
    }

    let id: CaseID
    let observationId: ObservationID
    let employerId: OrganisationID
    /// Left out for a blind moderator: a sample, a dispute and a calibration seed look the same to them.
    let kind: Case.Kind?
    let state: Case.State
    /// The moderation round (one more each time the case is reopened).
    let round: Int
    let version: Int
    /// Left out for a blind moderator: who opened a case (an assessor, an employer, the lead, the service) would
    /// say what kind of case it is.
    let openedBy: UserID?
    let openedAt: Date
    let updatedAt: Date
    /// The first ``firstFlags`` flags raised on the case, oldest first (`GET /api/v1/cases/{caseId}/flags` pages
    /// through all of them); none for a blind moderator.
    let flags: [FlagRepresentation]
    /// How many flags were raised on the case (0 for a blind moderator).
    let flagCount: Int
    /// Whether scores were left out because the caller is a moderator reviewing blind.
    let blind: Bool
    let finding: FindingRepresentation?
    let localAgreement: [String: Int]?
    let outcome: OutcomeRepresentation?
    let previousOutcomes: [OutcomeRepresentation]?
    /// A calibration seed's definitive score: shown to the lead and the auditor only.
    let calibrationScore: Int?

    /// How many flags a case shows with it.
    static let firstFlags = 100

    /// `flags`: the case's first flags (``firstFlags`` at most; none needed when `blind`).
    init(_ value: Case, flags: [Case.Flag], blind: Bool, showCalibration: Bool) {
        id = value.id
        observationId = value.observationID
        employerId = value.employerID
        kind = blind ? nil : value.kind
        // A sealed moderator cannot tell an escalation place from a first review (decision 10).
        state = blind && value.state == .escalated ? .inModeration : value.state
        round = value.round
        calibrationScore = showCalibration ? value.calibrationScore?.value : nil
        version = value.version
        openedBy = blind ? nil : value.openedBy
        openedAt = value.openedAt
        updatedAt = value.updatedAt
        self.flags = blind ? [] : flags.prefix(Self.firstFlags).map(FlagRepresentation.init)
        flagCount = blind ? 0 : value.flagCount
        self.blind = blind
        if blind {
            finding = nil
            localAgreement = nil
            outcome = nil
            previousOutcomes = nil
        } else {
            finding = value.finding.map {
                FindingRepresentation(employerScore: $0.employer.value, assessorScore: $0.assessor.value, tolerance: $0.tolerance, reasons: $0.reasons)
            }
            var agreement: [String: Int] = [:]
            agreement["assessor"] = value.localAgreement.assessor?.value
            agreement["employer"] = value.localAgreement.employer?.value
            localAgreement = agreement
            outcome = value.outcome.map(OutcomeRepresentation.init)
            previousOutcomes = value.previousOutcomes.map(OutcomeRepresentation.init)
        }
    }
}

struct AuditEntryRepresentation: ResponseEncodable, Sendable {
    let sequence: Int64
    let id: AuditEventID
    let at: Date
    let actorId: UserID
    let action: String
    let subjectType: String
    let subjectId: String
    let reason: String?
    let details: [String: String]
    let hash: String
    let previousHash: String

    init(_ entry: AuditEntry) {
        sequence = entry.event.sequence ?? 0
        id = entry.event.id
        at = entry.event.at
        actorId = entry.event.actorID
        action = entry.event.action.rawValue
        subjectType = entry.event.subject.type
        subjectId = entry.event.subject.id
        reason = entry.event.reason
        // The salt of the personal part's digest is for checking the chain (evidence bundles carry it); it is no
        // reader's business and, with the details, would let a reader confirm guesses of erased text.
        details = entry.event.details.filter { $0.key != AuditChain.personalSaltKey }
        hash = entry.hash
        previousHash = entry.previousHash
    }
}
