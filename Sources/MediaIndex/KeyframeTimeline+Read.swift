import CFFmpeg
import MediaTimeline

extension KeyframeTimeline {
    /// Reads the keyframe timeline of `streamIndex` from the container's own index where it has one,
    /// else by scanning packets (no decoding).
    static func read(
        from file: InputFile, streamIndex: Int, layout: ContainerLayout, fileSize: UInt64, declaredDuration: Double?
    ) throws(MediaIndexError) -> KeyframeTimeline {
        let name = String(cString: file.formatContext.pointee.iformat.pointee.name)
        if name.hasPrefix("mov,"), let movie = layout.mp4 {
            if let timeline = mp4SampleTables(movie: movie, streamID: file.streams[streamIndex].pointee.id) {
                return timeline
            }
        } else if name.hasPrefix("matroska"), layout.matroska?.cuesPosition != nil {
            if let timeline = try matroskaCues(file: file, streamIndex: streamIndex, fileSize: fileSize) {
                return timeline
            }
        } else if name == "mpegts", let scan = TransportStreamScan.scan(path: file.path),
            Int(file.streams[streamIndex].pointee.id) == scan.videoPID
        {
            return KeyframeTimeline(transportStream: scan)
        } else if name == "avi" {
            if let timeline = try containerIndex(file: file, streamIndex: streamIndex, fileSize: fileSize, source: .aviIndex, check: .everyFrame) {
                return timeline
            }
        }
        return try packetScan(file: file, streamIndex: streamIndex, declaredDuration: declaredDuration)
    }

    /// Keyframes from the Matroska cues, nil when the file has none for the stream. The cues load lazily:
    /// one seek to the start reads them without reading media; the read position goes back to the start.
    static func matroskaCues(file: InputFile, streamIndex: Int, fileSize: UInt64) throws(MediaIndexError) -> KeyframeTimeline? {
        let stream = file.streams[streamIndex]
        _ = av_seek_frame(file.formatContext, Int32(streamIndex), stream.pointee.start_time == FFmpeg.noPTS ? 0 : stream.pointee.start_time, AVSEEK_FLAG_BACKWARD)
        defer { _ = av_seek_frame(file.formatContext, -1, 0, AVSEEK_FLAG_BACKWARD) }
        return try containerIndex(file: file, streamIndex: streamIndex, fileSize: fileSize, source: .matroskaCues, check: .keyframesOnly)
    }

    /// Keyframes from libavformat's index entries (Matroska cues, AVI idx1), which carry presentation times.
    /// Returns nil when the container has no index for the stream.
    private static func containerIndex(
        file: InputFile, streamIndex: Int, fileSize: UInt64, source: Source, check: DiscontinuityCheck
    ) throws(MediaIndexError) -> KeyframeTimeline? {
        let stream = file.streams[streamIndex]
        let count = avformat_index_get_entries_count(stream)
        guard count > 0 else { return nil }
        let base = av_q2d(stream.pointee.time_base)
        var keyframes: [Double] = []
        var every: [Double] = []
        var lastEnd: Int64 = 0
        for i in 0..<count {
            guard let entry = avformat_index_get_entry(stream, i)?.pointee else { continue }
            lastEnd = max(lastEnd, entry.pos + Int64(entry.size))
            let seconds = Double(entry.timestamp) * base
            every.append(seconds)
            if entry.flags & AVINDEX_KEYFRAME != 0 { keyframes.append(seconds) }
        }
        guard !keyframes.isEmpty else { return nil }
        if lastEnd > Int64(fileSize) {
            throw MediaIndexError(
                .truncated,
                "The recording is cut short: its index points to data beyond the end of the file (\(lastEnd) > \(fileSize) bytes). Upload the complete file.",
                file: file.path, stage: "timeline")
        }
        let times = check == .everyFrame ? every : keyframes
        return KeyframeTimeline(
            source: source, seconds: keyframes.sorted(),
            discontinuities: Discontinuity.detect(decodeOrderSeconds: times, check: check),
            discontinuityCheck: check)
    }

    /// Reads every packet of the video stream (others are discarded, nothing is decoded).
    private static func packetScan(
        file: InputFile, streamIndex: Int, declaredDuration: Double?
    ) throws(MediaIndexError) -> KeyframeTimeline {
        let fc = file.formatContext
        for (index, stream) in file.streams.enumerated() where index != streamIndex {
            stream.pointee.discard = AVDISCARD_ALL
        }
        defer { for stream in file.streams { stream.pointee.discard = AVDISCARD_DEFAULT } }
        let stream = file.streams[streamIndex]
        let base = av_q2d(stream.pointee.time_base)

        guard let packet = av_packet_alloc() else {
            throw MediaIndexError(.corrupt, "Out of memory while reading packets.", file: file.path, stage: "timeline")
        }
        defer {
            FFmpeg.free(packet)
        }
        var keyframes: [(seconds: Double, position: Int64)] = []
        var decodeTimes: [Double] = []
        var firstTime: Double? = nil
        var lastEnd = -Double.infinity
        while true {
            let status = av_read_frame(fc, packet)
            if status == FFmpeg.eof { break }
            if status < 0 {
                throw .ffmpeg(
                    .corrupt,
                    "Reading the recording failed part-way (\(FFmpeg.describe(status))). The file may be damaged: upload it again from the original.",
                    file: file.path, stage: "timeline", averror: status)
            }
            defer { av_packet_unref(packet) }
            guard Int(packet.pointee.stream_index) == streamIndex else { continue }
            let pts = packet.pointee.pts
            let dts = packet.pointee.dts
            let presentation = pts != FFmpeg.noPTS ? pts : dts
            guard presentation != FFmpeg.noPTS else { continue }
            let seconds = Double(presentation) * base
            if dts != FFmpeg.noPTS { decodeTimes.append(Double(dts) * base) }
            if packet.pointee.flags & AV_PKT_FLAG_KEY != 0 { keyframes.append((seconds, packet.pointee.pos)) }
            firstTime = min(firstTime ?? seconds, seconds)
            lastEnd = max(lastEnd, seconds + Double(max(packet.pointee.duration, 0)) * base)
        }

        if let declaredDuration, let firstTime, declaredDuration > 2 {
            let covered = lastEnd - firstTime
            if covered < declaredDuration * 0.9 - 1 {
                throw MediaIndexError(
                    .truncated,
                    String(format: "The recording is cut short: its header says %.1f s but the video stops after %.1f s. Upload the complete file.", declaredDuration, covered),
                    file: file.path, stage: "timeline")
            }
        }
        keyframes.sort { $0.seconds < $1.seconds }
        let positions = keyframes.map(\.position)
        return KeyframeTimeline(
            source: .packetScan, seconds: keyframes.map(\.seconds),
            discontinuities: Discontinuity.detect(decodeOrderSeconds: decodeTimes, check: .everyFrame),
            discontinuityCheck: .everyFrame,
            bytePositions: positions.allSatisfy { $0 >= 0 } ? positions : nil)
    }
}
