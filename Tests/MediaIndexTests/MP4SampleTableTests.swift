import Foundation
import Testing

@testable import MediaIndex
@testable import MediaTimeline

/// Video files made with the ffmpeg CLI (plus box rewrites for what ffmpeg does not write), each checked
/// against ffprobe's own packet list.
enum VideoFixture: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case h264BFramesMoovAtEnd
    case h264BFramesFaststart
    case h264NoBFrames
    case hevcInMOV
    case mpeg4InMP4
    case initialEmptyEdit
    case variableFrameRate
    case audioTrackFirst
    case negativeCompositionOffsets
    case noEditList
    case cutMidGOP
    case largeBoxesAndCo64
    case threeEdits
    case emptyEditInTheMiddle
    case editStartingBetweenFrames
    case dwellEditAndRateIgnored
    case editLongerThanMedia
    case trackWithEmptyTablesFirst
    case hevcWithoutSyncSampleTable
    case h264WithoutSyncSampleTable
    case emptySyncSampleTable
    case secondSampleEntryOtherFormat
    case fewerSizesThanChunkSamples
    case shortCompositionOffsets

    var testDescription: String { rawValue }

    /// Creates the fixture in `directory` and returns its path.
    func make(in directory: URL) throws -> String {
        let pattern = MP4Fixtures.testPattern()
        let x264 = MP4Fixtures.x264 + ["-g", "12", "-bf", "3"]
        func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func base() throws -> String {
            try MP4Fixtures.ffmpeg(pattern + x264, output: file("base.mp4"))
        }
        func withEditList(_ edits: [(duration: UInt64, mediaTime: Int64, rate: UInt32)]) throws -> String {
            try rewriteMovie(source: try base(), destination: file("\(rawValue).mp4")) { box in
                guard box.type == "elst" else { return [box] }
                return [.leaf(type: "elst", payload: editListPayload(edits))]
            }
        }
        // Base file: movie time scale 1000, media time scale 12800, 512 ticks per frame, and x264's
        // B-frames put the first frame's presentation at 1024 (the edit list's media time).
        switch self {
        case .h264BFramesMoovAtEnd:
            return try base()
        case .h264BFramesFaststart:
            return try MP4Fixtures.ffmpeg(pattern + x264 + ["-movflags", "+faststart"], output: file("fast.mp4"))
        case .h264NoBFrames:
            return try MP4Fixtures.ffmpeg(
                pattern + MP4Fixtures.x264 + ["-g", "12", "-bf", "0"], output: file("nob.mp4"))
        case .hevcInMOV:
            return try MP4Fixtures.ffmpeg(
                pattern + ["-c:v", "libx265", "-preset", "fast", "-x265-params", "log-level=error:keyint=12:min-keyint=12",
                           "-tag:v", "hvc1", "-pix_fmt", "yuv420p"],
                output: file("hevc.mov"))
        case .mpeg4InMP4:
            return try MP4Fixtures.ffmpeg(
                pattern + ["-c:v", "mpeg4", "-g", "12", "-bf", "2", "-q:v", "5"], output: file("mpeg4.mp4"))
        case .initialEmptyEdit:
            return try MP4Fixtures.ffmpeg(
                ["-itsoffset", "1.5", "-i", try base(), "-c", "copy"], output: file("offset.mp4"))
        case .variableFrameRate:
            // Drop frames 20…40 and jitter the rest: stts with several runs.
            return try MP4Fixtures.ffmpeg(
                pattern + ["-vf", "select='not(between(n,20,40))',setpts='PTS+if(gt(N,60),0.013/TB,0)'",
                           "-fps_mode", "vfr", "-video_track_timescale", "90000"] + x264,
                output: file("vfr.mp4"))
        case .audioTrackFirst:
            return try MP4Fixtures.ffmpeg(
                ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4"] + pattern
                    + ["-map", "0:a", "-map", "1:v", "-c:a", "aac", "-b:a", "64k"] + x264,
                output: file("audiofirst.mp4"))
        case .negativeCompositionOffsets:
            return try MP4Fixtures.ffmpeg(
                pattern + x264 + ["-movflags", "+negative_cts_offsets"], output: file("negcts.mp4"))
        case .noEditList:
            return try MP4Fixtures.ffmpeg(pattern + x264 + ["-use_editlist", "0"], output: file("noedit.mp4"))
        case .cutMidGOP:
            // Stream copy from 1.3 s: the GOP before the cut comes along, discarded (flags KD).
            return try MP4Fixtures.ffmpeg(["-ss", "1.3", "-i", try base(), "-c", "copy"], output: file("cut.mp4"))
        case .largeBoxesAndCo64:
            return try rewriteMovie(
                source: try base(), destination: file("large.mp4"), largeMovieHeader: true,
                largeMediaDataHeader: true, Self.toVersion1Boxes)
        case .threeEdits:
            // Jump forward, then back over what was already shown.
            return try withEditList([
                (1000, 1024, 0x1_0000), (1000, 1024 + 2 * 12800, 0x1_0000), (500, 1024 + 6400, 0x1_0000),
            ])
        case .emptyEditInTheMiddle:
            return try withEditList([
                (500, -1, 0x1_0000), (1000, 1024, 0x1_0000), (300, -1, 0x1_0000), (1000, 1024 + 12800, 0x1_0000),
            ])
        case .editStartingBetweenFrames:
            return try withEditList([(1500, 1024 + 16000 + 100, 0x1_0000)])
        case .dwellEditAndRateIgnored:
            return try withEditList([(500, 1024 + 6400, 0), (2000, 1024, 0x1_0000)])
        case .editLongerThanMedia:
            return try withEditList([(10_000, 1024, 0x1_0000)])
        case .trackWithEmptyTablesFirst:
            // Newer FFmpeg switches to plain-shift edit lists after a track with an empty stts; 5.1 does not.
            // An edit between frames tells the two apart.
            let edited = try withEditList([(2500, 1024 + 6400 + 100, 0x1_0000)])
            return try rewriteMovie(source: edited, destination: file("emptyfirst.mp4"), Self.prependEmptyTrack)
        case .hevcWithoutSyncSampleTable, .h264WithoutSyncSampleTable:
            // No stss: every sample is a sync sample. FFmpeg flags HEVC packets from the table, H.264 packets
            // from its parser.
            let source = self == .hevcWithoutSyncSampleTable ? try VideoFixture.hevcInMOV.make(in: directory) : try base()
            let name = self == .hevcWithoutSyncSampleTable ? "nostss.mov" : "nostss.mp4"
            return try rewriteMovie(source: source, destination: file(name)) { box in
                box.type == "stss" ? [] : [box]
            }
        case .emptySyncSampleTable:
            // An stss with no entries: FFmpeg indexes only the first sample as a keyframe and parses the
            // bitstream for the packet flags.
            return try rewriteMovie(source: try base(), destination: file("emptystss.mp4")) { box in
                box.type == "stss" ? [.leaf(type: "stss", payload: [0, 0, 0, 0, 0, 0, 0, 0])] : [box]
            }
        case .secondSampleEntryOtherFormat:
            // Two sample entries of different formats, chunks pointing at the second: FFmpeg keeps only the
            // first entry's samples, here none.
            return try rewriteMovie(source: try base(), destination: file("\(rawValue).mp4")) { box in
                switch box {
                case .leaf("stsd", let payload):
                    var second = Array(payload[8...])
                    second.replaceSubrange(4..<8, with: Array("mp4v".utf8))
                    return [.leaf(type: "stsd", payload: [0, 0, 0, 0] + UInt32(2).bigEndianBytes + payload[8...] + second)]
                case .leaf("stsc", var payload):
                    for entry in 0..<Int(payload.bigEndianUInt32(at: 4)) {
                        payload.replaceSubrange((16 + 12 * entry)..<(20 + 12 * entry), with: UInt32(2).bigEndianBytes)
                    }
                    return [.leaf(type: "stsc", payload: payload)]
                default:
                    return [box]
                }
            }
        case .fewerSizesThanChunkSamples:
            // stsz lists 10 samples fewer than the chunks hold: FFmpeg stops building its index there
            // ("wrong sample count") and skips the edit list.
            return try rewriteMovie(source: try base(), destination: file("shortstsz.mp4")) { box in
                guard case .leaf("stsz", let payload) = box else { return [box] }
                let count = Int(payload.bigEndianUInt32(at: 8))
                return [.leaf(type: "stsz", payload: Array(payload[0..<8]) + UInt32(count - 10).bigEndianBytes
                    + payload[12..<(12 + 4 * (count - 10))])]
            }
        case .shortCompositionOffsets:
            // ctts covering only the first few samples: the rest get pts = dts.
            return try rewriteMovie(source: try base(), destination: file("shortctts.mp4")) { box in
                guard case .leaf("ctts", let payload) = box else { return [box] }
                return [.leaf(type: "ctts", payload: Array(payload[0..<4]) + UInt32(5).bigEndianBytes + payload[8..<48])]
            }
        }
    }

    /// Fixtures whose first video track FFmpeg demuxes no packets from.
    var hasNoPackets: Bool { self == .secondSampleEntryOtherFormat }

    /// Fixtures whose keyframes only the bitstream can tell (``MP4Track/keyframePresentationSeconds``
    /// refuses them; packet times still match).
    var keyframesNeedBitstream: Bool { self == .h264WithoutSyncSampleTable || self == .emptySyncSampleTable }

    /// co64 for stco; version 1 elst, mdhd, mvhd and tkhd (64-bit times).
    static func toVersion1Boxes(_ box: TestBox) throws -> [TestBox] {
        guard case .leaf(let type, let payload) = box else { return [box] }
        func widen(_ payload: [UInt8], durationAt: Int) -> [UInt8] {
            // v0: times and duration are 32-bit; v1: 64-bit. Keep every other field as is.
            var out: [UInt8] = [1] + payload[1..<4]
            out += [0, 0, 0, 0] + payload[4..<8] + [0, 0, 0, 0] + payload[8..<12]  // creation, modification
            out += payload[12..<durationAt]  // time scale or track ID + reserved
            out += [0, 0, 0, 0] + payload[durationAt..<(durationAt + 4)]
            out += payload[(durationAt + 4)...]
            return out
        }
        switch type {
        case "stco":
            let count = Int(payload.bigEndianUInt32(at: 4))
            var out: [UInt8] = [0, 0, 0, 0] + UInt32(count).bigEndianBytes
            for index in 0..<count {
                out += UInt64(payload.bigEndianUInt32(at: 8 + 4 * index)).bigEndianBytes
            }
            return [.leaf(type: "co64", payload: out)]
        case "elst" where payload[0] == 0:
            let count = Int(payload.bigEndianUInt32(at: 4))
            let edits = (0..<count).map { index in
                (duration: UInt64(payload.bigEndianUInt32(at: 8 + 12 * index)),
                 mediaTime: Int64(Int32(bitPattern: payload.bigEndianUInt32(at: 12 + 12 * index))),
                 rate: payload.bigEndianUInt32(at: 16 + 12 * index))
            }
            return [.leaf(type: "elst", payload: editListPayload(edits, version: 1))]
        case "mdhd" where payload[0] == 0, "mvhd" where payload[0] == 0:
            return [.leaf(type: type, payload: widen(payload, durationAt: 16))]
        case "tkhd" where payload[0] == 0:
            return [.leaf(type: type, payload: widen(payload, durationAt: 20))]
        default:
            return [box]
        }
    }

    /// Puts before the video track a copy of it with empty sample tables and a sound handler (so it is not
    /// `v:0`).
    static func prependEmptyTrack(_ box: TestBox) throws -> [TestBox] {
        guard case .container("moov", let children) = box,
            let video = children.first(where: { $0.type == "trak" })
        else { return [box] }
        let empty = video.rewritten { inner in
            switch inner {
            case .leaf("stts", _), .leaf("stss", _), .leaf("ctts", _), .leaf("stsc", _), .leaf("stco", _):
                return [.leaf(type: inner.type, payload: [0, 0, 0, 0, 0, 0, 0, 0])]
            case .leaf("stsz", _):
                return [.leaf(type: "stsz", payload: [UInt8](repeating: 0, count: 12))]
            case .leaf("hdlr", var payload):
                payload.replaceSubrange(8..<12, with: Array("soun".utf8))
                return [.leaf(type: "hdlr", payload: payload)]
            case .leaf("tkhd", var payload):
                payload.replaceSubrange(12..<16, with: UInt32(7).bigEndianBytes)
                return [.leaf(type: "tkhd", payload: payload)]
            default:
                return [inner]
            }
        }
        guard let trackIndex = children.firstIndex(where: { $0.type == "trak" }) else { return [box] }
        var newChildren = children
        newChildren.insert(contentsOf: empty, at: trackIndex)
        return [.container(type: "moov", children: newChildren)]
    }
}

