import Foundation
import ReviewDomain
import SQLKit

/// An observation's current scores as the statistics read them (issue 21 item 7, decision 29): kept in
/// `observation_scores` (migration 18), written in the same transaction as every rating, correction and import, so
/// that ``InsightStore/insightData(now:)`` reads them with the observations in one scan instead of every rating.
struct CurrentScores: Hashable, Sendable {
    /// The current (not superseded) employer rating's score, the latest if there are several.
    var employerScore: Int?
    /// The latest current assessor rating's score and rater: the one paired with the employer's.
    var assessorScore: Int?
    var assessorID: UserID?
    /// Every other assessor's latest current score (double marking), in the order of those ratings.
    var otherAssessorScores: [Int]

    /// The scores of an observation whose ratings are `ratings`, in append order.
    init(ratings: [Rating]) {
        let superseded = Set(ratings.compactMap(\.supersedes))
        var employer: Int?
        var assessors: [(rater: UserID, score: Int)] = []
        for rating in ratings where !superseded.contains(rating.id) {
            switch rating.source {
            case .employer: employer = rating.score.value
            case .assessor:
                assessors.removeAll { $0.rater == rating.raterID }
                assessors.append((rating.raterID, rating.score.value))
            case .moderator: break
            }
        }
        employerScore = employer
        assessorScore = assessors.last?.score
        assessorID = assessors.last?.rater
        otherAssessorScores = assessors.dropLast().map(\.score)
    }

    init(employerScore: Int?, assessorScore: Int?, assessorID: UserID?, otherAssessorScores: [Int]) {
        self.employerScore = employerScore
        self.assessorScore = assessorScore
        self.assessorID = assessorID
        self.otherAssessorScores = otherAssessorScores
    }

    /// The stored form of ``otherAssessorScores``: the scores joined by commas (`""` for none).
    var otherAssessorText: String { otherAssessorScores.map(String.init).joined(separator: ",") }

    static func otherAssessorScores(_ text: String?) -> [Int] {
        (text ?? "").split(separator: ",").compactMap { Int($0) }
    }
}

enum SQLObservationScores {
    /// Writes each observation's scores, replacing what was kept: one definition for the single rating and the import.
    static let upsert = SQLInsert<(ObservationID, CurrentScores)>(
        table: "observation_scores",
        columns: ["observation_id", "employer_score", "assessor_score", "assessor_id", "other_assessor_scores"],
        onConflict: """
            ON CONFLICT (observation_id) DO UPDATE SET employer_score = excluded.employer_score, assessor_score = excluded.assessor_score,
                assessor_id = excluded.assessor_id, other_assessor_scores = excluded.other_assessor_scores
            """
    ) { entry in
        let (id, scores) = entry
        return [.id(id), .integer(scores.employerScore), .integer(scores.assessorScore), .id(scores.assessorID), .text(scores.otherAssessorText)]
    }

    /// Fills the table from the ratings in SQL, exactly as ``CurrentScores/init(ratings:)`` computes it (migration 18's
    /// backfill): a rating is current when nothing supersedes it; a rater's latest current assessor rating counts.
    static func backfill(_ dialect: Dialect) -> String {
        let current = "NOT EXISTS (SELECT 1 FROM ratings s WHERE s.supersedes = r.id)"
        func latest(_ column: String, _ source: String) -> String {
            """
            (SELECT r.\(column) FROM ratings r WHERE r.observation_id = o.observation_id AND r.source = '\(source)' AND \(current)
             ORDER BY r.append_order DESC LIMIT 1)
            """
        }
        let scoreText = dialect == .sqlite ? "r.score" : "CAST(r.score AS TEXT)"
        let aggregate = dialect == .sqlite
            ? "group_concat(\(scoreText), ',' ORDER BY r.append_order)" : "string_agg(\(scoreText), ',' ORDER BY r.append_order)"
        // The other assessors: each rater's latest current assessor rating, except the latest rater's.
        let others = """
            (SELECT COALESCE(\(aggregate), '') FROM ratings r
             WHERE r.observation_id = o.observation_id AND r.source = 'assessor' AND \(current)
               AND NOT EXISTS (SELECT 1 FROM ratings l WHERE l.observation_id = r.observation_id AND l.source = 'assessor'
                               AND l.rater_id = r.rater_id AND l.append_order > r.append_order
                               AND NOT EXISTS (SELECT 1 FROM ratings s WHERE s.supersedes = l.id))
               AND r.rater_id <> \(latest("rater_id", "assessor")))
            """
        return """
            INSERT INTO observation_scores (observation_id, employer_score, assessor_score, assessor_id, other_assessor_scores)
            SELECT o.observation_id, \(latest("score", "employer")), \(latest("score", "assessor")), \(latest("rater_id", "assessor")), \(others)
            FROM (SELECT DISTINCT observation_id FROM ratings) o
            """
    }
}
