import Foundation
import Hummingbird
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
    /// Decisions to let someone see a ready recording, remembered briefly: a player's many range requests need not
    /// each ask the database (``RecordingAccessCache``).
    let recordingDecisions = RecordingAccessCache()

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
    func employerScope(of actor: ActingUser, listing what: String) throws(APIError) -> OrganisationID? {
        if Self.schemeReaders.contains(actor.role) { return nil }
        if actor.role == .employer { return actor.organisationID }
        throw Self.forbidden("\(actor.role.plural) cannot list \(what).")
    }

    /// Requires one of `roles`.
    func require(_ actor: ActingUser, in roles: Set<Role>, to doWhat: String) throws(APIError) {
        try Rule(roles: roles, doWhat: doWhat).require(actor)
    }

    func candidate(_ id: CandidateID, for actor: ActingUser) async throws -> CandidateRecord {
        let scope = try employerScope(of: actor, listing: "candidates")
        guard let record = try await store.records.candidates.find(id), scope == nil || scope == record.candidate.employerID else {
            throw Self.notFound("candidate \(id)")
        }
        return record
    }

    /// An observation the caller may see, and its candidate's employer.
    func observation(_ id: ObservationID, for actor: ActingUser) async throws -> (record: ObservationRecord, employerID: OrganisationID) {
        guard actor.role != .administrator else { throw Self.forbidden("An administrator takes no part in cases and cannot see observations.") }
        guard let (record, employerID) = try await store.records.observationWithEmployer(id),
            try await mayRead(observation: id, employerID: employerID, as: actor)
        else { throw Self.notFound("observation \(id)") }
        return (record, employerID)
    }

    func recording(_ id: RecordingID, for actor: ActingUser) async throws -> Recording {
        guard actor.role != .administrator else { throw Self.forbidden("An administrator takes no part in cases and cannot see recordings.") }
        let recording: Recording
        if let allowed = recordingDecisions.allowed(id, for: actor) {
            recording = allowed
        } else {
            // Read before the database: a right taken away while the query runs makes this decision too old to keep.
            let epoch = AccessEpoch.current
            guard let (found, employerID) = try await store.records.recordingWithEmployer(id),
                try await mayRead(observation: found.observationID, employerID: employerID, as: actor)
            else { throw Self.notFound("recording \(id)") }
            recordingDecisions.remember(found, allowedFor: actor, decidedAt: epoch)
            recording = found
        }
        // Consent (decision 13): checked on every request, never cached, so a withdrawal takes effect at once.
        if actor.role.isModerator, !(try await store.dataProtection.consents(of: id).permits(.moderation)) {
            throw Self.forbidden("Consent to moderation was withdrawn for recording \(id), so it cannot be shown to moderators; the moderation lead decides the case.")
        }
        return recording
    }

    /// The relationship rule for an observation and what hangs off it: an employer reads its own staff's, a
    /// moderator those of the cases assigned to them, the scheme's readers all.
    private func mayRead(observation id: ObservationID, employerID: OrganisationID, as actor: ActingUser) async throws -> Bool {
        switch actor.role {
        case .employer: employerID == actor.organisationID
        case .moderator: try await store.moderation.isAssigned(actor.userID, toObservation: id)
        case .assessor, .lead, .auditor: true
        case .administrator: false
        }
    }

    /// A case the caller may see, and whether they see it blind (sealed): a moderator whose round's panel is not yet
    /// complete (decision 10). Calibration cases exist only for the lead, the auditor and their moderators.
    func `case`(_ id: CaseID, for actor: ActingUser) async throws -> (value: Case, blind: Bool) {
        guard actor.role != .administrator else { throw Self.forbidden("An administrator takes no part in cases.") }
        guard let value = try await store.records.cases.find(id), try await mayRead(value, as: actor) else { throw Self.notFound("case \(id)") }
        guard actor.role.isModerator else { return (value, false) }
        return (value, try await isSealed(value, for: actor.userID))
    }

    /// The relationship rule for a case: an employer reads its own staff's (never calibration cases), an assessor all
    /// but calibration cases, a moderator those assigned to them, the lead and the auditor all.
    func mayRead(_ value: Case, as actor: ActingUser) async throws -> Bool {
        switch actor.role {
        case .employer: value.employerID == actor.organisationID && !value.isCalibration
        case .assessor: !value.isCalibration
        case .moderator: try await store.moderation.isAssigned(actor.userID, toCase: value.id)
        case .lead, .auditor: true
        case .administrator: false
        }
    }

    /// Sealed panels (decision 10): a moderator sees no score, rating, other opinion, thread, finding or outcome of a
    /// case until every place of their round's panel has submitted or ended, or the case is decided. Access never
    /// carries over: only this case's own round counts, never another case on the same observation.
    func isSealed(_ value: Case, for moderatorID: UserID) async throws -> Bool {
        if value.state.hasOutcome { return false }
        return try await store.moderation.unsealedRound(moderatorID, on: value.id) != value.round
    }

    /// Whether a moderator may read an observation's ratings: only when every case of it they sit on is unsealed for
    /// them (and there is at least one). 403 otherwise, as before their panel is complete nothing of the scores shows.
    func mayReadRatings(of observationID: ObservationID, as moderatorID: UserID) async throws -> Bool {
        var any = false
        for assignment in try await store.moderation.assignments(ofModerator: moderatorID) where [.offered, .accepted, .submitted].contains(assignment.state) {
            guard let value = try await store.records.cases.find(assignment.caseID), value.observationID == observationID else { continue }
            if try await isSealed(value, for: moderatorID) { return false }
            any = true
        }
        return any
    }
}

