import Foundation
import ReviewDomain
import SQLKit

/// The SQL behind moderation, on one connection inside one transaction: row readers and writers that the
/// workflow steps in `ReviewStore+Moderation.swift` and `ReviewStore+Routing.swift` share.
struct ModerationSQL {
    let db: any SQLDatabase
    let dialect: Dialect

    static let openStates: SQLQueryString = "('offered', 'accepted')"
    static let moderationStates: SQLQueryString = "('awaiting_moderation', 'in_moderation', 'escalated')"

    var cases: SQLCases { SQLCases(context: SQLContext(target: .transaction(db), dialect: dialect)) }

    // MARK: cases

    /// Locks the case row until commit (PostgreSQL; SQLite's write transaction already excludes other writers).
    func lockedCase(_ id: CaseID) async throws -> Case {
        guard let row = try await db.raw("SELECT \(dialect.jsonText("document")) FROM cases WHERE id = \(dialect.id(id))\(dialect.forUpdate)").first() else {
            throw StoreError(.notFound, "There is no case \(id).")
        }
        return try SQLCases.case(row)
    }

    /// Saves a transition taken by the service or a person, in this transaction.
    @discardableResult
    func save(_ transition: Case.Transition, from previous: Case) async throws -> Case {
        _ = try await cases.update(transition.updated, expectedVersion: previous.version, event: transition.event)
        return transition.updated
    }

    func append(_ event: AuditEvent) async throws {
        _ = try await SQLAuditLog.append(event, on: db, dialect: dialect)
    }

    // MARK: assignments

    static let assignmentColumns: SQLQueryString = """
        a.case_id, a.moderator_id, a.assigned_by, a.assigned_at, a.kind, a.state, a.round, a.due_at, a.ended_at, a.end_reason,
        CAST(a.reasons AS TEXT) AS reasons
        """

    static func assignment(_ row: any SQLRow) throws -> Assignment {
        let assignedAt = try row.time("assigned_at")
        return Assignment(
            caseID: try row.id("case_id"), moderatorID: try row.id("moderator_id"), kind: try row.raw("kind"),
            round: try row.value("round"), state: try row.raw("state"), assignedBy: try row.id("assigned_by"),
            assignedAt: assignedAt, dueAt: try row.optionalTime("due_at") ?? assignedAt.addingTimeInterval(14 * 86_400),
            reasons: try row.json("reasons"), endedAt: try row.optionalTime("ended_at"),
            endReason: try row.value("end_reason", as: String?.self))
    }

    func assignments(ofCase id: CaseID) async throws -> [Assignment] {
        try await db.raw("""
            SELECT \(Self.assignmentColumns) FROM case_assignments a WHERE a.case_id = \(dialect.id(id)) ORDER BY a.assigned_at, a.moderator_id
            """).all().map(Self.assignment)
    }

    func insert(_ assignment: Assignment) async throws {
        try await SQLInserts.assignment.run(assignment, on: db, dialect: dialect)
    }

    func update(_ assignment: Assignment) async throws {
        try await db.raw("""
            UPDATE case_assignments SET state = \(bind: assignment.state.rawValue), ended_at = \(assignment.endedAt.map { dialect.time($0) } ?? "NULL"),
                end_reason = \(bind: assignment.endReason)
            WHERE case_id = \(dialect.id(assignment.caseID)) AND moderator_id = \(dialect.id(assignment.moderatorID))
            """).run()
    }

    /// Ends every open assignment on a case that has ended (decided, withdrawn), audited.
    func cancelOpenAssignments(of value: Case, reason: String, at time: Date) async throws {
        for assignment in try await assignments(ofCase: value.id) where assignment.state.isOpen {
            try await update(try assignment.cancelled(reason: reason, at: time))
            try await append(AuditEvent(
                at: time, actorID: UserID.system, action: "assignment.cancelled", subject: .init(type: "case", id: value.id.description),
                reason: reason, details: ["moderator": assignment.moderatorID.description, "round": String(assignment.round)]))
        }
    }

    // MARK: opinions

    static let opinionColumns: SQLQueryString = """
        o.id, o.case_id, o.moderator_id, o.round, o.score, o.rationale, CAST(o.annotations AS TEXT) AS annotations, o.submitted_at,
        o.supersedes, o.correction_reason
        """

    static func opinion(_ row: any SQLRow) throws -> SecondOpinion {
        SecondOpinion(
            restoring: try row.id("id"), caseID: try row.id("case_id"), moderatorID: try row.id("moderator_id"), round: try row.value("round"),
            score: try Score(row.value("score", as: Int.self)), rationale: try row.value("rationale"),
            annotations: try row.json("annotations"), submittedAt: try row.time("submitted_at"),
            supersedes: try row.optionalID("supersedes"), correctionReason: try row.value("correction_reason", as: String?.self))
    }

    func opinions(ofCase id: CaseID) async throws -> [SecondOpinion] {
        try await db.raw("SELECT \(Self.opinionColumns) FROM opinions o WHERE o.case_id = \(dialect.id(id)) ORDER BY o.append_order")
            .all().map(Self.opinion)
    }

    func insert(_ opinion: SecondOpinion) async throws {
        try await db.raw("""
            INSERT INTO opinions (id, case_id, moderator_id, round, score, rationale, annotations, submitted_at, supersedes, correction_reason)
            VALUES (\(dialect.id(opinion.id)), \(dialect.id(opinion.caseID)), \(dialect.id(opinion.moderatorID)), \(bind: opinion.round),
                \(bind: opinion.score.value), \(bind: opinion.rationale), \(dialect.json(try JSONCoding.text(opinion.annotations))),
                \(dialect.time(opinion.submittedAt)), \(dialect.optionalID(opinion.supersedes)), \(bind: opinion.correctionReason))
            """).run()
    }

    // MARK: routing notes and plans

    func setRoutingProblem(_ problem: String?, of id: CaseID, at time: Date) async throws {
        try await db.raw("DELETE FROM case_routing WHERE case_id = \(dialect.id(id))").run()
        guard let problem else { return }
        try await db.raw("""
            INSERT INTO case_routing (case_id, problem, updated_at) VALUES (\(dialect.id(id)), \(bind: problem), \(dialect.time(time)))
            """).run()
    }

    /// What follows a decision: open assignments end, and a near miss (final 3) gets a development plan for the
    /// employer to acknowledge (not for calibration cases, which decide nothing about the candidate).
    func afterDecision(_ value: Case, at time: Date) async throws {
        try await cancelOpenAssignments(of: value, reason: "the case was decided", at: time)
        try await setRoutingProblem(nil, of: value.id, at: time)
        guard let outcome = value.outcome, outcome.score.isNearMiss, !value.isCalibration else { return }
        let exists = try await db.raw("SELECT 1 AS one FROM development_plans WHERE case_id = \(dialect.id(value.id))").first() != nil
        guard !exists else { return }
        try await db.raw("""
            INSERT INTO development_plans (case_id, employer_id, created_at) VALUES (\(dialect.id(value.id)), \(dialect.id(value.employerID)), \(dialect.time(time)))
            """).run()
        try await append(AuditEvent(
            at: time, actorID: UserID.system, action: "development_plan.created", subject: .init(type: "case", id: value.id.description),
            details: ["employer": value.employerID.description, "score": outcome.score.description]))
    }

    // MARK: policy

    func policy() async throws -> ModerationPolicy {
        guard let row = try await db.raw("SELECT \(dialect.jsonText("value")) FROM settings WHERE key = 'moderation_policy'").first() else {
            return .default
        }
        return try row.json("value")
    }
}
