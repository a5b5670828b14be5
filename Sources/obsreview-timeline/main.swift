#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CHeapTuning
import MediaTimeline
import Synchronization

// `obsreview-timeline --json FILE…` prints exactly what `obsreview timeline --json FILE…` prints, without
// loading FFmpeg or Foundation, when every file is one whose container answers alone (an MP4/MOV from its
// sample tables, an MPEG-TS from its packets). Otherwise — another container, an error to explain, text
// output, an argument only `obsreview`'s parser knows — it becomes `obsreview timeline` with the same
// arguments (exec), so the output is that command's by construction (decision 36).

// Each 60-minute file's sample tables become arrays of a few MiB. glibc would give each its own mmap and
// return it on free (and trim the heap), so every file paid the kernel to fault in and zero fresh pages
// again: half the command's CPU time. Kept in the heap and reused: a third less CPU (decision 36).
obs_keep_freed_memory()

let arguments = Array(CommandLine.arguments.dropFirst())
guard let request = TimelineRequest(arguments: arguments) else { TimelineHandOver.exec(arguments) }
guard let timelines = TimelineBatch.read(request) else { TimelineHandOver.exec(arguments) }

var output = ""
for (file, timeline) in zip(request.files, timelines) {
    output += TimelineJSON.line(file: file, timeline: timeline)
    output += "\n"
}
var utf8 = Array(output.utf8)
var written = 0
while written < utf8.count {
    let result = utf8.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress! + written, $0.count - written) }
    if result < 0 {
        if errno == EINTR { continue }
        exit(1)
    }
    written += result
}
exit(0)
