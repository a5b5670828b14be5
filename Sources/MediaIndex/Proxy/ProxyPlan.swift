/// What a proxy does with each stream: a pure decision from the probe. See docs/decisions/0004-proxy.md.
struct ProxyPlan: Sendable, Equatable {
    enum Container: String, Sendable {
        case mp4, webm

        var mimeType: String { self == .mp4 ? "video/mp4" : "video/webm" }
        /// libavformat's muxer name.
        var muxer: String { rawValue }
    }

    enum Video: Sendable, Equatable {
        /// Copy the packets unchanged (and the display matrix, in MP4).
        case copy
        /// Decode, turn upright, scale and encode with libx264.
        case encodeH264
    }

    enum Audio: Sendable, Equatable {
        case copy
        case encodeAAC
        case encodeOpus
    }

    var container: Container
    var video: Video
    /// Nil when the recording is silent.
    var audio: Audio?
    /// Input stream indexes; nil when there is no such stream.
    var videoStream: Int?
    var audioStream: Int?

    var method: ProxyResult.Method { video == .copy ? .remux : .transcode }

    /// Codecs Chromium decodes in a WebM, and the audio that goes with them there.
    static let webmVideo: Set<String> = ["vp8", "vp9", "av1"]
    static let webmAudio: Set<String> = ["opus", "vorbis"]

    init(info: MediaInfo) {
        let video = info.mainVideoStream
        let audio = Self.mainAudioStream(info)
        videoStream = video?.index
        audioStream = audio?.index

        let codec = video?.codec ?? ""
        let upright = (video?.rotationDegrees ?? 0) % 360 == 0
        if Self.webmVideo.contains(codec), upright {
            // Matroska (FFmpeg 5.1) cannot carry a display matrix: a rotated VP9 is transcoded instead.
            container = .webm
            self.video = .copy
        } else if codec == "h264", Self.isPlayableH264(video) {
            container = .mp4
            self.video = .copy
        } else {
            container = .mp4
            self.video = .encodeH264
        }

        if let audio {
            switch container {
            case .mp4: self.audio = audio.codec == "aac" && (audio.channels ?? 2) <= 2 ? .copy : .encodeAAC
            case .webm: self.audio = Self.webmAudio.contains(audio.codec) && (audio.channels ?? 2) <= 2 ? .copy : .encodeOpus
            }
        } else {
            self.audio = nil
        }
    }

    /// 8-bit 4:2:0 H.264: what Chromium's software decoder plays (not High 10, 4:2:2 or 4:4:4).
    static func isPlayableH264(_ stream: MediaInfo.Stream?) -> Bool {
        guard let stream else { return false }
        if let format = stream.pixelFormat, !["yuv420p", "yuvj420p"].contains(format) { return false }
        if let profile = stream.profile?.lowercased(), profile.contains("10") || profile.contains("4:2:2") || profile.contains("4:4:4") {
            return false
        }
        return true
    }

    /// The first default audio stream, else the first audio stream.
    static func mainAudioStream(_ info: MediaInfo) -> MediaInfo.Stream? {
        let audios = info.streams.filter { $0.kind == .audio }
        return audios.first(where: \.isDefault) ?? audios.first
    }

    /// The size of the transcoded picture: upright (after `rotationDegrees`), square pixels, at most
    /// `maxHeight` tall, never larger than the source, both sides even.
    static func outputSize(width: Int, height: Int, sampleAspect: Double, rotationDegrees: Int, maxHeight: Int) -> (width: Int, height: Int) {
        let aspect = sampleAspect.isFinite && sampleAspect > 0 ? sampleAspect : 1
        var shownWidth = Double(width) * aspect
        var shownHeight = Double(height)
        if rotationDegrees % 180 != 0 { swap(&shownWidth, &shownHeight) }
        let targetHeight = min(Double(max(maxHeight, 2)), shownHeight)
        let targetWidth = shownWidth * targetHeight / shownHeight
        // Round to even, but never past the source's own size (an odd 241 becomes 240, not 242).
        return (min(even(targetWidth), evenBelow(shownWidth.rounded(.up))), evenBelow(targetHeight))
    }

    private static func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
    private static func evenBelow(_ value: Double) -> Int { max(2, Int(value / 2) * 2) }
}
