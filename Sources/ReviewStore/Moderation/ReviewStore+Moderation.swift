public import Foundation
public import ReviewDomain
import SQLKit

/// What submitting an opinion led to.
public struct SubmittedOpinion: Sendable, Hashable {
    public let opinion: SecondOpinion
    /// The case afterwards: decided by rule, escalated, or still waiting for other opinions.
    public let caseAfter: Case
    /// Moderators routed because the case escalated.
    public let escalationAssignments: [Assignment]
}

/// A message in an escalated case's discussion, optionally pointing at a moment of the recording.
public struct CaseMessage: Sendable, Hashable {
    public let id: MessageID
    public let caseID: CaseID
    public let authorID: UserID
    public let body: String
    public let atSeconds: Double?
    public let postedAt: Date
}

/// A development plan the employer of a near miss (final score 3) must acknowledge.
public struct DevelopmentPlan: Sendable, Hashable {
    public let caseID: CaseID
    public let employerID: OrganisationID
    public let createdAt: Date
    public let acknowledgedBy: UserID?
    public let acknowledgedAt: Date?
    public let note: String?
}

/// A calibration seed: a recording's observation with the lead's definitive score.
public struct CalibrationSeed: Sendable, Hashable {
    public let observationID: ObservationID
    public let score: Score
    public let reason: String
    public let markedBy: UserID
    public let markedAt: Date
    public let active: Bool
    /// Calibration cases opened on it so far.
    public let timesUsed: Int
}

/// One moderator's opinion on a calibration case against the seed's definitive score.
public struct CalibrationResult: Sendable, Hashable {
    public let moderatorID: UserID
    public let caseID: CaseID
    public let observationID: ObservationID
    public let definitiveScore: Score
    public let givenScore: Score
    public let submittedAt: Date
    /// Given − definitive.
    public var deviation: Int { givenScore.value - definitiveScore.value }
}

/// A declared conflict as stored.
public struct ConflictRecord: Sendable, Hashable {
    public let id: UUID
    public let conflict: DeclaredConflict
    public let declaredBy: UserID
    public let declaredAt: Date
}

extension ModerationStore {
    // MARK: policy, profiles, conflicts

    /// The moderation policy in force (the defaults until a lead sets one).
    public func moderationPolicy() async throws(StoreError) -> ModerationPolicy {
        try await reading { try await $0.policy() }
    }

    /// Sets the moderation policy; audited with the whole policy.
    public func setModerationPolicy(_ proposed: ModerationPolicy, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) {
        let policy = try StoreError.mapping { try proposed.validated() }
        let text = try StoreError.mapping { try JSONCoding.text(policy) }
        try await moderation { sql in
            try await sql.db.raw("DELETE FROM settings WHERE key = 'moderation_policy'").run()
            try await sql.db.raw("""
                INSERT INTO settings (key, value, updated_by, updated_at)
                VALUES ('moderation_policy', \(sql.dialect.json(text)), \(sql.dialect.id(actor.userID)), \(sql.dialect.time(time)))
                """).run()
            try await sql.append(AuditEvent(at: time, actorID: actor.userID, action: "policy.moderation_set",
                                            subject: .init(type: "policy", id: "moderation"), details: ["policy": text]))
        }
    }

    /// Every moderator's routing profile (defaults for those without one), by id, with their open workload.
    public func moderatorProfiles() async throws(StoreError) -> [(profile: ModeratorProfile, openWorkload: Int)] {
        try await reading { sql in
            let workload = try await sql.workload()
            return try await sql.profiles().map { ($0, workload[$0.id] ?? 0) }
        }
    }

