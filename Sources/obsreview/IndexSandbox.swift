import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The limits a child indexer puts on itself before it opens a file (`obsreview index` started by the worker):
/// address space, CPU time, file size and open files (`setrlimit`), a lower priority, its own process group, and
/// a watch on its parent so that it ends within half a second of a worker that was killed. The worker starts it
/// with an allow-listed environment (no database URL or other credentials); see ``IndexingWorker``.
struct IndexSandbox: ParsableArguments {
    @Option(help: ArgumentHelp("Exit when the process with this id is no longer the parent (set by the worker).", visibility: .hidden))
    var parentProcess: Int32?
    @Option(help: ArgumentHelp("Address-space limit in bytes (RLIMIT_AS).", visibility: .hidden))
    var limitMemory: UInt64?
    @Option(help: ArgumentHelp("CPU-time limit in seconds (RLIMIT_CPU).", visibility: .hidden))
    var limitCPUSeconds: UInt64?
    @Option(help: ArgumentHelp("Largest file the process may write, in bytes (RLIMIT_FSIZE).", visibility: .hidden))
    var limitFileBytes: UInt64?
    @Option(help: ArgumentHelp("Most files open at once (RLIMIT_NOFILE).", visibility: .hidden))
    var limitOpenFiles: UInt64?

    /// Applies the limits to this process. Exits at once if the parent named is already gone.
    func apply() {
        #if os(Linux)
            if let limitMemory { Self.limit(RLIMIT_AS, limitMemory) }
            if let limitCPUSeconds { Self.limit(RLIMIT_CPU, limitCPUSeconds) }
            if let limitFileBytes { Self.limit(RLIMIT_FSIZE, limitFileBytes) }
            if let limitOpenFiles { Self.limit(RLIMIT_NOFILE, limitOpenFiles) }
        #endif
        guard let parentProcess else { return }
        _ = setpgid(0, 0)
        Self.lowerPriority(by: 10)
        // Polling rather than PR_SET_PDEATHSIG, which fires when the *thread* that started us ends, and the worker
        // starts children from a pool thread that may be retired while the child still runs.
        guard getppid() == parentProcess else { Glibc.exit(75) }
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
        for task in tasks.compactMap({ id_t($0) }) {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), task, amount)
        }
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
