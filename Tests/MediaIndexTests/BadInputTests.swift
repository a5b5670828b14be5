import Foundation
import Testing

@testable import MediaIndex

/// Bad input never crashes: each gets its error code and a message saying what to do.
@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg to make fixtures"))
struct BadInputTests {
    private func expectError(_ code: MediaIndexError.Code, indexing path: String, limits: IndexLimits = .init(), sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let result = try MediaIndexer.index(path: path, options: IndexOptions(limits: limits))
            Issue.record("expected \(code), got a result with \(result.info.streams.count) streams", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error.debugDescription)", sourceLocation: sourceLocation)
            #expect(error.message.count > 20, sourceLocation: sourceLocation)
            #expect(error.file == path, sourceLocation: sourceLocation)
        }
    }

    @Test func missingFile() { expectError(.notFound, indexing: "/nonexistent/recording.mp4") }

    @Test func directory() throws { expectError(.unreadable, indexing: try Fixtures.temporaryDirectory().path) }

    @Test func zeroBytes() throws { expectError(.empty, indexing: try Fixtures.write(Data(), named: "empty.mp4")) }

    @Test func randomBytes() throws {
        // Seeded, so that every run reads the same bytes (unseeded bytes were once read as raw H.263).
        for seed in UInt64(1)...8 {
            var state = seed &* 0x9E37_79B9_7F4A_7C15
            let bytes = Data((0..<50_000).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            })
            expectError(.notMedia, indexing: try Fixtures.write(bytes, named: "random-\(seed).mp4"))
        }
    }

    @Test func textRenamedMP4() throws {
        expectError(.notMedia, indexing: try Fixtures.write(Data(String(repeating: "Notes from the observation.\n", count: 200).utf8), named: "notes.mp4"))
    }

    @Test func imageRenamedMP4() throws {
        let png = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.generated("still.png")))
        expectError(.notMedia, indexing: try Fixtures.write(png, named: "photo.mp4"))
    }

    @Test func animatedGIFIsNotAnAcceptedContainer() throws { expectError(.notMedia, indexing: try Fixtures.generated("gif.gif")) }

    @Test func audioOnly() throws { expectError(.noVideoStream, indexing: try Fixtures.generated("audio.m4a")) }

    @Test func coverArtIsNotAVideoStream() throws {
        let path = try Fixtures.generated("cover-art.m4a")
        let info = try MediaIndexer.probe(path: path)
        #expect(info.streams.map(\.kind) == [.audio, .attachment])
        #expect(info.mainVideoStream == nil)
        expectError(.noVideoStream, indexing: path)
    }

    @Test func moovAtTheEndCutInHalf() throws {
        let path = try Fixtures.generated("bframes.mp4")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        expectError(.truncated, indexing: try Fixtures.truncatedCopy(of: path, bytes: size / 2))
    }

    @Test func moovAtTheStartCutInHalf() throws {
        let path = try Fixtures.generated("faststart.mp4")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        expectError(.truncated, indexing: try Fixtures.truncatedCopy(of: path, bytes: size / 2))
    }

    @Test func matroskaCutInHalf() throws {
        let path = try Fixtures.generated("plain.mkv")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        expectError(.truncated, indexing: try Fixtures.truncatedCopy(of: path, bytes: size / 2))
    }

    @Test func committedCorruptSamples() throws {
        let truncated = Fixtures.sample("corrupt-truncated.mp4")
        if FileManager.default.fileExists(atPath: truncated) { expectError(.truncated, indexing: truncated) }
        let text = Fixtures.sample("not-a-video.mp4")
        if FileManager.default.fileExists(atPath: text) { expectError(.notMedia, indexing: text) }
        let audio = Fixtures.sample("audio-only.m4a")
        if FileManager.default.fileExists(atPath: audio) { expectError(.noVideoStream, indexing: audio) }
    }

    @Test func absurdBoxSizeInTheHeader() throws {
        // Claim the first box is 4 GB long: the file cannot hold it.
        var data = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.generated("faststart.mp4")))
        data.replaceSubrange(0..<4, with: [0xff, 0xff, 0xff, 0xf0])
        expectError(.truncated, indexing: try Fixtures.write(data, named: "absurd.mp4"))
    }

    @Test func absurdPictureSizeInTheHeader() throws {
        // Rewrite the width/height in the sample description (avc1 entry) to 60000x60000.
        var data = try Data(contentsOf: URL(fileURLWithPath: try Fixtures.generated("faststart.mp4")))
        let avc1 = try #require(data.range(of: Data("avc1".utf8)))
        let widthOffset = avc1.upperBound + 24
        data.replaceSubrange(widthOffset..<(widthOffset + 4), with: [0xea, 0x60, 0xea, 0x60])
        let path = try Fixtures.write(data, named: "huge.mp4")
        // Either the demuxer rejects the header, or our limit does; never a crash or an allocation of 60000².
        let thumbnails = try Fixtures.temporaryDirectory()
        do {
            _ = try MediaIndexer.index(path: path, options: IndexOptions(thumbnailDirectory: thumbnails))
        } catch {
            let accepted: [MediaIndexError.Code] = [.tooLarge, .corrupt, .notMedia]
            #expect(accepted.contains(error.code), "\(error.debugDescription)")
        }
    }

    @Test func limitsAreCheckedBeforeDecoding() throws {
        let path = try Fixtures.generated("bframes.mp4")
        expectError(.tooLarge, indexing: path, limits: IndexLimits(maxBytes: 1000))
        expectError(.tooLarge, indexing: path, limits: IndexLimits(maxWidth: 100, maxHeight: 100))
        expectError(.tooLarge, indexing: path, limits: IndexLimits(maxDurationSeconds: 1))
    }
}

