import CFFmpeg
import Foundation

/// Decodes one input stream, runs it through a libavfilter graph (turn upright, scale, convert; or resample)
/// and encodes it into the proxy. Owns its decoder, graph and encoder. Not thread-safe.
final class StreamTranscoder: ProxyStreamRoute {
    enum Kind {
        /// Force a keyframe every `keyframeInterval` seconds of presentation time.
        case video(keyframeInterval: Double)
        case audio
    }

    private let kind: Kind
    private let output: OutputFile
    private let outputStream: UnsafeMutablePointer<AVStream>
    private let inputTimeBase: AVRational
    /// The source's start, in the input stream's time base.
    private let offset: Int64
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private var bufferSource: UnsafeMutablePointer<AVFilterContext>?
    private var bufferSink: UnsafeMutablePointer<AVFilterContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var filtered: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?

    private var lastPTS: Int64 = .min
    private var nextKeyframeSeconds = 0.0
    /// Frames that came out of the decoder, and packets it refused (damaged data is skipped, as players do).
    private(set) var decodedFrames = 0
    private(set) var decodeErrors = 0
    private var firstDecodeError: Int32 = 0

    private var source: String { output.source }

    // MARK: Setting up

    /// A video transcoder to H.264 (libx264), upright and at most `options.maxHeight` tall.
    static func video(
        input: UnsafeMutablePointer<AVStream>, info: MediaInfo.Stream, output: OutputFile, startTime: Int64,
        options: ProxyOptions
    ) throws(MediaIndexError) -> StreamTranscoder {
        let transcoder = try StreamTranscoder(kind: .video(keyframeInterval: options.keyframeIntervalSeconds), input: input, output: output, startTime: startTime)
        try transcoder.openDecoder(input: input, threads: options.threads)
        try transcoder.configureVideo(input: input, info: info, options: options)
        return transcoder
    }

    /// An audio transcoder to AAC (MP4) or Opus (WebM), 48 kHz, mono or stereo.
    static func audio(
        input: UnsafeMutablePointer<AVStream>, encoderName: String, output: OutputFile, startTime: Int64,
        options: ProxyOptions
    ) throws(MediaIndexError) -> StreamTranscoder {
        let transcoder = try StreamTranscoder(kind: .audio, input: input, output: output, startTime: startTime)
        try transcoder.openDecoder(input: input, threads: 1)
        try transcoder.configureAudio(encoderName: encoderName, options: options)
        return transcoder
    }

    private init(kind: Kind, input: UnsafeMutablePointer<AVStream>, output: OutputFile, startTime: Int64) throws(MediaIndexError) {
        self.kind = kind
        self.output = output
        inputTimeBase = input.pointee.time_base
        offset = av_rescale_q(startTime, obs_time_base_q(), inputTimeBase)
        outputStream = try output.addStream()
        frame = av_frame_alloc()
        filtered = av_frame_alloc()
        packet = av_packet_alloc()
        graph = avfilter_graph_alloc()
        guard frame != nil, filtered != nil, packet != nil, graph != nil else {
            throw MediaIndexError(.outputFailed, "Out of memory starting a transcode.", file: output.source, stage: "proxy")
        }
    }

    deinit {
        avcodec_free_context(&decoder)
        avcodec_free_context(&encoder)
        // Freeing the graph frees its filters, the buffer source and sink among them.
        avfilter_graph_free(&graph)
        av_frame_free(&frame)
        av_frame_free(&filtered)
        av_packet_free(&packet)
    }

