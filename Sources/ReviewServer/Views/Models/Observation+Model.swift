import Foundation
import ReviewDomain

/// An observation as the pages list it, with its candidate's name when the viewer may see it.
struct ObservationRow: PageModel {
    let id: String
    let ref: String?
    let candidateName: String
    let observedAt: Timestamp
    let practiceAreaText: String
    let scenario: String
}

extension ObservationRow {
    init(_ value: ObservationRepresentation, names: [CandidateID: String]) {
        self.init(id: value.id.description, ref: value.ref, candidateName: names[value.candidateId] ?? "—", observedAt: Timestamp(value.observedAt),
                  practiceAreaText: Labels.practiceArea(value.practiceArea.rawValue), scenario: value.scenario)
    }
}

/// `observations.mustache`: the observations the viewer may see, a page at a time.
struct ObservationListModel: PageTemplateModel {
    static let template = "observations"
    let items: [ObservationRow]
    let empty: Bool
    let nextPage: Int?
    let previousPage: Int?
}

/// `observation.mustache`: an observation with its ratings, recordings and case, and the forms its viewer may use.
struct ObservationPageModel: PageTemplateModel {
    static let template = "observation"

    struct RecordingLink: PageModel {
        let id: String
        let fileName: String
        let statusText: String
    }

    struct CaseLink: PageModel {
        let id: String
        let stateText: String
    }

    let observation: ObservationRow
    let ratings: [RatingRow]
    let hasRatings: Bool
    let recordings: [RecordingLink]
    let hasRecordings: Bool
    let cases: [CaseLink]
    /// The viewer's score form (assessors and employers): record, correct their own, or why neither.
    let rating: RatingForm?
    let mayFlag: Bool
    let mayUpload: Bool
    /// The lead's subject-access export of the candidate (docs/data-protection.md).
    let subjectExportLink: String?
}

/// The observation page's score form, honest about what it does (decision 27): a first score is recorded; one's own score
/// is corrected, with a required reason, and shown as a correction; a colleague's score or a decided case's is not
/// offered for change, and the page says why; each score says before it is given whether it would open a case.
struct RatingForm: PageModel {
    /// The viewer's own current score, which the form corrects.
    struct Correcting: PageModel {
        let ratingId: String
        let score: Int
        let band: String
        let ratedAt: Timestamp
    }

    let correcting: Correcting?
    /// Whether a score can be given or corrected here now (otherwise ``note`` says why not).
    let mayGive: Bool
    /// Why the form is not offered, or what a change does to the case already open.
    let note: String?
    /// The other side's current score and what would open a case, in words.
    let otherSide: String?
    /// What the confirmation step says before the score is sent.
    let confirmText: String
    let scores: [ScoreOption]
    let prefix: String
}

extension RatingForm {
    /// The form for `viewer` (an assessor or an employer) given the observation's ratings (append order) and cases.
    init(ratings: [RatingRepresentation], cases: [Case], viewer: ActingUser, policy: DisputePolicy = .default) {
        let side: RatingSource = viewer.role == .employer ? .employer : .assessor
        let other: RatingSource = side == .employer ? .assessor : .employer
        let replaced = Set(ratings.compactMap(\.supersedes))
        let byID = Dictionary(ratings.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func current(_ source: RatingSource) -> RatingRepresentation? { ratings.last { $0.source == source && !replaced.contains($0.id) } }
        func firstRater(of rating: RatingRepresentation) -> UserID {
            var value = rating
            while let earlier = value.supersedes, let previous = byID[earlier] { value = previous }
            return value.raterId
        }
        // The viewer's own chain, if its latest is current; a colleague's current employer score (one endorsement per employer).
        let latest = current(side), theirs = current(other)
        let mine = ratings.last { $0.source == side && !replaced.contains($0.id) && firstRater(of: $0) == viewer.userID }
        let colleague = side == .employer && latest.map { firstRater(of: $0) != viewer.userID } == true
        let otherName = other == .assessor ? "the assessor's" : "the employer's"
        let decided = cases.contains { $0.state.hasOutcome } && !cases.contains { $0.state.isActive }
        let caseOpen = cases.contains { $0.state.isActive }
        var scores = Labels.scale
        var otherSide: String?
        if let theirs {
            otherSide = "\(otherName.prefix(1).uppercased() + otherName.dropFirst()) current score is \(theirs.score) (\(Labels.band(theirs.score)))."
            // A case opens only when none is active or decided on the observation (the store's rule).
            if !caseOpen, !decided, let theirScore = Score(exactly: theirs.score) {
                scores = scores.map { option in
                    guard let score = Score(exactly: option.value) else { return option }
                    let finding = side == .employer ? policy.evaluate(employer: score, assessor: theirScore) : policy.evaluate(employer: theirScore, assessor: score)
                    guard let finding else { return option }
                    var why: [String] = []
                    if finding.reasons.contains(.exceedsTolerance) { why.append("it differs from \(otherName) by \(finding.difference)") }
                    if finding.reasons.contains(.straddlesPassLine) { why.append("it is on the other side of the pass line from \(otherName)") }
                    return ScoreOption(value: option.value, meaning: option.meaning, fails: option.fails,
                                       consequence: "a case will open for moderation: \(why.joined(separator: ", and "))")
                }
                otherSide! += " A score \(policy.tolerance) or more away from it, or on the other side of the pass line (3 or below against 4 or above), "
                    + "opens a case for moderation."
            }
        }
        var note: String?
        if decided {
            note = "This observation's case is decided, so its scores can no longer be given or corrected here. If the decision rests on a wrong "
                + "score, ask the moderation lead to reopen the case."
        } else if colleague, let latest {
            note = "Your organisation's score is already recorded (\(latest.score), by a colleague). Only whoever gave it, or the moderation "
                + "lead, can correct it; if you disagree with it, flag the observation below."
        } else if caseOpen {
            note = "This observation already has a case: a score you give or correct is recorded on it, and the case is told."
        }
        let correcting = mine.map {
            Correcting(ratingId: $0.id.description, score: $0.score, band: Labels.band($0.score), ratedAt: Timestamp($0.ratedAt))
        }
        self.init(
            correcting: correcting, mayGive: !decided && !colleague, note: note, otherSide: otherSide,
            confirmText: correcting.map { "You are about to correct your score of \($0.score). The correction and your reason are kept beside it and shown as a correction." }
                ?? "You are about to record your score. Changing it later is a correction with a reason, shown as such.",
            scores: scores, prefix: "rating")
    }
}