    /// Sets a moderator's practice areas and capacity; `.notFound` unless the user is a moderator. Audited.
    public func setModeratorProfile(
        of userID: UserID, practiceAreas: Set<Observation.PracticeArea>, capacity: Int, by actor: ActingUser, at time: Date = Date()
    ) async throws(StoreError) {
        guard ModeratorProfile.capacityRange.contains(capacity) else {
            throw StoreError(wrapping: DomainError(code: .policyOutOfRange, message: "Capacity \(capacity) is outside 0–100."))
        }
        let areas = practiceAreas.map(\.rawValue).sorted().joined(separator: ",")
        try await moderation { sql in
            guard let user = try await SQLUsers(context: SQLContext(target: .transaction(sql.db), dialect: sql.dialect)).find(userID), user.role.isModerator else {
                throw StoreError(.notFound, "There is no moderator \(userID).")
            }
            try await sql.db.raw("DELETE FROM moderator_profiles WHERE user_id = \(sql.dialect.id(userID))").run()
            try await sql.db.raw("""
                INSERT INTO moderator_profiles (user_id, practice_areas, capacity, updated_at)
                VALUES (\(sql.dialect.id(userID)), \(bind: areas), \(bind: capacity), \(sql.dialect.time(time)))
                """).run()
            try await sql.append(AuditEvent(at: time, actorID: actor.userID, action: "moderator.profile_set",
                                            subject: .init(type: "user", id: userID.description),
                                            details: ["practice_areas": areas, "capacity": String(capacity)]))
        }
    }

    /// Records a declared conflict; audited. The moderator is never routed a case it covers from now on.
    @discardableResult
    public func declareConflict(_ conflict: DeclaredConflict, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> ConflictRecord {
        try await moderation { sql in try await sql.declare(conflict, by: actor, at: time) }
    }

    /// Declared conflicts, of one moderator or of all.
    public func conflicts(of moderatorID: UserID? = nil) async throws(StoreError) -> [ConflictRecord] {
        try await reading { sql in
            let filter: SQLQueryString = moderatorID.map { " WHERE moderator_id = \(sql.dialect.id($0))" } ?? ""
            return try await sql.db.raw("""
                SELECT id, moderator_id, candidate_id, organisation_id, reason, declared_by, declared_at FROM moderator_conflicts\(filter)
                ORDER BY declared_at, id
                """).all().map { row in
                ConflictRecord(id: try row.uuid("id"), conflict: try ModerationSQL.conflict(row), declaredBy: try row.id("declared_by"),
                               declaredAt: try row.time("declared_at"))
            }
        }
    }

    // MARK: assignments

    /// A case's assignments (every round), oldest first.
    public func assignments(ofCase id: CaseID) async throws(StoreError) -> [Assignment] {
        try await reading { try await $0.assignments(ofCase: id) }
    }

    /// A moderator's assignments, open ones first then newest first.
    public func assignments(ofModerator id: UserID) async throws(StoreError) -> [Assignment] {
        try await reading { sql in
            try await sql.db.raw("""
                SELECT \(ModerationSQL.assignmentColumns) FROM case_assignments a WHERE a.moderator_id = \(sql.dialect.id(id))
                ORDER BY CASE WHEN a.state IN \(ModerationSQL.openStates) THEN 0 ELSE 1 END, a.assigned_at DESC, a.case_id
                """).all().map(ModerationSQL.assignment)
        }
    }

    /// Open assignments past their due date (the next routing pass expires them).
    public func overdueAssignments(at time: Date = Date()) async throws(StoreError) -> [Assignment] {
        try await reading { sql in
            try await sql.db.raw("""
                SELECT \(ModerationSQL.assignmentColumns) FROM case_assignments a
                WHERE a.state IN \(ModerationSQL.openStates) AND a.due_at < \(sql.dialect.time(time)) ORDER BY a.due_at, a.case_id
                """).all().map(ModerationSQL.assignment)
        }
    }

    /// Every assignment in `state` across cases, most recent first, at most `limit` (the lead's board: declined,
    /// expired…).
    public func assignments(in state: Assignment.State, limit: Int = 500) async throws(StoreError) -> [Assignment] {
        try await reading { sql in
            try await sql.db.raw("""
                SELECT \(ModerationSQL.assignmentColumns) FROM case_assignments a WHERE a.state = \(bind: state.rawValue)
                ORDER BY COALESCE(a.ended_at, a.assigned_at) DESC, a.case_id LIMIT \(literal: max(1, min(limit, 500)))
                """).all().map(ModerationSQL.assignment)
        }
    }

    /// Why routing could not complete a case's panel, if it could not.
    public func routingProblem(ofCase id: CaseID) async throws(StoreError) -> String? {
        try await reading { sql in
            try await sql.db.raw("SELECT problem FROM case_routing WHERE case_id = \(sql.dialect.id(id))").first(decodingColumn: "problem", as: String?.self) ?? nil
        }
    }

    /// A lead puts a moderator on a case by hand: the same exclusions as routing apply (`.invalidArgument`
    /// naming the one that does). Audited; the case moves into moderation when its panel is complete.
    public func assign(moderator moderatorID: UserID, to caseID: CaseID, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> Assignment {
        try await moderation { sql in
            let value = try await sql.lockedCase(caseID)
            guard [.awaitingModeration, .inModeration, .escalated].contains(value.state) else {
                throw StoreError(.conflict, "Case \(caseID) is \(value.state.rawValue): moderators are assigned to cases in moderation (send it to moderation first).")
            }
            let policy = try await sql.policy()
            var router = try await sql.router(policy: policy)
            let request = try await sql.request(for: value, policy: policy)
            if let exclusion = router.exclusion(of: moderatorID, for: request) {
                throw StoreError(.invalidArgument, "That moderator cannot take this case: \(exclusion.explanation).")
            }
            let kind: ModeratorKind = try await sql.db.raw("SELECT role FROM users WHERE id = \(sql.dialect.id(moderatorID))")
                .first(decodingColumn: "role", as: String.self).flatMap(Role.init(rawValue:)).flatMap { role -> ModeratorKind? in
                    if case .moderator(let kind) = role { kind } else { nil }
                } ?? .professional
            let assignment = Assignment(
                caseID: caseID, moderatorID: moderatorID, kind: kind, round: value.round, assignedBy: actor.userID, assignedAt: time,
                dueAt: time.addingTimeInterval(Double(policy.assignmentDays) * 86_400), reasons: ["assigned by the lead"])
            try await sql.insert(assignment)
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: "case.moderator_assigned", subject: .init(type: "case", id: caseID.description),
                details: ["moderator": moderatorID.description, "kind": kind.rawValue, "round": String(value.round), "reasons": "assigned by the lead"]))
            if value.state == .awaitingModeration, request.panelSoFar.count + 1 >= policy.moderatorsPerCase {
                try await sql.save(try value.apply(.startModeration, by: .system, at: time, reason: "panel complete (lead \(actor.userID))"), from: value)
            }
            return assignment
        }
    }

