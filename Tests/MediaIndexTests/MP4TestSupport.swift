import Foundation
import Testing

@testable import MediaIndex
@testable import MediaTimeline

// Helpers for the MP4 sample table tests: running the ffmpeg CLI, reading ffprobe's packet list, and
// rewriting boxes of a generated file (to make edit lists and 64-bit boxes ffmpeg does not write).

/// Output of a finished process.
struct ProcessOutput {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

enum TestProcess {
    /// Finds `name` on PATH.
    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `executable` and captures its output; stderr goes through a file so a chatty child cannot
    /// block on a full pipe while we read stdout.
    static func run(_ executable: String, _ arguments: [String]) throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let standardOutput = Pipe()
        let errorURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer {
            try? errorHandle.close()
            try? FileManager.default.removeItem(at: errorURL)
        }
        process.standardOutput = standardOutput
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = standardOutput.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorOutput = (try? Data(contentsOf: errorURL)) ?? Data()
        return ProcessOutput(
            status: process.terminationStatus,
            standardOutput: String(decoding: output, as: UTF8.self),
            standardError: String(decoding: errorOutput, as: UTF8.self))
    }
}

/// Makes fixture files with the ffmpeg CLI in a fresh temporary directory.
enum MP4Fixtures {
    static let ffmpeg = TestProcess.executable(named: "ffmpeg")
    static let ffprobe = TestProcess.executable(named: "ffprobe")
    static let toolsAvailable = ffmpeg != nil && ffprobe != nil
    static let missingToolsComment: Comment = "ffmpeg/ffprobe not found on PATH: MP4 fixture tests skipped"

    static func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mp4-sample-table-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Runs `ffmpeg -v error -y <arguments> <output>` and returns the output path.
    @discardableResult
    static func ffmpeg(_ arguments: [String], output: URL) throws -> String {
        guard let ffmpeg else { throw FixtureError(message: "ffmpeg not found") }
        let result = try TestProcess.run(
            ffmpeg, ["-v", "error", "-nostdin", "-y"] + arguments + [output.path])
        guard result.status == 0 else {
            throw FixtureError(message: "ffmpeg \(arguments) failed: \(result.standardError)")
        }
        return output.path
    }

    /// A tiny synthetic video input: 160x120 test pattern at `rate` fps for `seconds`.
    static func testPattern(seconds: Double = 4, rate: Int = 25) -> [String] {
        ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=\(rate):duration=\(seconds)"]
    }

    static let x264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-threads", "1"]
}

/// One packet as ffprobe reports it.
struct ProbedPacket: Equatable, CustomStringConvertible {
    let pts: Int64
    let isKeyframe: Bool
    let isDiscarded: Bool

    var description: String { "\(pts)\(isKeyframe ? "K" : "_")\(isDiscarded ? "D" : "_")" }
}

enum FFprobeOracle {
    /// The first video stream's packets: `ffprobe -select_streams v:0 -show_packets`.
    static func videoPackets(_ path: String) throws -> [ProbedPacket] {
        guard let ffprobe = MP4Fixtures.ffprobe else { throw FixtureError(message: "ffprobe not found") }
        let result = try TestProcess.run(
            ffprobe,
            ["-v", "error", "-select_streams", "v:0", "-show_packets", "-show_entries", "packet=pts,flags",
             "-of", "csv=p=0", path])
        guard result.status == 0 else { throw FixtureError(message: "ffprobe failed: \(result.standardError)") }
        return try result.standardOutput.split(separator: "\n").map { line in
            let fields = line.split(separator: ",")
            guard fields.count == 2, let pts = Int64(fields[0]) else {
                throw FixtureError(message: "unexpected ffprobe line '\(line)'")
            }
            return ProbedPacket(pts: pts, isKeyframe: fields[1].contains("K"), isDiscarded: fields[1].contains("D"))
        }
    }

    /// `pts_time` of the packets with flag K, as `ffprobe -show_entries packet=pts_time,flags` prints them.
    static func keyframeSeconds(_ path: String) throws -> [Double] {
        guard let ffprobe = MP4Fixtures.ffprobe else { throw FixtureError(message: "ffprobe not found") }
        let result = try TestProcess.run(
            ffprobe,
            ["-v", "error", "-select_streams", "v:0", "-show_packets", "-show_entries", "packet=pts_time,flags",
             "-of", "csv=p=0", path])
        guard result.status == 0 else { throw FixtureError(message: "ffprobe failed: \(result.standardError)") }
        return result.standardOutput.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",")
            guard fields.count == 2, fields[1].contains("K") else { return nil }
            return Double(fields[0])
        }.sorted()
    }
}

// MARK: - Rewriting boxes

