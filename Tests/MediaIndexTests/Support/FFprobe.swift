import Foundation

/// ffprobe's view of a file: the independent reference every field is checked against.
enum FFprobe {
    struct Output: Decodable {
        var format: Format
        var streams: [Stream]
        var chapters: [Chapter]?
    }

    struct Format: Decodable {
        var format_name: String
        var format_long_name: String?
        var duration: String?
        var start_time: String?
        var bit_rate: String?
        var size: String?
        var tags: [String: String]?
    }

    struct Stream: Decodable {
        var index: Int
        var codec_name: String?
        var codec_type: String?
        var profile: String?
        var width: Int?
        var height: Int?
        var pix_fmt: String?
        var sample_aspect_ratio: String?
        var display_aspect_ratio: String?
        var r_frame_rate: String?
        var avg_frame_rate: String?
        var sample_rate: String?
        var channels: Int?
        var channel_layout: String?
        var sample_fmt: String?
        var duration: String?
        var nb_frames: String?
        var time_base: String?
        var tags: [String: String]?
        var disposition: [String: Int]?
        var side_data_list: [SideData]?
    }

    struct SideData: Decodable {
        var side_data_type: String?
        var rotation: Int?
    }

    struct Chapter: Decodable {
        var id: Int64
        var start_time: String
        var end_time: String
        var tags: [String: String]?
    }

    static func probe(_ path: String) throws -> Output {
        let data = try run(Fixtures.ffprobe, ["-v", "error", "-show_format", "-show_streams", "-show_chapters", "-of", "json", path])
        return try JSONDecoder().decode(Output.self, from: data)
    }

    /// `pts_time` of every keyframe packet of the first video stream, as ffprobe -show_packets reports.
    static func keyframeTimes(_ path: String, streamIndex: Int) throws -> [Double] {
        let data = try run(Fixtures.ffprobe, [
            "-v", "error", "-select_streams", "\(streamIndex)", "-show_packets",
            "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", path,
        ])
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",")
            guard fields.count >= 2, fields[1].contains("K") else { return nil }
            return Double(fields[0])
        }.sorted()
    }

    static func rational(_ text: String?) -> Double? {
        guard let parts = text?.split(separator: "/"), parts.count == 2, let n = Double(parts[0]), let d = Double(parts[1]), d != 0, n != 0 else { return nil }
        return n / d
    }
}
