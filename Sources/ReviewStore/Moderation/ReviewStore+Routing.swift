public import Foundation
public import ReviewDomain
import SQLKit

/// What one routing pass did.
public struct RoutingReport: Sendable, Hashable {
    /// One case the pass looked at.
    public struct RoutedCase: Sendable, Hashable {
        public let caseID: CaseID
        /// The assignments it made (offered, with their reasons).
        public let assigned: [Assignment]
        /// Why places stay unfilled, in plain words; nil when the panel is complete.
        public let problem: String?
    }

    /// Assignments that were past due and expired (their cases were re-routed in the same pass).
    public let expired: [Assignment]
    /// Cases that needed moderators.
    public let routed: [RoutedCase]
    /// Calibration seed cases opened to keep the seed rate.
    public let calibrationCasesOpened: [CaseID]
}

extension ModerationStore {
    /// One routing pass, in one transaction: expires overdue assignments, opens calibration cases due by the seed
    /// rate, and gives every case in moderation the moderators it lacks (DESIGN.md §3), moving complete panels
    /// into moderation. `cases` limits it to some cases (expiry still runs everywhere). `trigger` says in the
    /// audit trail what started it (e.g. "lead <id>", "decline by <id>", "schedule").
    public func route(cases ids: [CaseID]? = nil, trigger: String, at time: Date = Date()) async throws(StoreError) -> RoutingReport {
        try await moderation { sql in
            try await sql.routePass(caseIDs: ids, policy: try await sql.policy(), trigger: trigger, at: time)
        }
    }

}

extension ModerationSQL {
    /// Everything the router needs about the moderators: profiles (defaults for moderators without one),
    /// declared conflicts and open workload.
    func router(policy: ModerationPolicy) async throws -> Router {
        let conflicts = try await db.raw("SELECT moderator_id, candidate_id, organisation_id, reason FROM moderator_conflicts").all().map(Self.conflict)
        return Router(moderators: try await profiles(), conflicts: conflicts, openWorkload: try await workload(), policy: policy)
    }

    /// Every moderator's routing profile, by name: defaults (no practice area, the default capacity) for those
    /// without a stored one.
    func profiles() async throws -> [ModeratorProfile] {
        try await db.raw("""
            SELECT u.id, u.role, u.organisation_id, u.active, p.practice_areas, p.capacity
            FROM users u LEFT JOIN moderator_profiles p ON p.user_id = u.id
            WHERE u.role IN ('moderator.professional', 'moderator.lay') ORDER BY u.name, u.id
            """).all().compactMap { row in
            guard case .moderator(let kind) = try row.raw("role", as: Role.self) else { return nil }
            let areas = (try row.value("practice_areas", as: String?.self) ?? "").split(separator: ",")
                .compactMap { Observation.PracticeArea(rawValue: String($0)) }
            return try ModeratorProfile(
                id: try row.id("id"), kind: kind, organisationID: try row.id("organisation_id"), practiceAreas: Set(areas),
                capacity: try row.value("capacity", as: Int?.self) ?? ModeratorProfile.defaultCapacity, active: try row.value("active"))
        }
    }

    /// Open assignments (offered or accepted) per moderator.
    func workload() async throws -> [UserID: Int] {
        var workload: [UserID: Int] = [:]
        for row in try await db.raw("""
            SELECT moderator_id, COUNT(*) AS n FROM case_assignments WHERE state IN \(Self.openStates) GROUP BY moderator_id
            """).all() {
            workload[try row.id("moderator_id")] = try row.value("n", as: Int.self)
        }
        return workload
    }

    /// A `moderator_conflicts` row as the domain's conflict.
    static func conflict(_ row: any SQLRow) throws -> DeclaredConflict {
        let subject: DeclaredConflict.Subject = if let candidate: CandidateID = try row.optionalID("candidate_id") {
            .candidate(candidate)
        } else {
            .organisation(try row.id("organisation_id"))
        }
        return try DeclaredConflict(moderatorID: try row.id("moderator_id"), subject: subject, reason: try row.value("reason"))
    }

    /// How many moderators a case's current round needs in all: k, plus the escalation places once escalated.
    static func places(for value: Case, policy: ModerationPolicy) -> Int {
        policy.moderatorsPerCase + (value.state == .escalated ? policy.escalationModerators : 0)
    }