@Suite("MP4 sample tables")
struct MP4SampleTableTests {
    @Test(
        "keyframe and packet times equal ffprobe's", .enabled(if: MP4Fixtures.toolsAvailable, MP4Fixtures.missingToolsComment),
        arguments: VideoFixture.allCases)
    func matchesFFprobe(_ fixture: VideoFixture) throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try fixture.make(in: directory)

        let movie = try MP4Parser.parse(path: path)
        let track = try #require(movie.firstVideoTrack, "no video track in \(fixture)")
        #expect(!movie.isFragmented)

        let expectedPackets = try FFprobeOracle.videoPackets(path)
        let timeline = try track.packetTimeline(movieTimescale: movie.movieTimescale)
        var packets = (0..<timeline.count).map {
            ProbedPacket(
                pts: timeline.presentationTicks[$0], isKeyframe: timeline.isKeyframe[$0],
                isDiscarded: timeline.isDiscarded[$0])
        }
        if fixture.keyframesNeedBitstream {
            do {
                let keyframes = try track.keyframePresentationSeconds(movieTimescale: movie.movieTimescale)
                Issue.record("expected keyframes to be refused, got \(keyframes.count)")
            } catch {
                #expect(error.code == .unsupported)
            }
            // Packet times and discard flags still match; the K flags come from FFmpeg's parser.
            packets = packets.map { ProbedPacket(pts: $0.pts, isKeyframe: false, isDiscarded: $0.isDiscarded) }
            #expect(packets == expectedPackets.map { ProbedPacket(pts: $0.pts, isKeyframe: false, isDiscarded: $0.isDiscarded) })
            return
        }

