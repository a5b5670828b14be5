import Foundation
import NIOFileSystem

/// The segmented proxy a worker writes while it transcodes a recording (decision 32): `<media folder>/live/` with an
/// HLS playlist naming fragmented-MP4 segments, and `stream.json` with their codecs. Every file is renamed into
/// place when complete, and a segment is listed only once it is, so what the playlist lists can be served as it is.
/// The folder goes once the single-file proxy is in place.
struct SegmentedProxy: Sendable, Equatable {
    static let folderName = "live"

    struct Segment: Sendable, Equatable {
        var name: String
        var seconds: Double
    }

    /// `stream.json`, as the indexer writes it.
    struct About: Decodable, Sendable, Equatable {
        var codecs: String
        var durationSeconds: Double
    }

    var about: About
    var initName: String?
    var segments: [Segment]
    /// No segment will be added: the proxy is complete.
    var complete: Bool

    var readySeconds: Double { segments.reduce(0) { $0 + $1.seconds } }
    /// Something to play: the init segment and at least one media segment.
    var playable: Bool { initName != nil && !segments.isEmpty }

    /// Whether `name` is a file the playlist lists (the only ones served).
    func lists(_ name: String) -> Bool { name == initName || segments.contains { $0.name == name } }

    /// Reads the playlist (as libavformat's `hls` muxer writes it) and `stream.json` in `folder`; nil when either is
    /// missing or does not read (no segmented proxy is being written, or it is already gone).
    static func read(in folder: FilePath) -> SegmentedProxy? {
        guard let about = FileManager.default.contents(atPath: folder.appending("stream.json").string)
                .flatMap({ try? JSONDecoder().decode(About.self, from: $0) }),
            let data = FileManager.default.contents(atPath: folder.appending("index.m3u8").string)
        else { return nil }
        return SegmentedProxy(playlist: String(decoding: data, as: UTF8.self), about: about)
    }

    init?(playlist text: String, about: About) {
        guard text.hasPrefix("#EXTM3U") else { return nil }
        self.about = about
        segments = []
        complete = false
        var pending: Double?
        for line in text.split(whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("#EXTINF:") {
                pending = Double(line.dropFirst(8).prefix { $0 != "," })
            } else if line.hasPrefix("#EXT-X-MAP:URI=\"") {
                initName = String(line.dropFirst(16).prefix { $0 != "\"" })
            } else if line == "#EXT-X-ENDLIST" {
                complete = true
            } else if !line.hasPrefix("#"), let seconds = pending {
                segments.append(Segment(name: line, seconds: seconds))
                pending = nil
            }
        }
    }
}
