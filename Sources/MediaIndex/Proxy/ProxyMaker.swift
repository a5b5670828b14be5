import CFFmpeg
public import Foundation

/// How a transcoded proxy is encoded. A remux copies the video as it is and ignores the video settings.
public struct ProxyOptions: Sendable, Equatable {
    /// The tallest picture a transcode writes, in pixels of the upright picture; never upscales.
    public var maxHeight: Int
    /// libx264 constant rate factor (0–51, lower is better; 23 is x264's default).
    public var videoCRF: Int
    /// libx264 preset.
    public var videoPreset: String
    /// A ceiling on the video's bit rate (bits per second; VBV with a buffer of two seconds' worth), so a fast preset
    /// on a noisy phone picture does not write a proxy three times the size; nil: CRF alone.
    public var videoMaxBitRate: Int?
    /// A keyframe at least this often (seconds of presentation time), so the player can seek.
    public var keyframeIntervalSeconds: Double
    /// AAC (or Opus) bit rate for stereo; mono gets half.
    public var audioBitRate: Int
    /// Threads per decoder and encoder: a proxy runs beside other work on a small machine.
    public var threads: Int
    /// The same limits indexing applies: a recording refused there is refused here.
    public var limits: IndexLimits
    /// A transcode also writes its segmented copy into `live/` as it goes, so the recording plays before the proxy
    /// is complete (``ProxySegments``, decision 32); a remux, fast anyway, does not.
    public var segmented: Bool

    public init(
        // Chosen by measurement for a 1080p HEVC phone recording on two cores (decision 32): the whole proxy in at most
        // 0.25x the recording's duration with a margin; 720p/veryfast took 0.32x.
        maxHeight: Int = 540, videoCRF: Int = 23, videoPreset: String = "superfast", videoMaxBitRate: Int? = 2_000_000,
        keyframeIntervalSeconds: Double = 2, audioBitRate: Int = 128_000, threads: Int = 2,
        limits: IndexLimits = .init(), segmented: Bool = true
    ) {
        self.segmented = segmented
        self.maxHeight = maxHeight
        self.videoCRF = videoCRF
        self.videoPreset = videoPreset
        self.videoMaxBitRate = videoMaxBitRate
        self.keyframeIntervalSeconds = keyframeIntervalSeconds
        self.audioBitRate = audioBitRate
        self.threads = threads
        self.limits = limits
    }
}

/// The browser-playable proxy that was written, as read back from the file itself.
public struct ProxyResult: Sendable, Codable, Equatable {
    public enum Method: String, Sendable, Codable, Equatable {
        /// The video stream was copied unchanged into a new container (the audio may have been re-encoded).
        case remux
        /// The video was decoded, turned upright, scaled and encoded as H.264.
        case transcode
    }

    /// Path of the proxy: `<outputDirectory>/proxy.mp4` or `<outputDirectory>/proxy.webm`.
    public var file: String
    public var method: Method
    /// `mp4` or `webm`.
    public var container: String
    /// `video/mp4` or `video/webm`, for the HTTP `Content-Type`.
    public var mimeType: String
    /// Codec short names of the proxy's streams (`h264`, `vp9`, …; `aac`, `opus`, …; nil when silent).
    public var videoCodec: String
    public var audioCodec: String?
    /// Size of the picture as shown, after any display matrix the proxy keeps (remuxed phone video).
    public var width: Int
    public var height: Int
    public var durationSeconds: Double
    /// Bytes.
    public var size: UInt64
    /// The source's start time: a time in the source is this much later than the same moment in the
    /// proxy (the proxy starts at 0; the source may not, e.g. MPEG-TS).
    public var sourceStartSeconds: Double

    public init(
        file: String, method: Method, container: String, mimeType: String, videoCodec: String, audioCodec: String?,
        width: Int, height: Int, durationSeconds: Double, size: UInt64, sourceStartSeconds: Double
    ) {
        self.file = file
        self.method = method
        self.container = container
        self.mimeType = mimeType
        self.videoCodec = videoCodec
        self.audioCodec = audioCodec
        self.width = width
        self.height = height
        self.durationSeconds = durationSeconds
        self.size = size
        self.sourceStartSeconds = sourceStartSeconds
    }
}

/// Prepares a browser-playable proxy of a recording: a remux where Chromium plays the codecs already
/// (H.264 into a faststart MP4; VP8/VP9/AV1 into WebM), an H.264/AAC transcode otherwise (HEVC, MPEG-4
/// Part 2, WMV, MPEG-2, MJPEG, …). See docs/decisions/0004-proxy.md.
///
/// Blocking and CPU-heavy: call it from a thread pool or a worker process, a bounded number at a time.
public enum ProxyMaker {
    /// Whether the proxy of a recording with these streams is a remux or a transcode (no I/O).
    public static func plan(for info: MediaInfo) -> ProxyResult.Method { ProxyPlan(info: info).method }

