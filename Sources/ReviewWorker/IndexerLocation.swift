public import Foundation

/// Where the child indexer's executable is: the `indexer_path` setting or `--indexer-path` flag, else the running
/// executable (`obsreview index` is a subcommand of it) — found from `CommandLine.arguments[0]` (absolute, relative
/// to the working directory, or looked up on `PATH`), with Linux's `/proc/self/exe` only as the fallback.
public enum IndexerLocation {
    /// What is wrong with a configured indexer path, said so that the operator can fix it.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The executable at `configured` (checked), or the running one.
    public static func resolve(_ configured: String?, workingDirectory: String = FileManager.default.currentDirectoryPath,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws(Problem) -> URL {
        if let configured {
            let url = URL(fileURLWithPath: configured, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true)).standardizedFileURL
            guard isExecutableFile(url.path) else {
                throw Problem(description: """
                    indexer_path "\(configured)" is not an executable file: give the obsreview binary that should index \
                    recordings (or leave the setting out to use this one).
                    """)
            }
            return url
        }
        return runningExecutable(arguments: CommandLine.arguments, workingDirectory: workingDirectory, environment: environment)
    }

    /// The running executable from `arguments[0]`; `/proc/self/exe` when that names nothing executable (a process
    /// started with a made-up `argv[0]`).
    static func runningExecutable(arguments: [String], workingDirectory: String, environment: [String: String]) -> URL {
        if let first = arguments.first, !first.isEmpty {
            var candidates: [URL] = []
            if first.contains("/") {
                candidates = [URL(fileURLWithPath: first, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true))]
            } else {
                candidates = (environment["PATH"] ?? "").split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(first) }
            }
            if let found = candidates.map({ $0.standardizedFileURL.resolvingSymlinksInPath() }).first(where: { isExecutableFile($0.path) }) {
                return found
            }
        }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}
