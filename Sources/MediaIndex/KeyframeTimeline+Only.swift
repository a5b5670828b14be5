import CFFmpeg
public import MediaTimeline

extension MediaIndexer {
    /// Reads only the keyframe timeline of the main video stream, by the quickest route the container
    /// allows (decision 23), with the same times as ``index(path:options:)``:
    ///
    /// - MPEG-TS with one H.264 or HEVC stream: our own scan of the transport stream's packets;
    /// - MP4/MOV with one video track: the sample tables (`moov`) alone, libavformat never opens the file;
    /// - Matroska/WebM with cues: libavformat opens the header and loads the cues, without
    ///   `avformat_find_stream_info`;
    /// - anything else: the full path of `index` (stream info, acceptance checks, packet scan).
    ///
    /// The quick routes check the file (exists, readable, size limit, not cut short by its own index) but
    /// not the picture size and duration limits, which need the stream info.
    public static func keyframeTimeline(path: String, limits: IndexLimits = .init()) throws(MediaIndexError) -> KeyframeTimeline {
        let size = try checkFile(path: path, limits: limits)
        if TransportStreamScan.looksLikeTransportStream(path: path), let scan = TransportStreamScan.scan(path: path) {
            return KeyframeTimeline(transportStream: scan)
        }
        let layout = try ContainerLayout.inspect(path: path, fileSize: size)
        if let movie = layout.mp4, let timeline = KeyframeTimeline.mp4Plain(movie: movie) {
            return timeline
        }
        if layout.matroska?.cuesPosition != nil {
            let timeline = try InputFile.with(path: path, findStreamInfo: false) { file throws(MediaIndexError) -> KeyframeTimeline? in
                guard String(cString: file.formatContext.pointee.iformat.pointee.name).hasPrefix("matroska"),
                    let video = mainVideoStreamIndex(file)
                else { return nil }
                return try KeyframeTimeline.matroskaCues(file: file, streamIndex: video, fileSize: size)
            }
            if let timeline { return timeline }
        }
        return try InputFile.with(path: path) { file throws(MediaIndexError) in
            let info = MediaProbe.info(of: file, size: size)
            let video = try acceptedVideoStream(info: info, limits: limits)
            return try KeyframeTimeline.read(
                from: file, streamIndex: video.index, layout: layout, fileSize: size,
                declaredDuration: info.format.durationSeconds)
        }
    }

    /// The stream `MediaInfo.mainVideoStream` would choose (the first default video stream, else the first
    /// video stream; attached pictures are not video), from the header alone.
    private static func mainVideoStreamIndex(_ file: InputFile) -> Int? {
        let videos = file.streams.enumerated().filter { _, stream in
            stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO
                && stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0
        }
        guard let video = videos.first(where: { $0.element.pointee.disposition & AV_DISPOSITION_DEFAULT != 0 }) ?? videos.first,
            acceptedVideoCodecs.contains(String(cString: avcodec_get_name(video.element.pointee.codecpar.pointee.codec_id)))
        else { return nil }
        return video.offset
    }
}
