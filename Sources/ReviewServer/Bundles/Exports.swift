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
    public func evidenceBundle(of caseID: CaseID, to url: URL, by actor: Actor, at time: Date = Date()) async throws -> ExportSummary {
        let archive = try await evidenceArchive(of: caseID)
        let summary = try archive.write(to: url, format: ExportManifest.evidenceBundle, subject: .init(type: "case", id: caseID.description), createdAt: time)
        do { try await audit(bundleOf: caseID, summary, by: actor, at: time) } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return summary
    }

    /// The evidence bundle's bytes (for an HTTP answer); audited like ``evidenceBundle(of:to:by:at:)``.
    public func evidenceBundleData(of caseID: CaseID, by actor: Actor, at time: Date = Date()) async throws -> (Data, ExportSummary) {
        let archive = try await evidenceArchive(of: caseID)
        let (bytes, summary) = try archive.data(format: ExportManifest.evidenceBundle, subject: .init(type: "case", id: caseID.description), createdAt: time)
        try await audit(bundleOf: caseID, summary, by: actor, at: time)
        return (bytes, summary)
    }

    private func audit(bundleOf caseID: CaseID, _ summary: ExportSummary, by actor: Actor, at time: Date) async throws {
        try await store.audit.append(AuditEvent(
            at: time, actorID: actor.userID, action: "case.bundle_exported", subject: .init(type: "case", id: caseID.description),
            details: ["manifestSHA256": summary.manifestSHA256, "files": String(summary.files), "role": actor.role.rawValue]))
    }

    func evidenceArchive(of caseID: CaseID) async throws -> ExportArchive {
        guard let value = try await store.cases.find(caseID) else { throw StoreError(.notFound, "There is no case \(caseID).") }
        guard let (observation, employerID) = try await store.observationWithEmployer(value.observationID),
            let candidate = try await store.candidates.find(observation.observation.candidateID)
        else { throw StoreError(.corruptData, "The observation of case \(caseID) is missing.") }
        let ratings = try await store.ratings.ratings(of: value.observationID)
        let opinions = try await store.opinions(ofCase: caseID)
        let recordings = try await store.recordings.recordings(of: value.observationID)

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
        try archive.add("messages.json", json: try await store.messages(ofCase: caseID).map(BundleMessage.init))
        if let plan = try await store.developmentPlan(ofCase: caseID) {
            try archive.add("development-plan.json", json: BundlePlan(plan, acknowledgedBy: plan.acknowledgedBy?.description))
        }
        for recording in recordings {
            try archive.add("recordings/\(recording.id).json", json: BundleRecording(recording))
            if let report = try await store.indexReport(of: recording.id) {
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

    // MARK: Subject access

    /// Finds a candidate by registration number or id.
    public func candidate(_ reference: String) async throws -> CandidateRecord? {
        if let found = try await store.candidates.find(registrationNumber: reference) { return found }
        guard let uuid = UUID(uuidString: reference) else { return nil }
        return try await store.candidates.find(CandidateID(rawValue: uuid))
    }

    /// Writes the subject-access export of `candidateID` to `url` and records `candidate.subject_exported`.
    public func subjectAccessExport(
        of candidateID: CandidateID, withRecordings: Bool, to url: URL, by actor: Actor, at time: Date = Date()
    ) async throws -> ExportSummary {
        let archive = try await subjectArchive(of: candidateID, withRecordings: withRecordings)
        let summary = try archive.write(to: url, format: ExportManifest.subjectAccessExport, subject: .init(type: "candidate", id: candidateID.description), createdAt: time)
        do { try await audit(subjectExportOf: candidateID, summary, withRecordings: withRecordings, by: actor, at: time) } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return summary
    }

    /// The subject-access export's bytes, without the recordings (for an HTTP answer); audited.
    public func subjectAccessExportData(of candidateID: CandidateID, by actor: Actor, at time: Date = Date()) async throws -> (Data, ExportSummary) {
        let archive = try await subjectArchive(of: candidateID, withRecordings: false)
        let (bytes, summary) = try archive.data(format: ExportManifest.subjectAccessExport, subject: .init(type: "candidate", id: candidateID.description), createdAt: time)
        try await audit(subjectExportOf: candidateID, summary, withRecordings: false, by: actor, at: time)
        return (bytes, summary)
    }

    private func audit(subjectExportOf candidateID: CandidateID, _ summary: ExportSummary, withRecordings: Bool, by actor: Actor, at time: Date) async throws {
        try await store.audit.append(AuditEvent(
            at: time, actorID: actor.userID, action: "candidate.subject_exported", subject: .init(type: "candidate", id: candidateID.description),
            details: ["manifestSHA256": summary.manifestSHA256, "files": String(summary.files), "withRecordings": String(withRecordings), "role": actor.role.rawValue]))
    }

    /// Everything held about the candidate, reached only through their own observations: the cases, ratings,
    /// opinions, notes, messages and plans of those observations, and the views of their recordings. Nobody else's
    /// record is read. Every person who acted appears as a role and a number (``SubjectPseudonyms``).
    func subjectArchive(of candidateID: CandidateID, withRecordings: Bool) async throws -> ExportArchive {
        guard let candidate = try await store.candidates.find(candidateID) else { throw StoreError(.notFound, "There is no candidate \(candidateID).") }
        let employer = try await store.organisations.find(candidate.candidate.employerID)
        var people = SubjectPseudonyms(store: store)
        var archive = ExportArchive()
        archive.add("README.txt", text: Self.subjectReadme)
        try archive.add("candidate.json", json: SubjectCandidate(
            id: candidate.candidate.id, name: candidate.name, registrationNumber: candidate.candidate.registrationNumber, employer: employer?.name))

        var observations: [SubjectObservation] = []
        var ratings: [SubjectRating] = []
        var cases: [SubjectCase] = []
        var opinions: [SubjectOpinion] = []
        var messages: [SubjectMessage] = []
        var plans: [SubjectPlan] = []
        var views: [SubjectView] = []
        for observation in try await store.observations.observations(of: candidateID) {
            let id = observation.observation.id
            let recordings = try await store.recordings.recordings(of: id)
            let own = Set(recordings.map(\.id))
            observations.append(SubjectObservation(
                id: id, ref: observation.ref, date: observation.observation.date, scenario: observation.observation.scenario,
                practiceArea: observation.observation.practiceArea.rawValue, recordings: recordings.map(BundleRecording.init)))
            for rating in try await store.ratings.ratings(of: id) {
                ratings.append(SubjectRating(
                    observationId: id, source: rating.source.rawValue, rater: try await people.label(rating.raterID), score: rating.score.value,
                    rationale: rating.rationale, ratedAt: rating.ratedAt, corrects: rating.supersedes != nil, correctionReason: rating.correctionReason))
            }
            for value in try await store.cases.cases(of: id) {
                var flags: [SubjectCase.Flag] = []
                for flag in value.flags { flags.append(.init(raisedBy: try await people.label(flag.raisedBy), at: flag.at, reason: flag.reason)) }
                cases.append(SubjectCase(
                    id: value.id, observationId: id, kind: value.kind.rawValue, state: value.state.rawValue, openedAt: value.openedAt,
                    flags: flags, outcome: try await SubjectOutcome(value.outcome, people: &people),
                    previousOutcomes: try await SubjectOutcome.all(value.previousOutcomes, people: &people)))
                for opinion in try await store.opinions(ofCase: value.id) {
                    var files: [String] = []
                    // Only notes on this candidate's own recordings (or on the observation as a whole).
                    for (recordingID, notes) in Self.notesByRecording(opinion.annotations) where recordingID.map(own.contains) ?? true {
                        let path = Self.notesPath(opinion, recordingID)
                        archive.add(path, text: Annotation.webVTT(notes, title: "Notes of \(try await people.label(opinion.moderatorID)), round \(opinion.round)"))
                        files.append(path)
                    }
                    opinions.append(SubjectOpinion(
                        caseId: value.id, moderator: try await people.label(opinion.moderatorID), round: opinion.round, score: opinion.score.value,
                        rationale: opinion.rationale, submittedAt: opinion.submittedAt, corrects: opinion.supersedes != nil,
                        correctionReason: opinion.correctionReason, notes: files))
                }
                for message in try await store.messages(ofCase: value.id) {
                    messages.append(SubjectMessage(caseId: value.id, author: try await people.label(message.authorID), body: message.body, atSeconds: message.atSeconds, postedAt: message.postedAt))
                }
                if let plan = try await store.developmentPlan(ofCase: value.id) {
                    plans.append(SubjectPlan(caseId: value.id, createdAt: plan.createdAt, acknowledgedAt: plan.acknowledgedAt, note: plan.note))
                }
            }
            for recording in recordings {
                for entry in try await store.audit.entries(about: .init(type: "recording", id: recording.id.description)) where entry.event.action == "recording.viewed" {
                    views.append(SubjectView(
                        recordingId: recording.id, at: entry.event.at, viewer: try await people.label(entry.event.actorID),
                        what: entry.event.details["variant"] ?? "recording"))
                }
                if withRecordings, let key = recording.sha256.flatMap(BlobKey.init), try await data.blobs.contains(key) {
                    archive.add("recordings/\(recording.id)/\(Self.safeFileName(recording.fileName))", file: URL(fileURLWithPath: data.blobs.localFile(key).string))
                }
            }
        }
        try archive.add("observations.json", json: observations)
        try archive.add("ratings.json", json: ratings)
        try archive.add("cases.json", json: cases)
        try archive.add("opinions.json", json: opinions)
        try archive.add("messages.json", json: messages)
        try archive.add("development-plans.json", json: plans)
        try archive.add("viewing-log.json", json: views)
        try archive.add("people.json", json: people.legend)
        return archive
    }

    /// A recording's file name as a plain name inside the archive (no folders, nothing hidden).
    static func safeFileName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0 != ":" }.map(Character.init))
            .trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        return cleaned.isEmpty ? "recording" : cleaned
    }

    static let subjectReadme = """
        Subject-access export, made by ObservationReview: what the service holds about you.

        candidate.json          your name, registration number and employer
        observations.json       your observations and their recordings (file name, size, SHA-256)
        ratings.json            every rating of your observations, with its rationale, corrections included
        cases.json              every case about your observations, with flags and outcomes (and earlier outcomes)
        opinions.json           the moderators' opinions; notes/ holds their time-coded notes as WebVTT
        messages.json           the moderation panel's discussion of your cases
        development-plans.json  development plans from your outcomes
        viewing-log.json        each time someone viewed or downloaded one of your recordings
        people.json             the roles behind the names used in this export
        recordings/             your recordings, when they were asked for
        manifest.json           the size and SHA-256 of every other file (obsreview verify-bundle checks them)

        The people who rated, moderated, decided or viewed appear by role and a number ("Moderator 1",
        "Assessor 1"), the same number for the same person throughout this export, never by name; nobody
        else's records are included.

        """
}

