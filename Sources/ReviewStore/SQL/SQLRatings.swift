import Foundation
import ReviewDomain
import SQLKit

struct SQLRatings: RatingRepository {
    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func append(_ rating: Rating, by actor: ActingUser) async throws(StoreError) -> AuditEntry {
        guard actor.userID == rating.raterID else {
            throw StoreError(.invalidArgument, "Rating \(rating.id) was made by another user than the actor recording it.")
        }
        return try await context.atomically { db in
            // The observation's ratings are read and its current scores written by one rating at a time (PostgreSQL:
            // two raters at once would each keep scores without the other's rating; SQLite has one writer anyway).
            try await Self.lockObservation(rating.observationID, on: db, dialect: dialect)
            let existing = try await Self.ratings(of: rating.observationID, on: db, dialect: dialect)
            if let employerID = try await Self.employer(of: rating.observationID, on: db, dialect: dialect) {
                // The stored ratings plus this one must still form a ledger (a correction supersedes a current
                // rating of the same source, …); the database checks what it can express, the domain the rest.
                do {
                    _ = try RatingLedger(observationID: rating.observationID, employerID: employerID, restoring: existing + [rating])
                } catch let error as DomainError {
                    throw StoreError(.constraintViolation, error.message, cause: error)
                }
            }
            try await SQLInserts.rating.run(rating, on: db, dialect: dialect)
            try await SQLObservationScores.upsert.run((rating.observationID, CurrentScores(ratings: existing + [rating])), on: db, dialect: dialect)
            return try await SQLAuditLog.append(Self.event(for: rating, by: actor), on: db, dialect: dialect)
        }
    }

    /// The audit event that records `rating` (`rating.recorded`, or `rating.corrected` for a correction).
    static func event(for rating: Rating, by actor: ActingUser) -> AuditEvent {
        var details = [
            "observation": rating.observationID.description, "source": rating.source.rawValue,
            "score": rating.score.description, "role": actor.role.rawValue,
        ]
        details["supersedes"] = rating.supersedes?.description
        return AuditEvent(
            at: rating.ratedAt, actorID: actor.userID,
            action: rating.supersedes == nil ? "rating.recorded" : "rating.corrected",
            subject: AuditEvent.Subject(type: "rating", id: rating.id.description),
            reason: rating.correctionReason, details: details
        )
    }

    func ratings(of observationID: ObservationID) async throws(StoreError) -> [Rating] {
        try await context.run { db in try await Self.ratings(of: observationID, on: db, dialect: dialect) }
    }

    func ledger(of observationID: ObservationID) async throws(StoreError) -> RatingLedger {
        // Two reads need no transaction: ratings are append-only and an observation's employer is fixed.
        try await context.run { db in
            guard let employerID = try await Self.employer(of: observationID, on: db, dialect: dialect) else {
                throw StoreError(.notFound, "There is no observation \(observationID).")
            }
            return try await Self.ledger(of: observationID, employerID: employerID, on: db, dialect: dialect)
        }
    }

    static func ledger(of observationID: ObservationID, employerID: OrganisationID, on db: any SQLDatabase, dialect: Dialect) async throws -> RatingLedger {
        let ratings = try await Self.ratings(of: observationID, on: db, dialect: dialect)
        do {
            return try RatingLedger(observationID: observationID, employerID: employerID, restoring: ratings)
        } catch {
            throw StoreError(.corruptData, error.message, cause: error)
        }
    }

    /// Holds the observation's row until the transaction ends, so that its ratings and scores change one rating at a time
    /// (PostgreSQL; `NO KEY UPDATE` leaves the rows that refer to it free to be written).
    static func lockObservation(_ observationID: ObservationID, on db: any SQLDatabase, dialect: Dialect) async throws {
        guard dialect == .postgres else { return }
        _ = try await db.raw("SELECT id FROM observations WHERE id = \(dialect.id(observationID)) FOR NO KEY UPDATE").first()
    }

    static func employer(of observationID: ObservationID, on db: any SQLDatabase, dialect: Dialect) async throws -> OrganisationID? {
        try await db.raw("""
            SELECT c.employer_id FROM observations o JOIN candidates c ON c.id = o.candidate_id
            WHERE o.id = \(dialect.id(observationID))
            """).first().map { try $0.id("employer_id") }
    }

    static func ratings(of observationID: ObservationID, on db: any SQLDatabase, dialect: Dialect) async throws -> [Rating] {
        try await db.raw("SELECT * FROM ratings WHERE observation_id = \(dialect.id(observationID)) ORDER BY append_order")
            .all().map(rating)
    }

    static func rating(_ row: any SQLRow) throws -> Rating {
        let value: Int = try row.value("score")
        guard let score = Score(exactly: value) else {
            throw StoreError(.corruptData, "A stored rating has the score \(value), outside 1–7.")
        }
        return Rating(
            id: try row.id("id"), observationID: try row.id("observation_id"), source: try row.raw("source"),
            raterID: try row.id("rater_id"), score: score, rationale: try row.value("rationale"),
            ratedAt: try row.time("rated_at"), supersedes: try row.optionalID("supersedes"),
            correctionReason: try row.value("correction_reason", as: String?.self)
        )
    }
}
