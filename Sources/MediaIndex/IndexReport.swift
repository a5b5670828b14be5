public import MediaTimeline

/// The JSON document `obsreview index --json` prints for one file (one per line), and the service stores.
/// Its keys are a contract other tools rely on: add keys, never rename or remove them.
public struct IndexReport: Sendable, Codable, Equatable {
    public struct Keyframes: Sendable, Codable, Equatable {
        public var source: KeyframeTimeline.Source
        public var count: Int
        /// Present when asked for (`--keyframes`).
        public var seconds: [Double]?
    }

    public struct Failure: Sendable, Codable, Equatable {
        public var code: String
        public var message: String
        public var stage: String?
        public var ffmpegCode: Int32?
        public var ffmpegMessage: String?

        public init(_ error: MediaIndexError) {
            code = error.code.rawValue
            message = error.message
            stage = error.stage
            ffmpegCode = error.ffmpegCode
            ffmpegMessage = error.ffmpegMessage
        }
    }

    public var file: String
    public var size: UInt64?
    public var sha256: String?
    public var format: MediaInfo.Format?
    public var streams: [MediaInfo.Stream]?
    public var chapters: [MediaInfo.Chapter]?
    public var videoStreamIndex: Int?
    public var keyframes: Keyframes?
    public var discontinuities: [Discontinuity]?
    public var discontinuityCheck: DiscontinuityCheck?
    public var thumbnails: [Thumbnail]?
    /// The browser-playable proxy, when asked for (`--proxy`).
    public var proxy: ProxyResult?
    public var error: Failure?

    /// The report of a file that was indexed.
    public init(result: IndexResult, includeKeyframeTimes: Bool) {
        file = result.info.file
        size = result.info.size
        sha256 = result.sha256
        format = result.info.format
        streams = result.info.streams
        chapters = result.info.chapters
        videoStreamIndex = result.videoStreamIndex
        keyframes = Keyframes(
            source: result.timeline.source, count: result.timeline.seconds.count,
            seconds: includeKeyframeTimes ? result.timeline.seconds : nil)
        discontinuities = result.timeline.discontinuities
        discontinuityCheck = result.timeline.discontinuityCheck
        thumbnails = result.thumbnails
    }

    /// The report of a keyframe timeline read on its own (`obsreview timeline`): the file, its keyframes with
    /// their times, and the discontinuities; no probe facts.
    public init(file: String, timeline: KeyframeTimeline) {
        self.file = file
        keyframes = Keyframes(source: timeline.source, count: timeline.seconds.count, seconds: timeline.seconds)
        discontinuities = timeline.discontinuities
        discontinuityCheck = timeline.discontinuityCheck
    }

    /// The report of a file that could not be indexed.
    public init(file: String, error: MediaIndexError) {
        self.file = file
        self.error = Failure(error)
    }
}
