import Foundation
import ReviewDomain

/// `review.mustache`: the moderator's review screen — the offer, then the recording with notes and the blind opinion
/// form; once their panel is complete, the other scores and opinions.
struct ReviewModel: PageTemplateModel {
    static let template = "review"

    /// Another ready recording of the observation, as a link.
    struct OtherRecording: PageModel {
        let href: String
        let fileName: String
    }

    struct Tag: PageModel {
        let tag: String
    }

    let `case`: CaseRow
    /// Whether the moderator's panel is still sealed (decision 10).
    let blind: Bool
    let assignment: AssignmentRow?
    let offered: Bool
    let reviewing: Bool
    let submitted: Bool
    let mayDecline: Bool
    /// Who the case is about, so that the moderator can see a conflict of interest before watching.
    let candidateName: String
    let employerName: String
    let scenario: String
    /// The recording to review and its index, once the case is accepted.
    let recording: RecordingRow?
    let captions: Bool
    let media: MediaFacts
    let otherRecordings: [OtherRecording]
    let noRecording: Bool
    let scores: [ScoreOption]
    let prefix: String
    let tags: [Tag]
    /// Once unsealed: the opinions and the earlier ratings.
    let opinions: [OpinionRow]
    let ratings: [RatingRow]
}
