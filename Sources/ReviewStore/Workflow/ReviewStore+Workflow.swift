public import Foundation
public import ReviewDomain
import SQLKit

/// What recording a rating did: the rating, and the dispute case it opened (when the employer's and the
/// assessor's current scores now trigger the policy and no case is active on the observation).
public struct RecordedRating: Sendable, Hashable {
    public let rating: Rating
    public let openedCase: Case?
}

/// The workflow steps the API takes, each in one transaction with its audit events: the domain decides,
/// the store keeps.
extension WorkflowStore {
    /// Records a rating (or, with `supersedes`, a correction) by `actor` and opens an automatic dispute when
    /// the policy says so. Domain refusals (wrong role, blank rationale, a second rating) are
    /// `.invalidArgument` with the domain's message and code as cause; `.notFound` for an unknown observation.
    public func recordRating(
        observationID: ObservationID, score: Score, rationale: String, supersedes: RatingID?, correctionReason: String?,
        by actor: ActingUser, policy: DisputePolicy = .default, at time: Date = Date()
    ) async throws(StoreError) -> RecordedRating {
        var attempt = 1
        while true {
            do throws(StoreError) {
                return try await recordRatingOnce(observationID: observationID, score: score, rationale: rationale, supersedes: supersedes,
                                                  correctionReason: correctionReason, by: actor, policy: policy, at: time)
            } catch let error where attempt < 3 && error.isConcurrencyRefusal {
                // A concurrent writer got there first (the same rating, or a case opened on the observation meanwhile): the
                // database's unique indexes refused this one (migration 10), or PostgreSQL broke a deadlock with a flag
                // opening the case. Again against what is now stored: the same rating is then refused naming the existing
                // one; any other rating goes in and joins the case.
                attempt += 1
            }
        }
    }

    private func recordRatingOnce(
        observationID: ObservationID, score: Score, rationale: String, supersedes: RatingID?, correctionReason: String?,
        by actor: ActingUser, policy: DisputePolicy, at time: Date
    ) async throws(StoreError) -> RecordedRating {
        try await transaction { (tx: StoreTransaction) async throws -> RecordedRating in
            let dialect = tx.context.dialect
            let (ledger, cases) = try await tx.context.run { (db: any SQLDatabase) async throws -> (RatingLedger, [Case]) in
                guard let employerID = try await SQLRatings.employer(of: observationID, on: db, dialect: dialect) else {
                    throw StoreError(.notFound, "There is no observation \(observationID).")
                }
                try await DataProtectionStore.refuseIfErased(observation: observationID, on: db, dialect: dialect)
                let ledger = try await SQLRatings.ledger(of: observationID, employerID: employerID, on: db, dialect: dialect)
                return (ledger, try await SQLCases.cases(of: observationID, on: db, dialect: dialect).filter { !$0.isCalibration })
            }
            // The case the rating concerns: the active one, else a decided one. A decision is re-run only by the lead's
            // reopening on a ground, never by a fresh automatic dispute (decision 10): that case is told instead.
            let activeCase = cases.first { $0.state.isActive } ?? cases.last { $0.state.hasOutcome }
            let active = activeCase != nil
            var next = ledger
            // Decision 27: a decided observation's scores are settled. A correction after the decision — or a new
            // original, which becomes the current score just the same (found by the hostile tester: a second assessor
            // changed a decided case's assessor score) — would change the record the outcome stands on without re-running
            // anything; the way back is the lead's reopen, on a ground.
            if let decided = activeCase, decided.state.hasOutcome {
                throw CaseTransitionError.correctionAfterDecision(on: decided, by: actor.role)
            }
            let rating: Rating
            do {
                if let supersedes {
                    rating = try next.correct(supersedes, newScore: score, reason: correctionReason ?? "", by: actor, at: time)
                } else {
                    let source: RatingSource = actor.role == .employer ? .employer : actor.role.isModerator ? .moderator : .assessor
                    // One endorsement per employer (decision 27): a colleague's second original would stand beside the first as an
                    // equal row and silently replace it as the employer's current score; whoever gave it (or the lead) corrects it.
                    // A second assessor is different: an independent rater (double marking), counted as one (docs/statistics.md).
                    if source == .employer, let current = next.current(source: source), next.chain(through: current.id)[0].raterID != actor.userID {
                        throw StoreError(.conflict, "The \(source.rawValue)'s score for this observation is already recorded (\(current.score), by a "
                            + "colleague). Only whoever gave it, or the moderation lead, can correct it; if you disagree with it, flag the observation.",
                            cause: DomainError(code: .ratingDuplicate, message: "another rater's \(source.rawValue) rating is current"))
                    }
                    rating = try next.record(source: source, score: score, rationale: rationale, by: actor, at: time)
                }
            } catch let error as DomainError where error.code == .ratingDuplicate {
                throw StoreError(.conflict, error.message, cause: error)
            } catch let error as DomainError {
                throw StoreError(.invalidArgument, error.message, cause: error)
            }
            try await tx.ratings.append(rating, by: actor)
            // The dispute rules are re-evaluated on every rating and correction: the case (active, or decided) is told
            // how the current scores now stand (the lead decides what follows: nothing is withdrawn or re-run by itself).
            if let activeCase, rating.source != .moderator {
                let employer = next.current(source: .employer)?.score, assessor = next.current(source: .assessor)?.score
                var details = ["rating": rating.id.description, "source": rating.source.rawValue,
                               "still_disputed": String(policy.evaluate(employer: employer, assessor: assessor) != nil)]
                details["employer_score"] = employer?.description
                details["assessor_score"] = assessor?.description
                try await tx.audit.append(AuditEvent(
                    at: time, actorID: actor.userID, action: "case.ratings_changed", subject: .init(type: "case", id: activeCase.id.description),
                    details: details))
            }
            guard !active, let employer = next.current(source: .employer), let assessor = next.current(source: .assessor),
                let finding = policy.evaluate(employer: employer.score, assessor: assessor.score)
            else { return RecordedRating(rating: rating, openedCase: nil) }
            let (opened, event) = try Case.openDispute(finding, observationID: observationID, employerID: next.employerID, by: actor, at: time)
            try await tx.cases.create(opened, event: event)
            return RecordedRating(rating: rating, openedCase: opened)
        }
    }

