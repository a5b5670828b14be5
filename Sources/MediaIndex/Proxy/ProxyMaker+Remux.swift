import CFFmpeg

/// One input stream's way into the proxy: packets go in in decode order, `finish` drains what is buffered.
protocol ProxyStreamRoute: AnyObject {
    func handle(_ packet: UnsafeMutablePointer<AVPacket>) throws(MediaIndexError)
    func finish() throws(MediaIndexError)
}

/// Copies a stream's packets unchanged into the proxy (a remux): same bitstream, same timestamps, shifted only
/// so the proxy starts at 0.
final class StreamCopy: ProxyStreamRoute {
    private let output: OutputFile
    private let outputStream: UnsafeMutablePointer<AVStream>
    private let inputTimeBase: AVRational
    /// The source's start, in the input stream's time base.
    private let offset: Int64
    private var lastDTS: Int64?
    /// Frames a decoder holds back (B-frame reordering), and one frame's duration, in the input time base.
    private let reorderDelay: Int64
    private let frameDuration: Int64

    /// Adds the output stream. `keepDisplayMatrix` copies the rotation (MP4 only: Chromium honours it there).
    init(
        input: UnsafeMutablePointer<AVStream>, output: OutputFile, startTime: Int64, keepDisplayMatrix: Bool
    ) throws(MediaIndexError) {
        self.output = output
        inputTimeBase = input.pointee.time_base
        offset = av_rescale_q(startTime, obs_time_base_q(), inputTimeBase)
        reorderDelay = Int64(max(input.pointee.codecpar.pointee.video_delay, 0))
        let rate = input.pointee.avg_frame_rate.num > 0 ? input.pointee.avg_frame_rate : input.pointee.r_frame_rate
        frameDuration = rate.num > 0 && rate.den > 0 ? max(1, av_rescale_q(1, AVRational(num: rate.den, den: rate.num), inputTimeBase)) : 1
        outputStream = try output.addStream()
        var status = avcodec_parameters_copy(outputStream.pointee.codecpar, input.pointee.codecpar)
        if status >= 0 {
            // The source container's tag (an AVI FourCC, a TS stream type) means nothing in the new container:
            // let the muxer choose its own (avc1, …).
            outputStream.pointee.codecpar.pointee.codec_tag = 0
            outputStream.pointee.time_base = inputTimeBase
            outputStream.pointee.avg_frame_rate = input.pointee.avg_frame_rate
            outputStream.pointee.r_frame_rate = input.pointee.r_frame_rate
            outputStream.pointee.sample_aspect_ratio = input.pointee.sample_aspect_ratio
            outputStream.pointee.disposition = AV_DISPOSITION_DEFAULT
            if keepDisplayMatrix { status = obs_copy_display_matrix(input, outputStream) }
        }
        if status < 0 {
            throw .ffmpeg(.outputFailed, "The stream could not be copied into the proxy (\(FFmpeg.describe(status))).", file: output.source, stage: "proxy", averror: status)
        }
    }

    func handle(_ packet: UnsafeMutablePointer<AVPacket>) throws(MediaIndexError) {
        if packet.pointee.pts != FFmpeg.noPTS { packet.pointee.pts -= offset }
        if packet.pointee.dts != FFmpeg.noPTS { packet.pointee.dts -= offset }
        fillDecodeTime(packet)
        av_packet_rescale_ts(packet, inputTimeBase, outputStream.pointee.time_base)
        packet.pointee.stream_index = outputStream.pointee.index
        packet.pointee.pos = -1
        try output.write(packet)
    }

    func finish() throws(MediaIndexError) {}

    /// The muxer needs increasing decode times. Matroska stores presentation times only, and libavformat
    /// cannot infer the first `video_delay` packets' decode times of a stream with B-frames: estimate them a
    /// frame apart, ending `video_delay` frames before the first presentation time, as decoders would.
    private func fillDecodeTime(_ packet: UnsafeMutablePointer<AVPacket>) {
        var dts = packet.pointee.dts
        if dts == FFmpeg.noPTS {
            let step = packet.pointee.duration > 0 ? packet.pointee.duration : frameDuration
            if let lastDTS {
                dts = lastDTS + step
            } else if packet.pointee.pts != FFmpeg.noPTS {
                dts = packet.pointee.pts - reorderDelay * step
            } else {
                dts = 0
            }
            if packet.pointee.pts != FFmpeg.noPTS { dts = min(dts, packet.pointee.pts) }
        }
        if let lastDTS, dts <= lastDTS { dts = lastDTS + 1 }
        packet.pointee.dts = dts
        lastDTS = dts
    }
}
