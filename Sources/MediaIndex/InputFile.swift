import CFFmpeg
import Foundation

/// Owns one opened `AVFormatContext`: opened by `open`, closed exactly once by `close()` (or by the
/// scoped `withInputFile`). Not thread-safe: use it from one thread, hand out `Sendable` values.
final class InputFile {
    private(set) var context: UnsafeMutablePointer<AVFormatContext>?
    let path: String

    private init(path: String, context: UnsafeMutablePointer<AVFormatContext>) {
        self.path = path
        self.context = context
    }

    /// Opens `path` with libavformat and reads stream information.
    static func open(path: String, findStreamInfo: Bool = true) throws(MediaIndexError) -> InputFile {
        _ = FFmpeg.quietLogging
        var raw: UnsafeMutablePointer<AVFormatContext>? = nil
        let status = avformat_open_input(&raw, path, nil, nil)
        // On failure avformat_open_input frees the context itself: nothing to close here.
        guard status >= 0, let raw else {
            throw .ffmpeg(
                .notMedia,
                "The file is not a video recording the service can read (\(FFmpeg.describe(status))). Upload the original video file from the camera or phone.",
                file: path, stage: "open", averror: status)
        }
        let file = InputFile(path: path, context: raw)
        if findStreamInfo {
            let info = avformat_find_stream_info(raw, nil)
            if info < 0 {
                file.close()
                throw .ffmpeg(
                    .corrupt,
                    "The file's streams could not be read (\(FFmpeg.describe(info))). The recording may be damaged: upload it again from the original.",
                    file: path, stage: "probe", averror: info)
            }
        }
        return file
    }

    /// Opens `path`, runs `body`, and closes the file whatever happens.
    static func with<T>(
        path: String, findStreamInfo: Bool = true,
        _ body: (InputFile) throws(MediaIndexError) -> T
    ) throws(MediaIndexError) -> T {
        let file = try open(path: path, findStreamInfo: findStreamInfo)
        defer { file.close() }
        return try body(file)
    }

    /// The opened context. Using a closed file is a programming error.
    var formatContext: UnsafeMutablePointer<AVFormatContext> {
        guard let context else { preconditionFailure("InputFile used after close(): \(path)") }
        return context
    }

    /// The streams of the file.
    var streams: [UnsafeMutablePointer<AVStream>] {
        let fc = formatContext
        return (0..<Int(fc.pointee.nb_streams)).compactMap { fc.pointee.streams[$0] }
    }

    /// Closes the file. Calling it again does nothing.
    func close() {
        guard context != nil else { return }
        avformat_close_input(&context)
    }

    deinit {
        // A leaked handle is a bug: say so loudly in debug builds, and still free the memory.
        assert(context == nil, "InputFile for \(path) was not closed")
        if context != nil { avformat_close_input(&context) }
    }
}

@available(*, unavailable)
extension InputFile: Sendable {}

extension AVRational {
    /// The rational as a Double, nil when the denominator is 0 or the value is 0/x for unknown.
    var doubleValue: Double? {
        guard den != 0, num != 0 else { return nil }
        return Double(num) / Double(den)
    }

    var text: String { "\(num)/\(den)" }
}

/// Reads an AVDictionary into a Swift dictionary.
func dictionary(_ dict: OpaquePointer?) -> [String: String] {
    var result: [String: String] = [:]
    var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
    while let next = av_dict_get(dict, "", entry, AV_DICT_IGNORE_SUFFIX) {
        if let key = next.pointee.key, let value = next.pointee.value {
            result[String(cString: key)] = String(cString: value)
        }
        entry = next
    }
    return result
}
