import Foundation
import ReviewDomain
import ReviewStore

/// What the pages call things, instead of their ids (issue 20): a case or an observation by the observation's reference
/// and the candidate's name ("OBS-2026-0040 · Caius Elsworthy"), a recording by its file name, a person by their name.
///
/// Only things the viewer already reached through the API (or the audit trail, for those who may read it) are named
/// here: the caller passes ids from the API's answers. A moderator sees the candidate's name on the review screen of a
/// case offered to them (to see a conflict of interest, decision 9), so the reference tells them nothing new; no score,
/// kind or state is read here.
struct References {
    let store: ReviewStore
    private var observations: [ObservationID: String] = [:]
    private var cases: [CaseID: String] = [:]

    init(store: ReviewStore) { self.store = store }

    /// "OBS-2026-0040 · Caius Elsworthy"; the reference alone when the candidate's name is gone (erased); "an
    /// observation" for one that is not there.
    mutating func observation(_ id: ObservationID) async throws -> String {
        if let known = observations[id] { return known }
        var text = "an observation"
        if let record = try await store.records.observations.find(id) {
            let name = try await store.records.candidates.find(record.observation.candidateID)?.name
            let ref = record.ref ?? "Observation (\(record.observation.scenario))"
            text = [ref, name].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: " · ")
        }
        observations[id] = text
        return text
    }

    /// A case by its observation.
    mutating func `case`(_ id: CaseID) async throws -> String {
        if let known = cases[id] { return known }
        var text = "a case"
        if let value = try await store.records.cases.find(id) { text = try await observation(value.observationID) }
        cases[id] = text
        return text
    }
}

extension References {
    mutating func row(_ value: CaseRepresentation) async throws -> CaseRow {
        CaseRow(value, reference: try await observation(value.observationId))
    }

    mutating func rows(_ values: [CaseRepresentation]) async throws -> [CaseRow] {
        var rows: [CaseRow] = []
        for value in values { rows.append(try await row(value)) }
        return rows
    }

    mutating func rows(_ values: [AssignmentRepresentation], people: [String: String] = [:]) async throws -> [AssignmentRow] {
        var rows: [AssignmentRow] = []
        for value in values { rows.append(AssignmentRow(value, reference: try await `case`(value.caseId), people: people)) }
        return rows
    }
}

extension References {
    /// The subject of an audit event or a legal hold, for people: "Case OBS-T-1 · Casey Candidate", "Recording
    /// visit.mp4", "Lee Lead". Only for viewers who may read the audit trail or the holds (the caller checks).
    mutating func subject(type: String, id: String, people: [String: String]) async throws -> String {
        switch type {
        case "case":
            if let id = UUID(uuidString: id).map(CaseID.init(rawValue:)) { return "Case " + (try await `case`(id)) }
        case "observation":
            if let id = UUID(uuidString: id).map(ObservationID.init(rawValue:)) { return "Observation " + (try await observation(id)) }
        case "recording":
            if let id = UUID(uuidString: id).map(RecordingID.init(rawValue:)), let recording = try await store.records.recordings.find(id) { return "Recording \(recording.fileName)" }
            return "A recording"
        case "candidate":
            if let id = UUID(uuidString: id).map(CandidateID.init(rawValue:)), let candidate = try await store.records.candidates.find(id) {
                return "Candidate " + (candidate.name.isEmpty ? candidate.candidate.registrationNumber : candidate.name)
            }
            return "A candidate"
        case "user":
            if let name = people[id.lowercased()] { return name }
            if let id = UUID(uuidString: id).map(UserID.init(rawValue:)), let user = try await store.records.users.find(id) { return user.name }
            return Labels.actor(id, people: people)
        default: break
        }
        return Labels.subjectType(type)
    }
}
