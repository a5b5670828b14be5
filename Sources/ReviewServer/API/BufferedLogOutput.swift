import Foundation
public import Logging

/// The server's log lines, written to a file descriptor (standard error, where swift-log's default handler wrote them)
/// in batches rather than one `write` each (decision 46). swift-log's `StreamLogHandler` writes and flushes every line: for a range answered on the
/// event loop that one system call, and the lock around it, was about 8 % of the request.
///
/// - A line is kept at most `interval` (50 ms) before it is written, or less when 64 KiB have gathered.
/// - Warnings and errors are written at once, with everything before them (`FlushingLogHandler`), so the lines
///   that explain a failure are out before the process can die of it.
/// - `flush()` writes what is kept; `serve` calls it when it stops. A process that is killed loses at most the
///   last `interval` of info lines.
/// - Lines are written in the order they were logged, whole, never interleaved (one lock orders the writes).
public final class BufferedLogOutput: TextOutputStream, @unchecked Sendable {
    /// Standard error, batched: the server's log.
    public static let standardError = BufferedLogOutput(descriptor: STDERR_FILENO)

    let descriptor: Int32
    let interval: Duration
    let limit: Int
    /// Guards `pending` and wakes the writer thread when it gains its first line.
    private let condition = NSCondition()
    /// Held while bytes go to the descriptor, taken before `pending` is swapped out: writes stay in log order.
    private let writing = NSLock()
    private var pending: [UInt8] = []
    private var writerStarted = false
    private var stampSecond: time_t = -1
    private var stamp: [UInt8] = []

    init(descriptor: Int32, interval: Duration = .milliseconds(50), limit: Int = 64 << 10) {
        self.descriptor = descriptor
        self.interval = interval
        self.limit = limit
        pending.reserveCapacity(limit)
    }

    public func write(_ string: String) {
        write(string, stamped: false)
    }

    /// Keeps `string`, after the current time as `StreamLogHandler` writes it ("2026-12-07T16:46:50+0000") when
    /// `stamped`: formatted once a second rather than once a line.
    func write(_ string: String, stamped: Bool) {
        var line = string
        condition.lock()
        let wasEmpty = pending.isEmpty
        if stamped {
            let now = time(nil)
            if now != stampSecond {
                stampSecond = now
                stamp = Self.stamp(now)
            }
            pending.append(contentsOf: stamp)
        }
        line.withUTF8 { pending.append(contentsOf: $0) }
        let full = pending.count >= limit
        if !writerStarted {
            writerStarted = true
            startWriter()
        }
        if wasEmpty { condition.signal() }
        condition.unlock()
        if full { flush() }
    }

    /// Writes every line kept so far, and returns once they are written.
    public func flush() {
        writing.lock()
        defer { writing.unlock() }
        condition.lock()
        var bytes = pending
        pending = []
        pending.reserveCapacity(limit)
        condition.unlock()
        Self.writeAll(&bytes, to: descriptor)
    }

    /// A thread that sleeps until a line arrives, waits `interval` for more, and writes them together.
    private func startWriter() {
        let thread = Thread { [self] in
            let pause = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
            while true {
                condition.lock()
                while pending.isEmpty { condition.wait() }
                condition.unlock()
                Thread.sleep(forTimeInterval: pause)
                flush()
            }
        }
        thread.name = "obsreview log writer"
        thread.start()
    }

    /// The local time as `StreamLogHandler` writes it: `strftime`'s "%Y-%m-%dT%H:%M:%S%z".
    static func stamp(_ seconds: time_t) -> [UInt8] {
        var seconds = seconds
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return Array("<unknown>".utf8) }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return buffer[..<count].map { UInt8(bitPattern: $0) }
    }

    private static func writeAll(_ bytes: inout [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return  // a closed or full descriptor: the lines are dropped, the server goes on
                }
            }
        }
    }
}

/// swift-log's `StreamLogHandler` line, byte for byte, written through a `BufferedLogOutput`; a warning or worse writes
/// out everything kept before it returns.
///
/// The line is its own code rather than a wrapped `StreamLogHandler`, which formatted its metadata afresh each time a
/// key was set (every request sets its id) and the time stamp with `strftime` on every line: together about as much
/// as the system call the batching saves.
public struct FlushingLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata = Logger.Metadata()
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: BufferedLogOutput

    public init(label: String, output: BufferedLogOutput = .standardError) {
        self.label = label
        self.output = output
        self.metadataProvider = LoggingSystem.metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { all.merge(provided) { $1 } }
        if let explicit = event.metadata, !explicit.isEmpty { all.merge(explicit) { $1 } }
        if let error = event.error {
            all["error.message"] = "\(error)"
            all["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        // "<stamp> <level> <label>: k=v k=v [<source>] <message>"
        var line = " \(event.level)"
        if !label.isEmpty { line += " \(label)" }
        line += ":"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            line += " \(key)="
            if case .string(let text) = value { line += text } else { line += "\(value)" }
        }
        line += " [\(event.source)] \(event.message)\n"
        output.write(line, stamped: true)
        if event.level >= .warning { output.flush() }
    }
}
