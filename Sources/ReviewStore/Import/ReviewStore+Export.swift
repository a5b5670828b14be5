public import Foundation
public import ReviewDomain
import SQLKit

/// One stored rating with what it is about: the import's column set plus the rating's identity and history.
public struct RatingExportRow: Hashable, Sendable, Codable {
    public var observationRef: String?
    public var candidateName: String
    public var registrationNumber: String
    public var employer: String
    public var observationDate: Date
    public var scenario: String
    public var source: String
    public var rater: String
    public var raterOrganisation: String
    public var score: Int
    public var rationale: String
    public var ratedAt: Date
    public var ratingID: String
    public var supersedes: String?
    public var correctionReason: String?

    /// The CSV header: the import's columns (so an export can be read back) and three more.
    public static let csvHeader = [
        "observation_ref", "candidate_ref", "candidate_name", "registration_number", "employer", "observation_date", "scenario",
        "source", "rater", "rater_organisation", "score", "rationale", "rated_at", "rating_id", "supersedes", "correction_reason",
    ]

    public var csvFields: [String] {
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        let time = ISO8601DateFormatter()
        return [
            observationRef ?? "", registrationNumber, candidateName, registrationNumber, employer, day.string(from: observationDate), scenario,
            source, rater, raterOrganisation, String(score), rationale, time.string(from: ratedAt), ratingID, supersedes ?? "", correctionReason ?? "",
        ]
    }
}

extension ImportStore {
    /// Every stored rating, in the order they were recorded (corrections included, each naming the rating it
    /// supersedes: nothing is left out).
    public func exportRatings() async throws(StoreError) -> [RatingExportRow] {
        try await context.run { db in
            try await db.raw("""
                SELECT o.ref, c.name AS candidate_name, c.registration_number, e.name AS employer, o.observed_at, o.scenario,
                       r.source, u.name AS rater, ro.name AS rater_organisation, r.score, r.rationale, r.rated_at, r.id, r.supersedes,
                       r.correction_reason
                FROM ratings r
                JOIN observations o ON o.id = r.observation_id
                JOIN candidates c ON c.id = o.candidate_id
                JOIN organisations e ON e.id = c.employer_id
                JOIN users u ON u.id = r.rater_id
                JOIN organisations ro ON ro.id = u.organisation_id
                ORDER BY r.append_order
                """).all().map { row in
                RatingExportRow(
                    observationRef: try row.value("ref", as: String?.self), candidateName: try row.value("candidate_name"),
                    registrationNumber: try row.value("registration_number"), employer: try row.value("employer"),
                    observationDate: try row.time("observed_at"), scenario: try row.value("scenario"), source: try row.value("source"),
                    rater: try row.value("rater"), raterOrganisation: try row.value("rater_organisation"), score: try row.value("score"),
                    rationale: try row.value("rationale"), ratedAt: try row.time("rated_at"),
                    ratingID: (try row.id("id") as RatingID).description,
                    supersedes: (try row.optionalID("supersedes") as RatingID?)?.description,
                    correctionReason: try row.value("correction_reason", as: String?.self))
            }
        }
    }

    /// Every case, oldest first.
    public func exportCases() async throws(StoreError) -> [Case] {
        try await context.run { db in
            try await db.raw("SELECT \(self.context.dialect.jsonText("document")) FROM cases ORDER BY opened_at, id").all().map(SQLCases.case)
        }
    }
}
