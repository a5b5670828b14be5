import Foundation
import MediaIndex

/// The human-readable form of an index report.
enum Summary {
    static func text(_ report: IndexReport, keyframes showTimes: Bool) -> String {
        var lines = [report.file]
        if let error = report.error {
            lines.append("  error      \(error.code): \(error.message)")
            // A proxy that failed after indexing succeeded: the index facts follow.
            if report.format == nil { return lines.joined(separator: "\n") }
        }
        if let format = report.format {
            var line = "  container  \(format.longName) (\(format.name))"
            if let duration = format.durationSeconds { line += "  " + seconds(duration) }
            if let bitRate = format.bitRate { line += "  \(bitRate / 1000) kb/s" }
            if let size = report.size { line += "  " + ByteCountFormatter.string(fromByteCount: Int64(size), countStyle: .file) }
            lines.append(line)
            if let start = format.startSeconds, start != 0 { lines.append("  starts at  " + seconds(start)) }
            if let created = format.creationTime { lines.append("  recorded   \(created)") }
            for key in ["title", "encoder", "comment"] { if let value = format.tags[key] { lines.append("  \(key.padding(toLength: 10, withPad: " ", startingAt: 0)) \(value)") } }
            if !format.personalDataTags.isEmpty {
                lines.append("  PERSONAL   tags with personal data (dropped from proxies): \(format.personalDataTags.joined(separator: ", "))")
            }
        }
        for stream in report.streams ?? [] { lines.append("  " + describe(stream)) }
        for chapter in report.chapters ?? [] {
            lines.append("  chapter    \(seconds(chapter.startSeconds))–\(seconds(chapter.endSeconds))  \(chapter.title ?? "")")
        }
        if let keyframes = report.keyframes {
            var line = "  keyframes  \(keyframes.count) (from \(keyframes.source.rawValue))"
            if showTimes, let times = keyframes.seconds { line += ": " + times.map { String(format: "%.3f", $0) }.joined(separator: " ") }
            lines.append(line)
        }
        let breaks = report.discontinuities ?? []
        if breaks.isEmpty {
            lines.append("  timestamps continuous (\(report.discontinuityCheck?.rawValue ?? "?") checked)")
        } else {
            for item in breaks {
                lines.append(String(format: "  WARNING    timestamp %@ of %+.3f s at %.3f s: the recording may have been cut or joined", item.kind.rawValue, item.jumpSeconds, item.atSeconds))
            }
        }
        if let sha256 = report.sha256 { lines.append("  sha256     \(sha256)") }
        if let thumbnails = report.thumbnails { lines.append("  thumbnails \(thumbnails.count) written") }
        if let proxy = report.proxy {
            lines.append("  proxy      \(proxy.method.rawValue) → \(proxy.file)  \(proxy.videoCodec)\(proxy.audioCodec.map { "/" + $0 } ?? "") \(proxy.width)x\(proxy.height) " + seconds(proxy.durationSeconds))
        }
        return lines.joined(separator: "\n")
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }

    private static func describe(_ stream: MediaInfo.Stream) -> String {
        var parts = ["#\(stream.index) \(stream.kind.rawValue)".padding(toLength: 10, withPad: " ", startingAt: 0), stream.codec + (stream.profile.map { " (\($0))" } ?? "")]
        if let width = stream.width, let height = stream.height { parts.append("\(width)x\(height)") }
        if let pixelFormat = stream.pixelFormat { parts.append(pixelFormat) }
        if let dar = stream.displayAspectRatio { parts.append("DAR \(dar)") }
        if let fps = stream.averageFrameRate { parts.append(String(format: "%.3f fps", fps) + (stream.variableFrameRate == true ? " (variable)" : "")) }
        if let rotation = stream.rotationDegrees, rotation != 0 { parts.append("rotate \(rotation)° clockwise to view") }
        if let rate = stream.sampleRate { parts.append("\(rate) Hz") }
        if let layout = stream.channelLayout ?? stream.channels.map({ "\($0) ch" }) { parts.append(layout) }
        if let language = stream.language { parts.append("[\(language)]") }
        return parts.joined(separator: "  ")
    }
}