    /// Writes the proxy of `input` into `outputDirectory` (created when missing) as `proxy.mp4` or
    /// `proxy.webm`, replacing an older one atomically. The file is written under a temporary name in the same
    /// folder and renamed on success; on failure nothing is left behind.
    ///
    /// - Parameter progress: called with the fraction (0…1) of the recording's presentation time written so
    ///   far; never decreases; the last call is 1.0, just before returning. Called on the calling thread.
    /// - Throws: `MediaIndexError` with stage `proxy`: the recording's own problems (`notMedia`, `truncated`,
    ///   `noVideoStream`, …) as indexing reports them, or `outputFailed`/`corrupt` while writing.
    public static func make(
        input: String, outputDirectory: URL, options: ProxyOptions = .init(),
        progress: (@Sendable (Double) -> Void)? = nil
    ) throws(MediaIndexError) -> ProxyResult {
        do {
            return try makeProxy(input: input, outputDirectory: outputDirectory, options: options, progress: progress)
        } catch {
            var error = error
            error.stage = "proxy"
            throw error
        }
    }

    private static func makeProxy(
        input: String, outputDirectory: URL, options: ProxyOptions, progress: (@Sendable (Double) -> Void)?
    ) throws(MediaIndexError) -> ProxyResult {
        let limits = options.limits
        let (size, _) = try MediaIndexer.admit(path: input, limits: limits)
        let (plan, sourceStart) = try InputFile.with(path: input) { file throws(MediaIndexError) -> (ProxyPlan, Double) in
            let info = MediaProbe.info(of: file, size: size)
            _ = try MediaIndexer.acceptedVideoStream(info: info, limits: limits)
            let plan = ProxyPlan(info: info)
            guard plan.videoStream != nil else {
                throw MediaIndexError(.noVideoStream, "The file has no video stream to make a proxy of.", file: input, stage: "proxy")
            }
            do {
                try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            } catch {
                throw MediaIndexError(.outputFailed, "Cannot create the proxy folder \(outputDirectory.path): \(error.localizedDescription)", file: input, stage: "proxy")
            }
            let temporary = outputDirectory.appendingPathComponent(".proxy-\(UUID().uuidString).partial.\(plan.container.rawValue)").path
            var finished = false
            // The segments serve only until the single file is in place, and a failed proxy leaves none behind.
            let segments = outputDirectory.appendingPathComponent(ProxySegments.folderName)
            defer {
                if !finished { unlink(temporary) }
                try? FileManager.default.removeItem(at: segments)
            }
            try ProxyPipeline.run(
                input: file, info: info, plan: plan, outputPath: temporary, options: options,
                segments: options.segmented && plan.method == .transcode ? segments : nil,
                progress: ProgressReporter(callback: progress))
            let final = outputDirectory.appendingPathComponent("proxy.\(plan.container.rawValue)").path
            guard rename(temporary, final) == 0 else {
                let reason = String(cString: strerror(errno))
                throw MediaIndexError(.outputFailed, "Cannot move the finished proxy to \(final): \(reason).", file: input, stage: "proxy")
            }
            finished = true
            // A proxy of the other container from an earlier run would be stale now.
            let other: ProxyPlan.Container = plan.container == .mp4 ? .webm : .mp4
            unlink(outputDirectory.appendingPathComponent("proxy.\(other.rawValue)").path)
            return (plan, info.format.startSeconds ?? 0)
        }
        let path = outputDirectory.appendingPathComponent("proxy.\(plan.container.rawValue)").path
        let result = try describe(proxy: path, plan: plan, source: input, sourceStart: sourceStart)
        progress?(1.0)
        return result
    }

    /// Reads the written proxy back: what the browser will get, not what was intended.
    private static func describe(proxy path: String, plan: ProxyPlan, source: String, sourceStart: Double) throws(MediaIndexError) -> ProxyResult {
        let info: MediaInfo
        do {
            info = try MediaIndexer.probe(path: path)
        } catch {
            throw MediaIndexError(.outputFailed, "The proxy that was written cannot be read back: \(error.message)", file: source, stage: "proxy")
        }
        guard let video = info.mainVideoStream, let shown = info.displaySize else {
            throw MediaIndexError(.outputFailed, "The proxy that was written has no video stream.", file: source, stage: "proxy")
        }
        let audio = info.streams.first { $0.kind == .audio }
        return ProxyResult(
            file: path, method: plan.method, container: plan.container.rawValue, mimeType: plan.container.mimeType,
            videoCodec: video.codec, audioCodec: audio?.codec, width: shown.width, height: shown.height,
            durationSeconds: video.durationSeconds ?? info.format.durationSeconds ?? 0, size: info.size,
            sourceStartSeconds: sourceStart)
    }
}

/// Calls the progress callback with monotonic values, at most once per percent.
final class ProgressReporter {
    private let callback: (@Sendable (Double) -> Void)?
    private var last = -1.0

    init(callback: (@Sendable (Double) -> Void)?) { self.callback = callback }

    func report(_ fraction: Double) {
        guard let callback, fraction.isFinite else { return }
        // 1.0 is reported once, by the caller, when the proxy is in place.
        let value = min(max(fraction, 0), 0.99)
        guard value >= last + 0.01 else { return }
        last = value
        callback(value)
    }
}

@available(*, unavailable)
extension ProgressReporter: Sendable {}
