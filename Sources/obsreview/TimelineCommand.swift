import ArgumentParser
import Dispatch
import Foundation
import MediaIndex
import Synchronization

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Print the keyframe timeline of recordings, and nothing else (the quickest route each container allows).",
        discussion: """
            The same keyframe times as `index --keyframes`, read from the container's own index where it has one \
            (MP4/MOV sample tables, Matroska cues) and from the transport stream's packets for MPEG-TS, without \
            libavformat's stream probe; other files take the full indexing path. With --json, one JSON document per \
            file per line, with the keys of `index --json` that concern the timeline (file, keyframes, \
            discontinuities, discontinuityCheck) or an error. Exit status 1 if any file failed. \
            `obsreview-timeline --json FILE…` prints the same without loading FFmpeg when every file is an MP4/MOV \
            or MPEG-TS that its container answers, and runs this command otherwise.
            """
    )

    @Argument(help: "Recordings to read.")
    var files: [String]

    @Flag(help: "Print JSON Lines instead of a summary.")
    var json = false

    @Option(help: "Refuse files larger than this many bytes.")
    var maxBytes: UInt64 = IndexLimits().maxBytes

    @Option(help: "How many files to read at once (default: one per core).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Also read each file this many more times in this process and print the median time per file to standard error (benchmarking; excludes process start-up).", visibility: .hidden))
    var timingRuns = 0

    func run() throws {
        let limits = IndexLimits(maxBytes: maxBytes)
        if timingRuns > 0 {
            for path in files {
                var samples: [Double] = []
                for _ in 0..<timingRuns {
                    let start = ContinuousClock.now
                    _ = Self.report(for: path, limits: limits)
                    samples.append((ContinuousClock.now - start).seconds)
                }
                samples.sort()
                FileHandle.standardError.write(Data(String(format: "in-process: %@ median %.6f s over %d runs\n", path, samples[samples.count / 2], samples.count).utf8))
            }
        }
        let reports = Mutex([IndexReport?](repeating: nil, count: files.count))
        let next = Atomic<Int>(0)
        // A fixed number of workers take the files in turn; the reports print in the order given.
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, files.count))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < files.count else { return }
                let report = Self.report(for: files[index], limits: limits)
                reports.withLock { $0[index] = report }
            }
        }
        var failures = 0
        var output = ""
        for report in reports.withLock({ $0 }) {
            guard let report else { continue }
            if report.error != nil { failures += 1 }
            output += (json ? JSONLines.line(report) : Self.text(report)) + "\n"
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if failures > 0 {
            if !json { FileHandle.standardError.write(Data("\(failures) of \(files.count) file(s) could not be read.\n".utf8)) }
            throw ExitCode(1)
        }
    }

    private static func report(for path: String, limits: IndexLimits) -> IndexReport {
        do {
            return IndexReport(file: path, timeline: try MediaIndexer.keyframeTimeline(path: path, limits: limits))
        } catch {
            return IndexReport(file: path, error: error)
        }
    }

    private static func text(_ report: IndexReport) -> String {
        if let error = report.error { return "\(report.file): \(error.message)" }
        guard let keyframes = report.keyframes else { return report.file }
        var line = "\(report.file): \(keyframes.count) keyframes (from \(keyframes.source.rawValue))"
        if let times = keyframes.seconds { line += ": " + times.map { String(format: "%.3f", $0) }.joined(separator: " ") }
        for discontinuity in report.discontinuities ?? [] {
            line += String(format: "\n  %@ at %.3f s (%+.3f s)", discontinuity.kind.rawValue, discontinuity.atSeconds, discontinuity.jumpSeconds)
        }
        return line
    }
}