    /// The routing request for a case given all its assignments, or nil when it needs nobody.
    func request(
        for value: Case, candidateID: CandidateID, practiceArea: Observation.PracticeArea, raters: Set<UserID>,
        assignments: [Assignment], seedReviewers: Set<UserID>, observationReviewers: Set<UserID>, policy: ModerationPolicy
    ) -> RoutingRequest {
        var exclusions: [UserID: RoutingRequest.CaseExclusion] = [:]
        for moderator in observationReviewers { exclusions[moderator] = .reviewedObservation }
        for moderator in seedReviewers { exclusions[moderator] = .reviewedSeed }
        var panel: [ModeratorKind] = []
        for assignment in assignments {
            switch assignment.state {
            case .declined: exclusions[assignment.moderatorID] = .declinedCase
            case .expired, .cancelled: exclusions[assignment.moderatorID] = .earlierRound
            case .offered, .accepted, .submitted:
                if assignment.round < value.round {
                    exclusions[assignment.moderatorID] = .earlierRound
                } else {
                    exclusions[assignment.moderatorID] = .alreadyOnCase
                    panel.append(assignment.kind)
                }
            }
        }
        return RoutingRequest(
            caseID: value.id, candidateID: candidateID, employerID: value.employerID, practiceArea: practiceArea, raters: raters,
            caseExclusions: exclusions, panelSoFar: panel, places: max(0, Self.places(for: value, policy: policy) - panel.count))
    }

    func routePass(caseIDs: [CaseID]?, policy: ModerationPolicy, trigger: String, at time: Date) async throws -> RoutingReport {
        // 1. Expire what is overdue; those cases are routed again below.
        var expired: [Assignment] = []
        for row in try await db.raw("""
            SELECT \(Self.assignmentColumns) FROM case_assignments a WHERE a.state IN \(Self.openStates) AND a.due_at < \(dialect.time(time))
            """).all() {
            let assignment = try Self.assignment(row)
            let ended = try assignment.expired(at: time)
            try await update(ended)
            try await append(AuditEvent(
                at: time, actorID: UserID.system, action: "assignment.expired", subject: .init(type: "case", id: assignment.caseID.description),
                reason: "No opinion by the due date; the case is re-routed.",
                details: ["moderator": assignment.moderatorID.description, "due_at": String(assignment.dueAt.timeIntervalSince1970), "trigger": trigger]))
            expired.append(ended)
        }
        var router = try await router(policy: policy)
        var routed = try await routeCases(caseIDs: caseIDs.map { $0 + expired.map(\.caseID) }, router: &router, policy: policy, trigger: trigger, at: time)
        // 2. Calibration: keep seed cases at the set rate of ordinary cases routed.
        let opened = try await openDueCalibrationCases(policy: policy, trigger: trigger, at: time)
        if !opened.isEmpty {
            routed += try await routeCases(caseIDs: opened, router: &router, policy: policy, trigger: trigger, at: time)
        }
        return RoutingReport(expired: expired, routed: routed, calibrationCasesOpened: opened)
    }

