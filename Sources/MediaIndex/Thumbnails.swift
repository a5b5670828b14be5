import CFFmpeg
import Foundation
import MediaTimeline

/// How many thumbnails to make, and how big.
public struct ThumbnailOptions: Sendable, Equatable {
    /// Evenly spaced thumbnails for the timeline strip (the poster frame comes in addition).
    public var count: Int
    /// Width in pixels of each image, upright; the height follows the picture's shape.
    public var width: Int
    /// JPEG quantiser scale, 2 (best) to 31 (smallest).
    public var quality: Int

    public init(count: Int = 8, width: Int = 320, quality: Int = 4) {
        self.count = count
        self.width = width
        self.quality = quality
    }
}

/// One JPEG image written from the recording.
public struct Thumbnail: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case poster, strip }
    public var kind: Kind
    /// The file name inside the output directory.
    public var fileName: String
    /// The presentation time (seconds) of the frame shown.
    public var seconds: Double
    public var width: Int
    public var height: Int
}

/// Decodes keyframes, scales them with libswscale, turns them upright and encodes JPEGs with libavcodec.
enum ThumbnailWriter {
    static func write(
        file: InputFile, streamIndex: Int, info: MediaInfo, timeline: KeyframeTimeline?,
        directory: URL, options: ThumbnailOptions
    ) throws(MediaIndexError) -> [Thumbnail] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw MediaIndexError(.outputFailed, "Cannot create the thumbnail folder \(directory.path): \(error.localizedDescription)", file: info.file, stage: "thumbnails")
        }
        guard let stream = info.streams.first(where: { $0.index == streamIndex }) else { return [] }
        let start = info.format.startSeconds ?? 0
        let duration = max(info.format.durationSeconds ?? stream.durationSeconds ?? 0, 0)

        let decoder = try Decoder(file: file, streamIndex: streamIndex)
        defer { decoder.close() }

        // The poster is taken a tenth of the way in, past any black lead-in; the strip is evenly spaced.
        var targets: [(Thumbnail.Kind, String, Double)] = [(.poster, "poster.jpg", duration * 0.1)]
        let count = max(options.count, 0)
        for i in 0..<count {
            targets.append((.strip, String(format: "thumb-%03d.jpg", i), duration * (Double(i) + 0.5) / Double(count)))
        }
        var written: [Thumbnail] = []
        for (kind, name, offset) in targets {
            var time = start + offset
            var position: Int64? = nil
            if let timeline, let nearest = timeline.seconds.indices.min(by: { abs(timeline.seconds[$0] - time) < abs(timeline.seconds[$1] - time) }) {
                time = timeline.seconds[nearest]
                position = timeline.bytePositions?[nearest]
            }
            guard let frame = try decoder.frame(near: time, bytePosition: position) else { continue }
            defer { FFmpeg.free(frame.frame) }
            let image = try JPEGEncoder.encode(
                frame: frame.frame, sampleAspect: stream.sampleAspectRatio, rotation: stream.rotationDegrees ?? 0,
                width: options.width, quality: options.quality, file: info.file)
            do {
                try image.data.write(to: directory.appendingPathComponent(name), options: .atomic)
            } catch {
                throw MediaIndexError(.outputFailed, "Cannot write \(name) in \(directory.path): \(error.localizedDescription)", file: info.file, stage: "thumbnails")
            }
            written.append(Thumbnail(kind: kind, fileName: name, seconds: frame.seconds, width: image.width, height: image.height))
        }
        return written
    }
}

/// A video decoder for one stream of an opened file. Not thread-safe.
private final class Decoder {
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private let file: InputFile
    private let streamIndex: Int
    private let timeBase: AVRational

