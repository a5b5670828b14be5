import Foundation
import Synchronization
import Testing

@testable import MediaIndex

/// The segmented proxy written while a transcode runs (decision 32): what a player may fetch before the proxy is
/// complete.
@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg and ffprobe"))
struct ProxySegmentsTests {
    /// 21 s of MPEG-4 Part 2 video and MP3 audio: a transcode, in five or six segments.
    static let source: String? = {
        guard let directory = try? Fixtures.temporaryDirectory() else { return nil }
        let path = directory.appendingPathComponent("segments-source.mkv").path
        let arguments = ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=f=440:sample_rate=44100",
                         "-t", "21", "-c:v", "mpeg4", "-q:v", "8", "-g", "25", "-c:a", "libmp3lame", "-ac", "2", path]
        return (try? run(Fixtures.ffmpeg, arguments)) != nil ? path : nil
    }()

    struct Listed {
        var initName: String?
        var segments: [(name: String, seconds: Double)]
        var complete: Bool
    }

    /// Reads the playlist the way a player does.
    static func listed(_ folder: URL) -> Listed? {
        guard let text = try? String(contentsOf: folder.appendingPathComponent(ProxySegments.playlistName), encoding: .utf8) else { return nil }
        var listed = Listed(initName: nil, segments: [], complete: false)
        var pending: Double?
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("#EXTINF:") { pending = Double(line.dropFirst(8).prefix { $0 != "," }) }
            else if line.hasPrefix("#EXT-X-MAP:URI=\"") { listed.initName = String(line.dropFirst(16).prefix { $0 != "\"" }) }
            else if line == "#EXT-X-ENDLIST" { listed.complete = true }
            else if !line.hasPrefix("#"), let seconds = pending { listed.segments.append((line, seconds)); pending = nil }
        }
        return listed
    }

    /// The init segment and the listed media segments, joined: what a Media Source Extensions player is given.
    static func joined(_ folder: URL, _ listed: Listed, into path: String) throws {
        var data = try Data(contentsOf: folder.appendingPathComponent(try #require(listed.initName)))
        for segment in listed.segments { data.append(try Data(contentsOf: folder.appendingPathComponent(segment.name))) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test func segmentsAppearAsTheyAreMadeAndJoinIntoTheWholeRecording() throws {
        let source = try #require(Self.source)
        let directory = try Fixtures.temporaryDirectory()
        let live = directory.appendingPathComponent(ProxySegments.folderName)
        let snapshot = try Fixtures.temporaryDirectory()
        // Half-way through, what a reader sees: complete files only, listed, the playlist not yet complete.
        let midway = Mutex<(listed: Int, unlisted: [String], complete: Bool, about: Bool)?>(nil)
        _ = try ProxyMaker.make(input: source, outputDirectory: directory) { fraction in
            guard fraction >= 0.6, midway.withLock({ $0 == nil }) else { return }
            let listed = Self.listed(live)
            let names = Set([listed?.initName].compactMap { $0} + (listed?.segments.map(\.name) ?? []))
            let files = (try? FileManager.default.contentsOfDirectory(atPath: live.path)) ?? []
            for name in names { try? FileManager.default.copyItem(at: live.appendingPathComponent(name), to: snapshot.appendingPathComponent(name)) }
            try? FileManager.default.copyItem(at: live.appendingPathComponent(ProxySegments.playlistName), to: snapshot.appendingPathComponent(ProxySegments.playlistName))
            let unlisted = files.filter { !names.contains($0) && ![ProxySegments.playlistName, ProxySegments.aboutName].contains($0) && !$0.hasSuffix(".tmp") }
            midway.withLock { $0 = (listed?.segments.count ?? 0, unlisted, listed?.complete ?? true, files.contains(ProxySegments.aboutName)) }
        }
        let seen = try #require(midway.withLock { $0 })
        #expect(seen.listed >= 2, "segments listed at 60 %: \(seen.listed)")
        #expect(!seen.complete)
        #expect(seen.about)
        // A file being written is a .tmp until it is complete; any other file in the folder is listed.
        #expect(seen.unlisted.filter { $0.hasPrefix("seg-") }.count <= 1, "\(seen.unlisted)")
        // The segments made by then decode, from the start, without a gap.
        let partial = try #require(Self.listed(snapshot))
        let partialPath = snapshot.appendingPathComponent("joined.mp4").path
        try Self.joined(snapshot, partial, into: partialPath)
        let partialSeconds = partial.segments.reduce(0) { $0 + $1.seconds }
        let partialDuration = try #require(Double(try FFprobe.probe(partialPath).format.duration ?? ""))
        #expect(abs(partialDuration - partialSeconds) < 0.3, "joined \(partialDuration) s, listed \(partialSeconds) s")
        // Once the proxy is in place the segments are gone: the proxy serves from then on.
        #expect(!FileManager.default.fileExists(atPath: live.path))
    }

    @Test func completeSegmentsDecodeContinuouslyForTheWholeDuration() throws {
        let source = try #require(Self.source)
        let directory = try Fixtures.temporaryDirectory()
        let live = directory.appendingPathComponent(ProxySegments.folderName)
        let info = try MediaIndexer.probe(path: source)
        try InputFile.with(path: source) { file throws(MediaIndexError) in
            try ProxyPipeline.run(
                input: file, info: info, plan: ProxyPlan(info: info), outputPath: directory.appendingPathComponent("proxy.mp4").path,
                options: ProxyOptions(), segments: live, progress: ProgressReporter(callback: nil))
        }
        let listed = try #require(Self.listed(live))
        #expect(listed.complete)
        #expect(listed.initName == ProxySegments.initName)
        #expect(listed.segments.count >= 5)
        // Segments of about 4 s (the last may be shorter), each starting on a keyframe.
        #expect(listed.segments.dropLast().allSatisfy { (3.9...6.1).contains($0.seconds) }, "\(listed.segments.map(\.seconds))")
        let files = try FileManager.default.contentsOfDirectory(atPath: live.path)
        #expect(!files.contains { $0.hasSuffix(".tmp") })
        let about = try JSONDecoder().decode(ProxySegments.About.self, from: Data(contentsOf: live.appendingPathComponent(ProxySegments.aboutName)))
        #expect(about.codecs.hasPrefix("avc1.64") && about.codecs.hasSuffix(",mp4a.40.2"), "\(about.codecs)")

        let joined = directory.appendingPathComponent("joined.mp4").path
        try Self.joined(live, listed, into: joined)
        // Decodes without an error…
        let errors = try run(Fixtures.ffmpeg, ["-v", "error", "-i", joined, "-f", "null", "-"])
        #expect(errors.isEmpty, "\(String(decoding: errors, as: UTF8.self))")
        // …lasts as long as the recording and the playlist say…
        let probe = try FFprobe.probe(joined)
        let duration = try #require(Double(probe.format.duration ?? ""))
        #expect(abs(duration - 21) < 0.2, "joined \(duration) s")
        #expect(abs(listed.segments.reduce(0) { $0 + $1.seconds } - duration) < 0.2)
        #expect(Set(probe.streams.compactMap(\.codec_name)) == ["h264", "aac"])
        // …and its video frames follow each other without a gap or a jump back (25 fps: 40 ms apart).
        let frames = String(decoding: try run(Fixtures.ffprobe, [
            "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", joined,
        ]), as: UTF8.self).split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.sorted()
        #expect(frames.count == 21 * 25, "\(frames.count) frames")
        let steps = zip(frames.dropFirst(), frames).map { $0 - $1 }
        #expect(steps.allSatisfy { abs($0 - 0.04) < 0.002 }, "largest step \(steps.max() ?? 0)")
        // From the start: at most x264's two frames of B-frame reordering (the single-file proxy's edit list hides them;
        // a Media Source Extensions player starts at the first frame).
        #expect((frames.first ?? 1) <= 0.081, "first frame at \(frames.first ?? -1) s")
    }

    @Test func codecsStringComesFromTheSPS() {
        var annexB: [UInt8] = [0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0, 0, 0, 1, 0x68, 0xeb]
        #expect(ProxySegments.avc1(extradata: &annexB, size: Int32(annexB.count)) == "avc1.64001f")
        var avcC: [UInt8] = [1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0]
        #expect(ProxySegments.avc1(extradata: &avcC, size: Int32(avcC.count)) == "avc1.42c01e")
        var none: [UInt8] = [0, 0, 1, 0x68, 0, 0, 0]
        #expect(ProxySegments.avc1(extradata: &none, size: 7) == nil)
    }

    @Test func aRemuxWritesNoSegments() throws {
        let directory = try Fixtures.temporaryDirectory()
        _ = try ProxyMaker.make(input: Fixtures.sample("observation-h264-aac.mp4"), outputDirectory: directory)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["proxy.mp4"])
    }
}
