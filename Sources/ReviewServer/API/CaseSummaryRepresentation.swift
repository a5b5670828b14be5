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
    func write(to writer: inout JSONWriter) {
        CaseSummaryJSON(
            assessorScore: assessorScore, blind: blind, calibrationScore: calibrationScore, candidateName: candidateName.map(RowText.copy),
            earliestDueAt: earliestDueAt, employerId: .copy(employerId.description), employerName: .copy(employerName), employerScore: employerScore,
            id: .copy(id.description), kind: kind, moderatorIds: moderatorIds?.map { .copy($0.description) }, observationId: .copy(observationId.description),
            openedAt: openedAt, openedBy: openedBy.map { .copy($0.description) }, outcomeScore: outcomeScore, overdue: overdue, reasons: reasons,
            hidesCalibration: false, recordingStatus: recordingStatus.map(RowText.copy), reference: reference.map(RowText.copy), round: round,
            state: state, updatedAt: updatedAt, version: version
        ).write(to: &writer)
    }
}

/// One case of the list as written, from a representation or straight from a stored row: the one place that knows the
/// fields' names and order (`JSONEncoder`'s sorted order, checked against it in `JSONWriterTests`), absent ones left out.
struct CaseSummaryJSON {
    let assessorScore: Int?
    let blind: Bool
    let calibrationScore: Int?
    let candidateName: RowText?
    let earliestDueAt: Date?
    let employerId: RowText
    let employerName: RowText
    let employerScore: Int?
    let id: RowText
    let kind: Case.Kind?
    /// The panel (its count is written too), for those who see it.
    let moderatorIds: [RowText]?
    let observationId: RowText
    let openedAt: Date
    let openedBy: RowText?
    let outcomeScore: Int?
    let overdue: Bool?
    let reasons: [CaseSummary.Reason]?
    /// Whether `calibration` is left out of `reasons` (for those who may not know a case is a calibration seed).
    let hidesCalibration: Bool
    let recordingStatus: RowText?
    let reference: RowText?
    let round: Int
    let state: Case.State
    let updatedAt: Date
    let version: Int

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("assessorScore", assessorScore)
        writer.field("blind", blind)
        writer.field("calibrationScore", calibrationScore)
        writer.field("candidateName", candidateName)
        writer.field("earliestDueAt", earliestDueAt)
        writer.field("employerId", employerId)
        writer.field("employerName", employerName)
        writer.field("employerScore", employerScore)
        writer.field("id", id)
        writer.field("kind", kind?.rawValue)
        if let moderatorIds {
            writer.field("moderatorCount", moderatorIds.count)
            writer.key("moderatorIds")
            writer.beginArray()
            for id in moderatorIds { writer.string(id) }
            writer.endArray()
        }
        writer.field("observationId", observationId)
        writer.field("openedAt", openedAt)
        writer.field("openedBy", openedBy)
        writer.field("outcomeScore", outcomeScore)
        writer.field("overdue", overdue)
        if let reasons {
            writer.key("reasons")
            writer.beginArray()
            for reason in reasons where !hidesCalibration || reason != .calibration { writer.string(reason.rawValue) }
            writer.endArray()
        }
        writer.field("recordingStatus", recordingStatus)
        writer.field("reference", reference)
        writer.field("round", round)
        writer.field("state", state.rawValue)
        writer.field("updatedAt", updatedAt)
        writer.field("version", version)
        writer.endObject()
    }
}

/// The list for a viewer who reviews nothing blind, written straight from the stored rows (decision 43): the same
/// JSON as a ``Page`` of ``CaseSummaryRepresentation``s with `blind` false (checked against it in
/// `CaseListRowsTests`), without building a summary or a representation per row.
enum CaseSummaryRowsJSON {
    /// Writes up to `page.size` rows of `rows` as a page; one more row only says that another page follows. The page
    /// is good until the earliest due date on it that has not passed at `now` (when a case on it becomes overdue).
    static func page(_ rows: inout CaseSummaryRows, _ key: ListPageCache.Key, now: Date) throws -> ListPageCache.Written {
        let (page, showCalibration, showPanel) = (key.page, key.showCalibration, key.showPanel)
        var writer = JSONWriter(capacity: 1_024 + page.size * 900)
        var goodUntil: Date?
        writer.beginObject()
        writer.key("items")
        writer.beginArray()
        var written = 0, more = false
        while try rows.next() {
            let fields = try fields(of: rows, showCalibration: showCalibration, showPanel: showPanel, now: now)
            // The row past the page only says that another follows; it is read (and checked) all the same, as the list
            // of summaries reads every row it fetches.
            guard written < page.size else {
                more = true
                break
            }
            fields.write(to: &writer)
            if let due = fields.earliestDueAt, due >= now, goodUntil.map({ due < $0 }) ?? true { goodUntil = due }
            written += 1
        }
        writer.endArray()
        writer.field("nextPage", more ? page.number + 1 : nil)
        writer.field("page", page.number)
        writer.field("pageSize", page.size)
        writer.endObject()
        return ListPageCache.Written(writer: writer, goodUntil: goodUntil)
    }

    /// One row as this viewer is shown it. Every value is read and checked, shown or not (the calibration flag too),
    /// so a damaged row fails as it does when read into a ``CaseSummary``.
    private static func fields(of row: CaseSummaryRows, showCalibration: Bool, showPanel: Bool, now: Date) throws -> CaseSummaryJSON {
        _ = try row.isCalibration()
        let (caseID, observationID, employerID, openedBy) = (try row.caseID(), try row.observationID(), try row.employerID(), try row.openedBy())
        let (kind, state, round, version) = (try row.kind(), try row.state(), try row.round(), try row.version())
        let (calibrationScore, outcomeScore) = (try row.calibrationScore(), try row.outcomeScore())
        let (employerScore, assessorScore) = (try row.employerScore(), try row.assessorScore())
        let (openedAt, updatedAt, due) = (try row.openedAt(), try row.updatedAt(), try row.earliestDueAt())
        let (reference, candidateName, employerName) = (try row.reference(), try row.candidateName(), try row.employerName())
        let (recordingStatus, reasons, moderators) = (try row.recordingStatus(), try row.reasons(), try row.moderatorIDs())
        return CaseSummaryJSON(
            assessorScore: assessorScore, blind: false, calibrationScore: showCalibration ? calibrationScore : nil, candidateName: candidateName,
            earliestDueAt: showPanel ? due : nil, employerId: employerID, employerName: employerName, employerScore: employerScore, id: caseID,
            kind: kind, moderatorIds: showPanel ? moderators : nil, observationId: observationID, openedAt: openedAt, openedBy: openedBy,
            outcomeScore: outcomeScore, overdue: showPanel ? due.map { $0 < now } ?? false : nil, reasons: reasons, hidesCalibration: !showCalibration,
            recordingStatus: recordingStatus, reference: reference, round: round, state: state, updatedAt: updatedAt, version: version
        )
    }
}

extension JSONWriter {
    mutating func string(_ text: RowText) {
        switch text {
        case .inPlace(let bytes): string(utf8: bytes)
        case .copy(let copy): string(copy)
        }
    }

    mutating func field(_ name: StaticString, _ text: RowText?) {
        guard let text else { return }
        key(name)
        string(text)
    }
}
