import ArgumentParser
import Dispatch
import Foundation
import MediaIndex
import Synchronization

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index recordings: container, streams, tags, keyframe timeline, discontinuities, thumbnails.",
        discussion: """
            Prints a human-readable summary per file, or with --json one JSON document per file per line \
            (JSON Lines). A file that cannot be indexed gets {"file": …, "error": {"code": …, "message": …}}; \
            the other files are still indexed and the exit status is 1. With --proxy, a proxy that cannot be made \
            sets "error" (stage "proxy") beside the index facts.
            """
    )

    @Argument(help: "Recordings to index.")
    var files: [String]

    @Flag(help: "Include every keyframe's presentation time.")
    var keyframes = false

    @Flag(help: "Hash each whole file with SHA-256 (streamed).")
    var sha256 = false

    @Option(help: ArgumentHelp("Write a poster and thumbnails for each file into DIR/<file name>/.", valueName: "DIR"))
    var thumbnails: String?

    @Option(help: ArgumentHelp("Write a browser-playable proxy of each file to DIR/<file name>/proxy.mp4 or proxy.webm.", valueName: "DIR"))
    var proxy: String?

    @Option(help: ArgumentHelp("Write the proxy's progress (a fraction 0…1) to FILE as it goes (the worker reports it on the job).", valueName: "FILE"))
    var progressFile: String?

    @Option(help: "How many evenly spaced thumbnails to write.")
    var thumbnailCount = 8

    @Flag(help: "Print JSON Lines instead of a summary.")
    var json = false

    @Option(help: "Refuse files larger than this many bytes.")
    var maxBytes: UInt64 = IndexLimits().maxBytes

    @Option(help: "Refuse pictures wider or taller than this many pixels.")
    var maxDimension = IndexLimits().maxWidth

    @Option(help: "Refuse recordings longer than this many seconds.")
    var maxDuration = IndexLimits().maxDurationSeconds

    @Option(help: "How many files to index at once (default: one per core).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var sandbox: IndexSandbox

    @Option(help: ArgumentHelp("Also index each file this many more times in this process and print the median time per file to standard error (benchmarking; excludes process start-up).", visibility: .hidden))
    var timingRuns = 0

    func run() throws {
        sandbox.apply()
        let limits = IndexLimits(maxBytes: maxBytes, maxWidth: maxDimension, maxHeight: maxDimension, maxDurationSeconds: maxDuration)
        if timingRuns > 0 {
            for path in files {
                var samples: [Double] = []
                for _ in 0..<timingRuns {
                    let start = ContinuousClock.now
                    _ = Self.report(for: path, options: options(for: path, limits: limits), keyframes: keyframes, proxyDirectory: nil, proxyOptions: ProxyOptions())
                    samples.append((ContinuousClock.now - start).seconds)
                }
                samples.sort()
                FileHandle.standardError.write(Data(String(format: "in-process: %@ median %.6f s over %d runs\n", path, samples[samples.count / 2], samples.count).utf8))
            }
        }
        let width = max(jobs, 1)
        var failures = 0
        // Index a batch at a time on a bounded number of threads, printing in the order given.
        for batchStart in stride(from: 0, to: files.count, by: width * 4) {
            let batch = Array(files[batchStart..<min(batchStart + width * 4, files.count)])
            let reports = Mutex([IndexReport?](repeating: nil, count: batch.count))
            let queue = DispatchQueue(label: "obsreview.index", attributes: .concurrent)
            let group = DispatchGroup()
            let slots = DispatchSemaphore(value: width)
            for (offset, path) in batch.enumerated() {
                slots.wait()
                queue.async(group: group) {
                    defer { slots.signal() }
                    let report = Self.report(
                        for: path, options: options(for: path, limits: limits), keyframes: keyframes,
                        proxyDirectory: proxyDirectory(for: path), proxyOptions: ProxyOptions(limits: limits), progressFile: progressFile)
                    reports.withLock { $0[offset] = report }
                }
            }
            group.wait()
            for report in reports.withLock({ $0 }) {
                guard let report else { continue }
                if report.error != nil { failures += 1 }
                print(json ? JSONLines.line(report) : Summary.text(report, keyframes: keyframes))
            }
        }
        if failures > 0 {
            if !json { FileHandle.standardError.write(Data("\(failures) of \(files.count) file(s) could not be indexed.\n".utf8)) }
            throw ExitCode(1)
        }
    }

    private func options(for path: String, limits: IndexLimits) -> IndexOptions {
        var directory: URL? = nil
        if let thumbnails {
            directory = URL(fileURLWithPath: thumbnails).appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent)
        }
        return IndexOptions(sha256: sha256, thumbnailDirectory: directory, thumbnails: ThumbnailOptions(count: thumbnailCount), limits: limits)
    }

    private func proxyDirectory(for path: String) -> URL? {
        proxy.map { URL(fileURLWithPath: $0).appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent) }
    }

    private static func report(
        for path: String, options: IndexOptions, keyframes: Bool, proxyDirectory: URL?, proxyOptions: ProxyOptions, progressFile: String? = nil
    ) -> IndexReport {
        var report: IndexReport
        do {
            report = IndexReport(result: try MediaIndexer.index(path: path, options: options), includeKeyframeTimes: keyframes)
        } catch {
            return IndexReport(file: path, error: error)
        }
        // A proxy is made only of a recording that indexed; if it fails, the index facts are still reported.
        var progress: (@Sendable (Double) -> Void)?
        if let progressFile {
            let url = URL(fileURLWithPath: progressFile)
            progress = { (fraction: Double) -> Void in
                let text = String(format: "%.3f\n", fraction)
                try? Data(text.utf8).write(to: url, options: .atomic)
            }
        }
        if let proxyDirectory {
            do {
                report.proxy = try ProxyMaker.make(input: path, outputDirectory: proxyDirectory, options: proxyOptions, progress: progress)
            } catch {
                report.error = IndexReport.Failure(error)
            }
        }
        return report
    }
}
