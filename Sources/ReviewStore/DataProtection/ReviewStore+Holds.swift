public import Foundation
public import ReviewDomain
import SQLKit

/// A legal hold: while active, the held record and everything under it are exempt from erasure and retention.
public struct LegalHold: Hashable, Sendable {
    /// What a hold can be placed on.
    public enum SubjectType: String, Hashable, Sendable, CaseIterable, Codable {
        case candidate, observation
        case `case` = "case"
    }

    public let id: LegalHoldID
    public let subjectType: SubjectType
    /// The held candidate, observation or case.
    public let subjectID: UUID
    /// The candidate the held record is about (a hold on an observation or a case blocks erasing them too).
    public let candidateID: CandidateID
    public let reason: String
    public let placedBy: UserID
    public let placedAt: Date
    public let releasedBy: UserID?
    public let releasedAt: Date?
    public let releaseReason: String?

    /// Whether the hold still applies.
    public var isActive: Bool { releasedAt == nil }
}

extension DataProtectionStore {
    /// Places a hold with `reason` on a candidate, an observation or a case (audited on the held record).
    public func placeHold(
        on subjectType: LegalHold.SubjectType, id subjectID: UUID, reason: String, by actor: ActingUser, at time: Date = Date()
    ) async throws(StoreError) -> LegalHold {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...1000).contains(reason.count) else {
            throw StoreError(.invalidArgument, "Give the reason for the hold (1 to 1000 characters), e.g. the appeal or inquiry it is for.")
        }
        return try await moderation { sql in
            guard let candidateID = try await sql.candidate(of: subjectType, id: subjectID) else {
                throw StoreError(.notFound, "There is no \(subjectType.rawValue) \(subjectID.lowercasedString).")
            }
            let hold = LegalHold(
                id: LegalHoldID(), subjectType: subjectType, subjectID: subjectID, candidateID: candidateID, reason: reason,
                placedBy: actor.userID, placedAt: Dialect.normalised(time), releasedBy: nil, releasedAt: nil, releaseReason: nil)
            try await sql.db.raw("""
                INSERT INTO legal_holds (id, subject_type, subject_id, candidate_id, reason, placed_by, placed_at)
                VALUES (\(sql.dialect.id(hold.id)), \(bind: subjectType.rawValue), \(sql.dialect.id(subjectID)), \(sql.dialect.id(candidateID)),
                        \(bind: reason), \(sql.dialect.id(actor.userID)), \(sql.dialect.time(time)))
                """).run()
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: "hold.placed",
                subject: .init(type: subjectType.rawValue, id: subjectID.lowercasedString), reason: reason,
                details: ["hold": hold.id.description, "role": actor.role.rawValue]))
            return hold
        }
    }

    /// Releases an active hold (audited on the held record); `notFound` if there is none, `conflict` if it was released.
    public func releaseHold(_ id: LegalHoldID, reason: String? = nil, by actor: ActingUser, at time: Date = Date()) async throws(StoreError) -> LegalHold {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        return try await moderation { sql in
            guard let hold = try await sql.holds(where: "id = \(sql.dialect.id(id))").first else {
                throw StoreError(.notFound, "There is no legal hold \(id).")
            }
            guard hold.isActive else {
                throw StoreError(.conflict, "Legal hold \(id) was already released.")
            }
            try await sql.db.raw("""
                UPDATE legal_holds SET released_by = \(sql.dialect.id(actor.userID)), released_at = \(sql.dialect.time(time)), release_reason = \(bind: reason)
                WHERE id = \(sql.dialect.id(id))
                """).run()
            try await sql.append(AuditEvent(
                at: time, actorID: actor.userID, action: "hold.released",
                subject: .init(type: hold.subjectType.rawValue, id: hold.subjectID.lowercasedString), reason: reason,
                details: ["hold": id.description, "role": actor.role.rawValue]))
            return LegalHold(
                id: hold.id, subjectType: hold.subjectType, subjectID: hold.subjectID, candidateID: hold.candidateID, reason: hold.reason,
                placedBy: hold.placedBy, placedAt: hold.placedAt, releasedBy: actor.userID, releasedAt: Dialect.normalised(time), releaseReason: reason)
        }
    }

    /// Holds, newest first: the active ones, or all of them.
    public func holds(includingReleased: Bool = false) async throws(StoreError) -> [LegalHold] {
        try await reading { sql in try await sql.holds(where: includingReleased ? "1 = 1" : "released_at IS NULL", order: "placed_at DESC, id") }
    }

    /// One hold, active or released.
    public func hold(_ id: LegalHoldID) async throws(StoreError) -> LegalHold? {
        try await reading { sql in try await sql.holds(where: "id = \(sql.dialect.id(id))").first }
    }
}

extension ModerationSQL {
    /// The candidate a candidate, an observation or a case is about; `nil` when there is no such record.
    func candidate(of subjectType: LegalHold.SubjectType, id: UUID) async throws -> CandidateID? {
        let query: SQLQueryString = switch subjectType {
        case .candidate: "SELECT id AS candidate_id FROM candidates WHERE id = \(dialect.id(id))"
        case .observation: "SELECT candidate_id FROM observations WHERE id = \(dialect.id(id))"
        case .case: "SELECT o.candidate_id FROM cases c JOIN observations o ON o.id = c.observation_id WHERE c.id = \(dialect.id(id))"
        }
        return try await db.raw(query).first().map { try $0.id("candidate_id") }
    }

    func holds(where condition: SQLQueryString, order: SQLQueryString = "id") async throws -> [LegalHold] {
        try await db.raw("SELECT * FROM legal_holds WHERE \(condition) ORDER BY \(order)").all().map { row in
            LegalHold(
                id: try row.id("id"), subjectType: LegalHold.SubjectType(rawValue: try row.value("subject_type")) ?? .candidate,
                subjectID: try row.uuid("subject_id"), candidateID: try row.id("candidate_id"),
                reason: try row.value("reason"), placedBy: try row.id("placed_by"), placedAt: try row.time("placed_at"),
                releasedBy: try row.optionalID("released_by"), releasedAt: try row.optionalTime("released_at"),
                releaseReason: try row.value("release_reason", as: String?.self))
        }
    }

    /// The active holds that stop erasing or deleting what is about `candidateID`: on the candidate, any of their
    /// observations or any case of those observations (every hold records its candidate).
    func activeHolds(onCandidate candidateID: CandidateID) async throws -> [LegalHold] {
        try await holds(where: "candidate_id = \(dialect.id(candidateID)) AND released_at IS NULL")
    }
}
