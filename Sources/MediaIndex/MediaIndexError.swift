import CFFmpeg

/// Why a file could not be indexed: a stable `code` for programs, a `message` for people that says what
/// was wrong and what to do, and the FFmpeg error behind it when there is one.
public struct MediaIndexError: Error, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable, extensible error code (the JSON output and the service store its raw value).
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The file does not exist.
        public static let notFound = Code(rawValue: "notFound")
        /// The file exists but cannot be read (permissions, a directory, an I/O error).
        public static let unreadable = Code(rawValue: "unreadable")
        /// The file has no bytes.
        public static let empty = Code(rawValue: "empty")
        /// The file is not a video container we accept (text, an image, random bytes).
        public static let notMedia = Code(rawValue: "notMedia")
        /// The file is a container whose data stops before its own header says it should.
        public static let truncated = Code(rawValue: "truncated")
        /// The file holds no video stream (audio only, or only cover art).
        public static let noVideoStream = Code(rawValue: "noVideoStream")
        /// The video codec is not one we can index and play.
        public static let unsupportedCodec = Code(rawValue: "unsupportedCodec")
        /// The file is over a configured limit (size, dimensions or duration).
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// The file is damaged in a way the demuxer or decoder reported.
        public static let corrupt = Code(rawValue: "corrupt")
        /// Writing an output (a thumbnail, a proxy) failed.
        public static let outputFailed = Code(rawValue: "outputFailed")
    }

    public var code: Code
    /// Safe to show to the person who uploaded the file.
    public var message: String
    /// The file the error is about.
    public var file: String
    /// The FFmpeg (AVERROR) code behind the error, when there is one.
    public var ffmpegCode: Int32?
    /// FFmpeg's text for `ffmpegCode`.
    public var ffmpegMessage: String?
    /// Where in the pipeline it happened (`open`, `probe`, `timeline`, `thumbnails`, `hash`, `proxy`).
    public var stage: String

    public init(
        _ code: Code, _ message: String, file: String, stage: String,
        ffmpegCode: Int32? = nil, ffmpegMessage: String? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.stage = stage
        self.ffmpegCode = ffmpegCode
        self.ffmpegMessage = ffmpegMessage
    }

    /// An error carrying an FFmpeg return code and its text.
    static func ffmpeg(
        _ code: Code, _ message: String, file: String, stage: String, averror: Int32
    ) -> MediaIndexError {
        MediaIndexError(code, message, file: file, stage: stage, ffmpegCode: averror, ffmpegMessage: FFmpeg.describe(averror))
    }

    public var description: String { "\(code): \(message)" }

    public var debugDescription: String {
        var text = "MediaIndexError(\(code), stage: \(stage), file: \(file)): \(message)"
        if let ffmpegCode { text += " [FFmpeg \(ffmpegCode): \(ffmpegMessage ?? "?")]" }
        return text
    }
}

/// Small helpers around FFmpeg's global state and error codes.
enum FFmpeg {
    /// FFmpeg's text for an AVERROR code.
    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { obs_strerror(code, $0.baseAddress, $0.count) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Keeps libav's own logging off stdout/stderr: errors reach the caller as `MediaIndexError`s.
    static let quietLogging: Void = { av_log_set_level(AV_LOG_QUIET) }()

    /// Frees a frame or packet allocated with `av_frame_alloc`/`av_packet_alloc` (their free functions
    /// take a pointer to the pointer).
    static func free(_ frame: UnsafeMutablePointer<AVFrame>) {
        var pointer: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&pointer)
    }

    static func free(_ packet: UnsafeMutablePointer<AVPacket>) {
        var pointer: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&pointer)
    }

    static let noPTS: Int64 = obs_nopts_value()
    static let eof: Int32 = obs_averror_eof()
    static let again: Int32 = obs_averror_eagain()
}
