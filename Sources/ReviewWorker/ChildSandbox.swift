import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The limits a child indexer puts on itself before it opens a file (`obsreview index` started by the worker):
/// address space, CPU time, file size and open files (`setrlimit`), a lower priority, its own process group, and
/// a watch on its parent so that it ends within a quarter second of a worker that was killed. The worker starts it
/// with an allow-listed environment (``ChildProcess/environment``: no database URL or other credentials) and passes
/// these as flags (``arguments``); the child parses them back and calls ``apply()``.
public struct ChildSandbox: Sendable, Equatable {
    /// Exit when the process with this id is no longer the parent.
    public var parentProcess: Int32?
    public var addressSpaceBytes: UInt64?
    public var cpuSeconds: UInt64?
    public var fileBytes: UInt64?
    public var openFiles: UInt64?

    public init(parentProcess: Int32? = nil, addressSpaceBytes: UInt64? = nil, cpuSeconds: UInt64? = nil, fileBytes: UInt64? = nil, openFiles: UInt64? = nil) {
        self.parentProcess = parentProcess
        self.addressSpaceBytes = addressSpaceBytes
        self.cpuSeconds = cpuSeconds
        self.fileBytes = fileBytes
        self.openFiles = openFiles
    }

    /// The sandbox of a child of this process under `limits`.
    public init(childOfThisProcessUnder limits: IndexingLimits) {
        self.init(parentProcess: getpid(), addressSpaceBytes: limits.addressSpaceBytes, cpuSeconds: limits.cpuSeconds,
                  fileBytes: limits.fileBytes, openFiles: limits.openFiles)
    }

    /// The flags of `obsreview index` that carry the sandbox (hidden options of ``IndexSandbox`` in the executable).
    public var arguments: [String] {
        var flags: [String] = []
        if let parentProcess { flags += ["--parent-process", String(parentProcess)] }
        if let addressSpaceBytes { flags += ["--limit-memory", String(addressSpaceBytes)] }
        if let cpuSeconds { flags += ["--limit-cpu-seconds", String(cpuSeconds)] }
        if let fileBytes { flags += ["--limit-file-bytes", String(fileBytes)] }
        if let openFiles { flags += ["--limit-open-files", String(openFiles)] }
        return flags
    }

    /// Applies the limits to this process. Exits at once if the parent named is already gone.
    public func apply() {
        #if os(Linux)
            if let addressSpaceBytes { Self.limit(RLIMIT_AS, addressSpaceBytes) }
            if let cpuSeconds { Self.limit(RLIMIT_CPU, cpuSeconds) }
            if let fileBytes { Self.limit(RLIMIT_FSIZE, fileBytes) }
            if let openFiles { Self.limit(RLIMIT_NOFILE, openFiles) }
        #endif
        guard let parentProcess else { return }
        _ = setpgid(0, 0)
        Self.lowerPriority(by: 10)
        // Polling rather than PR_SET_PDEATHSIG, which fires when the *thread* that started us ends, and the worker
        // starts children from a pool thread that may be retired while the child still runs.
        guard getppid() == parentProcess else { exit(75) }
        let watcher = Thread {
            while getppid() == parentProcess { usleep(250_000) }
            _exit(75)
        }
        watcher.stackSize = 64 * 1024
        watcher.start()
    }

    /// Linux sets a niceness per thread, and this command may run on a pool thread rather than the main one: renice
    /// every thread there is (threads made later inherit from their maker).
    private static func lowerPriority(by amount: Int32) {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        #if os(Linux)
            for task in tasks.compactMap({ id_t($0) }) {
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), task, amount)
            }
        #endif
        if tasks.isEmpty { _ = nice(amount) }
    }

    #if os(Linux)
        private static func limit(_ resource: __rlimit_resource, _ value: UInt64) {
            let resource = __rlimit_resource_t(resource.rawValue)
            var limit = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(value))
            _ = setrlimit(resource, &limit)
        }
    #endif
}
