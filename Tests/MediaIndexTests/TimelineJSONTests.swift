import Foundation
import Testing

@testable import MediaIndex
@testable import MediaTimeline

/// `obsreview-timeline` answers `obsreview timeline --json` without FFmpeg or Foundation (decision 36): its
/// route must give the same timeline as the full path, and its JSON the same bytes as JSONEncoder.
@Suite struct TimelineJSONTests {
    static let awkwardNumbers: [Double] = [
        0, -0.0, 2, 0.04, 1.0 / 3, 0.1 + 0.2, 1e-7, 0.000_01, 123_456_789.123, 1e16, 1e22, 3599.96, -0.041, .leastNonzeroMagnitude,
        .greatestFiniteMagnitude, 90_000.0 / 7, 4_294_967_296, 1 / 90_000.0,
    ]
    static let awkwardNames = [
        "/tmp/a b.mp4", "quote\"back\\slash.mp4", "line\nbreak\ttab\r\u{08}\u{0C}.mp4", "\u{01}\u{1F}\u{7F}.ts",
        "Zoë’s “room” 🎥.mov", "", "é\u{301}/../x.ts",
    ]

    @Test func sameBytesAsJSONEncoderForAwkwardNamesAndNumbers() {
        let discontinuities = [
            Discontinuity(kind: .gap, atSeconds: 12.5, jumpSeconds: 30),
            Discontinuity(kind: .backwardJump, atSeconds: 1e-3, jumpSeconds: -0.04),
            Discontinuity(kind: .splice, atSeconds: 0, jumpSeconds: 1.0 / 3),
        ]
        for name in Self.awkwardNames {
            for (source, check) in [(KeyframeTimeline.Source.mp4SampleTables, DiscontinuityCheck.everyFrame), (.transportStreamScan, .keyframesOnly)] {
                let timeline = KeyframeTimeline(source: source, seconds: Self.awkwardNumbers, discontinuities: discontinuities, discontinuityCheck: check)
                #expect(TimelineJSON.line(file: name, timeline: timeline) == JSONLines.line(IndexReport(file: name, timeline: timeline)))
            }
        }
        let empty = KeyframeTimeline(source: .mp4SampleTables, seconds: [], discontinuities: [], discontinuityCheck: .everyFrame)
        #expect(TimelineJSON.line(file: "a.mp4", timeline: empty) == JSONLines.line(IndexReport(file: "a.mp4", timeline: empty)))
    }

    @Test func sameBytesAsJSONEncoderForAnyFiniteNumber() {
        // Every bit pattern class: a fixed-seed generator over whole 64-bit patterns, and frame times.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var numbers: [Double] = []
        while numbers.count < 20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = Double(bitPattern: state)
            if value.isFinite { numbers.append(value) }
            numbers.append(Double(state >> 40) / 90_000)
        }
        let timeline = KeyframeTimeline(source: .transportStreamScan, seconds: numbers, discontinuities: [], discontinuityCheck: .everyFrame)
        #expect(TimelineJSON.line(file: "x.ts", timeline: timeline) == JSONLines.line(IndexReport(file: "x.ts", timeline: timeline)))
    }

    /// The samples whose containers answer alone; the others are the full path's to read or refuse.
    static let answeredAlone = [
        "broadcast-h264-aac.ts", "joined-with-gap.ts", "observation-faststart.mp4", "observation-h264-aac.mp4",
        "phone-portrait-hevc.mov", "variable-frame-rate.mp4",
    ]

    @Test(arguments: answeredAlone)
    func quickRouteGivesTheFullPathsLine(name: String) throws {
        let path = Fixtures.sample(name)
        try #require(FileManager.default.fileExists(atPath: path))
        let quick = try #require(QuickTimeline.read(path: path, maxBytes: QuickTimeline.defaultMaxBytes))
        let full = try MediaIndexer.keyframeTimeline(path: path)
        #expect(quick == full)
        #expect(TimelineJSON.line(file: path, timeline: quick) == JSONLines.line(IndexReport(file: path, timeline: full)))
    }

    @Test func generatedRecordingsAgreeWhereAnswered() throws {
        for name in ["bframes.mp4", "faststart.mp4", "stream.ts", "rotated.mp4", "plain.mkv", "legacy.avi", "audio.m4a", "cover-art.m4a"] {
            guard let path = Fixtures.generated[name] else { continue }
            guard let quick = QuickTimeline.read(path: path, maxBytes: QuickTimeline.defaultMaxBytes) else {
                #expect(!name.hasSuffix(".mp4") && !name.hasSuffix(".ts"), "\(name) should be answered alone")
                continue
            }
            #expect(quick == (try MediaIndexer.keyframeTimeline(path: path)), "\(name)")
        }
    }

    @Test func whatNeedsWordsIsLeftToTheFullPath() throws {
        let directory = try Fixtures.temporaryDirectory()
        let empty = directory.appendingPathComponent("empty.mp4").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let cutShort = try Fixtures.truncatedCopy(of: Fixtures.sample("observation-h264-aac.mp4"), bytes: 100_000)
        for path in [
            Fixtures.sample("corrupt-truncated.mp4"), Fixtures.sample("not-a-video.mp4"), Fixtures.sample("audio-only.m4a"),
            Fixtures.sample("room-camera-vp9-opus.webm"), Fixtures.sample("legacy-mpeg4-mp3.avi"),
            directory.appendingPathComponent("missing.mp4").path, directory.path, empty, cutShort,
        ] {
            #expect(QuickTimeline.read(path: path, maxBytes: QuickTimeline.defaultMaxBytes) == nil, "\(path)")
        }
        let sample = Fixtures.sample("observation-h264-aac.mp4")
        let size = try #require(FileManager.default.attributesOfItem(atPath: sample)[.size] as? NSNumber).uint64Value
        #expect(QuickTimeline.read(path: sample, maxBytes: size - 1) == nil)
        #expect(QuickTimeline.read(path: sample, maxBytes: size) != nil)
    }

    @Test func defaultSizeLimitIsTheIndexersDefault() {
        #expect(QuickTimeline.defaultMaxBytes == IndexLimits().maxBytes)
    }
}
