import Foundation
import Testing

@testable import MediaIndex

/// Every field ffprobe also reports must agree with it.
@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg and ffprobe"))
struct ProbeTests {
    static var recordings: [String] {
        Fixtures.videoSamples + ["bframes.mp4", "faststart.mp4", "plain.mkv", "stream.ts", "legacy.avi", "rotated.mp4"]
            .compactMap { Fixtures.generated[$0] }
    }

    @Test("probe agrees with ffprobe", arguments: recordings)
    func agreesWithFFprobe(path: String) throws {
        let info = try MediaIndexer.probe(path: path)
        let reference = try FFprobe.probe(path)

        #expect(info.format.name == reference.format.format_name)
        #expect(info.format.longName == reference.format.format_long_name)
        #expect(info.size == UInt64(reference.format.size ?? "-1"))
        expectClose(info.format.durationSeconds, reference.format.duration, "duration")
        expectClose(info.format.startSeconds, reference.format.start_time, "start")
        #expect(info.format.bitRate.map(String.init) == reference.format.bit_rate)
        #expect(info.format.tags == (reference.format.tags ?? [:]))
        #expect(info.format.creationTime == reference.format.tags?["creation_time"])

        #expect(info.chapters.count == (reference.chapters ?? []).count)
        for (ours, theirs) in zip(info.chapters, reference.chapters ?? []) {
            #expect(ours.id == theirs.id)
            expectClose(ours.startSeconds, theirs.start_time, "chapter start")
            expectClose(ours.endSeconds, theirs.end_time, "chapter end")
            #expect(ours.title == theirs.tags?["title"])
        }

        #expect(info.streams.count == reference.streams.count)
        for (ours, theirs) in zip(info.streams, reference.streams) {
            #expect(ours.index == theirs.index)
            #expect(ours.codec == theirs.codec_name)
            let attached = theirs.disposition?["attached_pic"] == 1
            #expect(ours.kind.rawValue == (attached ? "attachment" : theirs.codec_type))
            #expect(ours.profile == theirs.profile)
            #expect(ours.timeBase == theirs.time_base)
            #expect(ours.tags == (theirs.tags ?? [:]))
            #expect(ours.isDefault == (theirs.disposition?["default"] == 1))
            #expect(ours.frameCount.map(String.init) == theirs.nb_frames)
            expectClose(ours.durationSeconds, theirs.duration, "stream duration")
            if ours.kind == .video {
                #expect(ours.width == theirs.width)
                #expect(ours.height == theirs.height)
                #expect(ours.pixelFormat == theirs.pix_fmt)
                #expect(ours.sampleAspectRatio == theirs.sample_aspect_ratio)
                #expect(ours.displayAspectRatio == theirs.display_aspect_ratio)
                #expect(ours.averageFrameRate == FFprobe.rational(theirs.avg_frame_rate))
                #expect(ours.realFrameRate == FFprobe.rational(theirs.r_frame_rate))
                let matrix = theirs.side_data_list?.first { $0.side_data_type == "Display Matrix" }?.rotation ?? 0
                #expect(ours.rotationDegrees == ((-matrix % 360) + 360) % 360)
            }
            if ours.kind == .audio {
                #expect(ours.sampleRate.map(String.init) == theirs.sample_rate)
                #expect(ours.channels == theirs.channels)
                #expect(ours.channelLayout == theirs.channel_layout)
                #expect(ours.sampleFormat == theirs.sample_fmt)
                #expect(ours.language == theirs.tags?["language"].flatMap { $0 == "und" ? nil : $0 })
            }
        }
    }

    @Test func rotationIsReadFromTheDisplayMatrix() throws {
        let info = try MediaIndexer.probe(path: try Fixtures.generated("rotated.mp4"))
        // FFmpeg 5.1 writes rotate=90 as a matrix that turns the picture 90° anticlockwise; turning it
        // upright takes 270° clockwise, and the displayed picture is portrait.
        #expect(info.mainVideoStream?.rotationDegrees == 270)
        #expect(info.displaySize?.width == 120 && info.displaySize?.height == 160)
    }

    @Test func variableFrameRateIsFlaggedWhenRatesDisagree() {
        #expect(MediaProbe.isVariable(average: 29.4, real: 30))
        #expect(!MediaProbe.isVariable(average: 25, real: 25))
        #expect(!MediaProbe.isVariable(average: 29.97, real: 29.97))
        #expect(!MediaProbe.isVariable(average: nil, real: 30))
    }

    @Test(arguments: [
        ("location", true), ("location-eng", true), ("com.apple.quicktime.location.ISO6709", true),
        ("com.apple.quicktime.make", true), ("com.apple.quicktime.model", true), ("com.android.manufacturer", true),
        ("artist", true), ("author", true), ("GPSLatitude", true),
        // Matroska's tags as a camera or an editor writes them.
        ("LATLONG", true), ("PLACE", true), ("CAMERA", true), ("EMAIL", true), ("PHONE", true), ("COPYRIGHT", true),
        ("COMPOSER", true), ("ENCODED_BY", true), ("RECORDED_BY", true),
        ("title", false), ("encoder", false), ("creation_time", false), ("major_brand", false), ("handler_name", false),
    ])
    func personalDataTagsAreRecognised(key: String, personal: Bool) {
        #expect(PersonalData.isPersonal(key: key) == personal)
    }

    private func expectClose(_ value: Double?, _ text: String?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let text, let expected = Double(text) else {
            #expect(value == nil, "\(what): ffprobe reports none", sourceLocation: sourceLocation)
            return
        }
        guard let value else {
            Issue.record("\(what): ffprobe reports \(text), we report none", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(value - expected) < 0.000_51, "\(what): \(value) vs ffprobe \(text)", sourceLocation: sourceLocation)
    }
}

/// Facts of the committed samples that matter for review (samples/README.md lists them).
@Suite struct SampleFactTests {
    @Test func phoneRecordingIsPortraitAndCarriesPersonalData() throws {
        let info = try MediaIndexer.probe(path: Fixtures.sample("phone-portrait-hevc.mov"))
        #expect(info.mainVideoStream?.codec == "hevc")
        #expect(info.mainVideoStream?.rotationDegrees == 90)
        #expect(info.displaySize?.width == 240 && info.displaySize?.height == 320)
        for key in ["location", "com.apple.quicktime.location.ISO6709", "com.apple.quicktime.make", "com.apple.quicktime.model"] {
            #expect(info.format.personalDataTags.contains(key), "\(key) not flagged")
        }
        #expect(!info.format.personalDataTags.contains("creation_time"))
        #expect(info.format.creationTime == "2026-02-03T09:12:44.000000Z")
    }

    @Test func variableFrameRateSampleIsFlagged() throws {
        let info = try MediaIndexer.probe(path: Fixtures.sample("variable-frame-rate.mp4"))
        #expect(info.mainVideoStream?.variableFrameRate == true)
        let constant = try MediaIndexer.probe(path: Fixtures.sample("observation-faststart.mp4"))
        #expect(constant.mainVideoStream?.variableFrameRate == false)
    }

    @Test func chaptersAndTagsAreRead() throws {
        let info = try MediaIndexer.probe(path: Fixtures.sample("observation-h264-aac.mp4"))
        #expect(info.chapters.map(\.title) == ["Introduction", "Assessment"])
        #expect(info.format.tags["title"] == "Simulated practice observation (sample)")
        #expect(info.format.creationTime == "2026-03-14T10:30:00.000000Z")
        // The chapter text track is data, not a second video.
        #expect(info.streams.filter { $0.kind == .video }.count == 1)
    }
}