    /// Routes the cases in moderation (all, or `caseIDs`) that lack moderators, oldest opened first.
    func routeCases(caseIDs: [CaseID]?, router: inout Router, policy: ModerationPolicy, trigger: String, at time: Date) async throws -> [RoutingReport.RoutedCase] {
        if let caseIDs, caseIDs.isEmpty { return [] }
        let only: SQLQueryString = caseIDs.map { " AND c.id IN (\(SQLList(Array(Set($0)).map { dialect.id($0) })))" } ?? ""
        let rows = try await db.raw("""
            SELECT \(dialect.jsonText("document")), o.candidate_id, o.practice_area FROM cases c JOIN observations o ON o.id = c.observation_id
            WHERE c.state IN \(Self.moderationStates)\(only) ORDER BY c.opened_at, c.id
            """).all()
        guard !rows.isEmpty else { return [] }
        var assignmentsByCase: [CaseID: [Assignment]] = [:]
        for row in try await db.raw("""
            SELECT \(Self.assignmentColumns) FROM case_assignments a JOIN cases c ON c.id = a.case_id
            WHERE c.state IN \(Self.moderationStates)\(only)
            """).all() {
            let assignment = try Self.assignment(row)
            assignmentsByCase[assignment.caseID, default: []].append(assignment)
        }
        var raters: [ObservationID: Set<UserID>] = [:]
        for row in try await db.raw("""
            SELECT DISTINCT r.observation_id, r.rater_id FROM ratings r JOIN cases c ON c.observation_id = r.observation_id
            WHERE c.state IN \(Self.moderationStates)\(only)
            """).all() {
            raters[try row.id("observation_id"), default: []].insert(try row.id("rater_id"))
        }
        var seedReviewers: [ObservationID: Set<UserID>] = [:]
        for row in try await db.raw("""
            SELECT c.observation_id, a.moderator_id FROM case_assignments a JOIN cases c ON c.id = a.case_id WHERE c.calibration = \(bind: true)
            """).all() {
            seedReviewers[try row.id("observation_id"), default: []].insert(try row.id("moderator_id"))
        }
        // Everyone who sat on any case of these observations: none of them is routed to another case of the same one.
        var reviewersByObservation: [ObservationID: [(CaseID, UserID)]] = [:]
        for row in try await db.raw("""
            SELECT c.observation_id, a.case_id, a.moderator_id FROM case_assignments a JOIN cases c ON c.id = a.case_id
            WHERE c.observation_id IN (SELECT c.observation_id FROM cases c WHERE c.state IN \(Self.moderationStates)\(only))
            """).all() {
            reviewersByObservation[try row.id("observation_id"), default: []].append((try row.id("case_id"), try row.id("moderator_id")))
        }
        // Consent (decision 13): a case whose recordings may not be shown to moderators, or a calibration case whose
        // recordings lack consent to reuse for training, is not routed; the lead decides it without moderation.
        let values = try rows.map(SQLCases.case)
        let moderatable = try await observationsPermitting(.moderation, Array(Set(values.map(\.observationID))))
        let reusable = try await observationsPermitting(.training, Array(Set(values.filter(\.isCalibration).map(\.observationID))))
        var withoutConsent: [(CaseID, String)] = []
        var cases: [CaseID: Case] = [:]
        var requests: [RoutingRequest] = []
        for (row, value) in zip(rows, values) {
            if moderatable[value.observationID] == false || (value.isCalibration && reusable[value.observationID] == false) {
                withoutConsent.append((value.id, value.isCalibration && reusable[value.observationID] == false
                    ? "A person on this seed's recording has not consented to its reuse for training: it is not routed; withdraw the case."
                    : "Consent to moderation was withdrawn for a recording of this observation: no moderator may see it; the lead decides without moderation."))
                continue
            }
            let request = request(
                for: value, candidateID: try row.id("candidate_id"), practiceArea: try row.raw("practice_area"),
                raters: raters[value.observationID] ?? [], assignments: assignmentsByCase[value.id] ?? [],
                seedReviewers: value.isCalibration ? seedReviewers[value.observationID] ?? [] : [],
                observationReviewers: Set((reviewersByObservation[value.observationID] ?? []).filter { $0.0 != value.id }.map(\.1)), policy: policy)
            guard request.places > 0 else { continue }
            cases[value.id] = value
            requests.append(request)
        }
        // The writes of the whole pass go in together: assignments and audit events with multi-row inserts (the
        // audit chain extended in memory), routing notes per chunk of cases, one update per case that starts.
        var results: [RoutingReport.RoutedCase] = []
        var assignments: [Assignment] = []
        var events: [AuditEvent] = []
        var problems: [(CaseID, String)] = withoutConsent
        results += withoutConsent.map { RoutingReport.RoutedCase(caseID: $0.0, assigned: [], problem: $0.1) }
        for (request, decision) in zip(requests, router.route(requests)) {
            guard let value = cases[decision.caseID] else { continue }
            var assigned: [Assignment] = []
            for choice in decision.chosen {
                assigned.append(Assignment(
                    caseID: value.id, moderatorID: choice.moderatorID, kind: choice.kind, round: value.round, assignedBy: UserID.system,
                    assignedAt: time, dueAt: time.addingTimeInterval(Double(policy.assignmentDays) * 86_400), reasons: choice.reasons))
                events.append(AuditEvent(
                    at: time, actorID: UserID.system, action: "case.moderator_assigned", subject: .init(type: "case", id: value.id.description),
                    details: ["moderator": choice.moderatorID.description, "kind": choice.kind.rawValue, "round": String(value.round),
                              "reasons": choice.reasons.joined(separator: "; "), "trigger": trigger]))
            }
            if let problem = decision.problem {
                problems.append((value.id, problem))
                events.append(AuditEvent(
                    at: time, actorID: UserID.system, action: "case.routing_short", subject: .init(type: "case", id: value.id.description),
                    reason: problem, details: ["shortfall": String(decision.shortfall), "trigger": trigger]))
            }
            if value.state == .awaitingModeration, decision.shortfall == 0, request.panelSoFar.count + assigned.count >= policy.moderatorsPerCase {
                let (started, event) = try value.apply(.startModeration, by: .system, at: time, reason: "panel complete (\(trigger))")
                try await SQLCases.replace(started, expectedVersion: value.version, on: db, dialect: dialect)
                events.append(event)
            }
            assignments += assigned
            results.append(.init(caseID: value.id, assigned: assigned, problem: decision.problem))
        }
        try await SQLInserts.assignment.run(assignments, on: db, dialect: dialect)
        let routedIDs = results.map(\.caseID)
        for start in stride(from: 0, to: routedIDs.count, by: 1_000) {
            let chunk = routedIDs[start..<min(start + 1_000, routedIDs.count)]
            try await db.raw("DELETE FROM case_routing WHERE case_id IN (\(SQLList(chunk.map { dialect.id($0) })))").run()
        }
        for start in stride(from: 0, to: problems.count, by: 1_000) {
            let rows = problems[start..<min(start + 1_000, problems.count)].map { id, problem -> SQLQueryString in
                "(\(dialect.id(id)), \(bind: problem), \(dialect.time(time)))"
            }
            try await db.raw("INSERT INTO case_routing (case_id, problem, updated_at) VALUES \(SQLList(rows))").run()
        }
        _ = try await SQLAuditLog.append(contentsOf: events, on: db, dialect: dialect)
        return results
    }

