import Foundation
import Logging
@testable import ReviewServer
import Testing

/// The server's log written in batches (decision 46): nothing lost, nothing interleaved, order kept, warnings out at
/// once, swift-log's own line format.
@Suite struct BufferedLogOutputTests {
    /// A file the output writes to, read back whole.
    final class LogFile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-log-\(UUID().uuidString)").path
        let descriptor: Int32
        init() { descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_APPEND, 0o600) }
        deinit {
            close(descriptor)
            unlink(path)
        }
        var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    }

    @Test("lines from many threads all arrive, each whole, each thread's in its order")
    func concurrentLinesWhole() async {
        let file = LogFile()
        let output = BufferedLogOutput(descriptor: file.descriptor, interval: .milliseconds(5), limit: 4 << 10)
        let threads = 8, lines = 2_000
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<threads {
                group.addTask {
                    for n in 0..<lines { output.write("thread=\(t) line=\(n) \(String(repeating: "x", count: n % 97))\n") }
                }
            }
        }
        output.flush()
        let written = file.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(written.count == threads * lines)
        var next = [Int](repeating: 0, count: threads)
        for line in written {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let t = Int(fields[0].dropFirst("thread=".count)), let n = Int(fields[1].dropFirst("line=".count)),
                  (0..<threads).contains(t) else {
                Issue.record("a torn line: \(line.prefix(80))")
                return
            }
            #expect(n == next[t], "thread \(t): line \(n) after \(next[t] - 1)")
            #expect(line.count == "thread=\(t) line=\(n) ".count + n % 97, "line \(n) of thread \(t) is not whole")
            next[t] = n + 1
        }
        #expect(next == [Int](repeating: lines, count: threads))
    }

    @Test("a kept line is written within its interval without anyone flushing")
    func keptLineWrittenByTheTimer() async throws {
        let file = LogFile()
        let output = BufferedLogOutput(descriptor: file.descriptor, interval: .milliseconds(50))
        output.write("first\n")
        #expect(file.text == "", "written at once: the line was not kept")
        // Each wait has its own 10 s: under the whole suite's load the first took most of a shared one (CI, 19:31).
        var deadline = ContinuousClock.now + .seconds(10)
        while file.text.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(file.text == "first\n")
        output.write("second\n")
        deadline = ContinuousClock.now + .seconds(10)
        while file.text == "first\n", ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(file.text == "first\nsecond\n", "the writer went to sleep after its first batch")
    }

    @Test("a warning writes everything kept before it at once; info lines wait")
    func warningsFlush() {
        let file = LogFile()
        let output = BufferedLogOutput(descriptor: file.descriptor, interval: .seconds(3_600))
        var logger = Logger(label: "test") { FlushingLogHandler(label: $0, output: output) }
        logger.logLevel = .debug
        logger.info("request", metadata: ["http.status": "200"])
        logger.debug("detail")
        #expect(file.text == "")
        logger.warning("disk nearly full")
        let lines = file.text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.last?.hasSuffix("disk nearly full") == true)
        logger.error("failed")
        #expect(file.text.split(separator: "\n").count == 4)
        logger.info("after")
        #expect(file.text.split(separator: "\n").count == 4)
        output.flush()
        #expect(file.text.split(separator: "\n").last?.hasSuffix("after") == true)
    }

    @Test("64 KiB kept are written without waiting for the timer")
    func fullBufferWritten() {
        let file = LogFile()
        let output = BufferedLogOutput(descriptor: file.descriptor, interval: .seconds(3_600), limit: 64 << 10)
        let line = String(repeating: "y", count: 1023) + "\n"
        for _ in 0..<63 { output.write(line) }
        #expect(file.text.isEmpty)
        output.write(line)
        #expect(file.text.utf8.count == 64 << 10)
    }

    @Test("the same lines as swift-log's StreamLogHandler: time stamp, level, label, sorted metadata of every kind, error, source")
    func sameFormat() throws {
        final class Captured: TextOutputStream, @unchecked Sendable {
            var text = ""
            func write(_ string: String) { text += string }
        }
        struct Refusal: Error, CustomStringConvertible { var description: String { "refused: not yours" } }
        let events: [(label: String, level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, error: (any Error)?)] = [
            ("obsreview.server", .info, "request", ["http.method": "GET", "http.route": "/api/v1/recordings/{id}/media", "http.status": "206"], nil),
            ("obsreview.server", .info, "starting", nil, nil),
            ("", .notice, "no label", [:], nil),
            ("obsreview.worker", .warning, "retrying", ["attempt": .stringConvertible(3), "ids": ["a", "b"], "nested": ["z": "1", "a": ["x"]]], nil),
            ("obsreview.server", .error, "failed", ["zeta": "last", "alpha": "first"], Refusal()),
            ("obsreview.server", .critical, "émoji ✓ and spaces", ["key with space": "välue"], nil),
        ]
        for event in events {
            // Both lines in the same second, so that their time stamps can be compared too.
            for attempt in 1...5 {
                let file = LogFile()
                let output = BufferedLogOutput(descriptor: file.descriptor, interval: .seconds(3_600))
                let captured = Captured()
                var ours = Logger(label: event.label) { FlushingLogHandler(label: $0, output: output) }
                var theirs = Logger(label: event.label) { StreamLogHandler(label: $0, stream: captured) }
                ours.logLevel = .trace
                theirs.logLevel = .trace
                ours[metadataKey: "hb.request.id"] = "abc"
                theirs[metadataKey: "hb.request.id"] = "abc"
                let before = time(nil)
                for logger in [ours, theirs] {
                    logger.log(level: event.level, event.message, error: event.error, metadata: event.metadata)
                }
                output.flush()
                if time(nil) != before, attempt < 5 { continue }
                #expect(file.text == captured.text)
                #expect(file.text.hasSuffix("\n") && file.text.filter { $0 == "\n" }.count == 1)
                break
            }
        }
    }
}
