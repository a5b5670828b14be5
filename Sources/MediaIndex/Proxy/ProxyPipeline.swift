import CFFmpeg
import Foundation

/// Reads the source once, in decode order, and sends each chosen stream's packets through its route (copy
/// or transcode) into the proxy muxer.
enum ProxyPipeline {
    static func run(
        input: InputFile, info: MediaInfo, plan: ProxyPlan, outputPath: String, options: ProxyOptions,
        segments: URL? = nil, progress: ProgressReporter
    ) throws(MediaIndexError) {
        let fc = input.formatContext
        guard let videoIndex = plan.videoStream, let videoInfo = info.streams.first(where: { $0.index == videoIndex }) else {
            throw MediaIndexError(.noVideoStream, "The file has no video stream to make a proxy of.", file: input.path, stage: "proxy")
        }
        let output = try OutputFile.create(path: outputPath, format: plan.container.muxer, source: input.path)
        defer { output.close() }

        // Every stream is shifted by the source's start so the proxy starts at 0 and the streams keep their
        // relative timing (an MPEG-TS starting at 1.48 s plays from 0).
        let startTime = fc.pointee.start_time == FFmpeg.noPTS ? 0 : fc.pointee.start_time
        let streams = input.streams
        var routes: [Int: any ProxyStreamRoute] = [:]
        var transcoders: [StreamTranscoder] = []

        switch plan.video {
        case .copy:
            routes[videoIndex] = try StreamCopy(
                input: streams[videoIndex], output: output, startTime: startTime, keepDisplayMatrix: plan.container == .mp4)
        case .encodeH264:
            let transcoder = try StreamTranscoder.video(
                input: streams[videoIndex], info: videoInfo, output: output, startTime: startTime, options: options)
            routes[videoIndex] = transcoder
            transcoders.append(transcoder)
        }
        if let audioIndex = plan.audioStream, let audio = plan.audio {
            switch audio {
            case .copy:
                routes[audioIndex] = try StreamCopy(input: streams[audioIndex], output: output, startTime: startTime, keepDisplayMatrix: false)
            case .encodeAAC, .encodeOpus:
                let transcoder = try StreamTranscoder.audio(
                    input: streams[audioIndex], encoderName: audio == .encodeAAC ? "aac" : "libopus", output: output,
                    startTime: startTime, options: options)
                routes[audioIndex] = transcoder
                transcoders.append(transcoder)
            }
        }
        // Chapters, subtitles, data tracks, cover art and every tag stay behind: the proxy is for playback
        // and must not carry the source's personal data (location, device).
        for (index, stream) in streams.enumerated() where routes[index] == nil {
            stream.pointee.discard = AVDISCARD_ALL
        }

        try output.writeHeader(options: plan.container == .mp4 ? ["movflags": "+faststart"] : [:])
        let duration = info.format.durationSeconds ?? videoInfo.durationSeconds ?? 0
        if let segments {
            output.mirror = try ProxySegments.start(beside: output, directory: segments, durationSeconds: duration)
        }

        guard let packet = av_packet_alloc() else {
            throw MediaIndexError(.outputFailed, "Out of memory reading the recording.", file: input.path, stage: "proxy")
        }
        defer { FFmpeg.free(packet) }
        let videoTimeBase = av_q2d(streams[videoIndex].pointee.time_base)
        let startSeconds = Double(startTime) / Double(obs_time_base())
        var videoPackets = 0
        progress.report(0)
        while true {
            let status = av_read_frame(fc, packet)
            // The end, or damage the demuxer cannot read past: keep what was read, as players do.
            if status < 0 { break }
            defer { av_packet_unref(packet) }
            let index = Int(packet.pointee.stream_index)
            guard let route = routes[index] else { continue }
            if index == videoIndex {
                videoPackets += 1
                let time = packet.pointee.pts != FFmpeg.noPTS ? packet.pointee.pts : packet.pointee.dts
                if time != FFmpeg.noPTS, duration > 0 {
                    progress.report((Double(time) * videoTimeBase - startSeconds) / duration)
                }
            }
            try route.handle(packet)
        }
        guard videoPackets > 0 else {
            throw MediaIndexError(.corrupt, "No video could be read from the recording: it is damaged. Upload it again from the original.", file: input.path, stage: "proxy")
        }
        // Video first: its encoder holds the most frames back.
        if let video = routes[videoIndex] { try video.finish() }
        for (index, route) in routes where index != videoIndex { try route.finish() }
        for transcoder in transcoders {
            if let failure = transcoder.failedEntirely {
                throw .ffmpeg(.corrupt, "None of the recording's \(failure.count) damaged packets could be decoded. Upload it again from the original.", file: input.path, stage: "proxy", averror: failure.error)
            }
        }
        try output.writeTrailer()
    }
}
