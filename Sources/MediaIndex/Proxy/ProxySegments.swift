import CFFmpeg
import Foundation

/// The segmented copy of a transcoded proxy, written while the proxy is made so that the recording plays before it
/// is ready (decision 32): `<proxy folder>/live/` holds an HLS playlist (`index.m3u8`, libavformat's `hls` muxer)
/// naming an init segment (`init.mp4`) and fragmented-MP4 media segments (`seg-00000.m4s`, …) of about
/// ``segmentSeconds`` each, and `stream.json` (the codecs string a Media Source Extensions player needs).
///
/// A reader never sees a partial file: each segment is written under `<name>.tmp` and renamed when complete, and the
/// playlist is rewritten the same way after it; a segment is listed only once it is in place. The playlist ends with
/// `#EXT-X-ENDLIST` when the proxy is complete. The folder is removed once the single-file proxy is in place.
public enum ProxySegments {
    /// The folder's name inside the proxy folder.
    public static let folderName = "live"
    public static let playlistName = "index.m3u8"
    public static let initName = "init.mp4"
    public static let aboutName = "stream.json"
    /// A media segment's length: a keyframe is forced every 2 s (``ProxyOptions/keyframeIntervalSeconds``), so a
    /// segment is cut at the first keyframe 4 s or more after the previous cut.
    static let segmentSeconds = 4

    /// What `stream.json` says: written once, before the first segment.
    struct About: Codable, Sendable, Equatable {
        /// The RFC 6381 codecs of the segments, e.g. `avc1.64001f,mp4a.40.2`.
        var codecs: String
        /// The recording's duration as the probe read it (the proxy's own may differ by a frame).
        var durationSeconds: Double
    }

    /// The RFC 6381 name of an H.264 stream from its SPS (`avc1.PPCCLL`), found in the encoder's extradata (Annex B
    /// or avcC); nil when there is none.
    static func avc1(extradata: UnsafeMutablePointer<UInt8>?, size: Int32) -> String? {
        guard let extradata, size >= 7 else { return nil }
        let bytes = UnsafeBufferPointer(start: extradata, count: Int(size))
        if bytes[0] == 1 {  // avcC: version, profile, compatibility, level
            return String(format: "avc1.%02x%02x%02x", bytes[1], bytes[2], bytes[3])
        }
        // Annex B: the byte after a start code whose NAL type is 7 (SPS).
        var index = 0
        while index + 6 < bytes.count {
            if bytes[index] == 0, bytes[index + 1] == 0, bytes[index + 2] == 1, bytes[index + 3] & 0x1F == 7 {
                return String(format: "avc1.%02x%02x%02x", bytes[index + 4], bytes[index + 5], bytes[index + 6])
            }
            index += 1
        }
        return nil
    }

    /// The RFC 6381 codecs of the proxy's streams (H.264 and AAC-LC, the transcode's output).
    static func codecs(of output: OutputFile) -> String {
        var names: [String] = []
        let context = output.formatContext
        for index in 0..<Int(context.pointee.nb_streams) {
            guard let parameters = context.pointee.streams[index]?.pointee.codecpar else { continue }
            switch parameters.pointee.codec_id {
            case AV_CODEC_ID_H264:
                names.append(avc1(extradata: parameters.pointee.extradata, size: parameters.pointee.extradata_size) ?? "avc1.640028")
            case AV_CODEC_ID_AAC: names.append("mp4a.40.2")
            case AV_CODEC_ID_OPUS: names.append("opus")
            default: names.append(String(cString: avcodec_get_name(parameters.pointee.codec_id)))
            }
        }
        return names.joined(separator: ",")
    }

    /// Starts the segmented copy of `primary` (whose streams are all added and whose encoders are open) in
    /// `directory`, replacing an older one; `stream.json` is in place when this returns.
    static func start(beside primary: OutputFile, directory: URL, durationSeconds: Double) throws(MediaIndexError) -> OutputFile {
        try? FileManager.default.removeItem(at: directory)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let about = About(codecs: codecs(of: primary), durationSeconds: durationSeconds)
            try JSONEncoder().encode(about).write(to: directory.appendingPathComponent(aboutName), options: .atomic)
        } catch {
            throw MediaIndexError(.outputFailed, "Cannot create the proxy's segment folder \(directory.path): \(error.localizedDescription)", file: primary.source, stage: "proxy")
        }
        let output = try OutputFile.create(path: directory.appendingPathComponent(playlistName).path, format: "hls", source: primary.source)
        let context = primary.formatContext
        for index in 0..<Int(context.pointee.nb_streams) {
            guard let from = context.pointee.streams[index] else { continue }
            let stream = try output.addStream()
            let status = avcodec_parameters_copy(stream.pointee.codecpar, from.pointee.codecpar)
            guard status >= 0 else {
                output.close()
                throw .ffmpeg(.outputFailed, "The proxy's segments could not be set up (\(FFmpeg.describe(status))).", file: primary.source, stage: "proxy", averror: status)
            }
            stream.pointee.codecpar.pointee.codec_tag = 0
            stream.pointee.time_base = from.pointee.time_base
            stream.pointee.avg_frame_rate = from.pointee.avg_frame_rate
            stream.pointee.disposition = from.pointee.disposition
        }
        do {
            try output.writeHeader(options: [
                "hls_segment_type": "fmp4", "hls_time": String(segmentSeconds), "hls_list_size": "0",
                "hls_playlist_type": "event", "hls_flags": "temp_file+independent_segments",
                "hls_fmp4_init_filename": initName,
                "hls_segment_filename": directory.appendingPathComponent("seg-%05d.m4s").path,
            ])
        } catch {
            output.close()
            throw error
        }
        return output
    }
}
