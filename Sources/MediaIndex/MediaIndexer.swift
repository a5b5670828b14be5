import CFFmpeg
public import Foundation
public import MediaTimeline

/// Limits checked before anything is decoded.
public struct IndexLimits: Sendable, Equatable {
    public var maxBytes: UInt64
    public var maxWidth: Int
    public var maxHeight: Int
    public var maxDurationSeconds: Double

    /// Defaults: 20 GiB, 8192×8192, 8 hours — well above a filmed role play from a phone or room camera.
    public init(maxBytes: UInt64 = 20 << 30, maxWidth: Int = 8192, maxHeight: Int = 8192, maxDurationSeconds: Double = 8 * 3600) {
        self.maxBytes = maxBytes
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxDurationSeconds = maxDurationSeconds
    }
}

/// What to produce besides the probe.
public struct IndexOptions: Sendable, Equatable {
    /// Hash the whole file (streamed SHA-256).
    public var sha256: Bool
    /// Write a poster and a thumbnail strip here, when set.
    public var thumbnailDirectory: URL?
    public var thumbnails: ThumbnailOptions
    public var limits: IndexLimits

    public init(sha256: Bool = false, thumbnailDirectory: URL? = nil, thumbnails: ThumbnailOptions = .init(), limits: IndexLimits = .init()) {
        self.sha256 = sha256
        self.thumbnailDirectory = thumbnailDirectory
        self.thumbnails = thumbnails
        self.limits = limits
    }
}

/// Everything indexing a recording yields.
public struct IndexResult: Sendable, Codable, Equatable {
    public var info: MediaInfo
    /// Lower-case hex SHA-256 of the whole file, when asked for.
    public var sha256: String?
    /// The main video stream's index.
    public var videoStreamIndex: Int
    public var timeline: KeyframeTimeline
    public var thumbnails: [Thumbnail]?
}

/// Indexes observation recordings through libavformat and libavcodec.
///
/// Every function is synchronous and blocking: call it from a thread pool or a worker process, never from
/// the cooperative thread pool of a server.
public enum MediaIndexer {
    /// Containers we accept (libavformat short names): libavformat opens almost anything, including text
    /// (`tty`) and images, so acceptance is by allow-list.
    public static let acceptedContainers: Set<String> = [
        "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "mpegts", "mpeg", "flv", "asf", "mxf", "dv", "ogg",
    ]

    /// Video codecs we accept: what cameras and phones record.
    public static let acceptedVideoCodecs: Set<String> = [
        "h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video", "mpeg1video", "h263", "h263p", "mjpeg", "prores",
        "dvvideo", "vc1", "wmv1", "wmv2", "wmv3", "msmpeg4v1", "msmpeg4v2", "msmpeg4v3", "theora",
    ]

    /// Containers that hold sound only (or sound with cover art): a file FFmpeg reads as one of these is a
    /// recording without video (`noVideoStream`), not "not media".
    public static let audioContainers: Set<String> = [
        "mp3", "wav", "w64", "ogg", "flac", "aac", "aiff", "amr", "caf", "wv", "ape", "mpc", "tta", "au",
    ]

    /// Probes `path`, reads its keyframe timeline and discontinuities, and optionally hashes it and writes
    /// thumbnails.
    public static func index(path: String, options: IndexOptions = .init()) throws(MediaIndexError) -> IndexResult {
        let (size, layout) = try admit(path: path, limits: options.limits)
        return try InputFile.with(path: path) { file throws(MediaIndexError) in
            let info = MediaProbe.info(of: file, size: size)
            let video = try acceptedVideoStream(info: info, limits: options.limits)
            let timeline = try KeyframeTimeline.read(
                from: file, streamIndex: video.index, layout: layout, fileSize: size,
                declaredDuration: info.format.durationSeconds)
            var thumbnails: [Thumbnail]? = nil
            if let directory = options.thumbnailDirectory {
                thumbnails = try ThumbnailWriter.write(
                    file: file, streamIndex: video.index, info: info, timeline: timeline,
                    directory: directory, options: options.thumbnails)
            }
            let hash = options.sha256 ? try FileHasher.sha256(path: path) : nil
            return IndexResult(info: info, sha256: hash, videoStreamIndex: video.index, timeline: timeline, thumbnails: thumbnails)
        }
    }

