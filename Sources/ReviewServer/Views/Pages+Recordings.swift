import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// Upload, the list of recordings and a recording's page (player, thumbnail strip, metadata).
extension Pages {
    func upload(_ page: PageContext) async throws -> View<UploadModel> {
        try Access.Rule.upload.require(page.actor)
        let controller = ObservationController(services: services)
        let observations = try await page.items(controller.listObservations, query: "pageSize=500")
        let names = try await candidateNames(page, of: observations)
        let chosen = page.request.uri.queryParameters["observation"].map(String.init)
        let options = observations.map { item in
            UploadModel.ObservationOption(id: item.id.description, label: Self.observationLabel(item, names: names), selected: item.id.description == chosen)
        }
        let labels = Dictionary(options.map { ($0.id, $0.label) }) { first, _ in first }
        let unfinished = (uploads?.unfinished(of: page.actor.userID) ?? []).map { record in
            UploadModel.Unfinished(
                url: "/uploads/\(record.id)", observation: record.observationID.description, fileName: record.fileName,
                observationLabel: labels[record.observationID.description] ?? "an observation",
                length: record.length.map { String($0) } ?? "", offset: String(record.offset),
                progress: record.length.map { "\(ByteSize(record.offset)) of \(ByteSize($0))" } ?? "\(ByteSize(record.offset))")
        }
        return View(title: "Upload a recording", model: UploadModel(
            observations: options, hasObservations: !options.isEmpty, unfinished: unfinished, hasUnfinished: !unfinished.isEmpty))
    }

    func recordings(_ page: PageContext) async throws -> View<RecordingListModel> {
        let controller = RecordingController(services: services)
        let status = page.request.uri.queryParameters["status"].map(String.init)
        let number = page.pageNumber
        let list = try await page.read(controller.list, query: "pageSize=50&page=\(number)" + (status.map { "&status=\($0)" } ?? ""))
        let items = list.items.map(RecordingRow.init)
        return View(title: "Recordings", model: RecordingListModel(
            items: items, empty: items.isEmpty,
            filters: ["ready", "indexing", "stored", "rejected", "deleted"].map { Choice(value: $0, label: Labels.recordingStatus($0), selected: $0 == status) },
            nextPage: list.nextPage, previousPage: number > 1 ? number - 1 : nil, statusQuery: status.map { "&status=\($0)" } ?? "",
            mayUpload: Access.Rule.upload.allows(page.actor)))
    }

    func recording(_ page: PageContext) async throws -> View<RecordingPageModel> {
        let controller = RecordingController(services: services)
        let id = try page.context.id("recordingId", as: RecordingID.self)
        let detail = try await page.read(controller.show, ["recordingId": id.description])
        let recording = detail.recording
        let ready = recording.status == "ready"
        let deleted = recording.mediaDeletedAt.map(Timestamp.init)
        let final = ready || deleted != nil || recording.status == "rejected"
        var media = MediaFacts.none
        if ready, let index = try await indexSummary(of: id, page) { media = MediaFacts(index: index) }
        let mayReadConsents = Access.Rule.readConsents.allows(page.actor)
        var consent: RecordingController.ConsentRepresentation?
        if mayReadConsents { consent = try await page.read(controller.consents, ["recordingId": id.description]) }
        return View(title: recording.fileName, model: RecordingPageModel(
            recording: RecordingRow(recording), ready: ready, deletedAt: deleted, final: final,
            // While it is indexed: a finished job's last progress report ("21%") would contradict "Ready to watch".
            percent: final ? nil : detail.job?.progress.map { Int(($0 * 100).rounded()) },
            preview: !final && recording.status == "indexing", playable: !ready && detail.playable, media: media,
            observationLink: Access.Rule.openObservationPages.allows(page.actor) ? recording.observationId.description : nil,
            captions: try await hasCaptions(id, page),
            // Offered when the workflow takes them: captions for a ready recording, indexing again for a rejected one.
            mayAddCaptions: ready && Access.Rule.addCaptions.allows(page.actor),
            mayReindex: recording.status == "rejected" && Access.mayReindex(uploadedBy: recording.uploadedBy, viewer: page.actor),
            consent: consent.map(RecordingPageModel.Consent.init),
            mayRecordConsent: mayReadConsents && deleted == nil && Access.mayRecordConsent(uploadedBy: recording.uploadedBy, viewer: page.actor),
            consentPeople: mayReadConsents ? ["candidate"] + (1...4).map { "actor-\($0)" } : []))
    }

    /// Whether a recording the viewer may see has a captions file (the player then offers the track).
    func hasCaptions(_ id: RecordingID, _ page: PageContext) async throws -> Bool {
        let recording = try await services.access.recording(id, for: page.actor)
        return FileManager.default.fileExists(atPath: services.mediaDirectory(of: recording).appending("captions.vtt").string)
    }

    /// The names of the candidates of `observations`, by candidate id, as far as the viewer may see them (the API's
    /// rule for a candidate: none for moderators and administrators); for labels.
    func candidateNames(_ page: PageContext, of observations: [ObservationRepresentation]) async throws -> [CandidateID: String] {
        var names: [CandidateID: String] = [:]
        for id in Set(observations.map(\.candidateId)) {
            do {
                names[id] = try await services.access.candidate(id, for: page.actor).name
            } catch let error as APIError where error.status == .forbidden || error.status == .notFound {
                continue
            }
        }
        return names
    }

    /// A ready recording's index report (`obsreview index --json`), or `nil` when none is stored. A report that does
    /// not read is a fault of the server's records, not of the viewer's request: it is logged, and the page goes on
    /// without the facts, thumbnails and keyframes (the recording itself still plays).
    func indexSummary(of id: RecordingID, _ page: PageContext) async throws -> IndexSummary? {
        guard let report = try await services.store.ingest.indexReport(of: id) else { return nil }
        do {
            return try JSONDecoder().decode(IndexSummary.self, from: Data(report.utf8))
        } catch {
            page.context.logger.error("The stored index report of a recording does not read", metadata: [
                "recording": "\(id)", "error": "\(error)",
            ])
            return nil
        }
    }

    static func observationLabel(_ item: ObservationRepresentation, names: [CandidateID: String]) -> String {
        let who = names[item.candidateId] ?? "Candidate"
        let day = Timestamp(item.observedAt).child(named: "day") as? String ?? ""
        let ref = item.ref.map { "\($0) · " } ?? ""
        return "\(ref)\(who), \(day): \(item.scenario)"
    }
}