    private func openDecoder(input: UnsafeMutablePointer<AVStream>, threads: Int) throws(MediaIndexError) {
        let parameters = input.pointee.codecpar!
        let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw MediaIndexError(.unsupportedCodec, "This FFmpeg has no decoder for the codec “\(name)”.", file: source, stage: "proxy")
        }
        decoder = avcodec_alloc_context3(codec)
        guard let decoder else {
            throw MediaIndexError(.outputFailed, "Out of memory opening the \(name) decoder.", file: source, stage: "proxy")
        }
        var status = avcodec_parameters_to_context(decoder, parameters)
        if status >= 0 {
            decoder.pointee.pkt_timebase = inputTimeBase
            decoder.pointee.thread_count = Int32(max(threads, 1))
            status = avcodec_open2(decoder, codec, nil)
        }
        guard status >= 0 else {
            throw .ffmpeg(.corrupt, "The \(name) decoder could not start (\(FFmpeg.describe(status))). The recording may be damaged.", file: source, stage: "proxy", averror: status)
        }
    }

    private func configureVideo(input: UnsafeMutablePointer<AVStream>, info: MediaInfo.Stream, options: ProxyOptions) throws(MediaIndexError) {
        guard let decoder, let graph else { return }
        let width = Int(decoder.pointee.width), height = Int(decoder.pointee.height)
        guard width > 0, height > 0, decoder.pointee.pix_fmt != AV_PIX_FMT_NONE else {
            throw MediaIndexError(.corrupt, "The video stream has no picture size or pixel format: the recording is damaged.", file: source, stage: "proxy")
        }
        var sar = decoder.pointee.sample_aspect_ratio
        if sar.num <= 0 || sar.den <= 0 { sar = input.pointee.sample_aspect_ratio }
        if sar.num <= 0 || sar.den <= 0 { sar = AVRational(num: 1, den: 1) }
        let rotation = ((info.rotationDegrees ?? 0) % 360 + 360) % 360
        let size = ProxyPlan.outputSize(
            width: width, height: height, sampleAspect: Double(sar.num) / Double(sar.den),
            rotationDegrees: rotation, maxHeight: options.maxHeight)
        // Scale first (less to turn), to the picture's pre-rotation shape, then turn it upright.
        let (scaledWidth, scaledHeight) = rotation % 180 == 0 ? (size.width, size.height) : (size.height, size.width)
        var chain = ["scale=\(scaledWidth):\(scaledHeight)", "format=yuv420p", "setsar=1"]
        switch rotation {
        case 90: chain.append("transpose=clock")
        case 180: chain.append(contentsOf: ["hflip", "vflip"])
        case 270: chain.append("transpose=cclock")
        default: break
        }
        let frameRate = Self.frameRate(of: input)
        let pixelFormat = av_get_pix_fmt_name(decoder.pointee.pix_fmt).map { String(cString: $0) } ?? "\(decoder.pointee.pix_fmt.rawValue)"
        var arguments = "video_size=\(width)x\(height):pix_fmt=\(pixelFormat):time_base=\(inputTimeBase.num)/\(inputTimeBase.den):pixel_aspect=\(sar.num)/\(sar.den)"
        if let frameRate { arguments += ":frame_rate=\(frameRate.num)/\(frameRate.den)" }
        graph.pointee.nb_threads = Int32(max(options.threads, 1))
        try buildGraph(source: "buffer", arguments: arguments, chain: chain.joined(separator: ","), sink: "buffersink")

        guard let codec = avcodec_find_encoder_by_name("libx264") else {
            throw MediaIndexError(.unsupportedCodec, "This FFmpeg has no H.264 encoder (libx264): install Debian's ffmpeg libraries with libx264.", file: source, stage: "proxy")
        }
        encoder = avcodec_alloc_context3(codec)
        guard let encoder, let sink = bufferSink else {
            throw MediaIndexError(.outputFailed, "Out of memory opening the H.264 encoder.", file: source, stage: "proxy")
        }
        let fps = frameRate.map { Double($0.num) / Double($0.den) } ?? 25
        encoder.pointee.width = av_buffersink_get_w(sink)
        encoder.pointee.height = av_buffersink_get_h(sink)
        encoder.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        encoder.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        encoder.pointee.time_base = av_buffersink_get_time_base(sink)
        if let frameRate { encoder.pointee.framerate = frameRate }
        // Keyframes are forced every interval by presentation time (see `push`); the GOP length is only a
        // backstop for odd timestamps, a quarter longer.
        encoder.pointee.gop_size = Int32(max(1, (fps * options.keyframeIntervalSeconds * 1.25).rounded(.up)))
        encoder.pointee.thread_count = Int32(max(options.threads, 1))
        if let ceiling = options.videoMaxBitRate {
            encoder.pointee.rc_max_rate = Int64(ceiling)
            encoder.pointee.rc_buffer_size = Int32(clamping: 2 * ceiling)
        }
        if output.wantsGlobalHeader { encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        try openEncoder(encoder, codec: codec, options: ["preset": options.videoPreset, "crf": String(options.videoCRF)])
        outputStream.pointee.avg_frame_rate = frameRate ?? AVRational(num: 0, den: 1)
    }

    private func configureAudio(encoderName: String, options: ProxyOptions) throws(MediaIndexError) {
        guard let decoder else { return }
        guard decoder.pointee.sample_rate > 0, decoder.pointee.sample_fmt != AV_SAMPLE_FMT_NONE, decoder.pointee.ch_layout.nb_channels > 0 else {
            throw MediaIndexError(.corrupt, "The audio stream has no sample rate, format or channels: the recording is damaged.", file: source, stage: "proxy")
        }
        guard let codec = avcodec_find_encoder_by_name(encoderName) else {
            throw MediaIndexError(.unsupportedCodec, "This FFmpeg has no \(encoderName) audio encoder.", file: source, stage: "proxy")
        }
        encoder = avcodec_alloc_context3(codec)
        guard let encoder else {
            throw MediaIndexError(.outputFailed, "Out of memory opening the \(encoderName) encoder.", file: source, stage: "proxy")
        }
        // Mono stays mono; anything else is mixed down to stereo, which every browser plays.
        let channels: Int32 = decoder.pointee.ch_layout.nb_channels == 1 ? 1 : 2
        let sampleFormat = codec.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_FLTP
        encoder.pointee.sample_rate = 48_000
        encoder.pointee.sample_fmt = sampleFormat
        av_channel_layout_default(&encoder.pointee.ch_layout, channels)
        encoder.pointee.bit_rate = Int64(channels == 1 ? options.audioBitRate / 2 : options.audioBitRate)
        encoder.pointee.time_base = AVRational(num: 1, den: 48_000)
        if output.wantsGlobalHeader { encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        try openEncoder(encoder, codec: codec, options: [:])

        var layout = decoder.pointee.ch_layout
        var description = "channels=\(layout.nb_channels)"
        if layout.order != AV_CHANNEL_ORDER_UNSPEC {
            var buffer = [CChar](repeating: 0, count: 128)
            if av_channel_layout_describe(&layout, &buffer, buffer.count) > 0 {
                description = "channel_layout=" + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        let sampleFormatName = String(cString: av_get_sample_fmt_name(decoder.pointee.sample_fmt))
        let arguments = "time_base=\(inputTimeBase.num)/\(inputTimeBase.den):sample_rate=\(decoder.pointee.sample_rate):sample_fmt=\(sampleFormatName):\(description)"
        // async=1 keeps the audio on its timestamps across gaps (silence in, not a shift of everything after).
        let outFormat = String(cString: av_get_sample_fmt_name(sampleFormat))
        let chain = "aresample=48000:async=1,aformat=sample_fmts=\(outFormat):sample_rates=48000:channel_layouts=\(channels == 1 ? "mono" : "stereo")"
        try buildGraph(source: "abuffer", arguments: arguments, chain: chain, sink: "abuffersink")
        if let sink = bufferSink, codec.pointee.capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE == 0, encoder.pointee.frame_size > 0 {
            av_buffersink_set_frame_size(sink, UInt32(encoder.pointee.frame_size))
        }
    }

    private func buildGraph(source: String, arguments: String, chain: String, sink: String) throws(MediaIndexError) {
        guard let graph else { return }
        var status = avfilter_graph_create_filter(&bufferSource, avfilter_get_by_name(source), "in", arguments, nil, graph)
        if status >= 0 { status = avfilter_graph_create_filter(&bufferSink, avfilter_get_by_name(sink), "out", nil, nil, graph) }
        if status >= 0, let bufferSource, let bufferSink { status = obs_filter_graph_configure(graph, bufferSource, bufferSink, chain) }
        guard status >= 0 else {
            throw .ffmpeg(.outputFailed, "The filter graph “\(chain)” could not be set up (\(FFmpeg.describe(status))).", file: self.source, stage: "proxy", averror: status)
        }
    }

    private func openEncoder(_ encoder: UnsafeMutablePointer<AVCodecContext>, codec: UnsafePointer<AVCodec>, options: [String: String]) throws(MediaIndexError) {
        var dictionary: OpaquePointer? = nil
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        var status = avcodec_open2(encoder, codec, &dictionary)
        if status >= 0 { status = avcodec_parameters_from_context(outputStream.pointee.codecpar, encoder) }
        guard status >= 0 else {
            throw .ffmpeg(.outputFailed, "The \(String(cString: codec.pointee.name)) encoder could not start (\(FFmpeg.describe(status))).", file: source, stage: "proxy", averror: status)
        }
        outputStream.pointee.time_base = encoder.pointee.time_base
        outputStream.pointee.disposition = AV_DISPOSITION_DEFAULT
    }

    /// The frame rate to tell the encoder: the average, else the real one; nil when unknown.
    private static func frameRate(of stream: UnsafeMutablePointer<AVStream>) -> AVRational? {
        for rate in [stream.pointee.avg_frame_rate, stream.pointee.r_frame_rate] where rate.num > 0 && rate.den > 0 {
            return rate
        }
        return nil
    }

    // MARK: Running

    func handle(_ packet: UnsafeMutablePointer<AVPacket>) throws(MediaIndexError) {
        guard let decoder else { return }
        let status = avcodec_send_packet(decoder, packet)
        if status < 0 && status != FFmpeg.again {
            noteDecodeError(status)
            return
        }
        try drainDecoder()
    }

    func finish() throws(MediaIndexError) {
        guard let decoder, let encoder else { return }
        _ = avcodec_send_packet(decoder, nil)
        try drainDecoder()
        let status = av_buffersrc_add_frame_flags(bufferSource, nil, 0)
        if status < 0 {
            throw .ffmpeg(.outputFailed, "The filter graph could not be flushed (\(FFmpeg.describe(status))).", file: source, stage: "proxy", averror: status)
        }
        try drainFilter()
        try encode(nil, encoder: encoder)
    }

    /// Whether the stream yielded nothing but errors: its data is damaged beyond what players skip.
    var failedEntirely: (error: Int32, count: Int)? {
        decodedFrames == 0 && decodeErrors > 0 ? (firstDecodeError, decodeErrors) : nil
    }

    private func noteDecodeError(_ status: Int32) {
        if decodeErrors == 0 { firstDecodeError = status }
        decodeErrors += 1
    }

    private func drainDecoder() throws(MediaIndexError) {
        guard let decoder, let frame else { return }
        while true {
            let status = avcodec_receive_frame(decoder, frame)
            if status == FFmpeg.again || status == FFmpeg.eof { return }
            if status < 0 {
                noteDecodeError(status)
                return
            }
            decodedFrames += 1
            defer { av_frame_unref(frame) }
            var pts = frame.pointee.best_effort_timestamp
            if pts != FFmpeg.noPTS { pts -= offset }
            if case .video = kind {
                // The encoder needs strictly increasing times; a frame without one follows the last.
                if pts == FFmpeg.noPTS || pts <= lastPTS { pts = lastPTS == .min ? 0 : lastPTS + 1 }
                lastPTS = pts
            }
            frame.pointee.pts = pts
            let pushed = av_buffersrc_add_frame_flags(bufferSource, frame, 0)
            guard pushed >= 0 else {
                throw .ffmpeg(.outputFailed, "A decoded frame could not enter the filter graph (\(FFmpeg.describe(pushed))).", file: source, stage: "proxy", averror: pushed)
            }
            try drainFilter()
        }
    }

    private func drainFilter() throws(MediaIndexError) {
        guard let bufferSink, let filtered, let encoder else { return }
        let sinkTimeBase = av_buffersink_get_time_base(bufferSink)
        while true {
            let status = av_buffersink_get_frame(bufferSink, filtered)
            if status == FFmpeg.again || status == FFmpeg.eof { return }
            guard status >= 0 else {
                throw .ffmpeg(.outputFailed, "The filter graph failed (\(FFmpeg.describe(status))).", file: source, stage: "proxy", averror: status)
            }
            defer { av_frame_unref(filtered) }
            if filtered.pointee.pts != FFmpeg.noPTS {
                filtered.pointee.pts = av_rescale_q(filtered.pointee.pts, sinkTimeBase, encoder.pointee.time_base)
            }
            if case .video(let interval) = kind {
                // A keyframe whenever presentation time reaches the next multiple of the interval, so the
                // browser can seek anywhere in at most `interval` of decoding, whatever the frame rate.
                let seconds = Double(filtered.pointee.pts) * av_q2d(encoder.pointee.time_base)
                if interval > 0, seconds >= nextKeyframeSeconds - 1e-6 {
                    filtered.pointee.pict_type = AV_PICTURE_TYPE_I
                    while nextKeyframeSeconds <= seconds + 1e-6 { nextKeyframeSeconds += interval }
                } else {
                    filtered.pointee.pict_type = AV_PICTURE_TYPE_NONE
                }
            }
            try encode(filtered, encoder: encoder)
        }
    }

    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?, encoder: UnsafeMutablePointer<AVCodecContext>) throws(MediaIndexError) {
        guard let packet else { return }
        let sent = avcodec_send_frame(encoder, frame)
        guard sent >= 0 || sent == FFmpeg.eof else {
            throw .ffmpeg(.outputFailed, "The \(String(cString: encoder.pointee.codec.pointee.name)) encoder refused a frame (\(FFmpeg.describe(sent))).", file: source, stage: "proxy", averror: sent)
        }
        while true {
            let status = avcodec_receive_packet(encoder, packet)
            if status == FFmpeg.again || status == FFmpeg.eof { return }
            guard status >= 0 else {
                throw .ffmpeg(.outputFailed, "Encoding failed (\(FFmpeg.describe(status))).", file: source, stage: "proxy", averror: status)
            }
            packet.pointee.stream_index = outputStream.pointee.index
            av_packet_rescale_ts(packet, encoder.pointee.time_base, outputStream.pointee.time_base)
            try output.write(packet)
            av_packet_unref(packet)
        }
    }
}

@available(*, unavailable)
extension StreamTranscoder: Sendable {}
