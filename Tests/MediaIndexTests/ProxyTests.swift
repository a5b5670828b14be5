import Foundation
import Synchronization
import Testing

@testable import MediaIndex

/// What the proxy of one recording must be.
struct ProxyExpectation: Sendable, CustomTestStringConvertible {
    var name: String
    var method: ProxyResult.Method
    var container: String
    var video: String
    var audio: String?
    /// Upright size of the proxy's picture.
    var width: Int
    var height: Int
    var testDescription: String { name }
}

@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg and ffprobe"))
struct ProxyTests {
    static let samples: [ProxyExpectation] = [
        .init(name: "observation-h264-aac.mp4", method: .remux, container: "mp4", video: "h264", audio: "aac", width: 320, height: 240),
        .init(name: "room-camera-vp9-opus.webm", method: .remux, container: "webm", video: "vp9", audio: "opus", width: 320, height: 240),
        .init(name: "phone-portrait-hevc.mov", method: .transcode, container: "mp4", video: "h264", audio: "aac", width: 240, height: 320),
        .init(name: "legacy-mpeg4-mp3.avi", method: .transcode, container: "mp4", video: "h264", audio: "aac", width: 320, height: 240),
        .init(name: "broadcast-h264-aac.ts", method: .remux, container: "mp4", video: "h264", audio: "aac", width: 320, height: 240),
    ]

    @Test(arguments: samples)
    func proxyOfSampleIsBrowserPlayable(_ expected: ProxyExpectation) throws {
        let source = Fixtures.sample(expected.name)
        #expect(ProxyMaker.plan(for: try MediaIndexer.probe(path: source)) == expected.method)
        let result = try checkedProxy(of: source, expected: expected)
        if expected.name.hasPrefix("phone") {
            // The phone's location and device tags are in the source and must not reach the proxy.
            let before = try FFprobe.probe(source)
            #expect(before.format.tags?["location"] != nil)
            #expect(before.format.tags?.keys.contains { $0.hasPrefix("com.apple.quicktime.") } == true)
            let after = try FFprobe.probe(result.file)
            let keys = Array((after.format.tags ?? [:]).keys) + after.streams.flatMap { Array(($0.tags ?? [:]).keys) }
            #expect(!keys.contains { $0.hasPrefix("location") || $0.hasPrefix("com.apple") || $0 == "creation_time" })
        }
    }

    @Test func downscalesToAtMost540pAndTurnsUpright() throws {
        // 1920x1080 landscape, and the same with a display matrix: upright 1080x1920 portrait.
        let landscape = try ProxyFixtures.generated("hd-mpeg4.mkv")
        try checkedProxy(of: landscape, expected: .init(name: "hd", method: .transcode, container: "mp4", video: "h264", audio: "aac", width: 960, height: 540))
        let portrait = try ProxyFixtures.generated("hd-rotated.mov")
        let upright = try #require(try MediaIndexer.probe(path: portrait).displaySize)
        #expect(upright.width == 1080 && upright.height == 1920)
        try checkedProxy(of: portrait, expected: .init(name: "hd rotated", method: .transcode, container: "mp4", video: "h264", audio: nil, width: 304, height: 540))
    }

    @Test func remuxKeepsTheDisplayMatrix() throws {
        let source = try Fixtures.generated("rotated.mp4")
        let sourceRotation = try FFprobe.probe(source).streams.first { $0.codec_type == "video" }?.side_data_list?.first?.rotation
        #expect(sourceRotation != nil)
        let result = try ProxyMaker.make(input: source, outputDirectory: try Fixtures.temporaryDirectory())
        #expect(result.method == .remux)
        let proxyVideo = try FFprobe.probe(result.file).streams.first { $0.codec_type == "video" }
        #expect(proxyVideo?.side_data_list?.first?.rotation == sourceRotation)
        let info = try MediaIndexer.probe(path: source)
        #expect(result.width == info.displaySize?.width && result.height == info.displaySize?.height)
    }

