import Foundation
import Testing

@testable import MediaIndex
@testable import MediaTimeline

/// The transport-stream scan (decision 23) against ffprobe, on the samples and on generated streams that
/// exercise what it must get right: B-frames, HEVC, open groups of pictures (H.264 recovery points, HEVC
/// CRA), intra refresh, PTS wrap-around, files cut short, PCR-only packets, several programs.
@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg and ffprobe"))
struct TransportStreamTests {
    static var scanned: [String] {
        Fixtures.videoSamples.filter { $0.hasSuffix(".ts") } + TransportStreamFixtures.names.compactMap { TransportStreamFixtures.generated[$0] }
    }

    @Test("keyframe times equal ffprobe's, tick for tick", arguments: scanned)
    func keyframesEqualFFprobe(path: String) throws {
        let timeline = try MediaIndexer.keyframeTimeline(path: path)
        #expect(timeline.source == .transportStreamScan)
        let reference = try FFprobe.keyframeTicks(path)
        #expect(!reference.isEmpty)
        #expect(timeline.seconds.map { Int64(($0 * 90_000).rounded()) } == reference)
        // The full index reads the same timeline by the same scan.
        let indexed = try MediaIndexer.index(path: path)
        #expect(indexed.timeline.source == .transportStreamScan)
        #expect(indexed.timeline.seconds == timeline.seconds)
        #expect(indexed.timeline.discontinuities == timeline.discontinuities)
    }

    @Test func generatedStreamsCoverWhatTheyClaim() throws {
        // Without these the tests above would prove less than they say.
        let wrap = try #require(TransportStreamFixtures.generated["h264-wrap.ts"])
        let times = try MediaIndexer.keyframeTimeline(path: wrap).seconds
        #expect(times.first! < 0 && times.last! > 0, "the PTS wraps past 2^33 inside the file: \(times)")
        for name in ["h264-opengop.ts", "h264-intrarefresh.ts", "hevc-opengop.ts", "hevc-bframes.ts"] {
            let path = try #require(TransportStreamFixtures.generated[name])
            #expect(try MediaIndexer.keyframeTimeline(path: path).seconds.count == 6, "\(name)")
        }
    }

    @Test("what the scan does not recognise goes to libavformat", arguments: ["mpeg2.ts", "two-videos.ts", "m2ts-like.ts"])
    func unrecognisedStreamsFallBack(name: String) throws {
        let path = try #require(TransportStreamFixtures.generated[name])
        #expect(TransportStreamScan.scan(path: path) == nil)
        let timeline = try MediaIndexer.keyframeTimeline(path: path)
        #expect(timeline.source == .packetScan)
        let reference = try FFprobe.keyframeTicks(path, select: "\(try MediaIndexer.index(path: path).videoStreamIndex)")
        #expect(timeline.seconds.map { Int64(($0 * 90_000).rounded()) } == reference)
    }

    @Test func joinedRecordingKeepsItsGap() throws {
        let timeline = try MediaIndexer.keyframeTimeline(path: Fixtures.sample("joined-with-gap.ts"))
        #expect(timeline.source == .transportStreamScan)
        #expect(timeline.discontinuities.filter { $0.kind == .gap }.count == 1)
    }

    @Test func recoveryPointIsFoundInEscapedSEI() {
        // user data unregistered (type 5, 3 bytes), then recovery point (type 6), with an emulation
        // prevention byte inside the first payload.
        #expect(NALUnits.seiHasRecoveryPoint([0x05, 0x03, 0x00, 0x00, 0x03, 0x01, 0x06, 0x01, 0x84, 0x80]))
        #expect(!NALUnits.seiHasRecoveryPoint([0x05, 0x03, 0x00, 0x00, 0x03, 0x01, 0x80]))
        #expect(NALUnits.firstPicture(in: [0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 0x88], codec: .h264) == .picture(isKeyframe: true))
        #expect(NALUnits.firstPicture(in: [0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x41, 0x9a], codec: .h264) == .picture(isKeyframe: false))
        #expect(NALUnits.firstPicture(in: [0, 0, 1, 0x09, 0xf0, 0, 0], codec: .h264) == .undecided)
        #expect(NALUnits.firstPicture(in: [0, 0, 0, 1, 0x46, 0x01, 0x10, 0, 0, 1, 0x2a, 0x01, 0xaf], codec: .hevc) == .picture(isKeyframe: true))
    }
}

extension FFprobe {
    /// `pts` (in the stream's time base, 1/90000 for MPEG-TS) of every keyframe packet, sorted.
    static func keyframeTicks(_ path: String, select: String = "v:0") throws -> [Int64] {
        let data = try run(Fixtures.ffprobe, [
            "-v", "error", "-select_streams", select, "-show_packets", "-show_entries", "packet=pts,flags", "-of", "csv=p=0", path,
        ])
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",")
            guard fields.count >= 2, fields[1].contains("K") else { return nil }
            return Int64(fields[0])
        }.sorted()
    }
}

