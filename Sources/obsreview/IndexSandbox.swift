import ArgumentParser
import ReviewWorker

/// The flags by which the worker hands a child `obsreview index` its sandbox (``ChildSandbox``, which builds them):
/// hidden, because people do not set them.
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

    var sandbox: ChildSandbox {
        ChildSandbox(parentProcess: parentProcess, addressSpaceBytes: limitMemory, cpuSeconds: limitCPUSeconds, fileBytes: limitFileBytes,
                     openFiles: limitOpenFiles)
    }

    /// Applies the limits to this process (``ChildSandbox/apply()``).
    func apply() {
        sandbox.apply()
    }
}