    init(file: InputFile, streamIndex: Int) throws(MediaIndexError) {
        self.file = file
        self.streamIndex = streamIndex
        let stream = file.streams[streamIndex]
        timeBase = stream.pointee.time_base
        let parameters = stream.pointee.codecpar
        guard let codec = avcodec_find_decoder(parameters!.pointee.codec_id) else {
            throw MediaIndexError(.unsupportedCodec, "No decoder for the video codec \(String(cString: avcodec_get_name(parameters!.pointee.codec_id))).", file: file.path, stage: "thumbnails")
        }
        context = avcodec_alloc_context3(codec)
        guard let context else {
            throw MediaIndexError(.corrupt, "Out of memory opening the decoder.", file: file.path, stage: "thumbnails")
        }
        var status = avcodec_parameters_to_context(context, parameters)
        if status >= 0 {
            context.pointee.thread_count = 1
            status = avcodec_open2(context, codec, nil)
        }
        if status < 0 {
            close()
            throw .ffmpeg(.corrupt, "The video decoder could not start (\(FFmpeg.describe(status))). The recording may be damaged.", file: file.path, stage: "thumbnails", averror: status)
        }
    }

    func close() { avcodec_free_context(&context) }

    deinit { avcodec_free_context(&context) }

    /// Seeks to the keyframe at or before `seconds` (or to its byte position, when known) and decodes the
    /// first frame there.
    func frame(near seconds: Double, bytePosition: Int64?) throws(MediaIndexError) -> (frame: UnsafeMutablePointer<AVFrame>, seconds: Double)? {
        guard let context else { return nil }
        let fc = file.formatContext
        // Byte seeking is exact where a demuxer allows it (MPEG-TS); indexed containers seek by time.
        if let bytePosition, fc.pointee.iformat.pointee.flags & AVFMT_NO_BYTE_SEEK == 0, fc.pointee.iformat.pointee.read_seek == nil {
            _ = av_seek_frame(fc, Int32(streamIndex), bytePosition, AVSEEK_FLAG_BYTE)
        } else {
            let timestamp = Int64((seconds / av_q2d(timeBase)).rounded())
            _ = av_seek_frame(fc, Int32(streamIndex), timestamp, AVSEEK_FLAG_BACKWARD)
        }
        avcodec_flush_buffers(context)

        guard let packet = av_packet_alloc() else { return nil }
        defer { FFmpeg.free(packet) }
        guard let frame = av_frame_alloc() else { return nil }
        var draining = false
        // Bounded: a broken file must not keep us decoding forever.
        for _ in 0..<2_000 {
            if !draining {
                let status = av_read_frame(fc, packet)
                if status < 0 {
                    draining = true
                    _ = avcodec_send_packet(context, nil)
                } else {
                    defer { av_packet_unref(packet) }
                    guard Int(packet.pointee.stream_index) == streamIndex else { continue }
                    _ = avcodec_send_packet(context, packet)
                }
            }
            let received = avcodec_receive_frame(context, frame)
            if received >= 0 {
                let pts = frame.pointee.best_effort_timestamp != FFmpeg.noPTS ? frame.pointee.best_effort_timestamp : frame.pointee.pts
                return (frame, pts == FFmpeg.noPTS ? seconds : Double(pts) * av_q2d(timeBase))
            }
            if received == FFmpeg.eof || (draining && received != FFmpeg.again) { break }
        }
        FFmpeg.free(frame)
        return nil
    }
}

/// Scales, rotates and encodes one frame as a JPEG.
private enum JPEGEncoder {
    struct Image { var data: Data; var width: Int; var height: Int }