/// A box tree just deep enough to rewrite sample tables and edit lists.
indirect enum TestBox {
    case leaf(type: String, payload: [UInt8])
    case container(type: String, children: [TestBox])

    static let containerTypes: Set<String> = ["moov", "trak", "edts", "mdia", "minf", "stbl", "dinf"]

    var type: String {
        switch self {
        case .leaf(let type, _), .container(let type, _): type
        }
    }

    /// Parses the boxes in `bytes` (32-bit and 64-bit sizes).
    static func parse(_ bytes: ArraySlice<UInt8>) throws -> [TestBox] {
        var boxes: [TestBox] = []
        var position = bytes.startIndex
        while bytes.endIndex - position >= 8 {
            var size = Int(bytes.bigEndianUInt32(at: position))
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            var header = 8
            if size == 1 {
                size = Int(bytes.bigEndianUInt64(at: position + 8))
                header = 16
            } else if size == 0 {
                size = bytes.endIndex - position
            }
            guard size >= header, position + size <= bytes.endIndex else {
                throw FixtureError(message: "bad box '\(type)' at \(position)")
            }
            let payload = bytes[(position + header)..<(position + size)]
            if containerTypes.contains(type) {
                boxes.append(.container(type: type, children: try parse(payload)))
            } else {
                boxes.append(.leaf(type: type, payload: Array(payload)))
            }
            position += size
        }
        return boxes
    }

    /// Serializes with a 32-bit size, or a 64-bit `largesize` when asked.
    func serialized(largesize: Bool = false) -> [UInt8] {
        let payload: [UInt8] = switch self {
        case .leaf(_, let payload): payload
        case .container(_, let children): children.flatMap { $0.serialized() }
        }
        var bytes: [UInt8] = []
        if largesize {
            bytes += UInt32(1).bigEndianBytes + Array(type.utf8) + UInt64(payload.count + 16).bigEndianBytes
        } else {
            bytes += UInt32(payload.count + 8).bigEndianBytes + Array(type.utf8)
        }
        return bytes + payload
    }

    /// Applies `rewrite` to every box below this one, depth first; `rewrite` returns the replacement boxes.
    func rewritten(_ rewrite: (TestBox) throws -> [TestBox]) rethrows -> [TestBox] {
        switch self {
        case .leaf:
            return try rewrite(self)
        case .container(let type, let children):
            let newChildren = try children.flatMap { try $0.rewritten(rewrite) }
            return try rewrite(.container(type: type, children: newChildren))
        }
    }
}

/// Rewrites the `moov` of a file whose `moov` comes last (so chunk offsets stay valid).
func rewriteMovie(
    source: String, destination: URL, largeMovieHeader: Bool = false, largeMediaDataHeader: Bool = false,
    _ rewrite: (TestBox) throws -> [TestBox]
) throws -> String {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
    let topLevel = try TestBox.parse(bytes[...])
    guard topLevel.last?.type == "moov" else { throw FixtureError(message: "moov is not the last box") }
    var output: [UInt8] = []
    var index = 0
    while index < topLevel.count {
        let box = topLevel[index]
        if largeMediaDataHeader, box.type == "free", case .leaf(_, let freePayload) = box, freePayload.isEmpty,
            index + 1 < topLevel.count, case .leaf("mdat", let media) = topLevel[index + 1]
        {
            // ffmpeg reserves an 8-byte free box before mdat for exactly this upgrade: offsets do not move.
            output += TestBox.leaf(type: "mdat", payload: media).serialized(largesize: true)
            index += 2
            continue
        }
        if box.type == "moov" {
            for newBox in try box.rewritten(rewrite) {
                output += newBox.serialized(largesize: largeMovieHeader)
            }
        } else {
            output += box.serialized()
        }
        index += 1
    }
    try Data(output).write(to: destination)
    return destination.path
}

/// An `elst` payload (version 0 or 1) for (segment duration in movie ticks, media time, rate).
func editListPayload(_ edits: [(duration: UInt64, mediaTime: Int64, rate: UInt32)], version: UInt8 = 0) -> [UInt8] {
    var bytes: [UInt8] = [version, 0, 0, 0] + UInt32(edits.count).bigEndianBytes
    for edit in edits {
        if version == 1 {
            bytes += edit.duration.bigEndianBytes + UInt64(bitPattern: edit.mediaTime).bigEndianBytes
        } else {
            bytes += UInt32(edit.duration).bigEndianBytes + UInt32(bitPattern: Int32(edit.mediaTime)).bigEndianBytes
        }
        bytes += edit.rate.bigEndianBytes
    }
    return bytes
}

extension FixedWidthInteger {
    var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: self.bigEndian) { Array($0) }
    }
}

extension ArraySlice<UInt8> {
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        self[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    func bigEndianUInt64(at offset: Int) -> UInt64 {
        self[offset..<(offset + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}

extension Array<UInt8> {
    func bigEndianUInt32(at offset: Int) -> UInt32 { self[...].bigEndianUInt32(at: offset) }
}