    /// Opens calibration cases so that seed cases stay at `calibrationRate` of the ordinary cases routed so far:
    /// each on the active seed used least (ties by observation id), sent straight to moderation.
    func openDueCalibrationCases(policy: ModerationPolicy, trigger: String, at time: Date) async throws -> [CaseID] {
        guard policy.calibrationRate > 0 else { return [] }
        let ordinary = try await db.raw("""
            SELECT COUNT(DISTINCT a.case_id) AS n FROM case_assignments a JOIN cases c ON c.id = a.case_id WHERE c.calibration = \(bind: false)
            """).first(decodingColumn: "n", as: Int.self) ?? 0
        let seedCases = try await db.raw("SELECT COUNT(*) AS n FROM cases WHERE calibration = \(bind: true)").first(decodingColumn: "n", as: Int.self) ?? 0
        let due = Int(Double(ordinary) * policy.calibrationRate) - seedCases
        guard due > 0 else { return [] }
        let allSeeds = try await db.raw("""
            SELECT s.observation_id, s.score, ca.employer_id,
                (SELECT COUNT(*) FROM cases c WHERE c.observation_id = s.observation_id AND c.calibration = \(bind: true)) AS used
            FROM calibration_seeds s JOIN observations o ON o.id = s.observation_id JOIN candidates ca ON ca.id = o.candidate_id
            WHERE s.active = \(bind: true)
            """).all().map { row in
            (observation: try row.id("observation_id", as: ObservationID.self), score: try Score(row.value("score", as: Int.self)),
             employer: try row.id("employer_id", as: OrganisationID.self), used: try row.value("used", as: Int.self))
        }.sorted { ($0.used, $0.observation.description) < ($1.used, $1.observation.description) }
        // Only seeds whose every recording everyone on it consented to reuse for training (decision 13).
        let reusable = try await observationsPermitting(.training, allSeeds.map(\.observation))
        let seeds = allSeeds.filter { reusable[$0.observation] == true }
        guard !seeds.isEmpty else { return [] }
        var opened: [CaseID] = []
        for n in 0..<due {
            let seed = seeds[n % seeds.count]
            let (value, event) = try Case.openCalibration(observationID: seed.observation, employerID: seed.employer, definitiveScore: seed.score, by: .system, at: time)
            _ = try await cases.create(value, event: event)
            try await save(try value.apply(.requestModeration, by: .system, at: time, reason: "calibration seed (\(trigger))"), from: value)
            opened.append(value.id)
        }
        return opened
    }
}