    @Test func remuxReencodesAudioTheContainerCannotPlay() throws {
        // H.264 with MP3 → MP4 with the video copied and AAC; VP9 with AAC → WebM with the video copied and Opus.
        let mp3 = try ProxyMaker.make(input: try ProxyFixtures.generated("h264-mp3.mkv"), outputDirectory: try Fixtures.temporaryDirectory())
        #expect(mp3.method == .remux && mp3.container == "mp4" && mp3.videoCodec == "h264" && mp3.audioCodec == "aac")
        let aac = try ProxyMaker.make(input: try ProxyFixtures.generated("vp9-aac.mkv"), outputDirectory: try Fixtures.temporaryDirectory())
        #expect(aac.method == .remux && aac.container == "webm" && aac.videoCodec == "vp9" && aac.audioCodec == "opus")
        for result in [mp3, aac] {
            let probe = try FFprobe.probe(result.file)
            let audio = try #require(probe.streams.first { $0.codec_type == "audio" })
            #expect(audio.sample_rate == "48000")
            #expect(abs((Double(probe.format.duration ?? "") ?? 0) - 2) < 0.2)
        }
    }

    @Test func replacesAnEarlierProxyAtomically() throws {
        let directory = try Fixtures.temporaryDirectory()
        let first = try ProxyMaker.make(input: Fixtures.sample("observation-faststart.mp4"), outputDirectory: directory)
        let second = try ProxyMaker.make(input: Fixtures.sample("observation-faststart.mp4"), outputDirectory: directory)
        #expect(first.file == second.file)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["proxy.mp4"])
    }

