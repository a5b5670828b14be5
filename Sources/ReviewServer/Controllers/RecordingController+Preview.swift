import Foundation
import Hummingbird
import NIOFileSystem
import ReviewDomain
import ReviewStore

/// A recording that needs a transcoded proxy plays while the proxy is made (decision 32): its segments, as the worker
/// writes them, through Media Source Extensions. The same access rule as the proxy (``Access/recording(_:for:)``: role,
/// relationship, consent), and each segment fetched is part of the one audited viewing, as a range of the proxy is.
extension RecordingController {
    func addPreviewRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("recordings/:recordingId/preview", use: preview)
        group.on("recordings/:recordingId/preview/:segment", method: .get, use: previewSegment)
        group.on("recordings/:recordingId/preview/:segment", method: .head, use: previewSegment)
    }

    struct PreviewRepresentation: ResponseEncodable, Sendable {
        struct Segment: Encodable, Sendable {
            let url: String
            let seconds: Double
        }

        /// Something plays now: the segments made so far, or the finished proxy.
        let playable: Bool
        /// The single-file proxy is in place: play `proxy` (the segments are gone).
        let finished: Bool
        /// Every segment is listed: none will be added.
        let complete: Bool
        /// The segments' type for `MediaSource.addSourceBuffer`, e.g. `video/mp4; codecs="avc1.64001f,mp4a.40.2"`.
        let mimeType: String?
        /// Seconds of the recording that can be played now, and its whole length.
        let readySeconds: Double
        let durationSeconds: Double?
        /// In words, for people: how much is ready.
        let summary: String
        let initSegment: String?
        let segments: [Segment]
        let proxy: String
    }

    /// Whether a recording plays now: its proxy is in place, or the segments of the one being made include one.
    func isPlayable(_ recording: Recording) -> Bool {
        guard recording.mediaDeletedAt == nil else { return false }
        let directory = services.mediaDirectory(of: recording)
        if ["proxy.mp4", "proxy.webm"].contains(where: { FileManager.default.fileExists(atPath: directory.appending($0).string) }) {
            return true
        }
        return SegmentedProxy.read(in: directory.appending(SegmentedProxy.folderName))?.playable ?? false
    }

    @Sendable func preview(_ request: Request, context: ReviewRequestContext) async throws -> PreviewRepresentation {
        let actor = try context.requireIdentity()
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        let base = "/api/v1/recordings/\(recording.id)"
        guard recording.mediaDeletedAt == nil else {
            throw APIError(.notFound, code: .notFound, message: "Recording \(recording.id) was deleted: there is nothing left to watch.")
        }
        let directory = services.mediaDirectory(of: recording)
        if ["proxy.mp4", "proxy.webm"].contains(where: { FileManager.default.fileExists(atPath: directory.appending($0).string) }) {
            return PreviewRepresentation(
                playable: true, finished: true, complete: true, mimeType: nil, readySeconds: 0, durationSeconds: nil,
                summary: "Ready to watch.", initSegment: nil, segments: [], proxy: base + "/proxy")
        }
        guard let live = SegmentedProxy.read(in: directory.appending(SegmentedProxy.folderName)) else {
            return PreviewRepresentation(
                playable: false, finished: false, complete: false, mimeType: nil, readySeconds: 0, durationSeconds: nil,
                summary: Self.notPlayable(recording.status), initSegment: nil, segments: [], proxy: base + "/proxy")
        }
        let segmentBase = base + "/preview/"
        return PreviewRepresentation(
            playable: live.playable, finished: false, complete: live.complete,
            mimeType: "video/mp4; codecs=\"\(live.about.codecs)\"", readySeconds: live.readySeconds,
            durationSeconds: live.about.durationSeconds, summary: Self.readiness(live),
            initSegment: live.initName.map { segmentBase + $0 },
            segments: live.segments.map { PreviewRepresentation.Segment(url: segmentBase + $0.name, seconds: $0.seconds) }, proxy: base + "/proxy")
    }

    /// Why nothing plays, in words: a rejected recording will not become playable by waiting.
    static func notPlayable(_ status: Recording.IngestStatus) -> String {
        switch status {
        case .rejected:
            "Not playable: the recording was rejected when it was indexed. The uploader or a lead can index it again from its original."
        case .ready: "Not playable in the browser: making its browser version failed (see the recording's index)."
        default: "Not playable yet: the recording is \(status.name)."
        }
    }

    /// "Playable while it is being prepared; 3 minutes of 58 minutes ready."
    static func readiness(_ live: SegmentedProxy) -> String {
        guard live.playable else { return "Being prepared; it can be played in a moment." }
        // Seconds under two minutes ("90 seconds", not "1 minutes"); whole minutes from there.
        func words(_ seconds: Double) -> String {
            let whole = Int(seconds.rounded(.down))
            if whole < 120 { return whole == 1 ? "1 second" : "\(whole) seconds" }
            return "\(whole / 60) minutes"
        }
        return "Playable while it is being prepared; \(words(live.readySeconds)) of \(words(live.about.durationSeconds)) ready."
    }

    @Sendable func previewSegment(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        let recording = try await services.access.recording(try context.id("recordingId"), for: actor)
        let name = context.parameters.get("segment") ?? ""
        let folder = services.mediaDirectory(of: recording).appending(SegmentedProxy.folderName)
        // Only what the playlist lists is served: a complete file, never one being written, and nothing else in the folder.
        guard recording.mediaDeletedAt == nil, let live = SegmentedProxy.read(in: folder), live.lists(name),
            try await FileSystem.shared.info(forFileAt: folder.appending(name)) != nil
        else {
            throw APIError(.notFound, code: .notFound, message: """
                That part of recording \(recording.id) is not available (the recording may have become ready since): \
                play the whole recording instead.
                """)
        }
        let file = StreamedFile(path: folder.appending(name), etag: "\(recording.sha256 ?? "preview")-\(name)", contentType: "video/mp4", fileName: nil)
        return try await stream(file, of: recording, variant: "preview", request: request, context: context, actor: actor)
    }
}