/// Transport streams made once per test run with the ffmpeg CLI.
enum TransportStreamFixtures {
    static let names = [
        "h264-bframes.ts", "h264-nob.ts", "h264-opengop.ts", "h264-intrarefresh.ts", "h264-wrap.ts", "h264-pcr.ts",
        "hevc-bframes.ts", "hevc-nob.ts", "hevc-opengop.ts", "multi-program.ts", "cut-short.ts", "cut-short-hevc.ts",
    ]

    static let generated: [String: String] = {
        guard Fixtures.haveFFmpegTools, let directory = try? Fixtures.temporaryDirectory() else { return [:] }
        let input = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000", "-t", "6", "-threads", "1"]
        let x264 = ["-c:v", "libx264", "-g", "25"]
        func x265(_ params: String) -> [String] { ["-c:v", "libx265", "-x265-params", "log-level=error:keyint=25:" + params] }
        let recipes: [String: [String]] = [
            "h264-bframes.ts": input + x264 + ["-bf", "2", "-c:a", "aac"],
            "h264-nob.ts": input + x264 + ["-bf", "0", "-c:a", "aac"],
            // Keyframes that are not IDR: I pictures with an SEI recovery point.
            "h264-opengop.ts": input + x264 + ["-bf", "2", "-x264-params", "open-gop=1:keyint=25", "-c:a", "aac"],
            "h264-intrarefresh.ts": input + ["-c:v", "libx264", "-bf", "0", "-x264-params", "intra-refresh=1:keyint=25", "-c:a", "aac"],
            // Starts 2.3 s before the 33-bit PTS wraps.
            "h264-wrap.ts": input + x264 + ["-bf", "2", "-c:a", "aac", "-output_ts_offset", "95440"],
            // Adaptation-field-only packets carrying the PCR on the video PID.
            "h264-pcr.ts": input + x264 + ["-bf", "2", "-c:a", "aac", "-pcr_period", "5"],
            "hevc-bframes.ts": input + x265("bframes=3") + ["-c:a", "aac"],
            "hevc-nob.ts": input + x265("bframes=0") + ["-c:a", "aac"],
            "hevc-opengop.ts": input + x265("open-gop=1:bframes=4") + ["-c:a", "aac"],
            "multi-program.ts": input + ["-map", "0:v", "-map", "1:a", "-map", "1:a"] + x264 + ["-c:a", "aac",
                "-program", "title=A:st=0:st=1", "-program", "title=B:st=2"],
            "two-videos.ts": input + ["-map", "0:v", "-map", "0:v", "-map", "1:a"] + x264 + ["-c:a", "aac"],
            "mpeg2.ts": input + ["-c:v", "mpeg2video", "-g", "25", "-c:a", "mp2"],
        ]
        var made: [String: String] = [:]
        for (name, arguments) in recipes {
            let path = directory.appendingPathComponent(name).path
            if (try? run(Fixtures.ffmpeg, ["-v", "error", "-y"] + arguments + [path])) != nil { made[name] = path }
        }
        // Cut short in the middle of a packet and of a group of pictures.
        for (name, source, bytes) in [("cut-short.ts", "h264-bframes.ts", 100_000), ("cut-short-hevc.ts", "hevc-bframes.ts", 100_001)] {
            guard let from = made[source], let data = FileManager.default.contents(atPath: from) else { continue }
            let path = directory.appendingPathComponent(name).path
            if FileManager.default.createFile(atPath: path, contents: data.prefix(bytes)) { made[name] = path }
        }
        // 192-byte packets (a 4-byte time code before each): not what the scan reads.
        if let from = made["h264-nob.ts"], let data = FileManager.default.contents(atPath: from) {
            var m2ts = Data()
            for start in stride(from: 0, to: data.count - 187, by: 188) {
                m2ts.append(contentsOf: [0, 0, 0, 0])
                m2ts.append(data[start..<start + 188])
            }
            let path = directory.appendingPathComponent("m2ts-like.ts").path
            if FileManager.default.createFile(atPath: path, contents: m2ts) { made["m2ts-like.ts"] = path }
        }
        return made
    }()
}

@Test("selecting a rank gives what sorting gives")
func selectionMatchesSorting() {
    var generator = SystemRandomNumberGenerator()
    for count in [1, 2, 3, 10, 101, 1000] {
        for _ in 0..<20 {
            // Few distinct values (as frame steps are) and many.
            let distinct = Int.random(in: 1...count, using: &generator)
            let values = (0..<count).map { _ in Double(Int.random(in: 0..<distinct, using: &generator)) * 0.04 }
            let rank = Int.random(in: 0..<count, using: &generator)
            var copy = values
            #expect(copy.select(rank: rank) == values.sorted()[rank])
        }
    }
}