    @Test(arguments: [
        ("not-a-video.mp4", MediaIndexError.Code.notMedia),
        ("corrupt-truncated.mp4", .truncated),
        ("audio-only.m4a", .noVideoStream),
        ("no-such-file.mp4", .notFound),
    ])
    func badInputFailsCleanly(name: String, code: MediaIndexError.Code) throws {
        let directory = try Fixtures.temporaryDirectory()
        let error = #expect(throws: MediaIndexError.self) {
            try ProxyMaker.make(input: Fixtures.sample(name), outputDirectory: directory)
        }
        #expect(error?.code == code)
        #expect(error?.stage == "proxy")
        #expect(error?.message.isEmpty == false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func unwritableOutputIsAnOutputFailure() throws {
        // A plain file where the output folder should be.
        let blocker = try Fixtures.write(Data("x".utf8), named: "not-a-folder")
        let error = #expect(throws: MediaIndexError.self) {
            try ProxyMaker.make(input: Fixtures.sample("observation-faststart.mp4"), outputDirectory: URL(fileURLWithPath: blocker))
        }
        #expect(error?.code == .outputFailed)
        #expect(error?.stage == "proxy")
    }

    @Test func reportCarriesTheProxyOnlyWhenMade() throws {
        let source = Fixtures.sample("observation-faststart.mp4")
        var report = IndexReport(result: try MediaIndexer.index(path: source), includeKeyframeTimes: false)
        let encoder = JSONEncoder()
        let without = try #require(try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any])
        #expect(without["proxy"] == nil && without["keyframes"] != nil)
        report.proxy = try ProxyMaker.make(input: source, outputDirectory: try Fixtures.temporaryDirectory())
        let with = try #require(try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any])
        let proxy = try #require(with["proxy"] as? [String: Any])
        for key in ["file", "method", "container", "mimeType", "videoCodec", "audioCodec", "width", "height", "durationSeconds", "size", "sourceStartSeconds"] {
            #expect(proxy[key] != nil, "missing proxy.\(key)")
        }
        #expect(proxy["method"] as? String == "remux")
        #expect(try JSONDecoder().decode(IndexReport.self, from: encoder.encode(report)) == report)
    }

    // MARK: Pure decisions

    @Test(arguments: [
        // video, pixel format, rotation, audio, channels → container, video, audio
        PlanCase("h264", audio: "aac", container: .mp4, video: .copy, audioPlan: .copy),
        PlanCase("h264", audio: nil, container: .mp4, video: .copy, audioPlan: nil),
        PlanCase("h264", rotation: 90, audio: "aac", container: .mp4, video: .copy, audioPlan: .copy),
        PlanCase("h264", audio: "mp3", container: .mp4, video: .copy, audioPlan: .encodeAAC),
        PlanCase("h264", audio: "aac", channels: 6, container: .mp4, video: .copy, audioPlan: .encodeAAC),
        PlanCase("h264", pixelFormat: "yuv420p10le", audio: "aac", container: .mp4, video: .encodeH264, audioPlan: .copy),
        PlanCase("h264", pixelFormat: "yuv422p", audio: "pcm_s16le", container: .mp4, video: .encodeH264, audioPlan: .encodeAAC),
        PlanCase("hevc", rotation: 90, audio: "aac", container: .mp4, video: .encodeH264, audioPlan: .copy),
        PlanCase("vp9", audio: "opus", container: .webm, video: .copy, audioPlan: .copy),
        PlanCase("vp8", audio: "vorbis", container: .webm, video: .copy, audioPlan: .copy),
        PlanCase("av1", audio: nil, container: .webm, video: .copy, audioPlan: nil),
        PlanCase("vp9", audio: "aac", container: .webm, video: .copy, audioPlan: .encodeOpus),
        PlanCase("vp9", rotation: 270, audio: "opus", container: .mp4, video: .encodeH264, audioPlan: .encodeAAC),
        PlanCase("mpeg4", audio: "mp3", container: .mp4, video: .encodeH264, audioPlan: .encodeAAC),
        PlanCase("wmv3", audio: "wmav2", container: .mp4, video: .encodeH264, audioPlan: .encodeAAC),
        PlanCase("mpeg2video", audio: "mp2", container: .mp4, video: .encodeH264, audioPlan: .encodeAAC),
        PlanCase("mjpeg", pixelFormat: "yuvj422p", audio: "pcm_s16le", container: .mp4, video: .encodeH264, audioPlan: .encodeAAC),
    ])
    func planDecidesFromCodecs(_ c: PlanCase) {
        let plan = ProxyPlan(info: c.info)
        #expect(plan.container == c.container)
        #expect(plan.video == c.video)
        #expect(plan.audio == c.audioPlan)
        #expect(ProxyMaker.plan(for: c.info) == (c.video == .copy ? .remux : .transcode))
        #expect(plan.videoStream == 0)
        #expect(plan.audioStream == (c.audio == nil ? nil : 1))
    }

    @Test(arguments: [
        // width, height, sample aspect, rotation, max height → width, height
        (1920, 1080, 1.0, 0, 720, 1280, 720),
        (1920, 1080, 1.0, 90, 720, 406, 720),
        (1920, 1080, 1.0, 270, 720, 406, 720),
        (3840, 2160, 1.0, 180, 720, 1280, 720),
        (320, 240, 1.0, 90, 720, 240, 320),
        (320, 240, 1.0, 0, 720, 320, 240),
        (720, 480, 32.0 / 27.0, 0, 720, 854, 480),
        (720, 576, 16.0 / 15.0, 0, 480, 640, 480),
        (241, 181, 1.0, 0, 720, 240, 180),
        (1280, 720, 1.0, 0, 360, 640, 360),
    ])
    func transcodeSizeIsUprightEvenAndNeverUpscaled(_ w: Int, _ h: Int, _ sar: Double, _ rotation: Int, _ maxHeight: Int, _ ew: Int, _ eh: Int) {
        let size = ProxyPlan.outputSize(width: w, height: h, sampleAspect: sar, rotationDegrees: rotation, maxHeight: maxHeight)
        #expect(size.width == ew && size.height == eh)
    }
}