/// Names people in a subject-access export by role and a number, in order of first appearance.
struct SubjectPseudonyms {
    let store: ReviewStore
    private var labels: [UserID: String] = [:]
    private var counts: [String: Int] = [:]
    private(set) var legend: [String: String] = [:]

    init(store: ReviewStore) {
        self.store = store
    }

    mutating func label(_ id: UserID) async throws -> String {
        if let known = labels[id] { return known }
        let label: String
        if id == UserID.system {
            label = "The service"
            legend[label] = "done automatically by ObservationReview (for example a rule deciding an outcome, or a routing pass)"
        } else {
            let role = try await store.users.find(id)?.role
            let kind = switch role {
            case .assessor: "Assessor"
            case .employer: "Employer representative"
            case .moderator(.professional): "Moderator"
            case .moderator(.lay): "Lay moderator"
            case .lead: "Moderation lead"
            case .auditor: "Auditor"
            case .administrator: "Administrator"
            case nil: "Person"
            }
            counts[kind, default: 0] += 1
            label = "\(kind) \(counts[kind]!)"
            legend[label] = role.map { "a person acting as \($0.rawValue)" } ?? "a person whose account no longer exists"
        }
        labels[id] = label
        return label
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

struct BundleMessage: Encodable {
    let id: String
    let authorId: UserID
    let body: String
    let atSeconds: Double?
    let postedAt: Date

    init(_ message: CaseMessage) {
        id = message.id.description
        authorId = message.authorID
        body = message.body
        atSeconds = message.atSeconds
        postedAt = message.postedAt
    }
}

struct BundlePlan: Encodable {
    let caseId: CaseID
    let createdAt: Date
    let acknowledgedBy: String?
    let acknowledgedAt: Date?
    let note: String?

    init(_ plan: DevelopmentPlan, acknowledgedBy: String?) {
        caseId = plan.caseID
        createdAt = plan.createdAt
        self.acknowledgedBy = acknowledgedBy
        acknowledgedAt = plan.acknowledgedAt
        note = plan.note
    }
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

struct SubjectCandidate: Encodable {
    let id: CandidateID
    let name: String
    let registrationNumber: String
    let employer: String?
}

struct SubjectObservation: Encodable {
    let id: ObservationID
    let ref: String?
    let date: Date
    let scenario: String
    let practiceArea: String
    let recordings: [BundleRecording]
}

struct SubjectRating: Encodable {
    let observationId: ObservationID
    let source: String
    let rater: String
    let score: Int
    let rationale: String
    let ratedAt: Date
    let corrects: Bool
    let correctionReason: String?
}

struct SubjectOutcome: Encodable {
    let score: Int
    let meetsStandard: Bool
    let decidedBy: String
    let reasonCodes: [String]
    let reason: String?

    init?(_ outcome: Outcome?, people: inout SubjectPseudonyms) async throws {
        guard let outcome else { return nil }
        score = outcome.score.value
        meetsStandard = outcome.meetsStandard
        switch outcome.basis {
        case .rule(let rule): decidedBy = "rule: \(rule)"
        case .person(let id): decidedBy = try await people.label(id)
        }
        reasonCodes = outcome.reasonCodes
        reason = outcome.reason
    }

    static func all(_ outcomes: [Outcome], people: inout SubjectPseudonyms) async throws -> [SubjectOutcome] {
        var result: [SubjectOutcome] = []
        for outcome in outcomes { if let one = try await SubjectOutcome(outcome, people: &people) { result.append(one) } }
        return result
    }
}

struct SubjectCase: Encodable {
    struct Flag: Encodable {
        let raisedBy: String
        let at: Date
        let reason: String
    }

    let id: CaseID
    let observationId: ObservationID
    let kind: String
    let state: String
    let openedAt: Date
    let flags: [Flag]
    let outcome: SubjectOutcome?
    let previousOutcomes: [SubjectOutcome]
}

struct SubjectOpinion: Encodable {
    let caseId: CaseID
    let moderator: String
    let round: Int
    let score: Int
    let rationale: String
    let submittedAt: Date
    let corrects: Bool
    let correctionReason: String?
    let notes: [String]
}

struct SubjectMessage: Encodable {
    let caseId: CaseID
    let author: String
    let body: String
    let atSeconds: Double?
    let postedAt: Date
}

struct SubjectPlan: Encodable {
    let caseId: CaseID
    let createdAt: Date
    let acknowledgedAt: Date?
    let note: String?
}

struct SubjectView: Encodable {
    let recordingId: RecordingID
    let at: Date
    let viewer: String
    let what: String
}
