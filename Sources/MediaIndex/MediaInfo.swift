/// What probing a recording tells: its container, streams, chapters and tags. A plain `Sendable` value.
public struct MediaInfo: Sendable, Codable, Equatable {
    /// The path that was probed.
    public var file: String
    /// The file's size in bytes.
    public var size: UInt64
    public var format: Format
    public var streams: [Stream]
    public var chapters: [Chapter]

    /// The container and its global facts.
    public struct Format: Sendable, Codable, Equatable {
        /// libavformat's short name (`mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `mpegts`, …).
        public var name: String
        public var longName: String
        public var durationSeconds: Double?
        public var startSeconds: Double?
        /// Bits per second, as the container reports or libavformat estimates it.
        public var bitRate: Int64?
        /// The `creation_time` tag, as written (ISO 8601), when present.
        public var creationTime: String?
        /// Every container-level tag, verbatim.
        public var tags: [String: String]
        /// Keys of tags (container or stream, as `stream:N:key`) that carry personal data: a location,
        /// a device or an owner. A proxy or an export must drop them.
        public var personalDataTags: [String]
    }

    /// The kind of an elementary stream. Cover art (an attached picture) is an `attachment`, not video.
    public enum StreamKind: String, Sendable, Codable, Equatable {
        case video, audio, subtitle, data, attachment, unknown
    }

    /// One elementary stream.
    public struct Stream: Sendable, Codable, Equatable {
        public var index: Int
        public var kind: StreamKind
        /// Codec short name (`h264`, `hevc`, `aac`, …).
        public var codec: String
        public var codecLongName: String?
        public var profile: String?
        public var codecTag: String?
        public var width: Int?
        public var height: Int?
        public var pixelFormat: String?
        /// `num:den`, when known.
        public var sampleAspectRatio: String?
        public var displayAspectRatio: String?
        /// Clockwise rotation, in degrees (0, 90, 180, 270), needed to show the picture upright,
        /// read from the display-matrix side data.
        public var rotationDegrees: Int?
        public var averageFrameRate: Double?
        /// The lowest frame rate that represents all timestamps exactly (`r_frame_rate`).
        public var realFrameRate: Double?
        /// True when frames are not evenly spaced (the average and the real frame rates disagree).
        public var variableFrameRate: Bool?
        public var sampleRate: Int?
        public var sampleFormat: String?
        public var channels: Int?
        public var channelLayout: String?
        public var language: String?
        public var durationSeconds: Double?
        /// The number of frames, when the container records it.
        public var frameCount: Int64?
        public var bitRate: Int64?
        public var timeBase: String
        public var isDefault: Bool
        public var tags: [String: String]
    }

    /// A chapter marker.
    public struct Chapter: Sendable, Codable, Equatable {
        public var id: Int64
        public var startSeconds: Double
        public var endSeconds: Double
        public var title: String?
    }

    /// The main video stream: the first default video stream, else the first video stream.
    public var mainVideoStream: Stream? {
        let videos = streams.filter { $0.kind == .video }
        return videos.first(where: \.isDefault) ?? videos.first
    }

    /// Width and height as shown, after rotation.
    public var displaySize: (width: Int, height: Int)? {
        guard let video = mainVideoStream, let w = video.width, let h = video.height else { return nil }
        return (video.rotationDegrees ?? 0) % 180 == 0 ? (w, h) : (h, w)
    }
}
