public import Foundation
public import ReviewDomain
public import ReviewStore

/// The two exports of personal data, shared by the CLI and the API: the **evidence bundle** of a case (for an
/// appeal or the regulator: everything the decision rests on, with the audit events' chain hashes, verifiable
/// offline by ``BundleVerifier``) and the **subject-access export** of a candidate (everything held about them,
/// with other people named only by role and number). Each export is audited with the SHA-256 of its manifest.
/// Who may ask is the caller's business (the API's access rules; the CLI runs as the service).
public struct Exports: Sendable {
    let store: ReviewStore
    let data: DataLayout

    public init(store: ReviewStore, data: DataLayout) {
        self.store = store
        self.data = data
    }

    // MARK: Evidence bundle

    /// Writes the evidence bundle of `caseID` to `url` and records `case.bundle_exported`.
    public func evidenceBundle(of caseID: CaseID, to url: URL, by actor: ActingUser, at time: Date = Date()) async throws -> ExportSummary {
        let archive = try await evidenceArchive(of: caseID)
        return try await Self.write(archive, format: ExportManifest.evidenceBundle, subject: .init(type: "case", id: caseID.description), to: url, at: time) {
            try await audit(bundleOf: caseID, $0, by: actor, at: time)
        }
    }

    /// Writes `archive` to `url`, then records the export with `audit`; the file is removed if the audit fails, so no
    /// export exists that the trail does not know.
    static func write(
        _ archive: ExportArchive, format: String, subject: ExportManifest.Subject, to url: URL, at time: Date,
        audit: (ExportSummary) async throws -> Void
    ) async throws -> ExportSummary {
        let summary = try archive.write(to: url, format: format, subject: subject, createdAt: time)
        do { try await audit(summary) } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return summary
    }

    /// The evidence bundle's bytes (for an HTTP answer); audited like ``evidenceBundle(of:to:by:at:)``.
    public func evidenceBundleData(of caseID: CaseID, by actor: ActingUser, at time: Date = Date()) async throws -> (Data, ExportSummary) {
        let archive = try await evidenceArchive(of: caseID)
        let (bytes, summary) = try archive.data(format: ExportManifest.evidenceBundle, subject: .init(type: "case", id: caseID.description), createdAt: time)
        try await audit(bundleOf: caseID, summary, by: actor, at: time)
        return (bytes, summary)
    }

    private func audit(bundleOf caseID: CaseID, _ summary: ExportSummary, by actor: ActingUser, at time: Date) async throws {
        try await store.audit.append(AuditEvent(
            at: time, actorID: actor.userID, action: "case.bundle_exported", subject: .init(type: "case", id: caseID.description),
            details: ["manifestSHA256": summary.manifestSHA256, "files": String(summary.files), "role": actor.role.rawValue]))
    }