/// One row of the plan table.
struct PlanCase: Sendable, CustomTestStringConvertible {
    var codec: String
    var pixelFormat: String
    var rotation: Int
    var audio: String?
    var channels: Int
    var container: ProxyPlan.Container
    var video: ProxyPlan.Video
    var audioPlan: ProxyPlan.Audio?

    init(_ codec: String, pixelFormat: String = "yuv420p", rotation: Int = 0, audio: String?, channels: Int = 2,
         container: ProxyPlan.Container, video: ProxyPlan.Video, audioPlan: ProxyPlan.Audio?) {
        self.codec = codec
        self.pixelFormat = pixelFormat
        self.rotation = rotation
        self.audio = audio
        self.channels = channels
        self.container = container
        self.video = video
        self.audioPlan = audioPlan
    }

    var testDescription: String { "\(codec) \(pixelFormat) rot \(rotation) + \(audio ?? "no audio") ×\(channels)" }

    var info: MediaInfo {
        var streams = [Self.stream(index: 0, kind: .video, codec: codec, pixelFormat: pixelFormat, rotation: rotation)]
        if let audio { streams.append(Self.stream(index: 1, kind: .audio, codec: audio, channels: channels)) }
        return MediaInfo(
            file: "table", size: 1,
            format: .init(name: "matroska,webm", longName: "", durationSeconds: 10, startSeconds: 0, bitRate: nil, creationTime: nil, tags: [:], personalDataTags: []),
            streams: streams, chapters: [])
    }

    static func stream(index: Int, kind: MediaInfo.StreamKind, codec: String, pixelFormat: String? = nil, rotation: Int? = nil, channels: Int? = nil) -> MediaInfo.Stream {
        MediaInfo.Stream(
            index: index, kind: kind, codec: codec, codecLongName: nil, profile: nil, codecTag: nil,
            width: kind == .video ? 1920 : nil, height: kind == .video ? 1080 : nil, pixelFormat: pixelFormat,
            sampleAspectRatio: nil, displayAspectRatio: nil, rotationDegrees: rotation, averageFrameRate: nil,
            realFrameRate: nil, variableFrameRate: nil, sampleRate: kind == .audio ? 48_000 : nil, sampleFormat: nil,
            channels: channels, channelLayout: nil, language: nil, durationSeconds: 10, frameCount: nil, bitRate: nil,
            timeBase: "1/1000", isDefault: true, tags: [:])
    }
}

