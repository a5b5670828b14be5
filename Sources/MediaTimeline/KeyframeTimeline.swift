/// Presentation times of the main video stream's keyframes, and where they came from.
public struct KeyframeTimeline: Sendable, Codable, Equatable {
    /// How the keyframe times were obtained.
    public enum Source: String, Sendable, Codable, Equatable {
        /// MP4/MOV sample tables (`stss`, `stts`, `ctts`, `elst`) read from the `moov` box.
        case mp4SampleTables
        /// Matroska/WebM cues.
        case matroskaCues
        /// The AVI `idx1` index.
        case aviIndex
        /// A scan of every video packet (no decoding), for containers without an index.
        case packetScan
        /// MPEG-TS read packet by packet without libavformat: PAT/PMT, PES timestamps and the first NAL
        /// units of each picture (H.264, HEVC).
        case transportStreamScan
    }

    public var source: Source
    /// Presentation time, in seconds, of every keyframe, in presentation order, as `ffprobe -show_packets`
    /// reports `pts_time`.
    public var seconds: [Double]
    /// Gaps and backward jumps in the video stream's timestamps.
    public var discontinuities: [Discontinuity]
    /// Whether discontinuities were looked for in every frame's timestamp or only in keyframes'.
    public var discontinuityCheck: DiscontinuityCheck
    /// Byte positions of the keyframes, where a packet scan found them (for exact seeking in containers
    /// whose timestamp seeking is approximate, such as MPEG-TS). Not part of the encoded form.
    package var bytePositions: [Int64]? = nil

    package init(
        source: Source, seconds: [Double], discontinuities: [Discontinuity], discontinuityCheck: DiscontinuityCheck,
        bytePositions: [Int64]? = nil
    ) {
        self.source = source
        self.seconds = seconds
        self.discontinuities = discontinuities
        self.discontinuityCheck = discontinuityCheck
        self.bytePositions = bytePositions
    }

    private enum CodingKeys: String, CodingKey { case source, seconds, discontinuities, discontinuityCheck }
}

/// How thoroughly timestamps were checked for discontinuities.
public enum DiscontinuityCheck: String, Sendable, Codable, Equatable {
    /// Every video frame's timestamp was checked.
    case everyFrame
    /// Only keyframe times were available (a keyframe-only index): small gaps inside a group of
    /// pictures cannot be seen.
    case keyframesOnly
}

/// A break in a video stream's timestamps: a sign that a recording was cut or joined.
public struct Discontinuity: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, Equatable {
        /// Time jumps forward by much more than a frame.
        case gap
        /// Time goes backwards (or repeats).
        case backwardJump
        /// The container's edit list splices separate pieces of media together.
        case splice
    }
    public var kind: Kind
    /// The presentation time (seconds) of the last timestamp before the break.
    public var atSeconds: Double
    /// The size of the jump in seconds (negative for a backward jump).
    public var jumpSeconds: Double

    package init(kind: Kind, atSeconds: Double, jumpSeconds: Double) {
        self.kind = kind
        self.atSeconds = atSeconds
        self.jumpSeconds = jumpSeconds
    }
}
