#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an MP4/MOV file could not be read from its boxes.
///
/// `description` is safe to show to a user; `debugDescription` adds the file, the box path, the file offset
/// and the source location for the log.
package struct MP4ParseError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is. Extensible: new codes can be added without breaking callers that
    /// switch over the ones they handle.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case notISOBMFF, truncated, malformed, unsupported, io
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The file does not start with an ISO BMFF / QuickTime box (or is empty).
        static let notISOBMFF = Code(.notISOBMFF)
        /// The file ends early: a box extends past the end of the file, or there is no `moov` box.
        package static let truncated = Code(.truncated)
        /// A box contradicts itself or its container (bad sizes, entry counts, versions).
        static let malformed = Code(.malformed)
        /// Valid but outside what this reader handles (compressed `cmov`, limits exceeded, table quirks that
        /// FFmpeg repairs in ways this reader does not reproduce). Callers fall back to a packet scan.
        static let unsupported = Code(.unsupported)
        /// The operating system refused to open or read the file.
        static let io = Code(.io)

        package var description: String {
            switch value {
            case .notISOBMFF: "notISOBMFF"
            case .truncated: "truncated"
            case .malformed: "malformed"
            case .unsupported: "unsupported"
            case .io: "io"
            }
        }
    }

    package var code: Code
    /// What went wrong, in words; names boxes but not file paths.
    package var message: String
    /// Path of the box where it happened, e.g. `moov/trak[1]/mdia/minf/stbl/stsz`.
    var boxPath: String?
    /// File offset of the box (or read) where it happened.
    var fileOffset: UInt64?
    /// The file being read.
    var filePath: String?
    /// The underlying error, e.g. the `errno` of a failed `pread`.
    var cause: (any Error & Sendable)?
    var sourceLocation: String

    init(
        _ code: Code,
        _ message: String,
        boxPath: String? = nil,
        fileOffset: UInt64? = nil,
        cause: (any Error & Sendable)? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.boxPath = boxPath
        self.fileOffset = fileOffset
        self.cause = cause
        self.sourceLocation = "\(fileID):\(line)"
    }

    package var description: String {
        if let boxPath {
            return "MP4 \(code): \(message) (in \(boxPath))"
        }
        return "MP4 \(code): \(message)"
    }

    package var debugDescription: String {
        var parts = [description]
        if let fileOffset { parts.append("offset \(fileOffset)") }
        if let filePath { parts.append("file \(filePath)") }
        if let cause { parts.append("cause: \(String(reflecting: cause))") }
        parts.append("at \(sourceLocation)")
        return parts.joined(separator: "; ")
    }
}

/// A failed system call, kept as the `cause` of an ``MP4ParseError``.
struct SystemCallError: Error, Sendable, CustomStringConvertible {
    let call: String
    let errno: Int32

    var description: String {
        "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