    /// Probes `path` only: container, streams, chapters and tags, without the acceptance checks.
    public static func probe(path: String, limits: IndexLimits = .init()) throws(MediaIndexError) -> MediaInfo {
        let size = try checkFile(path: path, limits: limits)
        return try InputFile.with(path: path) { file in MediaProbe.info(of: file, size: size) }
    }

    /// Everything checked before FFmpeg opens a file: it exists, is readable, not empty, under the size
    /// limit, and not cut short by its own container's account.
    static func admit(path: String, limits: IndexLimits) throws(MediaIndexError) -> (size: UInt64, layout: ContainerLayout) {
        let size = try checkFile(path: path, limits: limits)
        return (size, try ContainerLayout.inspect(path: path, fileSize: size))
    }

    /// Existence, readability, emptiness and size, before FFmpeg sees the file.
    static func checkFile(path: String, limits: IndexLimits) throws(MediaIndexError) -> UInt64 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MediaIndexError(.notFound, "No file at \(path). Check the path and try again.", file: path, stage: "open")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path),
            let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.uint64Value
        else {
            throw MediaIndexError(.unreadable, "\(path) is not a readable file (a folder, or no permission to read it).", file: path, stage: "open")
        }
        guard size > 0 else {
            throw MediaIndexError(.empty, "The file is empty (0 bytes): the upload or copy did not complete. Upload the recording again.", file: path, stage: "open")
        }
        guard size <= limits.maxBytes else {
            throw MediaIndexError(.tooLarge, "The file is \(size) bytes, over the limit of \(limits.maxBytes) bytes. Trim or compress the recording before uploading.", file: path, stage: "open")
        }
        return size
    }

    /// The main video stream, checked against the container and codec allow-lists and the limits.
    static func acceptedVideoStream(info: MediaInfo, limits: IndexLimits) throws(MediaIndexError) -> MediaInfo.Stream {
        guard acceptedContainers.contains(info.format.name) || audioContainers.contains(info.format.name) else {
            throw MediaIndexError(
                .notMedia,
                "The file is not a video recording (it reads as “\(info.format.longName.isEmpty ? info.format.name : info.format.longName)”). Upload an MP4, MOV, MKV/WebM, AVI or MPEG-TS video.",
                file: info.file, stage: "probe")
        }
        guard let video = info.mainVideoStream else {
            let hasAudio = info.streams.contains { $0.kind == .audio }
            let hasCover = info.streams.contains { $0.kind == .attachment }
            let what = hasAudio ? (hasCover ? "audio with cover art" : "audio only") : "no video"
            throw MediaIndexError(.noVideoStream, "The file has no video stream (\(what)). An observation must be a video recording.", file: info.file, stage: "probe")
        }
        guard acceptedVideoCodecs.contains(video.codec), avcodec_find_decoder_by_name(video.codec) != nil || avcodec_find_decoder(avcodec_descriptor_get_by_name(video.codec)?.pointee.id ?? AV_CODEC_ID_NONE) != nil else {
            throw MediaIndexError(.unsupportedCodec, "The video codec “\(video.codec)” is not supported. Export the recording as H.264 or HEVC MP4 and upload it again.", file: info.file, stage: "probe")
        }
        if let width = video.width, let height = video.height, width > limits.maxWidth || height > limits.maxHeight {
            throw MediaIndexError(.tooLarge, "The picture is \(width)×\(height), over the limit of \(limits.maxWidth)×\(limits.maxHeight). Export it at a lower resolution.", file: info.file, stage: "probe")
        }
        guard video.width != nil, video.height != nil else {
            throw MediaIndexError(.corrupt, "The video stream has no picture size: the file is damaged. Upload it again from the original.", file: info.file, stage: "probe")
        }
        if let duration = info.format.durationSeconds, duration > limits.maxDurationSeconds {
            throw MediaIndexError(.tooLarge, String(format: "The recording lasts %.0f s, over the limit of %.0f s. Trim it to the observation.", duration, limits.maxDurationSeconds), file: info.file, stage: "probe")
        }
        return video
    }
}