    static func encode(
        frame: UnsafeMutablePointer<AVFrame>, sampleAspect: String?, rotation: Int,
        width requestedWidth: Int, quality: Int, file: String
    ) throws(MediaIndexError) -> Image {
        let sourceWidth = Int(frame.pointee.width), sourceHeight = Int(frame.pointee.height)
        guard sourceWidth > 0, sourceHeight > 0 else {
            throw MediaIndexError(.corrupt, "A decoded frame has no size.", file: file, stage: "thumbnails")
        }
        // Display shape: apply the sample aspect ratio, then the rotation.
        var aspect = 1.0
        if let sar = sampleAspect?.split(separator: ":").compactMap({ Double($0) }), sar.count == 2, sar[1] > 0, sar[0] > 0 {
            aspect = sar[0] / sar[1]
        }
        let displayWidth = Double(sourceWidth) * aspect, displayHeight = Double(sourceHeight)
        let sideways = rotation == 90 || rotation == 270
        let uprightWidth = sideways ? displayHeight : displayWidth
        let uprightHeight = sideways ? displayWidth : displayHeight
        let outWidth = even(min(Double(max(requestedWidth, 16)), uprightWidth))
        let outHeight = even(Double(outWidth) * uprightHeight / uprightWidth)
        let (scaledWidth, scaledHeight) = sideways ? (outHeight, outWidth) : (outWidth, outHeight)

        let scaled = try allocateFrame(width: scaledWidth, height: scaledHeight, file: file)
        defer { FFmpeg.free(scaled) }
        guard let sws = sws_getContext(
            Int32(sourceWidth), Int32(sourceHeight), AVPixelFormat(rawValue: frame.pointee.format),
            Int32(scaledWidth), Int32(scaledHeight), AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nil, nil, nil)
        else {
            throw MediaIndexError(.unsupportedCodec, "The picture's pixel format cannot be converted for a thumbnail.", file: file, stage: "thumbnails")
        }
        defer { sws_freeContext(sws) }
        guard obs_scale_frame(sws, frame, scaled) > 0 else {
            throw MediaIndexError(.corrupt, "Scaling a frame for a thumbnail failed.", file: file, stage: "thumbnails")
        }

        var upright = scaled
        var rotated: UnsafeMutablePointer<AVFrame>? = nil
        defer { av_frame_free(&rotated) }
        if rotation == 90 || rotation == 180 || rotation == 270 {
            let turned = try allocateFrame(width: outWidth, height: outHeight, file: file)
            rotated = turned
            obs_rotate_planes(scaled, turned, Int32(rotation))
            upright = turned
        }
        return Image(data: try jpeg(upright, quality: quality, file: file), width: outWidth, height: outHeight)
    }

    private static func even(_ value: Double) -> Int { max(2, Int(value.rounded()) & ~1) }

    private static func allocateFrame(width: Int, height: Int, file: String) throws(MediaIndexError) -> UnsafeMutablePointer<AVFrame> {
        guard let frame = av_frame_alloc() else {
            throw MediaIndexError(.corrupt, "Out of memory allocating a frame.", file: file, stage: "thumbnails")
        }
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.format = AV_PIX_FMT_YUVJ420P.rawValue
        if av_frame_get_buffer(frame, 0) < 0 {
            FFmpeg.free(frame)
            throw MediaIndexError(.corrupt, "Out of memory allocating a \(width)x\(height) frame.", file: file, stage: "thumbnails")
        }
        return frame
    }

    private static func jpeg(_ frame: UnsafeMutablePointer<AVFrame>, quality: Int, file: String) throws(MediaIndexError) -> Data {
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw MediaIndexError(.outputFailed, "This FFmpeg has no JPEG encoder (mjpeg).", file: file, stage: "thumbnails")
        }
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        guard let context else {
            throw MediaIndexError(.outputFailed, "Out of memory opening the JPEG encoder.", file: file, stage: "thumbnails")
        }
        let lambda = Int32(min(max(quality, 2), 31)) * FF_QP2LAMBDA
        context.pointee.width = frame.pointee.width
        context.pointee.height = frame.pointee.height
        context.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
        context.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointee.flags |= AV_CODEC_FLAG_QSCALE
        context.pointee.global_quality = lambda
        var status = avcodec_open2(context, codec, nil)
        guard status >= 0 else {
            throw .ffmpeg(.outputFailed, "The JPEG encoder could not start.", file: file, stage: "thumbnails", averror: status)
        }
        frame.pointee.quality = lambda
        frame.pointee.pts = 0
        status = avcodec_send_frame(context, frame)
        if status >= 0 { status = avcodec_send_frame(context, nil) }
        guard let packet = av_packet_alloc() else {
            throw MediaIndexError(.outputFailed, "Out of memory encoding a JPEG.", file: file, stage: "thumbnails")
        }
        defer { FFmpeg.free(packet) }
        status = avcodec_receive_packet(context, packet)
        guard status >= 0, let bytes = packet.pointee.data else {
            throw .ffmpeg(.outputFailed, "Encoding a JPEG thumbnail failed.", file: file, stage: "thumbnails", averror: status)
        }
        return Data(bytes: bytes, count: Int(packet.pointee.size))
    }
}