        let expectedKeyframes = try FFprobeOracle.keyframeSeconds(path)
        let keyframes = try track.keyframePresentationSeconds(movieTimescale: movie.movieTimescale)
        #expect(keyframes.count == expectedKeyframes.count, "keyframe count")
        #expect(keyframes.isEmpty == fixture.hasNoPackets)
        for (ours, theirs) in zip(keyframes, expectedKeyframes) {
            #expect(abs(ours - theirs) < 0.001, "keyframe \(ours) s vs ffprobe \(theirs) s")
        }

        // Stronger: every packet, in demux order, with its pts in ticks and its flags.
        #expect(packets == expectedPackets)
        #expect(try track.samplePresentationTicks(movieTimescale: movie.movieTimescale) == timeline.presentationTicks)
        #expect(movie.mediaDataEnd <= movie.fileSize)
    }

    @Test("parses what each fixture is about", .enabled(if: MP4Fixtures.toolsAvailable, MP4Fixtures.missingToolsComment))
    func fixtureShapes() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        let base = try MP4Parser.parse(path: try VideoFixture.h264BFramesMoovAtEnd.make(in: directory))
        #expect(base.topLevelBoxes.last?.type == "moov")
        #expect(base.movieTimescale == 1000)
        // Only box headers and the moov are read, never the media data.
        let baseMovie = try #require(base.topLevelBoxes.last)
        #expect(base.bytesRead <= baseMovie.payloadSize + 16 * UInt64(base.topLevelBoxes.count))
        let video = try #require(base.firstVideoTrack)
        #expect(video.codecTag == "avc1")
        #expect(video.handlerType == "vide")
        #expect(video.mediaTimescale == 12800)
        #expect(video.sampleCount == 100)
        #expect(video.editList == [MP4Edit(segmentDuration: 4000, mediaTime: 1024, mediaRate: 0x1_0000)])
        #expect(video.sampleTable.compositionOffsets != nil)
        #expect(video.sampleTable.syncSamples?.first == 1)

        let faststart = try MP4Parser.parse(path: try VideoFixture.h264BFramesFaststart.make(in: directory))
        #expect(faststart.topLevelBoxes.map(\.type.description).prefix(2) == ["ftyp", "moov"])

        let hevc = try MP4Parser.parse(path: try VideoFixture.hevcInMOV.make(in: directory))
        #expect(hevc.firstVideoTrack?.codecTag == "hvc1")

        let mpeg4 = try MP4Parser.parse(path: try VideoFixture.mpeg4InMP4.make(in: directory))
        #expect(mpeg4.firstVideoTrack?.codecTag == "mp4v")

        let offset = try MP4Parser.parse(path: try VideoFixture.initialEmptyEdit.make(in: directory))
        let offsetEdits = try #require(offset.firstVideoTrack?.editList)
        #expect(offsetEdits.first?.isEmpty == true)
        #expect(offsetEdits.count == 2)

        let audioFirst = try MP4Parser.parse(path: try VideoFixture.audioTrackFirst.make(in: directory))
        #expect(audioFirst.tracks.map(\.handlerType) == ["soun", "vide"])
        #expect(audioFirst.tracks.first?.codecTag == "mp4a")

        let negative = try MP4Parser.parse(path: try VideoFixture.negativeCompositionOffsets.make(in: directory))
        let negativeTable = try #require(negative.firstVideoTrack?.sampleTable)
        #expect(negativeTable.compositionOffsetsVersion == 1)
        #expect(negativeTable.compositionOffsets?.contains { $0.sampleOffset < 0 } == true)

        let large = try MP4Parser.parse(path: try VideoFixture.largeBoxesAndCo64.make(in: directory))
        #expect(large.topLevelBoxes.allSatisfy { $0.type == "ftyp" || $0.headerSize == 16 })
        #expect(large.firstVideoTrack?.sampleTable.usesLargeChunkOffsets == true)
        #expect(large.firstVideoTrack?.sampleTable.chunkOffsets == video.sampleTable.chunkOffsets)
        #expect(large.firstVideoTrack?.editList == video.editList)

        let emptyFirst = try MP4Parser.parse(path: try VideoFixture.trackWithEmptyTablesFirst.make(in: directory))
        #expect(emptyFirst.tracks.map(\.sampleCount) == [0, 100])
        #expect(emptyFirst.tracks.map(\.handlerType) == ["soun", "vide"])

        let vfr = try MP4Parser.parse(path: try VideoFixture.variableFrameRate.make(in: directory))
        #expect(vfr.firstVideoTrack?.mediaTimescale == 90000)
        #expect((vfr.firstVideoTrack?.sampleTable.timeToSample.count ?? 0) > 1)
        #expect(hevc.firstVideoTrack?.sampleTable.compositionOffsets != nil)

        // Edits that start inside a GOP bring that GOP along, discarded; overlapping edits repeat samples.
        let cut = try #require(try MP4Parser.parse(path: try VideoFixture.cutMidGOP.make(in: directory)).firstVideoTrack)
        let cutTimeline = try cut.packetTimeline(movieTimescale: 1000)
        #expect((0..<cutTimeline.count).contains { cutTimeline.isKeyframe[$0] && cutTimeline.isDiscarded[$0] })
        #expect(try cut.keyframePresentationSeconds(movieTimescale: 1000).first ?? 0 < 0)
        let threeEdits = try #require(try MP4Parser.parse(path: try VideoFixture.threeEdits.make(in: directory)).firstVideoTrack)
        let threeEditsTimeline = try threeEdits.packetTimeline(movieTimescale: 1000)
        #expect(Set(threeEditsTimeline.sampleNumbers).count < threeEditsTimeline.count)
    }

    @Test("reports fragmented files", .enabled(if: MP4Fixtures.toolsAvailable, MP4Fixtures.missingToolsComment))
    func fragmented() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try MP4Fixtures.ffmpeg(
            MP4Fixtures.testPattern(seconds: 2) + MP4Fixtures.x264 + ["-g", "12", "-movflags", "frag_keyframe+empty_moov"],
            output: directory.appendingPathComponent("frag.mp4"))
        let movie = try MP4Parser.parse(path: path)
        #expect(movie.isFragmented)
        #expect(movie.firstVideoTrack?.sampleCount == 0)
    }
}

