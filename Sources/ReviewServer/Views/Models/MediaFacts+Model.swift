import Foundation

/// What the recording page and the review screen show from a recording's index (`player.mustache` and the facts): the
/// facts that matter to a reviewer, the thumbnail strip, the keyframe times for accurate seeking, and any
/// discontinuities (flagged prominently).
struct MediaFacts: PageModel {
    struct Fact: PageModel {
        let label: String
        let value: String
    }

    struct Thumbnail: PageModel {
        /// The thumbnail's number in the strip (its URL), from 1.
        let n: Int
        let seconds: String
        let label: String
    }

    struct Discontinuity: PageModel {
        let at: String
        let seconds: String
        let what: String
    }

    let facts: [Fact]
    let thumbnails: [Thumbnail]
    let hasThumbnails: Bool
    /// The keyframe times in seconds, space-separated, for `player.js`.
    let keyframes: String
    let discontinuities: [Discontinuity]
    let hasDiscontinuities: Bool
    let durationSeconds: String

    /// No index (not ready, or none stored): the player without keyframes or thumbnails.
    static let none = MediaFacts(facts: [], thumbnails: [], hasThumbnails: false, keyframes: "", discontinuities: [],
                                 hasDiscontinuities: false, durationSeconds: "")
}

extension MediaFacts {
    init(index: IndexSummary) {
        let format = index.format
        let streams = index.streams ?? []
        let video = streams.first { $0.kind == "video" }
        let audio = streams.first { $0.kind == "audio" }
        var facts: [Fact] = []
        func add(_ label: String, _ value: String?) { if let value, !value.isEmpty { facts.append(Fact(label: label, value: value)) } }
        let duration = format?.durationSeconds
        add("Duration", duration.map(Self.clock))
        add("Recorded", format?.creationTime.map { Timestamp.parse($0)?.renderText ?? $0 } ?? "not recorded in the file")
        if let width = video?.width, let height = video?.height { add("Resolution", "\(width) × \(height)") }
        let rotation = video?.rotationDegrees ?? 0
        add("Rotation", rotation == 0 ? "none" : "\(rotation)° (shown upright)")
        if let rate = video?.averageFrameRate {
            add("Frame rate", String(format: "%.3g frames/s", rate) + (video?.variableFrameRate == true ? " (variable)" : ""))
        }
        add("Video", video.map { ($0.codec ?? "") + ($0.profile.map { " (\($0))" } ?? "") })
        add("Audio", audio.map { a in (a.codec ?? "") + (a.channels.map { ", \($0) channel\($0 == 1 ? "" : "s")" } ?? "") } ?? "no sound track")
        add("Container", format?.longName ?? format?.name)
        if let size = index.size { add("File size", ByteSize(size).description) }
        let keyframeSeconds = index.keyframes?.seconds ?? []
        add("Keyframes", "\(keyframeSeconds.count)")
        let strip = (index.thumbnails ?? []).filter { $0.kind == "strip" }
        let thumbnails = strip.enumerated().map { offset, thumb in
            let seconds = thumb.seconds ?? 0
            return Thumbnail(n: offset + 1, seconds: String(format: "%.3f", seconds), label: Self.clock(seconds))
        }
        let discontinuities = (index.discontinuities ?? []).map { item in
            let at = item.atSeconds ?? 0, jump = item.jumpSeconds ?? 0
            let what = switch item.kind {
            case "gap": String(format: "a gap of %.1f s", jump)
            case "backwardJump": String(format: "time jumps back %.1f s", -jump)
            default: "separate pieces spliced together"
            }
            return Discontinuity(at: Self.clock(at), seconds: String(format: "%.3f", at), what: what)
        }
        self.init(
            facts: facts, thumbnails: thumbnails, hasThumbnails: !thumbnails.isEmpty,
            keyframes: keyframeSeconds.map { String(format: "%.3f", $0) }.joined(separator: " "),
            discontinuities: discontinuities, hasDiscontinuities: !discontinuities.isEmpty,
            durationSeconds: duration.map { String(format: "%.3f", $0) } ?? "")
    }

    /// `m:ss` (or `h:mm:ss`) for people.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        let (hours, minutes, secs) = (whole / 3600, whole % 3600 / 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}

/// The parts of a recording's index report (`obsreview index --json`, stored with the recording) that the pages show;
/// everything optional, as reports of older versions and of rejected files leave parts out.
struct IndexSummary: Decodable, Sendable {
    struct Format: Decodable, Sendable {
        let durationSeconds: Double?
        let creationTime: String?
        let longName: String?
        let name: String?
    }

    struct Stream: Decodable, Sendable {
        let kind: String?
        let width: Int?
        let height: Int?
        let rotationDegrees: Int?
        let averageFrameRate: Double?
        let variableFrameRate: Bool?
        let codec: String?
        let profile: String?
        let channels: Int?
    }

    struct Keyframes: Decodable, Sendable {
        let seconds: [Double]?
    }

    struct Thumbnail: Decodable, Sendable {
        let kind: String?
        let seconds: Double?
    }

    struct Discontinuity: Decodable, Sendable {
        let kind: String?
        let atSeconds: Double?
        let jumpSeconds: Double?
    }

    let format: Format?
    let streams: [Stream]?
    let size: Int64?
    let keyframes: Keyframes?
    let thumbnails: [Thumbnail]?
    let discontinuities: [Discontinuity]?

    var hasVideo: Bool { (streams ?? []).contains { $0.kind == "video" } }
}