/// Makes a proxy and checks it against ffprobe and the indexer; returns it.
@discardableResult
func checkedProxy(of source: String, expected: ProxyExpectation, sourceLine: SourceLocation = #_sourceLocation) throws -> ProxyResult {
    let directory = try Fixtures.temporaryDirectory()
    let reported = Mutex<[Double]>([])
    let result = try ProxyMaker.make(input: source, outputDirectory: directory) { value in reported.withLock { $0.append(value) } }

    // What we report.
    #expect(result.method == expected.method, sourceLocation: sourceLine)
    #expect(result.container == expected.container, sourceLocation: sourceLine)
    #expect(result.mimeType == "video/\(expected.container)", sourceLocation: sourceLine)
    #expect(result.file == directory.appendingPathComponent("proxy.\(expected.container)").path, sourceLocation: sourceLine)
    #expect(result.videoCodec == expected.video && result.audioCodec == expected.audio, sourceLocation: sourceLine)
    #expect(result.width == expected.width && result.height == expected.height, sourceLocation: sourceLine)
    // Nothing but the proxy is left in the folder (no temporary file).
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["proxy.\(expected.container)"], sourceLocation: sourceLine)

    // Progress rises to exactly 1.
    let values = reported.withLock { $0 }
    #expect(values.count >= 2, sourceLocation: sourceLine)
    #expect(values == values.sorted(), sourceLocation: sourceLine)
    #expect(values.last == 1.0, sourceLocation: sourceLine)
    #expect(values.allSatisfy { (0...1).contains($0) }, sourceLocation: sourceLine)

    // What ffprobe sees.
    let probe = try FFprobe.probe(result.file)
    let original = try FFprobe.probe(source)
    let video = try #require(probe.streams.first { $0.codec_type == "video" }, sourceLocation: sourceLine)
    #expect(video.codec_name == expected.video, sourceLocation: sourceLine)
    #expect(probe.streams.first { $0.codec_type == "audio" }?.codec_name == expected.audio, sourceLocation: sourceLine)
    #expect(probe.streams.count == (expected.audio == nil ? 1 : 2), sourceLocation: sourceLine)
    #expect(Int64(result.size) == Int64(probe.format.size ?? "") ?? -1, sourceLocation: sourceLine)
    if expected.method == .transcode {
        #expect(video.width == expected.width && video.height == expected.height, sourceLocation: sourceLine)
        #expect(video.pix_fmt == "yuv420p", sourceLocation: sourceLine)
        #expect(video.side_data_list?.contains { $0.side_data_type == "Display Matrix" } != true, sourceLocation: sourceLine)
    }
    let sourceVideo = try #require(original.streams.first { $0.codec_type == "video" }, sourceLocation: sourceLine)
    let sourceDuration = try #require(Double(sourceVideo.duration ?? original.format.duration ?? ""), sourceLocation: sourceLine)
    let proxyDuration = try #require(Double(video.duration ?? probe.format.duration ?? ""), sourceLocation: sourceLine)
    #expect(abs(proxyDuration - sourceDuration) <= 0.2, "proxy \(proxyDuration) s, source \(sourceDuration) s", sourceLocation: sourceLine)
    #expect(abs(result.durationSeconds - proxyDuration) <= 0.05, sourceLocation: sourceLine)
    if expected.container == "mp4" {
        let boxes = try topLevelBoxes(result.file)
        let moov = try #require(boxes.firstIndex(of: "moov"), sourceLocation: sourceLine)
        let mdat = try #require(boxes.firstIndex(of: "mdat"), sourceLocation: sourceLine)
        #expect(moov < mdat, "faststart: \(boxes)", sourceLocation: sourceLine)
    }

    // No tag of the source's survives; only what the muxer writes for itself.
    let muxerFormatTags: Set<String> = ["major_brand", "minor_version", "compatible_brands", "ENCODER", "encoder"]
    let muxerStreamTags: Set<String> = ["language", "handler_name", "vendor_id", "DURATION", "ENCODER", "encoder"]
    let formatTags = Set((probe.format.tags ?? [:]).keys)
    #expect(formatTags.isSubset(of: muxerFormatTags), "format tags \(formatTags)", sourceLocation: sourceLine)
    for stream in probe.streams {
        let keys = Set((stream.tags ?? [:]).keys)
        #expect(keys.isSubset(of: muxerStreamTags), "stream \(stream.index) tags \(keys)", sourceLocation: sourceLine)
    }
    let sourceTagValues = Set((original.format.tags ?? [:]).filter { !muxerFormatTags.contains($0.key) }.values)
    let proxyTagValues = Set((probe.format.tags ?? [:]).values)
    #expect(sourceTagValues.isDisjoint(with: proxyTagValues), sourceLocation: sourceLine)
    #expect(probe.chapters?.isEmpty ?? true, sourceLocation: sourceLine)

    // The indexer accepts the proxy; a transcode can be sought anywhere within about 2 s.
    let index = try MediaIndexer.index(path: result.file)
    let keyframes = index.timeline.seconds
    #expect(!keyframes.isEmpty, sourceLocation: sourceLine)
    if expected.method == .transcode {
        let gaps = zip(keyframes.dropFirst(), keyframes).map { $0 - $1 } + [proxyDuration - (keyframes.last ?? 0)]
        #expect((keyframes.first ?? 1) < 0.1, sourceLocation: sourceLine)
        #expect(gaps.allSatisfy { $0 <= 2.5 }, "keyframes \(keyframes)", sourceLocation: sourceLine)
    }
    return result
}

