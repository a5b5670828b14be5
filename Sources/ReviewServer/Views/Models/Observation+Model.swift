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
    let mayRate: Bool
    let mayFlag: Bool
    let mayUpload: Bool
    let scores: [ScoreOption]
    let prefix: String
    /// The lead's subject-access export of the candidate (docs/data-protection.md).
    let subjectExportLink: String?
}
