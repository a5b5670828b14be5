#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The timelines the container answers on its own, without FFmpeg (decision 36): an MPEG-TS our scan
/// reads, or an MP4/MOV whose sample tables settle the times (``KeyframeTimeline/mp4Plain(movie:)``). It
/// takes the same routes, in the same order, as `MediaIndexer.keyframeTimeline`, and answers nil for
/// anything else — an error included — so the caller hands the file to the full path, whose words and
/// times are the reference.
package enum QuickTimeline {
    /// `IndexLimits().maxBytes`, the size limit of `obsreview timeline` when none is given: 20 GiB.
    package static let defaultMaxBytes: UInt64 = 20 << 30

    /// The timeline of the file at `path`, or nil when only the full path can say (not a regular readable
    /// file, empty, over `maxBytes`, not a container answered here, cut short, or any parse error).
    package static func read(path: String, maxBytes: UInt64) -> KeyframeTimeline? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, access(path, R_OK) == 0,
            status.st_size > 0, UInt64(status.st_size) <= maxBytes
        else { return nil }
        let timeline: KeyframeTimeline?
        if TransportStreamScan.looksLikeTransportStream(path: path), let scan = TransportStreamScan.scan(path: path) {
            timeline = KeyframeTimeline(transportStream: scan)
        } else if let movie = try? MP4Parser.parse(path: path), !movie.isMissingMediaData {
            timeline = KeyframeTimeline.mp4Plain(movie: movie)
        } else {
            timeline = nil
        }
        // JSONEncoder refuses a number that is not finite, and the full path reports that refusal.
        guard let timeline, timeline.isFinite else { return nil }
        return timeline
    }
}

extension KeyframeTimeline {
    /// Whether every time in it is a finite number (JSON has no others).
    var isFinite: Bool {
        seconds.allSatisfy(\.isFinite) && discontinuities.allSatisfy { $0.atSeconds.isFinite && $0.jumpSeconds.isFinite }
    }
}