    func evidenceArchive(of caseID: CaseID) async throws -> ExportArchive {
        guard let value = try await store.records.cases.find(caseID) else { throw StoreError(.notFound, "There is no case \(caseID).") }
        guard let (observation, employerID) = try await store.records.observationWithEmployer(value.observationID),
            let candidate = try await store.records.candidates.find(observation.observation.candidateID)
        else { throw StoreError(.corruptData, "The observation of case \(caseID) is missing.") }
        let ratings = try await store.records.ratings.ratings(of: value.observationID)
        let opinions = try await store.moderation.opinions(ofCase: caseID)
        let recordings = try await store.records.recordings.recordings(of: value.observationID)

        var archive = ExportArchive()
        archive.add("README.txt", text: Self.bundleReadme(caseID))
        try archive.add("case.json", json: value)
        try archive.add("observation.json", json: BundleObservation(
            id: observation.observation.id, ref: observation.ref, date: observation.observation.date, scenario: observation.observation.scenario,
            practiceArea: observation.observation.practiceArea.rawValue, candidateId: candidate.candidate.id,
            registrationNumber: candidate.candidate.registrationNumber, employerId: employerID))
        try archive.add("ratings.json", json: ratings)
        try archive.add("opinions.json", json: opinions)
        for opinion in opinions {
            for (recordingID, notes) in Self.notesByRecording(opinion.annotations) {
                archive.add(Self.notesPath(opinion, recordingID), text: Annotation.webVTT(notes, title: "Notes of opinion \(opinion.id), round \(opinion.round)"))
            }
        }
        try archive.add("outcome.json", json: BundleOutcome(state: value.state.rawValue, outcome: value.outcome, previousOutcomes: value.previousOutcomes))
        try archive.add("messages.json", json: try await store.moderation.messages(ofCase: caseID).map(MessageRepresentation.init))
        if let plan = try await store.moderation.developmentPlan(ofCase: caseID) {
            try archive.add("development-plan.json", json: DevelopmentPlanRepresentation(plan))
        }
        for recording in recordings {
            try archive.add("recordings/\(recording.id).json", json: BundleRecording(recording))
            if let report = try await store.ingest.indexReport(of: recording.id) {
                archive.add("recordings/\(recording.id)-index.json", text: IndexReportView.json(report, of: recording, showingPersonalData: false))
            }
        }
        // The case's own events, its ratings' and its recordings' (chain of custody: every view), in chain order.
        var subjects = [AuditEvent.Subject(type: "case", id: caseID.description)]
        subjects += ratings.map { AuditEvent.Subject(type: "rating", id: $0.id.description) }
        subjects += recordings.map { AuditEvent.Subject(type: "recording", id: $0.id.description) }
        var entries: [AuditEntry] = []
        for subject in subjects { entries += try await store.audit.entries(about: subject) }
        entries.sort { ($0.event.sequence ?? 0) < ($1.event.sequence ?? 0) }
        try archive.add(ExportManifest.auditEventsFile, json: entries.map(ExportedAuditEvent.init))
        return archive
    }

    static func notesByRecording(_ notes: [Annotation]) -> [(RecordingID?, [Annotation])] {
        var order: [RecordingID?] = []
        var groups: [RecordingID?: [Annotation]] = [:]
        for note in notes {
            if groups[note.recordingID] == nil { order.append(note.recordingID) }
            groups[note.recordingID, default: []].append(note)
        }
        return order.map { ($0, groups[$0]!) }
    }

    static func notesPath(_ opinion: SecondOpinion, _ recordingID: RecordingID?) -> String {
        "notes/\(opinion.caseID)/opinion-\(opinion.id)-\(recordingID.map { "recording-\($0)" } ?? "observation").vtt"
    }

    static func bundleReadme(_ caseID: CaseID) -> String {
        """
        Evidence bundle of case \(caseID), exported by ObservationReview.

        case.json            the case: kind, state, flags, local agreement, outcome and earlier outcomes
        observation.json     the observation (the candidate by registration number only)
        ratings.json         every rating of the observation, corrections included
        opinions.json        every moderator's opinion, round and correction; notes/ the time-coded notes as WebVTT
        outcome.json         the decision with its basis, reason codes and reason
        messages.json        the escalated panel's thread
        recordings/          each recording's SHA-256, size and index report (tags carrying personal data withheld)
        audit-events.json    the audit events about the case, its ratings and its recordings, with sequence,
                             previous hash and hash
        manifest.json        the size and SHA-256 of every other file

        Check it with: obsreview verify-bundle THIS.zip (no database needed). Each event's hash is the
        SHA-256 of its previous hash followed by its canonical JSON (see manifest.json, "auditChain");
        the manifest's own SHA-256 is recorded in the service's audit trail (event case.bundle_exported).

        """
    }
}

struct BundleObservation: Encodable {
    let id: ObservationID
    let ref: String?
    let date: Date
    let scenario: String
    let practiceArea: String
    let candidateId: CandidateID
    let registrationNumber: String
    let employerId: OrganisationID
}

struct BundleOutcome: Encodable {
    let state: String
    let outcome: Outcome?
    let previousOutcomes: [Outcome]
}

struct BundleRecording: Encodable {
    let id: RecordingID
    let fileName: String
    let sha256: String?
    let bytes: Int64?
    let status: String

    init(_ recording: Recording) {
        id = recording.id
        fileName = recording.fileName
        sha256 = recording.sha256
        bytes = recording.byteCount
        status = recording.status.name
    }
}
