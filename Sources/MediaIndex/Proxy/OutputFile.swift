import CFFmpeg
import Foundation

/// Owns one `AVFormatContext` being written: created by `create`, its file opened, and closed exactly once by
/// `close()`. Not thread-safe: use it from one thread.
final class OutputFile {
    private(set) var context: UnsafeMutablePointer<AVFormatContext>?
    let path: String
    /// The input file the output is made from, for error messages.
    let source: String
    /// A second muxer that gets a copy of every packet (the segmented proxy, ``ProxySegments``); its streams match
    /// this file's one for one. Its trailer is written and it is closed with this file.
    var mirror: OutputFile?

    private init(path: String, source: String, context: UnsafeMutablePointer<AVFormatContext>) {
        self.path = path
        self.source = source
        self.context = context
    }

    /// Allocates a muxer for `format` (libavformat short name: `mp4`, `webm`) and opens `path` for writing.
    static func create(path: String, format: String, source: String) throws(MediaIndexError) -> OutputFile {
        var raw: UnsafeMutablePointer<AVFormatContext>? = nil
        let status = avformat_alloc_output_context2(&raw, nil, format, path)
        guard status >= 0, let raw else {
            throw .ffmpeg(.outputFailed, "This FFmpeg cannot write \(format) files.", file: source, stage: "proxy", averror: status)
        }
        let file = OutputFile(path: path, source: source, context: raw)
        // Bit-exact muxing leaves out the libavformat version string and the creation time: the proxy carries
        // no tag the muxer does not need.
        raw.pointee.flags |= AVFMT_FLAG_BITEXACT
        if raw.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            let opened = avio_open(&raw.pointee.pb, path, AVIO_FLAG_WRITE)
            if opened < 0 {
                file.close()
                throw .ffmpeg(.outputFailed, "Cannot write the proxy file \(path) (\(FFmpeg.describe(opened))).", file: source, stage: "proxy", averror: opened)
            }
        }
        return file
    }

    var formatContext: UnsafeMutablePointer<AVFormatContext> {
        guard let context else { preconditionFailure("OutputFile used after close(): \(path)") }
        return context
    }

    /// Whether encoders must put their global headers (SPS/PPS, AudioSpecificConfig) in extradata.
    var wantsGlobalHeader: Bool { formatContext.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 }

    /// Adds a stream; the caller fills in its parameters.
    func addStream() throws(MediaIndexError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(formatContext, nil) else {
            throw MediaIndexError(.outputFailed, "Out of memory adding a stream to the proxy.", file: source, stage: "proxy")
        }
        return stream
    }

    /// Writes the header; `options` are muxer options such as `movflags`.
    func writeHeader(options: [String: String]) throws(MediaIndexError) {
        var dictionary: OpaquePointer? = nil
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        let status = avformat_write_header(formatContext, &dictionary)
        guard status >= 0 else {
            throw .ffmpeg(.outputFailed, "The proxy's header could not be written (\(FFmpeg.describe(status))).", file: source, stage: "proxy", averror: status)
        }
    }

    /// Hands a packet (timestamps already in the output stream's time base) to the interleaving muxer, which
    /// takes its data.
    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(MediaIndexError) {
        if let mirror { try mirror.writeCopy(of: packet, from: formatContext) }
        let status = av_interleaved_write_frame(formatContext, packet)
        guard status >= 0 else {
            throw .ffmpeg(.outputFailed, "Writing the proxy failed (\(FFmpeg.describe(status))).", file: source, stage: "proxy", averror: status)
        }
    }

    /// Hands the mirror a copy of `packet`, its timestamps moved from `primary`'s stream time base to its own.
    private func writeCopy(of packet: UnsafeMutablePointer<AVPacket>, from primary: UnsafeMutablePointer<AVFormatContext>) throws(MediaIndexError) {
        let index = Int(packet.pointee.stream_index)
        guard let copy = av_packet_clone(packet), let from = primary.pointee.streams[index], let to = formatContext.pointee.streams[index] else {
            throw MediaIndexError(.outputFailed, "Out of memory writing the proxy's segments.", file: source, stage: "proxy")
        }
        defer { FFmpeg.free(copy) }
        av_packet_rescale_ts(copy, from.pointee.time_base, to.pointee.time_base)
        try write(copy)
    }

    /// Flushes the interleaving queue and writes the trailer (for MP4 with faststart, moves the moov forward).
    func writeTrailer() throws(MediaIndexError) {
        if let mirror { try mirror.writeTrailer() }
        let status = av_write_trailer(formatContext)
        guard status >= 0 else {
            throw .ffmpeg(.outputFailed, "Finishing the proxy failed (\(FFmpeg.describe(status))).", file: source, stage: "proxy", averror: status)
        }
    }

    /// Closes the file and frees the muxer. Calling it again does nothing.
    func close() {
        mirror?.close()
        mirror = nil
        guard let context else { return }
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 { avio_closep(&context.pointee.pb) }
        avformat_free_context(context)
        self.context = nil
    }

    deinit {
        assert(context == nil, "OutputFile for \(path) was not closed")
        close()
    }
}

@available(*, unavailable)
extension OutputFile: Sendable {}