/// The top-level ISO BMFF box types of a file, in order.
func topLevelBoxes(_ path: String) throws -> [String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var boxes: [String] = []
    var offset = 0
    while offset + 8 <= data.count {
        let bytes = [UInt8](data[offset..<offset + 8])
        var size = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        boxes.append(String(decoding: bytes[4..<8], as: UTF8.self))
        if size == 1, offset + 16 <= data.count {
            size = [UInt8](data[offset + 8..<offset + 16]).reduce(0) { $0 << 8 | Int($1) }
        } else if size == 0 {
            size = data.count - offset
        }
        guard size >= 8 else { break }
        offset += size
    }
    return boxes
}

/// Recordings only the proxy tests need, generated once per run with the ffmpeg CLI.
enum ProxyFixtures {
    static let generated: [String: String] = {
        guard Fixtures.haveFFmpegTools, let directory = try? Fixtures.temporaryDirectory() else { return [:] }
        let tone = ["-f", "lavfi", "-i", "sine=f=440:sample_rate=44100"]
        let recipes: [(String, [String])] = [
            ("hd-mpeg4.mkv", ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25"] + tone + ["-t", "2", "-c:v", "mpeg4", "-q:v", "8", "-g", "25", "-c:a", "libmp3lame", "-ac", "2"]),
            ("hd-mpeg4.mov", ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-t", "2", "-c:v", "mpeg4", "-q:v", "8", "-g", "25"]),
            ("h264-mp3.mkv", ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25"] + tone + ["-t", "2", "-c:v", "libx264", "-g", "25", "-c:a", "libmp3lame", "-threads", "1"]),
            ("vp9-aac.mkv", ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25"] + tone + ["-t", "2", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "25", "-c:a", "aac", "-threads", "1"]),
        ]
        var made: [String: String] = [:]
        for (name, arguments) in recipes {
            let path = directory.appendingPathComponent(name).path
            if (try? run(Fixtures.ffmpeg, ["-v", "error", "-y"] + arguments + [path])) != nil { made[name] = path }
        }
        // A display matrix: FFmpeg 5.1 writes one from the rotate tag only when copying.
        if let plain = made["hd-mpeg4.mov"] {
            let path = directory.appendingPathComponent("hd-rotated.mov").path
            if (try? run(Fixtures.ffmpeg, ["-v", "error", "-y", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", path])) != nil { made["hd-rotated.mov"] = path }
        }
        return made
    }()

    static func generated(_ name: String) throws -> String {
        guard let path = generated[name] else { throw FixtureError(message: "fixture \(name) could not be generated (is ffmpeg installed?)") }
        return path
    }
}

/// `OBSREVIEW_PROXY_TIMINGS=1 swift test --filter ProxyTimings` prints how long each sample's proxy takes
/// (median of 5 runs, in process) — the figures in docs/decisions/0004-proxy.md.
@Suite(.enabled(if: Fixtures.haveFFmpegTools && ProcessInfo.processInfo.environment["OBSREVIEW_PROXY_TIMINGS"] == "1"))
struct ProxyTimings {
    @Test func timeEachSample() throws {
        for expected in ProxyTests.samples {
            var times: [Double] = []
            for _ in 0..<5 {
                let directory = try Fixtures.temporaryDirectory()
                let clock = ContinuousClock()
                let elapsed = try clock.measure { _ = try ProxyMaker.make(input: Fixtures.sample(expected.name), outputDirectory: directory) }
                times.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
            }
            let median = times.sorted()[times.count / 2]
            print(String(format: "proxy timing: %@ %@ %.0f ms (min %.0f ms)", expected.name, expected.method.rawValue, median * 1000, (times.min() ?? 0) * 1000))
        }
    }
}
