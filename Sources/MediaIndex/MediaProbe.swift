import CFFmpeg
import Foundation

/// Probing a file with libavformat: container, streams, chapters, tags.
enum MediaProbe {
    /// Reads the container and stream facts of an opened file.
    static func info(of file: InputFile, size: UInt64) -> MediaInfo {
        let fc = file.formatContext
        let timeBase = Double(obs_time_base())
        let format = fc.pointee.iformat.pointee
        let tags = dictionary(fc.pointee.metadata)
        let streams = file.streams.map(stream(_:))

        var personal = PersonalData.keys(in: tags)
        for stream in streams {
            personal += PersonalData.keys(in: stream.tags).map { "stream:\(stream.index):\($0)" }
        }

        let chapters = (0..<Int(fc.pointee.nb_chapters)).compactMap { index -> MediaInfo.Chapter? in
            guard let chapter = fc.pointee.chapters[index]?.pointee else { return nil }
            let base = av_q2d(chapter.time_base)
            return MediaInfo.Chapter(
                id: chapter.id,
                startSeconds: Double(chapter.start) * base,
                endSeconds: Double(chapter.end) * base,
                title: dictionary(chapter.metadata)["title"])
        }

        return MediaInfo(
            file: file.path,
            size: size,
            format: .init(
                name: String(cString: format.name),
                longName: format.long_name.map { String(cString: $0) } ?? "",
                durationSeconds: fc.pointee.duration == FFmpeg.noPTS || fc.pointee.duration < 0
                    ? nil : Double(fc.pointee.duration) / timeBase,
                startSeconds: fc.pointee.start_time == FFmpeg.noPTS ? nil : Double(fc.pointee.start_time) / timeBase,
                bitRate: fc.pointee.bit_rate > 0 ? fc.pointee.bit_rate : nil,
                creationTime: tags["creation_time"],
                tags: tags,
                personalDataTags: personal.sorted()),
            streams: streams,
            chapters: chapters)
    }

