import Foundation
import ReviewDomain

/// `decision.mustache`: the lead's decision view (issue 20, decision 27). The round's opinions side by side with their
/// rationales and scores; every moderator's time-coded notes as markers on one player, each naming its recording (the
/// observation's recordings switchable); and the final score chosen from the opinions or given anew, with reasons, after
/// a confirmation step.
struct DecisionModel: PageTemplateModel {
    static let template = "decision"

    /// A time-coded note of one of the opinions.
    struct Note: PageModel {
        /// "1:23".
        let clock: String
        /// Seconds, for `data-seek-to`.
        let seconds: String
        /// Where on the playing recording's timeline, in percent (only for a note on it).
        let percent: String?
        let text: String
        let tag: String?
        let moderatorName: String
        /// Which of the opinions (1, 2, …): the marker's colour and letter.
        let who: Int
        let recordingName: String
        /// The decision view playing the note's recording, for a note on another recording.
        let switchHref: String?
    }

    /// One opinion of the round, as a column.
    struct Opinion: PageModel {
        let id: String
        let who: Int
        let moderatorName: String
        let score: Int
        let band: String
        let rationale: String
        /// "Corrected from 5, while sealed: reason", for a corrected opinion.
        let correctionText: String?
        let submittedAt: Timestamp
        let notes: [Note]
    }

    /// A ready recording of the observation.
    struct RecordingChoice: PageModel {
        let href: String
        let fileName: String
        let playing: Bool
        let noteCount: Int
    }

    let `case`: CaseRow
    let ratings: [RatingRow]
    let opinions: [Opinion]
    /// The recording playing, its index and captions.
    let recording: RecordingRow?
    let captions: Bool
    let media: MediaFacts
    let noRecording: Bool
    let recordings: [RecordingChoice]
    /// The notes on the playing recording, in time order: the markers and the list under the player.
    let markers: [Note]
    /// The notes on the observation's other recordings, each with a link that plays it.
    let elsewhere: [Note]
    /// Whether the viewer can decide the case now (a lead, the case in moderation or escalated).
    let mayDecide: Bool
    let version: Int
    /// For a decided case: which opinion was adopted, or that the lead gave another score.
    let adoptionText: String?
    let scores: [ScoreOption]
}
