import Foundation
import ReviewDomain

/// A recording as the pages list it.
struct RecordingRow: PageModel {
    let id: String
    let fileName: String
    let status: String
    let statusText: String
    let rejectionReason: String?
    let sha256: String?
    let byteCount: Int64?
}

extension RecordingRow {
    init(_ value: RecordingRepresentation) {
        self.init(id: value.id.description, fileName: value.fileName, status: value.status, statusText: Labels.recordingStatus(value.status),
                  rejectionReason: value.rejectionReason, sha256: value.sha256, byteCount: value.byteCount)
    }
}

/// `recordings.mustache`: the recordings the viewer may see, filtered by status, a page at a time.
struct RecordingListModel: PageTemplateModel {
    static let template = "recordings"
    let items: [RecordingRow]
    let empty: Bool
    let filters: [Choice]
    let nextPage: Int?
    let previousPage: Int?
    /// "&status=…" for the pager's links.
    let statusQuery: String
    let mayUpload: Bool
}

/// `recording.mustache`: a recording's status, player, facts and consent.
struct RecordingPageModel: PageTemplateModel {
    static let template = "recording"

    /// The consent of the people on the recording (decision 13), for those who may read it.
    struct Consent: PageModel {
        struct Use: PageModel {
            let purpose: String
            let permitted: Bool
            let why: String
        }

        struct Record: PageModel {
            let person: String
            let purpose: String
            let granted: Bool
            let reference: String?
            let recordedAt: Timestamp
        }

        let uses: [Use]
        let records: [Record]
    }

    let recording: RecordingRow
    let ready: Bool
    /// When the recording's video was deleted (erasure, retention): nothing to watch, caption or consent to.
    let deletedAt: Timestamp?
    /// Whether the status will not change by itself (`ready`, `rejected`): the page stops watching it.
    let final: Bool
    /// How far indexing is, in per cent, while it runs.
    let percent: Int?
    /// Not ready yet, but its proxy is being made in segments: the page offers the preview player (decision 32).
    let preview: Bool
    /// …and some of it plays already.
    let playable: Bool
    let media: MediaFacts
    /// The observation's id, for viewers who may open observation pages.
    let observationLink: String?
    let captions: Bool
    let mayAddCaptions: Bool
    let mayReindex: Bool
    let consent: Consent?
    let mayRecordConsent: Bool
    let consentPeople: [String]
}

extension RecordingPageModel.Consent {
    init(_ value: RecordingController.ConsentRepresentation) {
        self.init(uses: value.uses.map { Use(purpose: $0.purpose, permitted: $0.permitted, why: $0.why) },
                  records: value.records.map {
                      Record(person: $0.person, purpose: $0.purpose, granted: $0.granted, reference: $0.reference, recordedAt: Timestamp($0.recordedAt))
                  })
    }
}

/// `upload.mustache`: the observations to upload for, and the viewer's unfinished uploads to resume.
struct UploadModel: PageTemplateModel {
    static let template = "upload"

    /// An observation to upload for.
    struct ObservationOption: PageModel {
        let id: String
        let label: String
        let selected: Bool
    }

    struct Unfinished: PageModel {
        let url: String
        let observation: String
        let fileName: String
        let observationLabel: String
        /// The file's length in bytes, or empty when not yet known.
        let length: String
        let offset: String
        /// "3 MB of 10 MB".
        let progress: String
    }

    let observations: [ObservationOption]
    let hasObservations: Bool
    let unfinished: [Unfinished]
    let hasUnfinished: Bool
}