    private static func stream(_ pointer: UnsafeMutablePointer<AVStream>) -> MediaInfo.Stream {
        let st = pointer.pointee
        let par = st.codecpar.pointee
        let tags = dictionary(st.metadata)
        let kind = kind(of: par.codec_type, disposition: st.disposition)
        let isVideo = par.codec_type == AVMEDIA_TYPE_VIDEO
        let isAudio = par.codec_type == AVMEDIA_TYPE_AUDIO
        let descriptor = avcodec_descriptor_get(par.codec_id)

        var sar = st.sample_aspect_ratio.num != 0 ? st.sample_aspect_ratio : par.sample_aspect_ratio
        if sar.num == 0 || sar.den == 0 { sar = AVRational(num: 0, den: 1) }
        var dar: String? = nil
        if isVideo, par.width > 0, par.height > 0, sar.num > 0 {
            var num: Int32 = 0
            var den: Int32 = 0
            av_reduce(&num, &den, Int64(par.width) * Int64(sar.num), Int64(par.height) * Int64(sar.den), 1024 * 1024)
            dar = "\(num):\(den)"
        }

        let average = st.avg_frame_rate.doubleValue
        let real = st.r_frame_rate.doubleValue
        var channelLayout: String? = nil
        if isAudio, par.ch_layout.nb_channels > 0, par.ch_layout.order != AV_CHANNEL_ORDER_UNSPEC {
            var buffer = [CChar](repeating: 0, count: 128)
            var layout = par.ch_layout
            if av_channel_layout_describe(&layout, &buffer, buffer.count) > 0 {
                channelLayout = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }

        let profileName = par.profile >= 0 ? avcodec_profile_name(par.codec_id, par.profile).map { String(cString: $0) } : nil
        let streamBase = av_q2d(st.time_base)
        return MediaInfo.Stream(
            index: Int(st.index),
            kind: kind,
            codec: String(cString: avcodec_get_name(par.codec_id)),
            codecLongName: descriptor?.pointee.long_name.map { String(cString: $0) },
            profile: profileName,
            codecTag: fourCC(par.codec_tag),
            width: isVideo && par.width > 0 ? Int(par.width) : nil,
            height: isVideo && par.height > 0 ? Int(par.height) : nil,
            pixelFormat: isVideo ? av_get_pix_fmt_name(AVPixelFormat(rawValue: par.format)).map { String(cString: $0) } : nil,
            sampleAspectRatio: isVideo && sar.num > 0 ? "\(sar.num):\(sar.den)" : nil,
            displayAspectRatio: dar,
            rotationDegrees: isVideo ? rotation(of: pointer) : nil,
            averageFrameRate: isVideo ? average : nil,
            realFrameRate: isVideo ? real : nil,
            variableFrameRate: isVideo ? isVariable(average: average, real: real) : nil,
            sampleRate: isAudio && par.sample_rate > 0 ? Int(par.sample_rate) : nil,
            sampleFormat: isAudio ? av_get_sample_fmt_name(AVSampleFormat(rawValue: par.format)).map { String(cString: $0) } : nil,
            channels: isAudio && par.ch_layout.nb_channels > 0 ? Int(par.ch_layout.nb_channels) : nil,
            channelLayout: channelLayout,
            language: tags["language"].flatMap { $0 == "und" ? nil : $0 },
            durationSeconds: st.duration == FFmpeg.noPTS || st.duration < 0 ? nil : Double(st.duration) * streamBase,
            frameCount: st.nb_frames > 0 ? st.nb_frames : nil,
            bitRate: par.bit_rate > 0 ? par.bit_rate : nil,
            timeBase: st.time_base.text,
            isDefault: st.disposition & AV_DISPOSITION_DEFAULT != 0,
            tags: tags)
    }

    private static func kind(of type: AVMediaType, disposition: Int32) -> MediaInfo.StreamKind {
        switch type {
        case AVMEDIA_TYPE_VIDEO: disposition & AV_DISPOSITION_ATTACHED_PIC != 0 ? .attachment : .video
        case AVMEDIA_TYPE_AUDIO: .audio
        case AVMEDIA_TYPE_SUBTITLE: .subtitle
        case AVMEDIA_TYPE_DATA: .data
        case AVMEDIA_TYPE_ATTACHMENT: .attachment
        default: .unknown
        }
    }

    /// Clockwise degrees to turn the picture upright, from the display matrix (0 when there is none).
    private static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        var size: Int = 0
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size), size >= 9 * 4 else { return 0 }
        let angle = data.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_get($0) }
        guard angle.isFinite else { return 0 }
        // av_display_rotation_get gives the counter-clockwise angle the matrix applies; FFmpeg's own
        // autorotation turns the picture clockwise by its negation.
        let clockwise = Int((-angle).rounded())
        return ((clockwise % 360) + 360) % 360
    }

    /// Frame rates that disagree by more than 1% mean frames are not evenly spaced.
    static func isVariable(average: Double?, real: Double?) -> Bool {
        guard let average, let real, average > 0, real > 0 else { return false }
        return abs(average - real) / real > 0.01
    }

    private static func fourCC(_ tag: UInt32) -> String? {
        guard tag != 0 else { return nil }
        let bytes = (0..<4).map { UInt8((tag >> (8 * UInt32($0))) & 0xff) }
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return String(format: "0x%08x", tag) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Which tags carry personal data: a location, a device or an owner.
enum PersonalData {
    private static let words: Set<String> = [
        "location", "gps", "iso6709", "xyz", "make", "model", "manufacturer", "device", "owner", "author",
        "artist", "serial", "serialnumber", "user", "username", "creator", "latitude", "longitude", "coordinates",
        // Matroska's and others' names: a place, a camera, a person (`ENCODED_BY`, `RECORDED_BY`) or a way to reach them.
        "latlong", "place", "camera", "email", "mail", "phone", "telephone", "copyright", "composer", "performer", "by",
    ]

    static func isPersonal(key: String) -> Bool {
        let lower = key.lowercased()
        if lower.contains("location") || lower.contains("gps") { return true }
        let tokens = lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        return tokens.contains(where: words.contains)
    }

    static func keys(in tags: [String: String]) -> [String] {
        tags.keys.filter(isPersonal(key:)).sorted()
    }
}