@Suite("MP4 damaged and foreign files")
struct MP4DamagedFileTests {
    func expectError(_ code: MP4ParseError.Code, parsing path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let movie = try MP4Parser.parse(path: path)
            Issue.record("expected \(code), parsed \(movie.tracks.count) tracks", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error.debugDescription)", sourceLocation: sourceLocation)
        }
    }

    func write(_ bytes: [UInt8], _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test("a file cut in half, moov at the end, is truncated", .enabled(if: MP4Fixtures.toolsAvailable, MP4Fixtures.missingToolsComment))
    func cutInHalf() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try VideoFixture.h264BFramesMoovAtEnd.make(in: directory)))
        let path = try write([UInt8](bytes.prefix(bytes.count / 2)), "half.mp4", in: directory)
        expectError(.truncated, parsing: path)
    }

    @Test("a faststart file cut after its moov parses, and its media ends past the end of the file",
          .enabled(if: MP4Fixtures.toolsAvailable, MP4Fixtures.missingToolsComment))
    func cutAfterFrontMovie() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = try MP4Parser.parse(path: try VideoFixture.h264BFramesFaststart.make(in: directory))
        let moov = try #require(full.topLevelBoxes.first { $0.type == "moov" })
        #expect(full.mediaDataEnd <= full.fileSize)

        let bytes = try Data(contentsOf: directory.appendingPathComponent("fast.mp4"))
        let path = try write([UInt8](bytes.prefix(Int(moov.end) + 1000)), "cut.mp4", in: directory)
        let cut = try MP4Parser.parse(path: path)
        #expect(cut.fileSize == moov.end + 1000)
        #expect(cut.mediaDataEnd > cut.fileSize)
        #expect(cut.isMissingMediaData)
        #expect(!full.isMissingMediaData)
        #expect(cut.truncatedTopLevelBox?.type == "mdat")
        #expect(cut.firstVideoTrack?.sampleCount == full.firstVideoTrack?.sampleCount)
    }

    @Test("random bytes are not ISO BMFF")
    func randomBytes() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SplitMix64(seed: 42)
        for round in 0..<20 {
            let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
            expectError(.notISOBMFF, parsing: try write(bytes, "random\(round).bin", in: directory))
        }
        expectError(.notISOBMFF, parsing: try write(Array("hello, world\n".utf8), "text.txt", in: directory))
    }

    @Test("empty, tiny and missing files are errors")
    func emptyFiles() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        expectError(.notISOBMFF, parsing: try write([], "empty.mp4", in: directory))
        expectError(.notISOBMFF, parsing: try write([0, 0, 0], "tiny.mp4", in: directory))
        expectError(.io, parsing: directory.appendingPathComponent("missing.mp4").path)
        expectError(.io, parsing: directory.path)
    }

    static let fileType: [UInt8] = UInt32(16).bigEndianBytes + Array("ftypisom".utf8) + UInt32(0x200).bigEndianBytes

    @Test("absurd box sizes are errors, not crashes")
    func absurdSizes() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A moov claiming 4 GB in a 40-byte file.
        let hugeMovie = Self.fileType + UInt32(0xFFFF_FF00).bigEndianBytes + Array("moov".utf8) + [UInt8](repeating: 0, count: 16)
        expectError(.truncated, parsing: try write(hugeMovie, "hugemoov.mp4", in: directory))
        // A first box with a 64-bit size of 2^63 + 2^62 (offset + size would overflow past 2^64 later on).
        let hugeFirst = UInt32(1).bigEndianBytes + Array("ftyp".utf8) + UInt64(0xC000_0000_0000_0000).bigEndianBytes
            + [UInt8](repeating: 0, count: 16)
        expectError(.truncated, parsing: try write(hugeFirst, "hugeftyp.mp4", in: directory))
        // Box sizes 2…7 at the top.
        let badSize = Self.fileType + UInt32(3).bigEndianBytes + Array("free".utf8)
        expectError(.malformed, parsing: try write(badSize, "badsize.mp4", in: directory))
        // A largesize below 16.
        let smallLarge = UInt32(1).bigEndianBytes + Array("ftyp".utf8) + UInt64(9).bigEndianBytes
        expectError(.notISOBMFF, parsing: try write(smallLarge, "smalllarge.mp4", in: directory))
        // Only an ftyp: no moov.
        expectError(.truncated, parsing: try write(Self.fileType, "ftyponly.mp4", in: directory))
        // A moov whose child claims more than the moov holds.
        let childTooBig = Self.fileType + UInt32(24).bigEndianBytes + Array("moov".utf8)
            + UInt32(200).bigEndianBytes + Array("mvhd".utf8) + [UInt8](repeating: 0, count: 8)
        expectError(.malformed, parsing: try write(childTooBig, "childtoobig.mp4", in: directory))
        // A moov without mvhd.
        let noHeader = Self.fileType + UInt32(8).bigEndianBytes + Array("moov".utf8)
        expectError(.malformed, parsing: try write(noHeader, "nomvhd.mp4", in: directory))
        // A compressed movie header.
        let movieHeader = TestBox.leaf(
            type: "mvhd", payload: [UInt8](repeating: 0, count: 12) + UInt32(600).bigEndianBytes + [UInt8](repeating: 0, count: 84))
        let compressed = Self.fileType
            + TestBox.container(type: "moov", children: [movieHeader, .leaf(type: "cmov", payload: [0, 0, 0, 0])]).serialized()
        expectError(.unsupported, parsing: try write(compressed, "cmov.mp4", in: directory))
    }

    @Test("tables whose entry counts exceed their boxes are malformed",
          .enabled(if: MP4Fixtures.toolsAvailable, MP4Fixtures.missingToolsComment))
    func tableCountsBoundedByBoxSize() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try VideoFixture.h264BFramesMoovAtEnd.make(in: directory)
        for tableType in ["stsz", "stts", "ctts", "stss", "stsc", "stco", "elst"] {
            let path = try rewriteMovie(source: source, destination: directory.appendingPathComponent("\(tableType).mp4")) { box in
                guard case .leaf(let type, var payload) = box, type == tableType else { return [box] }
                let countOffset = type == "stsz" ? 8 : 4
                payload.replaceSubrange(countOffset..<(countOffset + 4), with: UInt32(0x7FFF_FFFF).bigEndianBytes)
                return [.leaf(type: type, payload: payload)]
            }
            if tableType == "elst" {
                // FFmpeg trusts the box size over the count; so do we.
                let movie = try MP4Parser.parse(path: path)
                #expect(movie.firstVideoTrack?.editList.count == 1)
            } else {
                expectError(.malformed, parsing: path)
            }
        }
    }

    @Test("flipped bytes in the moov never crash", .enabled(if: MP4Fixtures.toolsAvailable, MP4Fixtures.missingToolsComment))
    func fuzzMovieBox() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try VideoFixture.audioTrackFirst.make(in: directory)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let movie = try MP4Parser.parse(path: source)
        let moov = try #require(movie.topLevelBoxes.first { $0.type == "moov" })
        var generator = SplitMix64(seed: 7)
        var parsed = 0
        for round in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let position = Int.random(in: Int(moov.offset)..<Int(moov.end), using: &generator)
                bytes[position] = round % 3 == 0 ? 0xFF : UInt8.random(in: 0...255, using: &generator)
            }
            let path = try write(bytes, "fuzz.mp4", in: directory)
            guard let damaged = try? MP4Parser.parse(path: path) else { continue }
            parsed += 1
            _ = damaged.mediaDataEnd
            for track in damaged.tracks {
                _ = try? track.keyframePresentationSeconds(movieTimescale: damaged.movieTimescale)
            }
        }
        #expect(parsed > 0)
    }
}