    /// Flags an observation by hand: opens a manual-flag case, or joins the active case on it (also when another
    /// writer opened it a moment ago: the database keeps one active case per observation, migration 10). A decided
    /// case is not re-run by a flag (`.invalidArgument`, its cause the `CaseTransitionError` `.alreadyDecided`, naming
    /// the lead's reopen). The same flag again by the same person (a double click, 20 racing retries) is stored once.
    public func flag(observationID: ObservationID, reason: String, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> Case {
        var attempt = 1
        while true {
            do throws(StoreError) {
                return try await flagOnce(observationID: observationID, reason: reason, by: actor, at: time)
            } catch let error where attempt < 3 && error.isConcurrencyRefusal {
                // Another flag or rating opened (or changed) the active case meanwhile: join it as it now stands.
                attempt += 1
            }
        }
    }

    private func flagOnce(observationID: ObservationID, reason: String, by actor: ActingUser, at time: Date) async throws(StoreError) -> Case {
        // Under the moderation lock (PostgreSQL), so that flags racing on one observation take turns and join the one
        // case instead of each failing on its version; a rating that opens a dispute meanwhile meets the unique index.
        try await moderation { sql in
            guard let employerID = try await SQLRatings.employer(of: observationID, on: sql.db, dialect: sql.dialect) else {
                throw StoreError(.notFound, "There is no observation \(observationID).")
            }
            try await DataProtectionStore.refuseIfErased(observation: observationID, on: sql.db, dialect: sql.dialect)
            let existing = try await SQLCases.cases(of: observationID, on: sql.db, dialect: sql.dialect)
            if let target = Case.flagTarget(observationID: observationID, existing: existing), reason.nonBlank != nil,
                try await SQLCaseFlags.raised(reason, by: actor.userID, on: target.id, db: sql.db, dialect: sql.dialect) {
                return target
            }
            let (result, event) = try Case.flag(observationID: observationID, employerID: employerID, existing: existing, by: actor, at: time, reason: reason)
            if let joined = existing.first(where: { $0.id == result.id }) {
                _ = try await sql.cases.update(result, expectedVersion: joined.version, event: event)
            } else {
                _ = try await sql.cases.create(result, event: event)
            }
            return result
        }
    }

    /// Applies `command` to case `id` if it is still at `expectedVersion` (`.conflict` otherwise), with what
    /// follows in the same transaction: a case sent to (or reopened for) moderation is routed at once; a decided
    /// case ends its open assignments and, for a near miss, gets a development plan; a withdrawn one ends its
    /// assignments. Returns the case as it then stands (routing may have moved it into moderation).
    public func transition(
        _ id: CaseID, _ command: CaseCommand, expectedVersion: Int, reason: String?, by actor: ActingUser,
        policy: DisputePolicy = .default, at time: Date = Date()
    ) async throws(StoreError) -> Case {
        do throws(StoreError) {
            return try await transitionOnce(id, command, expectedVersion: expectedVersion, reason: reason, by: actor, policy: policy, at: time)
        } catch let error where error.code == .duplicate {
            // The one-active-case index (migration 10): reopening while another case on the observation is active.
            throw StoreError(.conflict, """
                Case \(id) cannot become active again while another case on the same observation is active: an observation has \
                one active case at a time. Decide or withdraw the other case first.
                """, cause: error)
        }
    }

    private func transitionOnce(
        _ id: CaseID, _ command: CaseCommand, expectedVersion: Int, reason: String?, by actor: ActingUser, policy: DisputePolicy, at time: Date
    ) async throws(StoreError) -> Case {
        try await moderation { sql in
            let current = try await sql.lockedCase(id)
            guard current.version == expectedVersion else {
                throw StoreError(.conflict, "Case \(id) changed meanwhile (it is at version \(current.version), not \(expectedVersion)): reload it and try again.")
            }
            let updated = try await sql.save(try current.apply(command, by: actor, at: time, reason: reason, policy: policy), from: current)
            switch updated.state {
            case .decided:
                try await sql.afterDecision(updated, at: time)
            case .withdrawn:
                try await sql.cancelOpenAssignments(of: updated, reason: "the case was withdrawn", at: time)
                try await sql.setRoutingProblem(nil, of: id, at: time)
            case .awaitingModeration:
                let policy = try await sql.policy()
                var router = try await sql.router(policy: policy)
                _ = try await sql.routeCases(caseIDs: [id], router: &router, policy: policy, trigger: "\(command.action.rawValue) by \(actor.userID)", at: time)
                return try await sql.lockedCase(id)
            default:
                break
            }
            return updated
        }
    }

    /// Records that `actor` viewed (or downloaded) a recording: one event per viewing.
    public func recordViewing(of recordingID: RecordingID, variant: String, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) {
        try await store.audit.append(AuditEvent(
            at: time, actorID: actor.userID, action: "recording.viewed",
            subject: .init(type: "recording", id: recordingID.description),
            details: ["variant": variant, "role": actor.role.rawValue]))
    }

    /// Records that `actor` added or replaced a recording's captions (WebVTT): the file's size and hash.
    public func recordCaptions(of recordingID: RecordingID, bytes: Int, sha256: String, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) {
        try await store.audit.append(AuditEvent(
            at: time, actorID: actor.userID, action: "recording.captions_added",
            subject: .init(type: "recording", id: recordingID.description),
            details: ["bytes": String(bytes), "sha256": sha256, "role": actor.role.rawValue]))
    }
}

extension StoreError {
    /// A refusal that comes from a concurrent writer rather than from the request: a unique index (the other writer's
    /// row is in), a stale version, or a deadlock or serialisation failure PostgreSQL broke. Trying again against what is
    /// now stored gives the answer the request deserves. (A domain refusal, such as a second rating, is not one.)
    var isConcurrencyRefusal: Bool {
        code == .duplicate || (code == .conflict && !(cause is DomainError))
    }
}

