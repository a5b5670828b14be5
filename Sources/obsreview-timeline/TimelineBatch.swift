#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MediaTimeline
import Synchronization

/// Reads the files' timelines on a few threads (one per core by default, as `obsreview timeline` does),
/// stopping early once one file needs the full path.
enum TimelineBatch {
    /// The timelines in the order of the files; nil as soon as any file is not answered here.
    static func read(_ request: TimelineRequest) -> [KeyframeTimeline]? {
        let work = Work(files: request.files, maxBytes: request.maxBytes)
        let threads = max(1, min(request.jobs ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), request.files.count))
        var started: [pthread_t] = []
        for _ in 1..<threads {
            let context = Unmanaged.passRetained(work).toOpaque()
            #if canImport(Glibc)
            var thread = pthread_t()
            #else
            var thread: pthread_t? = nil
            #endif
            guard pthread_create(&thread, nil, { context in
                Unmanaged<Work>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context) == 0 else {
                Unmanaged<Work>.fromOpaque(context).release()
                break
            }
            #if canImport(Glibc)
            started.append(thread)
            #else
            started.append(thread!)
            #endif
        }
        work.run()
        for thread in started { pthread_join(thread, nil) }
        guard !work.needsFullPath.load(ordering: .relaxed) else { return nil }
        return work.results.withLock { results in results.compactMap { $0 } }
    }

    /// The shared state of one batch: the next file to take, the timelines found, and whether to stop.
    private final class Work: Sendable {
        let files: [String]
        let maxBytes: UInt64
        let next = Atomic<Int>(0)
        let needsFullPath = Atomic<Bool>(false)
        let results: Mutex<[KeyframeTimeline?]>

        init(files: [String], maxBytes: UInt64) {
            self.files = files
            self.maxBytes = maxBytes
            results = Mutex([KeyframeTimeline?](repeating: nil, count: files.count))
        }

        func run() {
            while !needsFullPath.load(ordering: .relaxed) {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < files.count else { return }
                guard let timeline = QuickTimeline.read(path: files[index], maxBytes: maxBytes) else {
                    needsFullPath.store(true, ordering: .relaxed)
                    return
                }
                results.withLock { $0[index] = timeline }
            }
        }
    }
}