/// Thousands of mutated copies of real recordings: every one gives a result or a clear error, never a crash.
@Suite(.enabled(if: Fixtures.haveFFmpegTools, "needs ffmpeg to make fixtures"))
struct MutationFuzzTests {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ original: [UInt8], using generator: inout SplitMix) -> [UInt8] {
        var bytes = original
        switch generator.next() % 4 {
        case 0:  // flip bytes, concentrated in the headers where parsers make decisions
            for _ in 0..<Int.random(in: 1...16, using: &generator) {
                let limit = Bool.random(using: &generator) ? min(bytes.count, 4096) : bytes.count
                bytes[Int.random(in: 0..<limit, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
        case 1:  // truncate anywhere
            bytes = Array(bytes.prefix(Int.random(in: 1..<bytes.count, using: &generator)))
        case 2:  // overwrite a 32-bit field with an extreme value
            let offset = Int.random(in: 0..<(bytes.count - 4), using: &generator)
            let value: [UInt8] = [[0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0], [0x7f, 0xff, 0xff, 0xff], [0, 0, 0, 1]].randomElement(using: &generator)!
            bytes.replaceSubrange(offset..<(offset + 4), with: value)
        default:  // duplicate or delete a block
            let start = Int.random(in: 0..<bytes.count, using: &generator)
            let length = min(Int.random(in: 1...4096, using: &generator), bytes.count - start)
            if Bool.random(using: &generator) {
                bytes.insert(contentsOf: bytes[start..<(start + length)], at: start)
            } else {
                bytes.removeSubrange(start..<(start + length))
            }
        }
        return bytes
    }

    @Test(arguments: ["faststart.mp4", "bframes.mp4", "stream.ts", "plain.mkv", "legacy.avi"])
    func mutatedCopiesGiveAResultOrAClearError(name: String) throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Fixtures.generated(name))))
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SplitMix(state: UInt64(truncatingIfNeeded: name.hashValue & 0xffff) | 0x5eed)
        let known: Set<MediaIndexError.Code> = [.notMedia, .truncated, .corrupt, .noVideoStream, .unsupportedCodec, .tooLarge, .empty]
        var outcomes: [String: Int] = [:]
        let path = directory.appendingPathComponent("mutant-" + name).path
        for _ in 0..<400 {
            let mutant = Self.mutate(original, using: &generator)
            try Data(mutant).write(to: URL(fileURLWithPath: path))
            do {
                let result = try MediaIndexer.index(path: path)
                #expect(result.timeline.seconds.allSatisfy { $0.isFinite })
                outcomes["ok", default: 0] += 1
            } catch {
                #expect(known.contains(error.code), "unexpected code \(error.code): \(error.message)")
                #expect(!error.message.isEmpty)
                outcomes[error.code.rawValue, default: 0] += 1
            }
        }
        #expect(outcomes.values.reduce(0, +) == 400)
    }
}
