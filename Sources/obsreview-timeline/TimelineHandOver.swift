#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces this process with `obsreview timeline` and the same arguments: the `obsreview` beside this
/// executable, or the one `OBSREVIEW_TIMELINE_FALLBACK` names.
enum TimelineHandOver {
    static func exec(_ arguments: [String]) -> Never {
        let binary = getenv("OBSREVIEW_TIMELINE_FALLBACK").map { String(cString: $0) } ?? sibling()
        var argv: [UnsafeMutablePointer<CChar>?] = ([binary, "timeline"] + arguments).map { strdup($0) }
        argv.append(nil)
        execv(binary, &argv)
        let reason = String(cString: strerror(errno))
        let message = Array("obsreview-timeline: could not start obsreview to read these files (\(reason)). Run `obsreview timeline` instead.\n".utf8)
        _ = message.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        exit(2)
    }

    /// `obsreview` in the directory of this executable.
    private static func sibling() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = length > 0 ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        guard let slash = path.lastIndex(of: "/") else { return "obsreview" }
        return String(path[...slash]) + "obsreview"
    }
}