@Suite("MP4 timeline arithmetic")
struct MP4TimelineArithmeticTests {
    @Test("av_rescale rounding and overflow")
    func rescale() {
        #expect(ffmpegRescale(1500, 12800, 1000) == 19200)
        #expect(ffmpegRescale(1, 3, 2) == 2)  // 1.5 rounds away from zero
        #expect(ffmpegRescale(-1, 3, 2) == -2)
        #expect(ffmpegRescale(1, 1, 3) == 0)
        #expect(ffmpegRescale(.max, 2, 1) == .min)
        #expect(ffmpegRescale(.min, 1, 1) == -Int64.max)
        #expect(ffmpegRescale(1 << 62, 1 << 30, 1 << 31) == 1 << 61)
        #expect(ffmpegRescale(5, 1, 0) == .min)
    }

    @Test("FourCC")
    func fourCC() {
        let moov: FourCC = "moov"
        #expect(moov.rawValue == 0x6D6F_6F76)
        #expect(moov.description == "moov")
        #expect(FourCC(rawValue: 0x0001_FF00).description == "0x0001ff00")
    }

    /// A synthetic one-hour, 25 fps track (90,000 samples, B-frame offsets, a keyframe every 2 s) in a
    /// moov at the end of the file.
    static func longMovie(in directory: URL) throws -> String {
        let samples = 90_000
        func fullBox(_ type: String, _ body: [UInt8], version: UInt8 = 0) -> TestBox {
            .leaf(type: type, payload: [version, 0, 0, 0] + body)
        }
        var ctts: [UInt8] = UInt32(samples).bigEndianBytes
        let pattern: [UInt32] = [1024, 2560, 0, 512, 1536]
        for index in 0..<samples { ctts += UInt32(1).bigEndianBytes + pattern[index % 5].bigEndianBytes }
        var stss: [UInt8] = UInt32(samples / 50).bigEndianBytes
        for key in stride(from: 1, through: samples, by: 50) { stss += UInt32(key).bigEndianBytes }
        var stsz: [UInt8] = UInt32(0).bigEndianBytes + UInt32(samples).bigEndianBytes
        var stco: [UInt8] = UInt32(samples).bigEndianBytes
        for index in 0..<samples {
            stsz += UInt32(1000).bigEndianBytes
            stco += UInt32(48 + 1000 * index).bigEndianBytes
        }
        let sampleEntry = UInt32(16).bigEndianBytes + Array("avc1".utf8) + [UInt8](repeating: 0, count: 8)
        let stbl = TestBox.container(type: "stbl", children: [
            fullBox("stsd", UInt32(1).bigEndianBytes + sampleEntry),
            fullBox("stts", UInt32(1).bigEndianBytes + UInt32(samples).bigEndianBytes + UInt32(512).bigEndianBytes),
            fullBox("ctts", ctts), fullBox("stss", stss), fullBox("stsz", stsz),
            fullBox("stsc", UInt32(1).bigEndianBytes + UInt32(1).bigEndianBytes + UInt32(1).bigEndianBytes + UInt32(1).bigEndianBytes),
            fullBox("stco", stco),
        ])
        let mediaHeader = fullBox("mdhd", [UInt8](repeating: 0, count: 8) + UInt32(12800).bigEndianBytes
            + UInt32(samples * 512).bigEndianBytes + [0, 0, 0, 0])
        let handler = fullBox("hdlr", [0, 0, 0, 0] + Array("vide".utf8) + [UInt8](repeating: 0, count: 13))
        let trak = TestBox.container(type: "trak", children: [
            fullBox("tkhd", [UInt8](repeating: 0, count: 8) + UInt32(1).bigEndianBytes + [UInt8](repeating: 0, count: 68)),
            .container(type: "edts", children: [
                .leaf(type: "elst", payload: editListPayload([(3_600_000, 1024, 0x1_0000)])),
            ]),
            .container(type: "mdia", children: [
                mediaHeader, handler, .container(type: "minf", children: [stbl]),
            ]),
        ])
        let mvhd = fullBox("mvhd", [UInt8](repeating: 0, count: 8) + UInt32(1000).bigEndianBytes
            + UInt32(3_600_000).bigEndianBytes + [UInt8](repeating: 0, count: 80))
        let moov = TestBox.container(type: "moov", children: [mvhd, trak])
        let bytes = MP4DamagedFileTests.fileType + UInt32(8).bigEndianBytes + Array("mdat".utf8) + moov.serialized()
        let url = directory.appendingPathComponent("long.mp4")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test("a one-hour moov parses in milliseconds")
    func largeMovieIsFast() throws {
        let directory = try MP4Fixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Self.longMovie(in: directory)
        let clock = ContinuousClock()
        var movie: MP4Movie?
        let parseTime = try clock.measure { movie = try MP4Parser.parse(path: path) }
        let parsed = try #require(movie)
        let track = try #require(parsed.firstVideoTrack)
        var keyframes: [Double] = []
        let timelineTime = try clock.measure {
            keyframes = try track.keyframePresentationSeconds(movieTimescale: parsed.movieTimescale)
        }
        #expect(track.sampleCount == 90_000)
        #expect(keyframes.count == 1800)
        #expect(keyframes.first == 0)
        #expect(keyframes.last == 3598)
        #expect(parsed.mediaDataEnd > parsed.fileSize)
        // Generous bounds (debug build, shared CI machine); the figures are printed for the record.
        print("90,000-sample moov: parse \(parseTime), keyframe timeline \(timelineTime)")
        #expect(parseTime < .seconds(1))
        #expect(timelineTime < .seconds(2))
    }

    /// `MP4_BENCHMARK_FILE=/path/to/long.mp4 swift test --filter benchmarkFile`: timings, and every packet
    /// checked against ffprobe.
    @Test("a real file named by MP4_BENCHMARK_FILE", .enabled(if: ProcessInfo.processInfo.environment["MP4_BENCHMARK_FILE"] != nil))
    func benchmarkFile() throws {
        let path = try #require(ProcessInfo.processInfo.environment["MP4_BENCHMARK_FILE"])
        let clock = ContinuousClock()
        for _ in 0..<3 {
            var movie: MP4Movie?
            let parseTime = try clock.measure { movie = try MP4Parser.parse(path: path) }
            let parsed = try #require(movie)
            let track = try #require(parsed.firstVideoTrack)
            var keyframes: [Double] = []
            let timelineTime = try clock.measure {
                keyframes = try track.keyframePresentationSeconds(movieTimescale: parsed.movieTimescale)
            }
            print(
                "\(path): \(track.sampleCount) video samples, \(keyframes.count) keyframes, "
                    + "\(parsed.bytesRead) of \(parsed.fileSize) bytes read; parse \(parseTime), timeline \(timelineTime)")
        }
        if MP4Fixtures.toolsAvailable {
            let parsed = try MP4Parser.parse(path: path)
            let track = try #require(parsed.firstVideoTrack)
            let timeline = try track.packetTimeline(movieTimescale: parsed.movieTimescale)
            let packets = (0..<timeline.count).map {
                ProbedPacket(
                    pts: timeline.presentationTicks[$0], isKeyframe: timeline.isKeyframe[$0],
                    isDiscarded: timeline.isDiscarded[$0])
            }
            #expect(packets == (try FFprobeOracle.videoPackets(path)))
        }
    }
}

/// A small seeded generator so the random tests repeat.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
