import Crypto
import Foundation
import Hummingbird
import NIOFileSystem
import ReviewDomain
import ReviewStore

/// Recordings: their status and index, and streaming of the original, the browser proxy and thumbnails.
///
/// Streaming answers `Range` requests (see ``FileStreamer``). Every viewing is one audit event
/// (`recording.viewed`): a player's many range requests within ``ViewingTracker/idleGap`` of each other are
/// one viewing. HEAD requests and conditional requests answered 304 are not viewings.
struct RecordingController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("recordings", use: list)
        group.get("recordings/:recordingId", use: show)
        group.get("recordings/:recordingId/index", use: index)
        group.on("recordings/:recordingId/media", method: .get, use: media)
        group.on("recordings/:recordingId/media", method: .head, use: media)
        group.on("recordings/:recordingId/proxy", method: .get, use: proxy)
        group.on("recordings/:recordingId/proxy", method: .head, use: proxy)
        group.get("recordings/:recordingId/thumbnails/:n", use: thumbnail)
        group.put("recordings/:recordingId/captions", use: putCaptions)
        group.get("recordings/:recordingId/captions", use: captions)
        group.post("recordings/:recordingId/reindex", use: reindex)
        addConsentRoutes(to: group)
        addPreviewRoutes(to: group)
    }

    struct ReindexRequest: Decodable {
        let reason: String?
    }

    /// Indexes a rejected recording again from its preserved original (after a passing failure): the uploader or
    /// the lead; `rejected → stored` with a new job, audited with the reason. 202: the worker takes it from there.
    @Sendable func reindex(_ request: Request, context: ReviewRequestContext) async throws -> Created<RecordingDetail> {
        let actor = try context.requireIdentity()
        try Access.Rule.reindex.require(actor)
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        guard Access.mayReindex(uploadedBy: recording.uploadedBy, viewer: actor) else {
            throw APIError(.forbidden, code: .forbidden, message: "Only the person who uploaded this recording, or the moderation lead, can have it indexed again.")
        }
        let body = request.headers[.contentLength] == "0" || request.headers[.contentLength] == nil
            ? ReindexRequest(reason: nil) : try await request.json(ReindexRequest.self, context: context)
        guard let key = recording.sha256.flatMap(BlobKey.init), try await services.blobs.contains(key) else {
            throw APIError(.conflict, code: .conflict, message: "The original of this recording is not on the server any more, so it cannot be indexed again: upload the file again.")
        }
        let reason = body.reason?.nonBlank ?? "index again"
        let (requeued, _) = try await services.store.ingest.requeueRecording(recording.id, reason: reason, by: actor, at: services.now())
        let job = try await services.store.ingest.indexJob(of: requeued.id).map {
            RecordingDetail.JobState(state: $0.job.state.rawValue, attempts: $0.job.attempts, progress: $0.progress, lastError: $0.job.lastError)
        }
        return Created(body: RecordingDetail(recording: RecordingRepresentation(requeued), job: job, playable: false), status: .accepted)
    }

    /// The largest captions file accepted.
    static let maximumCaptionsBytes = 1024 * 1024

    struct CaptionsRepresentation: ResponseEncodable, Sendable {
        let recordingId: RecordingID
        let bytes: Int
        let sha256: String
        let link: String
    }

    /// Adds or replaces a ready recording's captions: a WebVTT file (`Content-Type: text/vtt`), which the player
    /// offers as its captions track. Assessors and the lead (who upload recordings) may; the change is audited.
    @Sendable func putCaptions(_ request: Request, context: ReviewRequestContext) async throws -> CaptionsRepresentation {
        let actor = try context.requireIdentity()
        try Access.Rule.addCaptions.require(actor)
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        guard recording.mediaDeletedAt == nil else {
            throw APIError(.conflict, code: .conflict,
                           message: "This recording's files are no longer on the server (erased or removed), so captions cannot be added to it.")
        }
        guard recording.status == .ready else {
            throw APIError(.conflict, code: .notReady, message: "Recording \(recording.id) is \(recording.status.name): add captions once it is ready.")
        }
        guard request.headers[.contentType]?.lowercased().hasPrefix("text/vtt") == true else {
            throw APIError(.unsupportedMediaType, code: .unsupportedMediaType, message: "Send the captions as WebVTT with Content-Type: text/vtt.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maximumCaptionsBytes)
        } catch {
            throw APIError(.contentTooLarge, code: .contentTooLarge, message: "A captions file may be at most 1 MiB.")
        }
        let data = Data(buffer.readableBytesView)
        guard let text = String(data: data, encoding: .utf8),
            text.replacingOccurrences(of: "\u{FEFF}", with: "").hasPrefix("WEBVTT")
        else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "This is not a WebVTT file: it must be UTF-8 text whose first line starts with WEBVTT (export captions as .vtt).")
        }
        let path = services.mediaDirectory(of: recording).appending("captions.vtt")
        let temporary = services.mediaDirectory(of: recording).appending("captions.vtt.part")
        // An erased recording keeps its row but not its files: say so rather than fail on the missing folder.
        guard try await FileSystem.shared.info(forFileAt: services.mediaDirectory(of: recording)) != nil else {
            throw APIError(.conflict, code: .conflict,
                           message: "This recording's files are no longer on the server (erased or removed), so captions cannot be added to it.")
        }
        try data.write(to: URL(fileURLWithPath: temporary.string), options: .atomic)
        _ = try? FileManager.default.removeItem(atPath: path.string)
        try FileManager.default.moveItem(atPath: temporary.string, toPath: path.string)
        OpenFileCache.shared.forget(path)
        let sha256 = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        try await services.store.workflow.recordCaptions(of: recording.id, bytes: data.count, sha256: sha256, by: actor, at: services.now())
        return CaptionsRepresentation(recordingId: recording.id, bytes: data.count, sha256: sha256, link: "/api/v1/recordings/\(recording.id)/captions")
    }

    /// A recording's captions (WebVTT), for the player's captions track.
    @Sendable func captions(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        let path = services.mediaDirectory(of: recording).appending("captions.vtt")
        guard let info = try await FileSystem.shared.info(forFileAt: path) else {
            throw APIError(.notFound, code: .notFound, message: "Recording \(recording.id) has no captions yet.")
        }
        return try await FileStreamer.response(
            to: request,
            file: StreamedFile(path: path, etag: "\(recording.id)-captions-\(info.size)-\(info.lastDataModificationTime.seconds)",
                               contentType: "text/vtt; charset=utf-8", fileName: nil),
            context: context)
    }

    /// A recording with its indexing job's state and progress.
    struct RecordingDetail: ResponseEncodable, Sendable {
        struct JobState: Encodable, Sendable {
            let state: String
            let attempts: Int
            let progress: Double?
            let lastError: String?
        }
        let recording: RecordingRepresentation
        let job: JobState?
        /// It plays now: its proxy is in place, or (while a transcode is made) the segments made so far (`links.preview`).
        let playable: Bool
    }

    @Sendable func list(_ request: Request, context: ReviewRequestContext) async throws -> Page<RecordingRepresentation> {
        let actor = try context.requireIdentity()
        // A moderator's list is the recordings of the cases assigned to them.
        let scope = actor.role.isModerator ? nil : try services.access.employerScope(of: actor, listing: "recordings")
        let page = try request.page()
        let observationID: ObservationID? = try request.queryID("observationId")
        let statuses = ["uploading", "stored", "indexing", "ready", "rejected", "deleted"]
        let status = try request.query("status", "one of \(statuses.joined(separator: ", "))") { statuses.contains($0) ? $0 : nil }
        let recordings = try await services.store.records.listRecordings(
            observationID: observationID, employerID: scope, status: status, assignedTo: actor.role.isModerator ? actor.userID : nil, page: page)
        return Page(fetched: recordings.map(RecordingRepresentation.init), page: page)
    }

    @Sendable func show(_ request: Request, context: ReviewRequestContext) async throws -> RecordingDetail {
        let actor = try context.requireIdentity()
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        let job = try await services.store.ingest.indexJob(of: recording.id).map {
            RecordingDetail.JobState(state: $0.job.state.rawValue, attempts: $0.job.attempts, progress: $0.progress, lastError: $0.job.lastError)
        }
        return RecordingDetail(recording: RecordingRepresentation(recording), job: job, playable: isPlayable(recording))
    }

    @Sendable func index(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        guard let report = try await services.store.ingest.indexReport(of: recording.id) else {
            throw APIError(.notFound, code: .notReady,
                           message: "Recording \(recording.id) is \(recording.status.name): its index exists once it is ready.")
        }
        let view = IndexReportView.json(report, of: recording, for: actor)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: view)))
    }

    /// The original file, as uploaded: it keeps what the camera wrote about where and on what it was filmed (a
    /// phone's location, make and model), so only its uploader and the lead may fetch it; everyone else watches the
    /// proxy, which carries none of that (decision 4), and reads the index with those values withheld.
    @Sendable func media(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        guard Self.mayFetchOriginal(recording, as: actor) else {
            throw APIError(.forbidden, code: .forbidden, message: """
                The original file keeps personal data the camera recorded (where and on what it was filmed), so only the \
                person who uploaded it and the moderation lead can download it: watch the recording in the browser instead (its proxy).
                """)
        }
        guard let sha256 = recording.sha256 else {
            throw APIError(.notFound, code: .notReady, message: "Recording \(recording.id) is still uploading: there is nothing to stream yet.")
        }
        guard let key = BlobKey(sha256) else {
            throw APIError(.notFound, code: .notReady, message: "Recording \(recording.id) has no stored file to stream.")
        }
        let file = StreamedFile(
            source: .blob(key, in: services.blobs), etag: sha256,
            contentType: Self.contentType(of: recording.fileName), fileName: recording.fileName)
        return try await stream(file, of: recording, variant: "original", request: request, context: context, actor: actor)
    }

    /// Only its uploader and the lead fetch a recording's original (see ``media(_:context:)``).
    static func mayFetchOriginal(_ recording: Recording, as actor: ActingUser) -> Bool {
        actor.role == .lead || recording.uploadedBy == actor.userID
    }

    @Sendable func proxy(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        let directory = services.mediaDirectory(of: recording)
        for (name, type) in [("proxy.mp4", "video/mp4"), ("proxy.webm", "video/webm")] {
            let path = directory.appending(name)
            // The descriptor kept open for streaming (``OpenFileCache``) tells size and time without a thread-pool hop,
            // and the ETag then describes the very file the body is sent from.
            guard let info = try await OpenFileCache.shared.info(path) else { continue }
            // The proxy is made once per recording; its size and time tell one making from another.
            let file = StreamedFile(path: path, etag: "\(recording.sha256 ?? "proxy")-\(info.size)-\(Int64(info.modified.timeIntervalSince1970))",
                                    contentType: type, fileName: nil)
            return try await stream(file, of: recording, variant: "proxy", request: request, context: context, actor: actor)
        }
        throw APIError(.notFound, code: .notReady, message: recording.status == .ready
            ? "Recording \(recording.id) has no browser proxy (making it failed; see its index): stream the original instead."
            : "Recording \(recording.id) is \(recording.status.name): its proxy exists once it is ready.")
    }

    @Sendable func thumbnail(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        guard let n = context.parameters.get("n", as: Int.self), n >= 0, n < 1000 else {
            throw APIError(.badRequest, code: .badRequest, message: "A thumbnail number is a whole number from 0 (the poster) up.")
        }
        let name = n == 0 ? "poster.jpg" : String(format: "thumb-%03d.jpg", n - 1)
        let path = services.mediaDirectory(of: recording).appending(name)
        guard try await FileSystem.shared.info(forFileAt: path) != nil else {
            throw APIError(.notFound, code: .notFound, message: "Recording \(recording.id) has no thumbnail \(n).")
        }
        return try await FileStreamer.response(
            to: request, file: StreamedFile(path: path, etag: "\(recording.id)-\(n)", contentType: "image/jpeg", fileName: nil), context: context)
    }

    func stream(
        _ file: StreamedFile, of recording: Recording, variant: String, request: Request, context: ReviewRequestContext, actor: ActingUser
    ) async throws -> Response {
        var served: (FilePath, OpenFileCache.Info)?
        let response = try await FileStreamer.response(to: request, file: file, context: context) { served = ($0, $1) }
        if request.method == .get, let (path, info) = served, response.status == .ok || response.status == .partialContent {
            // The next ranges of this file may be answered on the connection's event loop (decision 45).
            services.hotRanges.offer(request.uri.path, recording: recording.id, original: variant == "original", file: path, info: info, etag: file.etag)
        }
        if request.method == .get, response.status == .ok || response.status == .partialContent,
            services.viewings.noteRequest(by: actor.userID, of: recording.id, original: variant == "original", at: services.now())
        {
            do {
                try await services.store.workflow.recordViewing(of: recording.id, variant: variant, by: actor, at: services.now())
            } catch {
                // No audit event, no viewing: the trail must hold every viewing.
                services.viewings.forget(actor.userID, recording.id, original: variant == "original")
                throw error
            }
        }
        return response
    }

    static func contentType(of fileName: String) -> String {
        switch fileExtension(fileName) {
        case "mp4", "m4v": "video/mp4"
        case "mov": "video/quicktime"
        case "webm": "video/webm"
        case "mkv": "video/x-matroska"
        case "avi": "video/x-msvideo"
        case "ts", "mts", "m2ts": "video/mp2t"
        case "wmv": "video/x-ms-wmv"
        case "mpg", "mpeg": "video/mpeg"
        default: "application/octet-stream"
        }
    }

    /// The name's extension, lower case: what follows the last dot of its last component, when that dot is not the
    /// component's first character. Read from the UTF-8 directly: `NSString.pathExtension` was 1.5% of a small range
    /// request (issue 21), and swift-corelibs-foundation traps on some names (`"//ß"`: two slashes then a character of
    /// more than one byte), which names stored before decision 41 could hold.
    static func fileExtension(_ fileName: String) -> String {
        var name = fileName.utf8[...]
        while name.last == UInt8(ascii: "/") { name = name.dropLast() }
        if let slash = name.lastIndex(of: UInt8(ascii: "/")) { name = name[name.index(after: slash)...] }
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else { return "" }
        return String(decoding: name[name.index(after: dot)...], as: UTF8.self).lowercased()
    }
}