/// Decisions to let an actor see a **ready** recording, for a few seconds (``lifetime``), so that a player's range
/// requests cost no database query. Only allows are kept, and only for ready recordings (which never change again but
/// by erasure). An entry names the whole actor (user, role, organisation), so a changed role or organisation is another
/// key.
///
/// **Invalidation.** Every entry carries the ``AccessEpoch`` current *before* its decision was read from the
/// database, and counts only while the epoch is still that one. The epoch advances whenever something in this process
/// may take a right away: after every request that is not safe (POST, PUT, PATCH, DELETE — erasure, consent, account
/// changes, assignments declined, reassigned or decided: ``AccessInvalidationMiddleware``), after every pass of a
/// periodic service (routing expires assignments; retention erases), and when erasure's files are removed. So a
/// revoked right is never served from this cache by this process once the revoking request has answered, even when a
/// decision was being read while it ran. Other processes (a second server, `obsreview erase`) cannot reach this
/// memory: there a cached allow lives out ``lifetime`` at most, as a credential in ``AuthenticationCache`` does.
/// Consent to moderation is checked on every request all the same (decision 13).
final class RecordingAccessCache: Sendable {
    struct Key: Hashable {
        let recording: RecordingID
        let actor: ActingUser
    }
    struct Entry {
        let recording: Recording
        let epoch: UInt64
        let until: ContinuousClock.Instant
    }

    let lifetime: Duration
    let capacity: Int
    private let entries = Mutex<[Key: Entry]>([:])

    init(lifetime: Duration = .seconds(5), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The recording, if `actor` was allowed to see it in the current epoch within the last ``lifetime``.
    func allowed(_ id: RecordingID, for actor: ActingUser) -> Recording? {
        let key = Key(recording: id, actor: actor)
        let now = ContinuousClock.now
        let epoch = AccessEpoch.current
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.epoch == epoch, entry.until > now else {
                entries[key] = nil
                return nil
            }
            return entry.recording
        }
    }

    /// Remembers that `actor` may see `recording` (when it is ready), as decided from what the database said after
    /// `epoch` was read.
    func remember(_ recording: Recording, allowedFor actor: ActingUser, decidedAt epoch: UInt64) {
        guard recording.status == .ready else { return }
        let entry = Entry(recording: recording, epoch: epoch, until: ContinuousClock.now + lifetime)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[Key(recording: recording.id, actor: actor)] = entry
        }
    }
}

/// A counter that advances whenever this process may have taken someone's right away; remembered access decisions
/// count only within the epoch they were read in (``RecordingAccessCache``). One per process: every app and service in
/// it reads and writes the same database.
enum AccessEpoch {
    private static let counter = Atomic<UInt64>(0)

    static var current: UInt64 { counter.load(ordering: .sequentiallyConsistent) }

    /// Ends the current epoch: every decision remembered so far stops counting.
    static func advance() {
        _ = counter.wrappingAdd(1, ordering: .sequentiallyConsistent)
    }
}

/// Advances the ``AccessEpoch`` after every request that is not safe, whatever its outcome (a failed request may
/// have changed something before it failed), so that a right taken away by a request is not served from a remembered
/// decision once that request has answered.
struct AccessInvalidationMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.method.isSafe else { return try await next(request, context) }
        defer { AccessEpoch.advance() }
        return try await next(request, context)
    }
}
