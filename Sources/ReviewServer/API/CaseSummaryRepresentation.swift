import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// A case in a list (`GET /api/v1/cases`, decision 26): what the lists and the board show, from the case summary,
/// with what the viewer may not see left out — for a moderator reviewing blind the kind, the reasons, who opened it
/// and every score (an escalated case shows as in moderation, as on the case itself); the panel and its due dates for
/// the lead and the auditor only.
struct CaseSummaryRepresentation: ResponseEncodable, Sendable {
    let id: CaseID
    let observationId: ObservationID
    let employerId: OrganisationID
    let kind: Case.Kind?
    let state: Case.State
    let round: Int
    let version: Int
    let openedBy: UserID?
    let openedAt: Date
    let updatedAt: Date
    let blind: Bool
    let calibrationScore: Int?
    /// The observation's reference ("OBS-2026-0040").
    let reference: String?
    /// Absent once the candidate is erased.
    let candidateName: String?
    let employerName: String
    /// Why the case exists: straddle, gap, flag, sample, calibration.
    let reasons: [CaseSummary.Reason]?
    /// The employer's and the assessor's current scores.
    let employerScore: Int?
    let assessorScore: Int?
    let outcomeScore: Int?
    /// The status of the observation's newest recording.
    let recordingStatus: String?
    let moderatorCount: Int?
    let moderatorIds: [UserID]?
    let earliestDueAt: Date?
    let overdue: Bool?

    init(_ value: CaseSummary, blind: Bool, showCalibration: Bool, showPanel: Bool, now: Date) {
        id = value.caseID
        observationId = value.observationID
        employerId = value.employerID
        kind = blind ? nil : value.kind
        state = blind && value.state == .escalated ? .inModeration : value.state
        round = value.round
        version = value.version
        openedBy = blind ? nil : value.openedBy
        openedAt = value.openedAt
        updatedAt = value.updatedAt
        self.blind = blind
        calibrationScore = showCalibration ? value.calibrationScore : nil
        reference = value.reference
        candidateName = value.candidateName
        employerName = value.employerName
        // A calibration seed is a case like any other to those who may not know it is one.
        reasons = blind ? nil : value.reasons.filter { showCalibration || $0 != .calibration }
        employerScore = blind ? nil : value.employerScore
        assessorScore = blind ? nil : value.assessorScore
        outcomeScore = blind ? nil : value.outcomeScore
        recordingStatus = value.recordingStatus
        moderatorCount = showPanel ? value.moderatorIDs.count : nil
        moderatorIds = showPanel ? value.moderatorIDs : nil
        earliestDueAt = showPanel ? value.earliestDueAt : nil
        overdue = showPanel ? value.isOverdue(at: now) : nil
    }
}

extension CaseSummaryRepresentation: JSONWritable {
    /// The fields in `JSONEncoder`'s sorted order, absent ones left out (checked against it in `JSONWriterTests`).
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("assessorScore", assessorScore)
        writer.field("blind", blind)
        writer.field("calibrationScore", calibrationScore)
        writer.field("candidateName", candidateName)
        writer.field("earliestDueAt", earliestDueAt)
        writer.field("employerId", employerId.description)
        writer.field("employerName", employerName)
        writer.field("employerScore", employerScore)
        writer.field("id", id.description)
        writer.field("kind", kind?.rawValue)
        writer.field("moderatorCount", moderatorCount)
        writer.field("moderatorIds", moderatorIds?.map(\.description))
        writer.field("observationId", observationId.description)
        writer.field("openedAt", openedAt)
        writer.field("openedBy", openedBy?.description)
        writer.field("outcomeScore", outcomeScore)
        writer.field("overdue", overdue)
        writer.field("reasons", reasons?.map(\.rawValue))
        writer.field("recordingStatus", recordingStatus)
        writer.field("reference", reference)
        writer.field("round", round)
        writer.field("state", state.rawValue)
        writer.field("updatedAt", updatedAt)
        writer.field("version", version)
        writer.endObject()
    }
}
