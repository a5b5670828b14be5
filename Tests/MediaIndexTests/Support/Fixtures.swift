import Foundation
import Testing

/// Runs a command and returns its standard output; fails the test on a non-zero exit.
func run(_ executable: String, _ arguments: [String]) throws -> Data {
    let result = try TestProcess.run(executable, arguments)
    guard result.status == 0 else {
        throw FixtureError(message: "\(executable) \(arguments.joined(separator: " ")) exited with \(result.status): \(result.standardError)")
    }
    return Data(result.standardOutput.utf8)
}

struct FixtureError: Error, CustomStringConvertible { var message: String; var description: String { message } }

/// Test inputs: the committed samples, and small files generated once per test run with the ffmpeg CLI.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let samplesDirectory = repositoryRoot.appendingPathComponent("samples")

    static let ffmpeg = "/usr/bin/ffmpeg"
    static let ffprobe = "/usr/bin/ffprobe"
    static var haveFFmpegTools: Bool { FileManager.default.isExecutableFile(atPath: ffmpeg) && FileManager.default.isExecutableFile(atPath: ffprobe) }

    /// Every committed sample that is a video recording (the bad samples are tested on their own).
    static var videoSamples: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: samplesDirectory.path)) ?? []
        return names.filter { ["mp4", "mov", "mkv", "webm", "avi", "ts"].contains(($0 as NSString).pathExtension) }
            .filter { !$0.hasPrefix("corrupt") && !$0.hasPrefix("not-a-") }
            .sorted()
            .map { samplesDirectory.appendingPathComponent($0).path }
    }

    static func sample(_ name: String) -> String { samplesDirectory.appendingPathComponent(name).path }

    /// A scratch directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Generated recordings, made once per process; keyed by name.
    static let generated: [String: String] = {
        guard haveFFmpegTools, let directory = try? temporaryDirectory() else { return [:] }
        let source = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000"]
        let recipes: [String: [String]] = [
            // H.264 with B-frames and an edit list, moov at the end (as phones write).
            "bframes.mp4": source + ["-t", "4", "-c:v", "libx264", "-g", "25", "-bf", "2", "-c:a", "aac", "-threads", "1"],
            "faststart.mp4": source + ["-t", "3", "-c:v", "libx264", "-g", "20", "-c:a", "aac", "-movflags", "+faststart", "-threads", "1"],
            "plain.mkv": source + ["-t", "4", "-c:v", "libx264", "-g", "25", "-c:a", "aac", "-threads", "1"],
            "stream.ts": source + ["-t", "4", "-c:v", "libx264", "-g", "25", "-c:a", "aac", "-threads", "1"],
            "legacy.avi": source + ["-t", "3", "-c:v", "mpeg4", "-g", "25", "-c:a", "libmp3lame"],
            "audio.m4a": ["-f", "lavfi", "-i", "sine=f=440:sample_rate=48000", "-t", "2", "-c:a", "aac"],
            "still.png": ["-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1"],
            "gif.gif": ["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-t", "1"],
        ]
        var made: [String: String] = [:]
        for (name, arguments) in recipes {
            let path = directory.appendingPathComponent(name).path
            if (try? run(ffmpeg, ["-v", "error", "-y"] + arguments + [path])) != nil { made[name] = path }
        }
        // Audio with cover art: the picture is an attached picture, not a video stream.
        if let audio = made["audio.m4a"], let still = made["still.png"] {
            let path = directory.appendingPathComponent("cover-art.m4a").path
            if (try? run(ffmpeg, ["-v", "error", "-y", "-i", audio, "-i", still, "-map", "0", "-map", "1", "-c:a", "copy", "-c:v", "mjpeg",
                                  "-disposition:v", "attached_pic", path])) != nil { made["cover-art.m4a"] = path }
        }
        // Rotated copy: FFmpeg 5.1's mov muxer turns the rotate tag into a display matrix.
        if let plain = made["faststart.mp4"] {
            let path = directory.appendingPathComponent("rotated.mp4").path
            if (try? run(ffmpeg, ["-v", "error", "-y", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", path])) != nil { made["rotated.mp4"] = path }
        }
        return made
    }()

    static func generated(_ name: String) throws -> String {
        guard let path = generated[name] else { throw FixtureError(message: "fixture \(name) could not be generated (is ffmpeg installed?)") }
        return path
    }

    /// A copy of `path` holding only its first `bytes` bytes.
    static func truncatedCopy(of path: String, bytes: Int) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(bytes)
        let out = try temporaryDirectory().appendingPathComponent("cut-" + (path as NSString).lastPathComponent)
        try data.write(to: out)
        return out.path
    }

    /// Writes `data` to a new temporary file named `name`.
    static func write(_ data: Data, named name: String) throws -> String {
        let out = try temporaryDirectory().appendingPathComponent(name)
        try data.write(to: out)
        return out.path
    }
}
