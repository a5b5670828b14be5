import Foundation
import ReviewDomain
import ReviewStore
import Synchronization

/// Who may see what: role **and** relationship, in one place.
///
/// - The accrediting body's assessors, the moderation lead and auditors read everything in the scheme.
/// - An employer representative reads only its own candidates, their observations, ratings, recordings and cases.
/// - A moderator reads only the cases assigned to them, and those cases' observations and recordings; the
///   earlier ratings and the other opinions only once every place of their round's panel is in (sealed panels).
/// - An administrator manages organisations and users and takes no part in cases.
///
/// Something a role can never see is 403; something of a kind the role can see but this caller may not (another
/// employer's candidate, an unassigned case) is 404, so that identifiers do not leak.
struct Access: Sendable {
    let store: ReviewStore
    /// Recordings in a final state (`ready`, `rejected`) and their candidate's employer, which never change
    /// again: a player's many range requests need not each ask the database.
    let finalRecordings = FinalRecordingCache()

    /// Roles that read the scheme's review data across employers.
    static let schemeReaders: Set<Role> = [.assessor, .lead, .auditor]

    static func forbidden(_ message: String) -> APIError {
        APIError(.forbidden, code: .forbidden, message: message)
    }

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: .notFound, message: "There is no \(what), or you may not see it.")
    }

    /// For lists of candidates, observations, recordings: `nil` for every employer, or the one employer the
    /// caller may see; 403 for roles that never see them (moderators see their assigned cases instead).
    func employerScope(of actor: Actor, listing what: String) throws(APIError) -> OrganisationID? {
        if Self.schemeReaders.contains(actor.role) { return nil }
        if actor.role == .employer { return actor.organisationID }
        throw Self.forbidden("\(actor.role.plural) cannot list \(what).")
    }

    /// Requires one of `roles`.
    func require(_ actor: Actor, in roles: Set<Role>, to doWhat: String) throws(APIError) {
        try Rule(roles: roles, doWhat: doWhat).require(actor)
    }

    func candidate(_ id: CandidateID, for actor: Actor) async throws -> CandidateRecord {
        let scope = try employerScope(of: actor, listing: "candidates")
        guard let record = try await store.candidates.find(id), scope == nil || scope == record.candidate.employerID else {
            throw Self.notFound("candidate \(id)")
        }
        return record
    }

    /// An observation the caller may see, and its candidate's employer.
    func observation(_ id: ObservationID, for actor: Actor) async throws -> (record: ObservationRecord, employerID: OrganisationID) {
        guard actor.role != .administrator else { throw Self.forbidden("An administrator takes no part in cases and cannot see observations.") }
        guard let (record, employerID) = try await store.observationWithEmployer(id),
            try await mayRead(observation: id, employerID: employerID, as: actor)
        else { throw Self.notFound("observation \(id)") }
        return (record, employerID)
    }

    func recording(_ id: RecordingID, for actor: Actor) async throws -> Recording {
        guard actor.role != .administrator else { throw Self.forbidden("An administrator takes no part in cases and cannot see recordings.") }
        guard let (recording, employerID) = try await finalRecordings.lookup(id, else: { try await store.recordingWithEmployer(id) }),
            try await mayRead(observation: recording.observationID, employerID: employerID, as: actor)
        else { throw Self.notFound("recording \(id)") }
        // Consent (decision 13): checked on every request, never cached, so a withdrawal takes effect at once.
        if actor.role.isModerator, !(try await store.consents(of: id).permits(.moderation)) {
            throw Self.forbidden("Consent to moderation was withdrawn for recording \(id), so it cannot be shown to moderators; the moderation lead decides the case.")
        }
        return recording
    }

    /// The relationship rule for an observation and what hangs off it: an employer reads its own staff's, a
    /// moderator those of the cases assigned to them, the scheme's readers all.
    private func mayRead(observation id: ObservationID, employerID: OrganisationID, as actor: Actor) async throws -> Bool {
        switch actor.role {
        case .employer: employerID == actor.organisationID
        case .moderator: try await store.isAssigned(actor.userID, toObservation: id)
        case .assessor, .lead, .auditor: true
        case .administrator: false
        }
    }

    /// A case the caller may see, and whether they see it blind (sealed): a moderator whose round's panel is not yet
    /// complete (decision 10). Calibration cases exist only for the lead, the auditor and their moderators.
    func `case`(_ id: CaseID, for actor: Actor) async throws -> (value: Case, blind: Bool) {
        guard actor.role != .administrator else { throw Self.forbidden("An administrator takes no part in cases.") }
        guard let value = try await store.cases.find(id), try await mayRead(value, as: actor) else { throw Self.notFound("case \(id)") }
        guard actor.role.isModerator else { return (value, false) }
        return (value, try await isSealed(value, for: actor.userID))
    }

    /// The relationship rule for a case: an employer reads its own staff's (never calibration cases), an assessor all
    /// but calibration cases, a moderator those assigned to them, the lead and the auditor all.
    func mayRead(_ value: Case, as actor: Actor) async throws -> Bool {
        switch actor.role {
        case .employer: value.employerID == actor.organisationID && !value.isCalibration
        case .assessor: !value.isCalibration
        case .moderator: try await store.isAssigned(actor.userID, toCase: value.id)
        case .lead, .auditor: true
        case .administrator: false
        }
    }

    /// Sealed panels (decision 10): a moderator sees no score, rating, other opinion, thread, finding or outcome of a
    /// case until every place of their round's panel has submitted or ended, or the case is decided. Access never
    /// carries over: only this case's own round counts, never another case on the same observation.
    func isSealed(_ value: Case, for moderatorID: UserID) async throws -> Bool {
        if value.state.hasOutcome { return false }
        return try await store.unsealedRound(moderatorID, on: value.id) != value.round
    }

    /// Whether a moderator may read an observation's ratings: only when every case of it they sit on is unsealed for
    /// them (and there is at least one). 403 otherwise, as before their panel is complete nothing of the scores shows.
    func mayReadRatings(of observationID: ObservationID, as moderatorID: UserID) async throws -> Bool {
        var any = false
        for assignment in try await store.assignments(ofModerator: moderatorID) where [.offered, .accepted, .submitted].contains(assignment.state) {
            guard let value = try await store.cases.find(assignment.caseID), value.observationID == observationID else { continue }
            if try await isSealed(value, for: moderatorID) { return false }
            any = true
        }
        return any
    }
}

/// Remembers, for a minute, recordings whose status is final together with their employer; bounded.
final class FinalRecordingCache: Sendable {
    private let entries = Mutex<[RecordingID: (recording: Recording, employerID: OrganisationID, until: ContinuousClock.Instant)]>([:])

    func lookup(
        _ id: RecordingID, else load: () async throws -> (recording: Recording, employerID: OrganisationID)?
    ) async throws -> (recording: Recording, employerID: OrganisationID)? {
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[id] }), hit.until > now { return (hit.recording, hit.employerID) }
        guard let found = try await load() else { return nil }
        if found.recording.status.isFinal {
            entries.withLock { entries in
                if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
                entries[id] = (found.recording, found.employerID, now + .seconds(60))
            }
        }
        return found
    }
}
