import Foundation
import Testing

@testable import MediaIndex
@testable import MediaTimeline

@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg and ffprobe"))
struct TimelineTests {
    @Test("keyframe times match ffprobe -show_packets within 1 ms", arguments: ProbeTests.recordings)
    func keyframesMatchFFprobe(path: String) throws {
        let result = try MediaIndexer.index(path: path)
        let reference = try FFprobe.keyframeTimes(path, streamIndex: result.videoStreamIndex)
        #expect(result.timeline.seconds.count == reference.count, "\(result.timeline.source)")
        for (ours, theirs) in zip(result.timeline.seconds, reference) {
            #expect(abs(ours - theirs) < 0.001, "\(ours) vs ffprobe \(theirs) (\(result.timeline.source))")
        }
    }

    @Test(arguments: [
        ("bframes.mp4", KeyframeTimeline.Source.mp4SampleTables), ("faststart.mp4", .mp4SampleTables),
        ("plain.mkv", .matroskaCues), ("legacy.avi", .aviIndex), ("stream.ts", .transportStreamScan),
    ])
    func containerIndexIsUsedWhereThereIsOne(name: String, source: KeyframeTimeline.Source) throws {
        let result = try MediaIndexer.index(path: try Fixtures.generated(name))
        #expect(result.timeline.source == source)
        #expect(result.timeline.discontinuities.isEmpty)
    }

    @Test func joinedRecordingShowsItsGap() throws {
        let path = Fixtures.sample("joined-with-gap.ts")
        try #require(FileManager.default.fileExists(atPath: path))
        let result = try MediaIndexer.index(path: path)
        let gaps = result.timeline.discontinuities.filter { $0.kind == .gap }
        #expect(gaps.count == 1)
        #expect((gaps.first?.jumpSeconds ?? 0) > 20)
    }

    @Test func detectorFindsGapsAndBackwardJumps() {
        let steady = (0..<100).map { Double($0) / 25 }
        #expect(Discontinuity.detect(decodeOrderSeconds: steady, check: .everyFrame).isEmpty)

        var cut = steady
        for i in 50..<100 { cut[i] += 12 }
        let gap = Discontinuity.detect(decodeOrderSeconds: cut, check: .everyFrame)
        #expect(gap.count == 1)
        #expect(gap.first?.kind == .gap)
        #expect(abs((gap.first?.atSeconds ?? 0) - 49.0 / 25) < 1e-9)
        #expect(abs((gap.first?.jumpSeconds ?? 0) - (12 + 1.0 / 25)) < 1e-9)

        var rewound = steady
        for i in 60..<100 { rewound[i] -= 1 }
        let back = Discontinuity.detect(decodeOrderSeconds: rewound, check: .everyFrame)
        #expect(back.map(\.kind) == [.backwardJump])

        // Keyframe-only timelines tolerate uneven groups of pictures.
        let keyframes: [Double] = [0, 2, 4, 5, 7, 9, 11]
        #expect(Discontinuity.detect(decodeOrderSeconds: keyframes, check: .keyframesOnly).isEmpty)
        #expect(Discontinuity.detect(decodeOrderSeconds: keyframes + [40], check: .keyframesOnly).map(\.kind) == [.gap])
        #expect(Discontinuity.detect(decodeOrderSeconds: [], check: .everyFrame).isEmpty)
    }
}
