import Foundation
import Testing

@testable import MediaIndex

/// Every kind of recording a person may bring: legacy camera and archive formats are indexed and get an H.264
/// proxy a browser plays; audio-only files get `noVideoStream` whatever their container. Made with the ffmpeg
/// CLI (FFmpeg has no WMV3/VC-1 encoder, so those two are covered by the allow-list only).
@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg to make fixtures"))
struct LegacyFormatTests {
    static let picture = ["-f", "lavfi", "-i", "testsrc2=size=176x144:rate=25", "-f", "lavfi", "-i", "sine=f=440:sample_rate=44100", "-t", "2"]

    /// name → (ffmpeg arguments, the video codec FFmpeg should report).
    static let videos: [String: (arguments: [String], codec: String)] = [
        "wmv1.wmv": (picture + ["-c:v", "wmv1", "-c:a", "wmav2"], "wmv1"),
        "wmv2.wmv": (picture + ["-c:v", "wmv2", "-c:a", "wmav2"], "wmv2"),
        "mpeg2-ps.mpg": (picture + ["-c:v", "mpeg2video", "-c:a", "mp2"], "mpeg2video"),
        "mpeg2-ts.ts": (picture + ["-c:v", "mpeg2video", "-c:a", "mp2"], "mpeg2video"),
        "mjpeg.avi": (picture + ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-c:a", "pcm_s16le"], "mjpeg"),
        "dv.dv": (["-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25", "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000", "-t", "1",
                   "-pix_fmt", "yuv420p", "-c:v", "dvvideo", "-c:a", "pcm_s16le", "-ac", "2"], "dvvideo"),
        "h263.3gp": (picture + ["-c:v", "h263", "-c:a", "aac", "-ar", "8000", "-ac", "1"], "h263"),
        "prores.mov": (picture + ["-c:v", "prores_ks", "-c:a", "pcm_s16le"], "prores"),
        "mpeg4-part2.mp4": (picture + ["-c:v", "mpeg4", "-c:a", "aac"], "mpeg4"),
        "msmpeg4v3.avi": (picture + ["-c:v", "msmpeg4", "-c:a", "libmp3lame"], "msmpeg4v3"),
    ]

    static let audio: [String: [String]] = [
        "speech.mp3": ["-c:a", "libmp3lame"],
        "speech.m4a": ["-c:a", "aac"],
        "speech.wav": ["-c:a", "pcm_s16le"],
        "speech.ogg": ["-c:a", "libvorbis"],
        "speech.opus": ["-c:a", "libopus"],
    ]

    static let directory = try? Fixtures.temporaryDirectory()

    static func make(_ name: String, _ arguments: [String]) throws -> String {
        guard let directory else { throw FixtureError(message: "no scratch directory") }
        let path = directory.appendingPathComponent(name).path
        if !FileManager.default.fileExists(atPath: path) {
            _ = try run(Fixtures.ffmpeg, ["-v", "error", "-y"] + arguments + [path])
        }
        return path
    }

    @Test(arguments: videos.keys.sorted())
    func legacyVideoIsIndexedAndGetsAPlayableProxy(_ name: String) throws {
        let (arguments, codec) = Self.videos[name]!
        let path = try Self.make(name, arguments)
        let result = try MediaIndexer.index(path: path)
        #expect(result.info.mainVideoStream?.codec == codec)
        let proxy = try ProxyMaker.make(input: path, outputDirectory: try Fixtures.temporaryDirectory())
        #expect(proxy.method == .transcode)
        #expect(proxy.videoCodec == "h264")
        #expect(proxy.container == "mp4")
        // The proxy itself is a recording FFmpeg reads back as H.264 of about the source's length.
        let back = try MediaIndexer.index(path: proxy.file)
        #expect(back.info.mainVideoStream?.codec == "h264")
        #expect(abs((back.info.format.durationSeconds ?? 0) - (result.info.format.durationSeconds ?? 0)) < 0.5)
    }

    @Test(arguments: audio.keys.sorted())
    func audioOnlyIsRefusedAsNoVideoWhateverTheContainer(_ name: String) throws {
        let path = try Self.make(name, ["-f", "lavfi", "-i", "sine=f=440:sample_rate=48000", "-t", "2"] + Self.audio[name]!)
        do {
            _ = try MediaIndexer.index(path: path)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.code == .noVideoStream, "\(name): \(error.debugDescription)")
            #expect(error.message.contains("no video stream"))
        }
    }
}