    /// The moderator accepts their offered assignment.
    public func acceptAssignment(of caseID: CaseID, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> Assignment {
        try await moderation { sql in
            let (_, assignment) = try await sql.currentAssignment(of: caseID, moderator: actor.userID)
            let accepted = try assignment.accepted()
            try await sql.update(accepted)
            try await sql.append(AuditEvent(at: time, actorID: actor.userID, action: "assignment.accepted",
                                            subject: .init(type: "case", id: caseID.description)))
            return accepted
        }
    }

    /// The moderator declines with a conflict of interest; with `conflictWith` it is also recorded as a declared
    /// conflict (the candidate, or the candidate's employer). The case is re-routed at once, in the same transaction.
    public func declineAssignment(
        of caseID: CaseID, reason: String, conflictWith subject: DeclaredConflict.Subject?, by actor: ActingUser, at time: Date = Date()
    ) async throws(StoreError) -> (declined: Assignment, replacements: [Assignment]) {
        try await moderation { sql in
            let (value, assignment) = try await sql.currentAssignment(of: caseID, moderator: actor.userID)
            let declined = try assignment.declined(reason: reason, at: time)
            try await sql.update(declined)
            try await sql.append(AuditEvent(at: time, actorID: actor.userID, action: "assignment.declined",
                                            subject: .init(type: "case", id: caseID.description), reason: declined.endReason,
                                            details: ["round": String(value.round)]))
            if let subject {
                try await sql.declare(try DeclaredConflict(moderatorID: actor.userID, subject: subject, reason: reason), by: actor, at: time)
            }
            var router = try await sql.router(policy: try await sql.policy())
            let routed = try await sql.routeCases(caseIDs: [caseID], router: &router, policy: router.policy,
                                                  trigger: "decline by \(actor.userID)", at: time)
            return (declined, routed.flatMap(\.assigned))
        }
    }

    // MARK: opinions

    /// A case's opinions, every round and every correction, in the order submitted.
    public func opinions(ofCase id: CaseID) async throws(StoreError) -> [SecondOpinion] {
        try await reading { try await $0.opinions(ofCase: id) }
    }

    /// Whether the moderator has submitted an opinion on the case in its current round: blind review ends for them.
    public func hasSubmittedOpinion(_ moderatorID: UserID, on caseID: CaseID) async throws(StoreError) -> Bool {
        try await reading { sql in
            try await sql.db.raw("""
                SELECT 1 AS one FROM case_assignments WHERE case_id = \(sql.dialect.id(caseID)) AND moderator_id = \(sql.dialect.id(moderatorID))
                AND state = 'submitted'
                """).first() != nil
        }
    }

    /// The round of the moderator's assignment on a case if its panel has been complete since they submitted
    /// (sealed panels, decision 10): from then on they may see the round's other opinions, and theirs is final.
    public func unsealedRound(_ moderatorID: UserID, on caseID: CaseID) async throws(StoreError) -> Int? {
        try await reading { sql in
            try await sql.db.raw("""
                SELECT round FROM case_assignments WHERE case_id = \(sql.dialect.id(caseID)) AND moderator_id = \(sql.dialect.id(moderatorID))
                AND state = 'submitted' AND unsealed_at IS NOT NULL
                """).first(decodingColumn: "round", as: Int.self)
        }
    }

    /// Every case on which the moderator's round has been complete since they submitted, with that round.
    public func unsealedRounds(of moderatorID: UserID) async throws(StoreError) -> [CaseID: Int] {
        try await reading { sql in
            var rounds: [CaseID: Int] = [:]
            for row in try await sql.db.raw("""
                SELECT case_id, round FROM case_assignments WHERE moderator_id = \(sql.dialect.id(moderatorID))
                AND state = 'submitted' AND unsealed_at IS NOT NULL
                """).all() {
                rounds[try row.id("case_id")] = try row.value("round", as: Int.self)
            }
            return rounds
        }
    }

    /// Submits a moderator's opinion (or, with `correcting`, a correction of their own current opinion on a case
    /// still in moderation). When it is the last opinion the round needs, the opinions are reconciled at once:
    /// agreement decides the case by the median rule (a calibration case by its seed's score); disagreement
    /// escalates it and routes the further moderator, or, when already escalated, leaves it to the lead.
    public func submitOpinion(
        on caseID: CaseID, score: Score, rationale: String, annotations: [Annotation], correcting: OpinionID?,
        correctionReason: String?, by actor: ActingUser, at time: Date = Date()
    ) async throws(StoreError) -> SubmittedOpinion {
        try await moderation { sql in
            let value = try await sql.lockedCase(caseID)
            guard [.awaitingModeration, .inModeration, .escalated].contains(value.state) else {
                throw StoreError(.conflict, "Case \(caseID) is \(value.state.rawValue): opinions are taken only while it is in moderation.")
            }
            let opinions = try await sql.opinions(ofCase: caseID)
            let opinion: SecondOpinion
            if let correcting {
                // Sealed panels: a correction is the moderator's own second thought, never an alignment with views they
                // have seen. Once their round's panel was complete (and the others' opinions open to them), it is final.
                if try await sql.isUnsealed(actor.userID, on: caseID, round: value.round) {
                    throw StoreError(.conflict, """
                        Your opinion on case \(caseID) is final: the panel's opinions have been open to you since every place of this round \
                        was in, so it can no longer be corrected. If it rests on a material flaw or new information, ask the moderation lead \
                        to reopen the case (action "reopen" with ground material_flaw or new_information).
                        """)
                }
                guard let original = SecondOpinion.current(opinions).first(where: { $0.id == correcting && $0.round == value.round }),
                    original.moderatorID == actor.userID
                else {
                    throw StoreError(.invalidArgument, "Opinion \(correcting) is not your current opinion on this case in this round; correct the latest one.")
                }
                opinion = try SecondOpinion(caseID: caseID, moderatorID: actor.userID, round: value.round, score: score, rationale: rationale,
                                            annotations: annotations, submittedAt: time, correcting: original, correctionReason: correctionReason)
                try await sql.insert(opinion)
            } else {
                let (_, assignment) = try await sql.currentAssignment(of: caseID, moderator: actor.userID)
                opinion = try SecondOpinion(caseID: caseID, moderatorID: actor.userID, round: value.round, score: score, rationale: rationale,
                                            annotations: annotations, submittedAt: time)
                try await sql.insert(opinion)
                try await sql.update(try assignment.submitted(at: time))
            }
            // The notes went in with the opinion: the drafts they came from are gone (decision 10).
            try await sql.discardNoteDrafts(of: actor.userID, on: caseID)
            var details = ["opinion": opinion.id.description, "score": score.description, "round": String(value.round),
                           "annotations": String(opinion.annotations.count)]
            if let definitive = value.calibrationScore { details["calibration_deviation"] = String(score.value - definitive.value) }
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: correcting == nil ? "opinion.submitted" : "opinion.corrected",
                subject: .init(type: "case", id: caseID.description), reason: opinion.correctionReason, details: details))
            let (after, routed) = try await sql.reconcileIfComplete(value, trigger: "opinion by \(actor.userID)", at: time)
            return SubmittedOpinion(opinion: opinion, caseAfter: after, escalationAssignments: routed)
        }
    }

    // MARK: case thread

    /// Posts to a case's discussion thread (append-only); audited.
    public func postMessage(on caseID: CaseID, body: String, atSeconds: Double?, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> CaseMessage {
        guard let body = body.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty, body.count <= 10_000 else {
            throw StoreError(.invalidArgument, "A message needs text (at most 10,000 characters).")
        }
        let message = CaseMessage(id: MessageID(), caseID: caseID, authorID: actor.userID, body: body, atSeconds: atSeconds, postedAt: Dialect.normalised(time))
        try await moderation { sql in
            try await sql.db.raw("""
                INSERT INTO case_messages (id, case_id, author_id, body, at_seconds, posted_at)
                VALUES (\(sql.dialect.id(message.id)), \(sql.dialect.id(caseID)), \(sql.dialect.id(actor.userID)), \(bind: body), \(bind: atSeconds), \(sql.dialect.time(time)))
                """).run()
            var details = ["message": message.id.description]
            if let atSeconds { details["at_seconds"] = String(atSeconds) }
            try await sql.append(AuditEvent(at: time, actorID: actor.userID, action: "case.message_posted",
                                            subject: .init(type: "case", id: caseID.description), details: details))
        }
        return message
    }

    /// A case's thread, oldest first.
    public func messages(ofCase caseID: CaseID) async throws(StoreError) -> [CaseMessage] {
        try await reading { sql in
            try await sql.db.raw("""
                SELECT id, case_id, author_id, body, at_seconds, posted_at FROM case_messages WHERE case_id = \(sql.dialect.id(caseID)) ORDER BY append_order
                """).all().map { row in
                CaseMessage(id: try row.id("id"), caseID: try row.id("case_id"), authorID: try row.id("author_id"), body: try row.value("body"),
                            atSeconds: try row.value("at_seconds", as: Double?.self), postedAt: try row.time("posted_at"))
            }
        }
    }

    // MARK: development plans

    public func developmentPlan(ofCase caseID: CaseID) async throws(StoreError) -> DevelopmentPlan? {
        try await reading { sql in
            try await sql.db.raw("SELECT * FROM development_plans WHERE case_id = \(sql.dialect.id(caseID))").first().map(ModerationSQL.plan)
        }
    }

    /// Development plans, oldest first: of one employer or all, acknowledged or not or both (at most 500).
    public func developmentPlans(employerID: OrganisationID?, acknowledged: Bool?) async throws(StoreError) -> [DevelopmentPlan] {
        try await reading { sql in
            var conditions: [SQLQueryString] = []
            if let employerID { conditions.append("employer_id = \(sql.dialect.id(employerID))") }
            if let acknowledged { conditions.append(acknowledged ? "acknowledged_by IS NOT NULL" : "acknowledged_by IS NULL") }
            let filter: SQLQueryString = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            return try await sql.db.raw("SELECT * FROM development_plans\(filter) ORDER BY created_at, case_id LIMIT 500").all().map(ModerationSQL.plan)
        }
    }

    /// The employer acknowledges the development plan of a near miss; `.conflict` if already acknowledged.
    public func acknowledgeDevelopmentPlan(ofCase caseID: CaseID, note: String?, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> DevelopmentPlan {
        try await moderation { sql in
            let changed = try await sql.db.raw("""
                UPDATE development_plans SET acknowledged_by = \(sql.dialect.id(actor.userID)), acknowledged_at = \(sql.dialect.time(time)), note = \(bind: note)
                WHERE case_id = \(sql.dialect.id(caseID)) AND acknowledged_by IS NULL RETURNING case_id
                """).first() != nil
            guard changed else {
                let exists = try await sql.db.raw("SELECT 1 AS one FROM development_plans WHERE case_id = \(sql.dialect.id(caseID))").first() != nil
                throw exists
                    ? StoreError(.conflict, "The development plan of case \(caseID) is already acknowledged.")
                    : StoreError(.conflict, "Case \(caseID) has no development plan to acknowledge (only a final score of 3 has one).")
            }
            try await sql.append(AuditEvent(at: time, actorID: actor.userID, action: "development_plan.acknowledged",
                                            subject: .init(type: "case", id: caseID.description), details: note.map { ["note": $0] } ?? [:]))
            guard let row = try await sql.db.raw("SELECT * FROM development_plans WHERE case_id = \(sql.dialect.id(caseID))").first() else {
                throw StoreError(.notFound, "Case \(caseID) has no development plan.")
            }
            return try ModerationSQL.plan(row)
        }
    }

    // MARK: calibration

    /// Marks (or re-marks) an observation as a calibration seed with the lead's definitive score; audited.
    public func markSeed(_ observationID: ObservationID, score: Score, reason: String, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> CalibrationSeed {
        guard let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty else {
            throw StoreError(.invalidArgument, "Say why this recording makes a good seed and how the definitive score was reached.")
        }
        return try await moderation { sql in
            guard try await sql.db.raw("SELECT 1 AS one FROM observations WHERE id = \(sql.dialect.id(observationID))").first() != nil else {
                throw StoreError(.notFound, "There is no observation \(observationID).")
            }
            guard try await sql.observationsPermitting(.training, [observationID])[observationID] == true else {
                throw StoreError(.invalidArgument, "Not everyone on this observation's recordings has consented to its reuse for training and calibration: record their consent first (the recording's consent page).")
            }
            try await sql.db.raw("DELETE FROM calibration_seeds WHERE observation_id = \(sql.dialect.id(observationID))").run()
            try await sql.db.raw("""
                INSERT INTO calibration_seeds (observation_id, score, reason, marked_by, marked_at, active)
                VALUES (\(sql.dialect.id(observationID)), \(bind: score.value), \(bind: reason), \(sql.dialect.id(actor.userID)), \(sql.dialect.time(time)), \(bind: true))
                """).run()
            try await sql.append(AuditEvent(at: time, actorID: actor.userID, action: "calibration.seed_marked",
                                            subject: .init(type: "observation", id: observationID.description), reason: reason,
                                            details: ["score": score.description]))
            return CalibrationSeed(observationID: observationID, score: score, reason: reason, markedBy: actor.userID,
                                   markedAt: Dialect.normalised(time), active: true, timesUsed: 0)
        }
    }

    /// Every seed, with how often it has been used.
    public func seeds() async throws(StoreError) -> [CalibrationSeed] {
        try await reading { sql in
            try await sql.db.raw("""
                SELECT s.*, (SELECT COUNT(*) FROM cases c WHERE c.observation_id = s.observation_id AND c.calibration = \(bind: true)) AS used
                FROM calibration_seeds s ORDER BY s.marked_at, s.observation_id
                """).all().map { row in
                CalibrationSeed(observationID: try row.id("observation_id"), score: try Score(row.value("score", as: Int.self)),
                                reason: try row.value("reason"), markedBy: try row.id("marked_by"), markedAt: try row.time("marked_at"),
                                active: try row.value("active"), timesUsed: try row.value("used"))
            }
        }
    }

    /// Every current opinion given on a calibration case, against the seed's definitive score.
    public func calibrationResults() async throws(StoreError) -> [CalibrationResult] {
        try await reading { sql in
            var definitive: [CaseID: (Score, ObservationID)] = [:]
            for row in try await sql.db.raw("SELECT \(sql.dialect.jsonText("document")) FROM cases WHERE calibration = \(bind: true)").all() {
                let value = try SQLCases.case(row)
                if let score = value.calibrationScore { definitive[value.id] = (score, value.observationID) }
            }
            let opinions = try await sql.db.raw("""
                SELECT \(ModerationSQL.opinionColumns) FROM opinions o JOIN cases c ON c.id = o.case_id WHERE c.calibration = \(bind: true)
                ORDER BY o.append_order
                """).all().map(ModerationSQL.opinion)
            return SecondOpinion.current(opinions).compactMap { opinion in
                definitive[opinion.caseID].map { score, observation in
                    CalibrationResult(moderatorID: opinion.moderatorID, caseID: opinion.caseID, observationID: observation,
                                      definitiveScore: score, givenScore: opinion.score, submittedAt: opinion.submittedAt)
                }
            }
        }
    }
}

extension ModerationSQL {
    static func plan(_ row: any SQLRow) throws -> DevelopmentPlan {
        DevelopmentPlan(caseID: try row.id("case_id"), employerID: try row.id("employer_id"), createdAt: try row.time("created_at"),
                        acknowledgedBy: try row.optionalID("acknowledged_by"), acknowledgedAt: try row.optionalTime("acknowledged_at"),
                        note: try row.value("note", as: String?.self))
    }

    @discardableResult
    func declare(_ conflict: DeclaredConflict, by actor: ActingUser, at time: Date) async throws -> ConflictRecord {
        let id = UUID()
        let (candidate, organisation): (CandidateID?, OrganisationID?) = switch conflict.subject {
        case .candidate(let candidate): (candidate, nil)
        case .organisation(let organisation): (nil, organisation)
        }
        try await db.raw("""
            INSERT INTO moderator_conflicts (id, moderator_id, candidate_id, organisation_id, reason, declared_by, declared_at)
            VALUES (\(dialect.id(id)), \(dialect.id(conflict.moderatorID)), \(dialect.optionalID(candidate)), \(dialect.optionalID(organisation)),
                \(bind: conflict.reason), \(dialect.id(actor.userID)), \(dialect.time(time)))
            """).run()
        var details = ["moderator": conflict.moderatorID.description]
        details["candidate"] = candidate?.description
        details["organisation"] = organisation?.description
        try await append(AuditEvent(at: time, actorID: actor.userID, action: "moderator.conflict_declared",
                                    subject: .init(type: "user", id: conflict.moderatorID.description), reason: conflict.reason, details: details))
        return ConflictRecord(id: id, conflict: conflict, declaredBy: actor.userID, declaredAt: Dialect.normalised(time))
    }

    /// The locked case and the moderator's open assignment on it in the current round.
    func currentAssignment(of caseID: CaseID, moderator: UserID) async throws -> (Case, Assignment) {
        let value = try await lockedCase(caseID)
        let mine = try await assignments(ofCase: caseID).filter { $0.moderatorID == moderator && $0.round == value.round }
        guard let assignment = mine.last else {
            throw StoreError(.notFound, "You are not assigned to case \(caseID) in its current round.")
        }
        guard assignment.state.isOpen else {
            throw StoreError(.conflict, assignment.state == .submitted
                ? "You have already submitted your opinion on case \(caseID); to change it, submit a correction with a reason."
                : "Your assignment to case \(caseID) is \(assignment.state.rawValue).")
        }
        return (value, assignment)
    }

    /// Whether the moderator's assignment in `round` of the case has been unsealed (their panel was complete).
    func isUnsealed(_ moderatorID: UserID, on caseID: CaseID, round: Int) async throws -> Bool {
        try await db.raw("""
            SELECT 1 AS one FROM case_assignments WHERE case_id = \(dialect.id(caseID)) AND moderator_id = \(dialect.id(moderatorID))
            AND round = \(bind: round) AND unsealed_at IS NOT NULL
            """).first() != nil
    }

    /// The routing request for a stored case (its observation, raters and assignments read here).
    func request(for value: Case, policy: ModerationPolicy) async throws -> RoutingRequest {
        guard let row = try await db.raw("SELECT candidate_id, practice_area FROM observations WHERE id = \(dialect.id(value.observationID))").first() else {
            throw StoreError(.notFound, "There is no observation \(value.observationID).")
        }
        let raters = Set(try await db.raw("SELECT DISTINCT rater_id FROM ratings WHERE observation_id = \(dialect.id(value.observationID))")
            .all().map { try $0.id("rater_id", as: UserID.self) })
        var seedReviewers: Set<UserID> = []
        if value.isCalibration {
            seedReviewers = Set(try await db.raw("""
                SELECT a.moderator_id FROM case_assignments a JOIN cases c ON c.id = a.case_id
                WHERE c.observation_id = \(dialect.id(value.observationID)) AND c.calibration = \(bind: true)
                """).all().map { try $0.id("moderator_id", as: UserID.self) })
        }
        let observationReviewers = Set(try await db.raw("""
            SELECT a.moderator_id FROM case_assignments a JOIN cases c ON c.id = a.case_id
            WHERE c.observation_id = \(dialect.id(value.observationID)) AND c.id <> \(dialect.id(value.id))
            """).all().map { try $0.id("moderator_id", as: UserID.self) })
        return request(for: value, candidateID: try row.id("candidate_id"), practiceArea: try row.raw("practice_area"), raters: raters,
                       assignments: try await assignments(ofCase: value.id), seedReviewers: seedReviewers,
                       observationReviewers: observationReviewers, policy: policy)
    }

    /// Reconciles the round's opinions once every place has one and none is outstanding (DESIGN.md §3).
    func reconcileIfComplete(_ value: Case, trigger: String, at time: Date) async throws -> (Case, [Assignment]) {
        let policy = try await policy()
        let round = try await assignments(ofCase: value.id).filter { $0.round == value.round }
        let submitted = round.filter { $0.state == .submitted }
        guard !round.contains(where: { $0.state.isOpen }), submitted.count >= ModerationSQL.places(for: value, policy: policy) else {
            return (value, [])
        }
        // The panel is complete: its members may now see one another's views (and their opinions become final).
        try await db.raw("""
            UPDATE case_assignments SET unsealed_at = \(dialect.time(time))
            WHERE case_id = \(dialect.id(value.id)) AND round = \(bind: value.round) AND state = 'submitted' AND unsealed_at IS NULL
            """).run()
        let current = SecondOpinion.current(try await opinions(ofCase: value.id)).filter { $0.round == value.round }
        if let definitive = value.calibrationScore {
            let outcome = Outcome(score: definitive, basis: .rule(.calibrationSeed), reasonCodes: ["calibration_seed"], basedOn: current.map(\.id),
                                  reason: "A calibration seed: the definitive score set by the lead; the opinions measure the moderators.")
            let decided = try await save(try value.apply(.decide(outcome), by: .system, at: time, reason: trigger), from: value)
            try await afterDecision(decided, at: time)
            return (decided, [])
        }
        switch Reconciliation.reconcile(current, tolerance: policy.tolerance) {
        case .agreed(let outcome):
            let decided = try await save(try value.apply(.decide(outcome), by: .system, at: time, reason: trigger), from: value)
            try await afterDecision(decided, at: time)
            return (decided, [])
        case .disagreed(let codes, let summary):
            if value.state == .escalated || policy.escalationModerators == 0 {
                let escalated = value.state == .escalated
                    ? value
                    : try await save(try value.apply(.escalate, by: .system, at: time, reason: summary + " The lead decides."), from: value)
                try await setRoutingProblem("Opinions still disagree (\(codes.joined(separator: ", "))): \(summary) The lead decides.", of: value.id, at: time)
                try await append(AuditEvent(at: time, actorID: UserID.system, action: "case.awaiting_lead",
                                            subject: .init(type: "case", id: value.id.description), reason: summary,
                                            details: ["reasons": codes.joined(separator: ","), "trigger": trigger]))
                return (escalated, [])
            }
            let escalated = try await save(
                try value.apply(.escalate, by: .system, at: time, reason: summary + " A further moderator is routed."), from: value)
            var router = try await router(policy: policy)
            let routed = try await routeCases(caseIDs: [value.id], router: &router, policy: policy, trigger: "escalation (\(trigger))", at: time)
            return (escalated, routed.flatMap(\.assigned))
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
