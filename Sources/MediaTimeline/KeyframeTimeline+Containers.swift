extension KeyframeTimeline {
    /// The timeline a transport-stream scan found, in seconds as libavformat reports them (ticks × 1/90000).
    package init(transportStream scan: TransportStreamScan) {
        let base = 1.0 / TransportStreamScan.ticksPerSecond
        let keyframes = scan.keyframes.map { (seconds: Double($0.ticks) * base, position: $0.position) }.sorted { $0.seconds < $1.seconds }
        self.init(
            source: .transportStreamScan, seconds: keyframes.map(\.seconds),
            discontinuities: Discontinuity.detect(decodeOrderSeconds: scan.decodeTicks.map { Double($0) * base }, check: .everyFrame),
            discontinuityCheck: .everyFrame,
            bytePositions: keyframes.map(\.position))
    }

    /// Sample entry formats of the MP4 video tracks whose timeline is read from the sample tables alone.
    static let mp4TimelineCodecTags: Set<FourCC> = ["avc1", "avc3", "hvc1", "hev1", "mp4v", "vp09", "av01"]

    /// Track handlers that never hold video: sound, text, subtitles, time codes, metadata.
    static let plainHandlers: Set<FourCC> = ["soun", "text", "sbtl", "subt", "tmcd", "meta"]

    /// The timeline of an unfragmented MP4/MOV with one video track from its sample tables alone, when the
    /// layout is plain enough that libavformat would pick the same stream and times (only video and
    /// handlers that never hold video, a codec from ``mp4TimelineCodecTags``); nil otherwise.
    package static func mp4Plain(movie: MP4Movie) -> KeyframeTimeline? {
        guard !movie.isFragmented else { return nil }
        let videos = movie.tracks.filter(\.isVideo)
        // Other handlers can hide a video sample entry FFmpeg would count: only plain layouts here.
        let plain = movie.tracks.allSatisfy { $0.isVideo || plainHandlers.contains($0.handlerType) }
        guard plain, videos.count == 1, let video = videos.first, let tag = video.codecTag, mp4TimelineCodecTags.contains(tag) else { return nil }
        return mp4SampleTables(movie: movie, streamID: Int32(bitPattern: video.trackID))
    }

    /// Keyframes and every frame's timestamps from the MP4/MOV sample tables (`ISOBMFF/`), exactly as
    /// FFmpeg's mov demuxer would produce them, without reading media. Nil (use a packet scan) for
    /// fragmented files and for tables only the bitstream can settle.
    package static func mp4SampleTables(movie: MP4Movie, streamID: Int32) -> KeyframeTimeline? {
        guard !movie.isFragmented,
            let track = movie.tracks.first(where: { Int64($0.trackID) == Int64(streamID) }),
            let packets = try? track.packetTimeline(movieTimescale: movie.movieTimescale),
            !packets.presentationTicks.isEmpty
        else { return nil }
        let scale = Double(packets.timescale)
        var keyframes: [Double] = []
        var decodeOrder: [Double] = []
        decodeOrder.reserveCapacity(packets.decodeTicks.count)
        for i in packets.presentationTicks.indices {
            if packets.isKeyframe[i] { keyframes.append(Double(packets.presentationTicks[i]) / scale) }
            if !packets.isDiscarded[i] { decodeOrder.append(Double(packets.decodeTicks[i]) / scale) }
        }
        guard !keyframes.isEmpty else { return nil }
        return KeyframeTimeline(
            source: .mp4SampleTables, seconds: keyframes.sorted(),
            discontinuities: Discontinuity.detect(decodeOrderSeconds: decodeOrder, check: .everyFrame)
                + Discontinuity.splices(in: track, movieTimescale: movie.movieTimescale),
            discontinuityCheck: .everyFrame)
    }
}

extension Discontinuity {
    /// Finds gaps and backward jumps in timestamps given in decode order.
    ///
    /// A gap is a step forward larger than 5 frame intervals (the median step) and at least 0.5 s; where
    /// only keyframes are known the bar is 3 keyframe intervals and at least 2 s, since groups of pictures
    /// vary in length. Any step backwards is a backward jump.
    package static func detect(decodeOrderSeconds times: [Double], check: DiscontinuityCheck) -> [Discontinuity] {
        guard times.count >= 2 else { return [] }
        var steps = [Double]()
        steps.reserveCapacity(times.count - 1)
        for i in 1..<times.count { steps.append(times[i] - times[i - 1]) }
        var positive = steps.filter { $0 > 0 }
        // The element a sort would put in the middle, found without sorting 90,000 steps.
        let median = positive.isEmpty ? 0 : positive.select(rank: positive.count / 2)
        let threshold = check == .everyFrame ? max(0.5, 5 * median) : max(2.0, 3 * median)
        var found: [Discontinuity] = []
        for (i, step) in steps.enumerated() {
            if step < 0 {
                found.append(Discontinuity(kind: .backwardJump, atSeconds: times[i], jumpSeconds: step))
            } else if step > threshold {
                found.append(Discontinuity(kind: .gap, atSeconds: times[i], jumpSeconds: step))
            }
        }
        return found
    }

    /// An edit list with more than one piece of media splices them together: each join is reported, with
    /// the jump in media time it makes (positive: media skipped; negative: media replayed).
    static func splices(in track: MP4Track, movieTimescale: UInt32) -> [Discontinuity] {
        let edits = track.editList
        guard edits.filter({ !$0.isEmpty }).count > 1, movieTimescale > 0, track.mediaTimescale > 0 else { return [] }
        var found: [Discontinuity] = []
        var timelineTicks: UInt64 = 0  // movie ticks
        var previousMediaEnd: Int64? = nil
        for edit in edits {
            defer { timelineTicks &+= edit.segmentDuration }
            guard !edit.isEmpty else { continue }
            let durationInMedia = Int64(Double(edit.segmentDuration) * Double(track.mediaTimescale) / Double(movieTimescale))
            if let previousMediaEnd, edit.mediaTime != previousMediaEnd {
                found.append(Discontinuity(
                    kind: .splice, atSeconds: Double(timelineTicks) / Double(movieTimescale),
                    jumpSeconds: Double(edit.mediaTime - previousMediaEnd) / Double(track.mediaTimescale)))
            }
            previousMediaEnd = edit.mediaTime &+ durationInMedia
        }
        return found
    }
}

extension Array where Element == Double {
    /// The element at `rank` of the sorted array (`sorted()[rank]`), by three-way quickselect in place:
    /// linear on average, and one pass when most elements are equal (a constant frame rate).
    mutating func select(rank: Int) -> Double {
        precondition(rank >= 0 && rank < count)
        var low = 0
        var high = count - 1
        while low < high {
            let pivot = Swift.max(Swift.min(self[low], self[high]), Swift.min(Swift.max(self[low], self[high]), self[(low + high) / 2]))
            // [low, less) < pivot, [less, i) == pivot, (greater, high] > pivot
            var less = low
            var i = low
            var greater = high
            while i <= greater {
                if self[i] < pivot {
                    swapAt(i, less); less += 1; i += 1
                } else if self[i] > pivot {
                    swapAt(i, greater); greater -= 1
                } else {
                    i += 1
                }
            }
            if rank < less {
                high = less - 1
            } else if rank > greater {
                low = greater + 1
            } else {
                return pivot
            }
        }
        return self[low]
    }
}
