import Foundation
import Testing

@testable import MediaIndex

@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg and ffprobe"))
struct ThumbnailAndHashTests {
    @Test(arguments: ["bframes.mp4", "plain.mkv", "stream.ts", "legacy.avi", "rotated.mp4"])
    func posterAndStripAreJPEGsOfTheUprightPicture(name: String) throws {
        let path = try Fixtures.generated(name)
        let directory = try Fixtures.temporaryDirectory()
        let result = try MediaIndexer.index(path: path, options: IndexOptions(thumbnailDirectory: directory, thumbnails: ThumbnailOptions(count: 4, width: 80)))
        let thumbnails = try #require(result.thumbnails)
        #expect(thumbnails.map(\.kind) == [.poster, .strip, .strip, .strip, .strip])
        let upright = try #require(result.info.displaySize)
        for thumbnail in thumbnails {
            let file = directory.appendingPathComponent(thumbnail.fileName).path
            let reference = try FFprobe.probe(file)
            // ffprobe reads what we wrote as a JPEG picture of the stated, upright size.
            #expect(reference.streams.first?.codec_name == "mjpeg")
            #expect(reference.streams.first?.width == thumbnail.width)
            #expect(reference.streams.first?.height == thumbnail.height)
            #expect(thumbnail.width == 80)
            #expect(abs(Double(thumbnail.height) - 80 * Double(upright.height) / Double(upright.width)) <= 2)
        }
        // Strip frames come from different places in the recording.
        let times = thumbnails.filter { $0.kind == .strip }.map(\.seconds)
        #expect(times == times.sorted())
        #expect(Set(times).count > 1)
    }

    @Test func sha256MatchesSha256sum() throws {
        let path = try Fixtures.generated("bframes.mp4")
        let result = try MediaIndexer.index(path: path, options: IndexOptions(sha256: true))
        let expected = String(decoding: try run("/usr/bin/sha256sum", [path]), as: UTF8.self).prefix(64)
        #expect(result.sha256 == String(expected))
        // Chunk boundaries must not change the digest.
        #expect(try FileHasher.sha256(path: path, chunkSize: 7) == String(expected))
    }

    @Test func reportCarriesTheDocumentedKeys() throws {
        let result = try MediaIndexer.index(path: try Fixtures.generated("bframes.mp4"), options: IndexOptions(sha256: true))
        let data = try JSONEncoder().encode(IndexReport(result: result, includeKeyframeTimes: true))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["file", "size", "sha256", "format", "streams", "keyframes", "discontinuities"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let format = try #require(object["format"] as? [String: Any])
        for key in ["name", "durationSeconds", "startSeconds", "bitRate", "tags"] { #expect(format[key] != nil, "missing format.\(key)") }
        let stream = try #require((object["streams"] as? [[String: Any]])?.first)
        for key in ["index", "kind", "codec", "width", "height", "rotationDegrees", "averageFrameRate", "variableFrameRate"] {
            #expect(stream[key] != nil, "missing streams[0].\(key)")
        }
        let keyframes = try #require(object["keyframes"] as? [String: Any])
        #expect(keyframes["source"] as? String == "mp4SampleTables")
        #expect((keyframes["seconds"] as? [Double])?.isEmpty == false)
    }
}
