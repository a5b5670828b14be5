public import Foundation
public import ReviewDomain
public import ReviewStore

extension Exports {
    // MARK: Subject access

    /// Finds a candidate by registration number or id.
    public func candidate(_ reference: String) async throws -> CandidateRecord? {
        if let found = try await store.records.candidates.find(registrationNumber: reference) { return found }
        guard let uuid = UUID(uuidString: reference) else { return nil }
        return try await store.records.candidates.find(CandidateID(rawValue: uuid))
    }

    /// Writes the subject-access export of `candidateID` to `url` and records `candidate.subject_exported`.
    public func subjectAccessExport(
        of candidateID: CandidateID, withRecordings: Bool, to url: URL, by actor: ActingUser, at time: Date = Date()
    ) async throws -> ExportSummary {
        let archive = try await subjectArchive(of: candidateID, withRecordings: withRecordings)
        return try await Self.write(archive, format: ExportManifest.subjectAccessExport, subject: .init(type: "candidate", id: candidateID.description), to: url, at: time) {
            try await audit(subjectExportOf: candidateID, $0, withRecordings: withRecordings, by: actor, at: time)
        }
    }

    /// The subject-access export's bytes, without the recordings (for an HTTP answer); audited.
    public func subjectAccessExportData(of candidateID: CandidateID, by actor: ActingUser, at time: Date = Date()) async throws -> (Data, ExportSummary) {
        let archive = try await subjectArchive(of: candidateID, withRecordings: false)
        let (bytes, summary) = try archive.data(format: ExportManifest.subjectAccessExport, subject: .init(type: "candidate", id: candidateID.description), createdAt: time)
        try await audit(subjectExportOf: candidateID, summary, withRecordings: false, by: actor, at: time)
        return (bytes, summary)
    }

    private func audit(subjectExportOf candidateID: CandidateID, _ summary: ExportSummary, withRecordings: Bool, by actor: ActingUser, at time: Date) async throws {
        try await store.audit.append(AuditEvent(
            at: time, actorID: actor.userID, action: "candidate.subject_exported", subject: .init(type: "candidate", id: candidateID.description),
            details: ["manifestSHA256": summary.manifestSHA256, "files": String(summary.files), "withRecordings": String(withRecordings), "role": actor.role.rawValue]))
    }

    /// Everything held about the candidate, reached only through their own observations: the cases, ratings,
    /// opinions, notes, messages and plans of those observations, and the views of their recordings. Nobody else's
    /// record is read. Every person who acted appears as a role and a number (``SubjectPseudonyms``).
    func subjectArchive(of candidateID: CandidateID, withRecordings: Bool) async throws -> ExportArchive {
        guard let candidate = try await store.records.candidates.find(candidateID) else { throw StoreError(.notFound, "There is no candidate \(candidateID).") }
        let employer = try await store.records.organisations.find(candidate.candidate.employerID)
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
        for observation in try await store.records.observations.observations(of: candidateID) {
            let id = observation.observation.id
            let recordings = try await store.records.recordings.recordings(of: id)
            let own = Set(recordings.map(\.id))
            observations.append(SubjectObservation(
                id: id, ref: observation.ref, date: observation.observation.date, scenario: observation.observation.scenario,
                practiceArea: observation.observation.practiceArea.rawValue, recordings: recordings.map(BundleRecording.init)))
            for rating in try await store.records.ratings.ratings(of: id) {
                ratings.append(SubjectRating(
                    observationId: id, source: rating.source.rawValue, rater: try await people.label(rating.raterID), score: rating.score.value,
                    rationale: rating.rationale, ratedAt: rating.ratedAt, corrects: rating.supersedes != nil, correctionReason: rating.correctionReason))
            }
            for value in try await store.records.cases.cases(of: id) {
                var flags: [SubjectCase.Flag] = []
                // Every flag, a thousand rows at a time (decision 35: they are kept apart from the case).
                while flags.count < value.flagCount {
                    let batch = try await store.records.cases.flags(of: value.id, offset: flags.count, limit: 1_000)
                    guard !batch.isEmpty else { break }
                    for flag in batch { flags.append(.init(raisedBy: try await people.label(flag.raisedBy), at: flag.at, reason: flag.reason)) }
                }
                cases.append(SubjectCase(
                    id: value.id, observationId: id, kind: value.kind.rawValue, state: value.state.rawValue, openedAt: value.openedAt,
                    flags: flags, outcome: try await SubjectOutcome(value.outcome, people: &people),
                    previousOutcomes: try await SubjectOutcome.all(value.previousOutcomes, people: &people)))
                for opinion in try await store.moderation.opinions(ofCase: value.id) {
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
                for message in try await store.moderation.messages(ofCase: value.id) {
                    messages.append(SubjectMessage(caseId: value.id, author: try await people.label(message.authorID), body: message.body, atSeconds: message.atSeconds, postedAt: message.postedAt))
                }
                if let plan = try await store.moderation.developmentPlan(ofCase: value.id) {
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
                    guard let folder = data.blobs as? FolderBlobStore else {
                        throw StoreError(.invalidArgument, """
                            An export with the recordings reads them from the data folder, and these are in the object store: \
                            export without the recordings and add the originals from the bucket (<s3_prefix>blobs/<sha256>).
                            """)
                    }
                    archive.add("recordings/\(recording.id)/\(Self.safeFileName(recording.fileName))", file: URL(fileURLWithPath: folder.localFile(key).string))
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
            let role = try await store.records.users.find(id)?.role
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
