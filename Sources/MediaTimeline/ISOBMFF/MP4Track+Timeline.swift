// Presentation times of a track's samples, computed from its sample tables exactly as FFmpeg 5.1's mov
// demuxer (libavformat/mov.c: mov_read_ctts, mov_build_index, mov_fix_index, mov_read_packet) computes the
// timestamps of the packets it returns, so the numbers equal `ffprobe -show_packets` without reading media.
//
// All arithmetic is in media ticks on Int64, wrapping (&+, &-) where FFmpeg's int64 arithmetic could
// overflow on hostile input, so no input traps. Seconds appear only at the end.

/// The packets FFmpeg 5.1's mov demuxer returns for one track, in demux (decode) order, as parallel arrays.
struct MP4PacketTimeline: Sendable, Equatable {
    /// Media ticks per second (`mdhd`); FFmpeg's stream time base is 1/timescale.
    let timescale: UInt32
    /// 0-based sample number in the track's sample tables, per packet. With several edits a sample can
    /// appear more than once.
    var sampleNumbers: [UInt32] = []
    /// `pkt->dts`.
    var decodeTicks: [Int64] = []
    /// `pkt->pts`.
    var presentationTicks: [Int64] = []
    /// A keyframe in FFmpeg's index (`AVINDEX_KEYFRAME`, what `av_seek_frame` lands on): a sync sample
    /// (`stss`/`stps`; every sample when `stss` is absent; only the first when `stss` is empty). This is
    /// `AV_PKT_FLAG_KEY` except for codecs FFmpeg parses (see ``MP4Track/bitstreamKeyframeFormats``).
    var isKeyframe: [Bool] = []
    /// `AV_PKT_FLAG_DISCARD`: outside the edit list; demuxed so the decoder can reach the first presented
    /// frame, then dropped after decoding.
    var isDiscarded: [Bool] = []

    var count: Int { decodeTicks.count }

    func seconds(_ ticks: Int64) -> Double {
        Double(ticks) / Double(timescale)
    }

    mutating func reserveCapacity(_ count: Int) {
        sampleNumbers.reserveCapacity(count)
        decodeTicks.reserveCapacity(count)
        presentationTicks.reserveCapacity(count)
        isKeyframe.reserveCapacity(count)
        isDiscarded.reserveCapacity(count)
    }

    mutating func append(sample: UInt32, decode: Int64, presentation: Int64, keyframe: Bool, discarded: Bool) {
        sampleNumbers.append(sample)
        decodeTicks.append(decode)
        presentationTicks.append(presentation)
        isKeyframe.append(keyframe)
        isDiscarded.append(discarded)
    }
}

extension MP4Track {
    /// Most samples a timeline is computed for (about 7.7 days at 25 fps); more is refused as unsupported
    /// rather than allocated.
    static let timelineSampleLimit = 1 << 24

    /// Sample entry formats whose packets FFmpeg 5.1 flags as keyframes from the bitstream (a parser finds
    /// IDR and recovery-point frames), not from `stss`. Both agree when `stss` is truthful, as muxers write
    /// it; a file whose `stss` lies gets different `K` flags from ffprobe.
    static let bitstreamKeyframeFormats: Set<FourCC> = ["avc1", "avc3", "vp08", "vp09", "av01"]

    /// Presentation time in seconds of every sync sample, in presentation order: the `pts_time` of the
    /// packets with flag `K` in `ffprobe -show_packets` (FFmpeg 5.1), including keyframes FFmpeg marks
    /// discarded (flags `KD`: a GOP that starts before the first edit, so its time is before the edit).
    ///
    /// Throws `unsupported` when only the bitstream can tell: an `stss` with no entries (FFmpeg then parses
    /// the bitstream for keyframes), or no `stss` for a codec in ``bitstreamKeyframeFormats`` (the table
    /// would make every frame a keyframe; FFmpeg's parser will not).
    func keyframePresentationSeconds(movieTimescale: UInt32) throws(MP4ParseError) -> [Double] {
        if sampleTable.syncSamples?.isEmpty == true {
            throw MP4ParseError(.unsupported, "track \(trackID) has an empty stss; keyframes are only in the bitstream")
        }
        if sampleTable.syncSamples == nil, let codecTag, Self.bitstreamKeyframeFormats.contains(codecTag) {
            throw MP4ParseError(
                .unsupported, "track \(trackID) (\(codecTag)) has no stss; keyframes are only in the bitstream")
        }
        let timeline = try packetTimeline(movieTimescale: movieTimescale)
        var keyframes: [Int64] = []
        for index in 0..<timeline.count where timeline.isKeyframe[index] {
            keyframes.append(timeline.presentationTicks[index])
        }
        keyframes.sort()
        return keyframes.map(timeline.seconds)
    }

    /// Presentation time of every packet in media ticks (``mediaTimescale``), in decode order, as FFmpeg
    /// demuxes them: for spotting gaps and jumps in the recording.
    func samplePresentationTicks(movieTimescale: UInt32) throws(MP4ParseError) -> [Int64] {
        try packetTimeline(movieTimescale: movieTimescale).presentationTicks
    }

    /// The packets FFmpeg 5.1 would demux for this track, with their timestamps and flags.
    ///
    /// Edit lists, as FFmpeg 5.1 applies them by default (`advanced_editlist`):
    /// - none: pts = dts + ctts, dts from 0;
    /// - one edit at media time M, after an optional empty edit of E movie ticks: pts = pts_media − M + E'
    ///   where E' is E rescaled to media ticks (rounded half away from zero), except that when no sample
    ///   starts exactly at M the first one after it is moved to E' instead; samples of the GOP before M
    ///   come out discarded with earlier times;
    /// - several edits: each edit contributes, in order, the samples from the keyframe at or before its
    ///   media time to the second keyframe at or after its end, placed one after another on the timeline;
    ///   samples outside an edit's range are marked discarded (a sample can appear in several edits); empty
    ///   edits after the first non-empty one replay from the start, as FFmpeg does. Rates are ignored.
    ///
    /// Non-video tracks get the video rules; FFmpeg's audio-specific handling (priming samples, the
    /// chunk-wise index of uncompressed audio) is not reproduced.
    ///
    /// Throws `unsupported` for tables FFmpeg repairs in version-dependent ways (irregular `stsc`, `stts`
    /// deltas of 2^31 and more) and for more than ``timelineSampleLimit`` samples.
    func packetTimeline(movieTimescale: UInt32) throws(MP4ParseError) -> MP4PacketTimeline {
        let index = try buildFFmpegIndex()
        var timeline = MP4PacketTimeline(timescale: mediaTimescale)
        guard index.count > 0 else { return timeline }
        timeline.reserveCapacity(index.count)
        if index.isComplete && !editList.isEmpty && movieTimescale > 0 {
            let fixed = fixIndexForEditList(index, movieTimescale: movieTimescale)
            let ctts = fixed.compositionOffsets
            for position in 0..<fixed.decodeTicks.count {
                let dts = fixed.decodeTicks[position]
                let pts = position < ctts.count ? dts &+ index.dtsShift &+ Int64(ctts[position]) : dts
                timeline.append(
                    sample: fixed.sampleNumbers[position], decode: dts, presentation: pts,
                    keyframe: fixed.isKeyframe[position], discarded: fixed.isDiscarded[position])
            }
        } else {
            let ctts = index.compositionOffsets ?? []
            for position in 0..<index.count {
                let dts = index.timestamps[position]
                let pts = position < ctts.count ? dts &+ index.dtsShift &+ Int64(ctts[position]) : dts
                timeline.append(
                    sample: index.sampleNumbers[position], decode: dts, presentation: pts,
                    keyframe: index.isKeyframe[position], discarded: false)
            }
        }
        return timeline
    }
}

// MARK: - mov_build_index

/// FFmpeg's index before edit lists are applied: one entry per sample in chunk order.
private struct FFmpegIndex {
    var sampleNumbers: [UInt32] = []
    /// Decode timestamps, shifted down by ``dtsShift``.
    var timestamps: [Int64] = []
    var isKeyframe: [Bool] = []
    /// The `ctts` offsets expanded to one per sample (at most one per sample in `stsz`); nil when FFmpeg
    /// holds no `ctts` data (box absent, empty, or rejected).
    var compositionOffsets: [Int32]?
    /// How far FFmpeg shifts decode times down so that negative composition offsets keep pts ≥ dts.
    var dtsShift: Int64 = 0
    /// False when FFmpeg gave up building the index part-way ("wrong sample count" and friends); it then
    /// skips the edit list.
    var isComplete = true

    var count: Int { timestamps.count }
}

extension MP4Track {
    /// `mov_read_ctts`: drops entries whose count is not positive (as a signed int), rejects the whole
    /// table when an offset other than the last two exceeds 2^28 in magnitude, and takes the dts shift
    /// from the negative offsets except the last two.
    private func ffmpegCompositionOffsets() -> (runs: [MP4CompositionOffsetRun]?, dtsShift: Int64) {
        guard let runs = sampleTable.compositionOffsets, !runs.isEmpty else { return (nil, 0) }
        var kept: [MP4CompositionOffsetRun] = []
        kept.reserveCapacity(runs.count)
        var dtsShift: Int64 = 0
        for (position, run) in runs.enumerated() {
            guard Int32(bitPattern: run.sampleCount) > 0 else { continue }
            kept.append(run)
            let offset = Int64(run.sampleOffset)
            let notLastTwo = position + 2 < runs.count
            if notLastTwo && offset.magnitude > 1 << 28 {
                return (nil, dtsShift)  // "CTTS invalid": FFmpeg frees the table but keeps the shift so far
            }
            if notLastTwo && offset < 0 {
                dtsShift = max(dtsShift, offset == Int64(Int32.min) ? Int64(Int32.max) : -offset)
            }
        }
        return (kept, dtsShift)
    }

    /// FFmpeg's pseudo stream: with several sample entries of different formats FFmpeg keeps only the
    /// samples of the first entry (-1 = keep all).
    private var ffmpegPseudoStreamID: Int {
        let formats = sampleTable.sampleEntryFormats
        guard var codecTag = formats.first else { return 0 }
        var pseudoStreamID = 0
        let mixableTags: Set<FourCC> = ["apcn", "apch", "dvpp", "dvcp", "jpeg"]
        for format in formats.dropFirst() {
            let skipped = codecTag != format && !(codecTag == "AV1x" && format == "AVup")
                && !mixableTags.contains(codecTag)
            if skipped { continue }
            pseudoStreamID = -1
            codecTag = format
        }
        return pseudoStreamID
    }

    /// `mov_read_trak` sanity checks plus `mov_build_index` for the regular (not chunk-wise audio) case.
    private func buildFFmpegIndex() throws(MP4ParseError) -> FFmpegIndex {
        let table = sampleTable
        let sampleCount = table.sampleCount
        let chunkCount = table.chunkOffsets.count
        let stts = table.timeToSample
        let stsc = (chunkCount == 0 && stts.isEmpty) ? [] : table.sampleToChunk
        let constantSize: UInt32 = if case .constant(let size, _) = table.sampleSizes { size } else { 0 }
        let (cttsRuns, dtsShift) = ffmpegCompositionOffsets()
        var index = FFmpegIndex(dtsShift: dtsShift)

        // "missing mandatory atoms, broken header": the stream gets no index, so no packets.
        if (chunkCount > 0 && (stts.isEmpty || stsc.isEmpty || (constantSize == 0 && sampleCount == 0)))
            || (chunkCount == 0 && sampleCount > 0) || sampleCount == 0
        {
            return index
        }
        guard sampleCount <= Self.timelineSampleLimit else {
            throw MP4ParseError(
                .unsupported, "track \(trackID) has \(sampleCount) samples, more than \(Self.timelineSampleLimit)")
        }
        guard table.sampleToChunkIsRegular else {
            throw MP4ParseError(.unsupported, "track \(trackID) has an stsc table FFmpeg would repair")
        }
        if let run = stts.first(where: { $0.sampleDelta > UInt32(Int32.max) }) {
            throw MP4ParseError(
                .unsupported, "track \(trackID) has an stts delta of \(run.sampleDelta), which FFmpeg clips")
        }

        // With advanced_editlist (FFmpeg's default) the edit list is applied later, in mov_fix_index.
        var currentDTS: Int64 = 0 &- dtsShift

        if let cttsRuns {
            var expanded: [Int32] = []
            expanded.reserveCapacity(sampleCount)
            expansion: for run in cttsRuns {
                for _ in 0..<Int(Int32(bitPattern: run.sampleCount)) {
                    if expanded.count >= sampleCount { break expansion }
                    expanded.append(run.sampleOffset)
                }
            }
            index.compositionOffsets = expanded
        }

        index.sampleNumbers.reserveCapacity(sampleCount)
        index.timestamps.reserveCapacity(sampleCount)
        index.isKeyframe.reserveCapacity(sampleCount)

        let sync = table.syncSamples ?? []
        let keyframeAbsent = table.syncSamples?.isEmpty == true
        let partialSync = table.partialSyncSamples ?? []
        let keyOffset: UInt64 = ((sync.first ?? 0) > 0 || (partialSync.first ?? 0) > 0) ? 1 : 0
        let pseudoStreamID = ffmpegPseudoStreamID
        var syncIndex = 0
        var partialSyncIndex = 0
        var stscIndex = 0
        var sttsIndex = 0
        var sttsSample: UInt64 = 0
        var currentSample = 0

        for (chunk, chunkOffset) in table.chunkOffsets.enumerated() {
            var currentOffset = Int64(bitPattern: chunkOffset)
            while stscIndex < stsc.count - 1 && UInt64(chunk) + 1 == UInt64(stsc[stscIndex + 1].firstChunk) {
                stscIndex += 1
            }
            for sampleInChunk in 0..<Int(stsc[stscIndex].samplesPerChunk) {
                guard currentSample < sampleCount else {
                    index.isComplete = false  // "wrong sample count"
                    return index
                }
                let number = UInt64(currentSample) + keyOffset
                var keyframe = false
                if !keyframeAbsent && (sync.isEmpty || number == UInt64(sync[syncIndex])) {
                    keyframe = true
                    if syncIndex + 1 < sync.count { syncIndex += 1 }
                } else if !partialSync.isEmpty && number == UInt64(partialSync[partialSyncIndex]) {
                    keyframe = true
                    if partialSyncIndex + 1 < partialSync.count { partialSyncIndex += 1 }
                }
                if keyframeAbsent && partialSync.isEmpty && chunk == 0 && sampleInChunk == 0 {
                    keyframe = true
                }
                let sampleSize = Int64(constantSize > 0 ? constantSize : table.sampleSizes.size(at: currentSample))
                if currentOffset > Int64.max - sampleSize {
                    index.isComplete = false
                    return index
                }
                if pseudoStreamID == -1 || Int(stsc[stscIndex].sampleDescriptionIndex) - 1 == pseudoStreamID {
                    if sampleSize > 0x3FFF_FFFF {
                        index.isComplete = false
                        return index
                    }
                    index.sampleNumbers.append(UInt32(currentSample))
                    index.timestamps.append(currentDTS)
                    index.isKeyframe.append(keyframe)
                }
                currentOffset += sampleSize
                currentDTS &+= Int64(stts[sttsIndex].sampleDelta)
                sttsSample += 1
                currentSample += 1
                if sttsIndex + 1 < stts.count && sttsSample == UInt64(stts[sttsIndex].sampleCount) {
                    sttsSample = 0
                    sttsIndex += 1
                }
            }
        }
        return index
    }
}

// MARK: - mov_fix_index

/// The index after the edit list: what `mov_read_packet` walks.
private struct FFmpegFixedIndex {
    var sampleNumbers: [UInt32] = []
    var decodeTicks: [Int64] = []
    var isKeyframe: [Bool] = []
    var isDiscarded: [Bool] = []
    /// The rebuilt `ctts`, one offset per entry from the start (shorter when samples had none).
    var compositionOffsets: [Int32] = []
}

/// `av_rescale(a, b, c)`: a·b/c rounded to nearest, halves away from zero, without intermediate overflow;
/// `Int64.min` when the result does not fit, as in FFmpeg.
func ffmpegRescale(_ a: Int64, _ b: Int64, _ c: Int64) -> Int64 {
    guard c > 0, b >= 0 else { return .min }
    if a < 0 {
        let positive = ffmpegRescale(a == .min ? .max : -a, b, c)
        return positive == .min ? .min : -positive
    }
    let product = UInt64(a).multipliedFullWidth(by: UInt64(b))
    let (low, carry) = product.low.addingReportingOverflow(UInt64(c / 2))
    let high = product.high &+ (carry ? 1 : 0)
    guard high < UInt64(c) else { return .min }
    let quotient = UInt64(c).dividingFullWidth((high: high, low: low)).quotient
    return quotient > UInt64(Int64.max) ? .min : Int64(quotient)
}

extension MP4Track {
    fileprivate func fixIndexForEditList(_ old: FFmpegIndex, movieTimescale: UInt32) -> FFmpegFixedIndex {
        let timestamps = old.timestamps
        let oldCount = old.count
        let ctts = old.compositionOffsets
        let cttsCount = ctts?.count ?? 0
        let dtsShift = old.dtsShift
        let isVideo = isVideo
        var fixed = FFmpegFixedIndex()
        fixed.sampleNumbers.reserveCapacity(oldCount)
        fixed.decodeTicks.reserveCapacity(oldCount)
        fixed.isKeyframe.reserveCapacity(oldCount)
        fixed.isDiscarded.reserveCapacity(oldCount)

        var minCorrectedPTS: Int64 = -1
        var entryEnd: Int64 = 0 &- dtsShift  // edit_list_dts_entry_end
        var emptyEditsDuration: Int64 = 0
        var foundNonEmptyEdit = false
        var cttsPosition = 0  // ctts_index_old: position in the expanded offsets

        for edit in editList {
            let mediaTime = edit.mediaTime
            let duration = ffmpegRescale(
                Int64(bitPattern: edit.segmentDuration), Int64(mediaTimescale), Int64(movieTimescale))
            var dtsCounter = entryEnd
            entryEnd &+= duration
            if !foundNonEmptyEdit && mediaTime == -1 {
                emptyEditsDuration &+= duration
                continue
            }
            foundNonEmptyEdit = true

            // Start at the keyframe before the edit's media time, so the decoder can reach it.
            var start = 0
            if let found = findPreviousKeyframe(old, presentationTime: mediaTime, anyFrame: false)
                ?? findPreviousKeyframe(old, presentationTime: mediaTime, anyFrame: true)
            {
                start = found
                if ctts != nil { cttsPosition = min(found, cttsCount) }
            } else {
                cttsPosition = 0
            }

            var discardedDurations: [Int64] = []  // frame_duration_buffer
            var startEncountered = false
            var foundKeyframeAfterEdit = false
            var current = start
            while current < oldCount {
                let frameDuration = current + 1 < oldCount ? timestamps[current + 1] &- timestamps[current] : duration
                let keyframe = old.isKeyframe[current]
                var presentation = timestamps[current] &+ dtsShift  // curr_cts
                var offset: Int64 = 0  // curr_ctts
                if let ctts, cttsPosition < cttsCount {
                    offset = Int64(ctts[cttsPosition])
                    presentation &+= offset
                    fixed.compositionOffsets.append(ctts[cttsPosition])
                    cttsPosition += 1
                }
                let discarded = presentation < mediaTime || presentation >= duration &+ mediaTime
                if discarded {
                    if !startEncountered { discardedDurations.append(frameDuration) }
                } else {
                    let corrected = dtsCounter &+ offset &+ dtsShift
                    minCorrectedPTS = minCorrectedPTS < 0 ? corrected : min(minCorrectedPTS, corrected)
                    if !startEncountered {
                        startEncountered = true
                        // Give the discarded frames before the first presented one strictly increasing
                        // timestamps that end where it starts.
                        var rewritten = dtsCounter
                        let end = fixed.decodeTicks.count
                        for back in 0..<discardedDurations.count {
                            rewritten &-= discardedDurations[discardedDurations.count - 1 - back]
                            fixed.decodeTicks[end - 1 - back] = rewritten
                        }
                        discardedDurations.removeAll()
                    }
                }
                fixed.sampleNumbers.append(old.sampleNumbers[current])
                fixed.decodeTicks.append(dtsCounter)
                fixed.isKeyframe.append(keyframe)
                fixed.isDiscarded.append(discarded)
                if startEncountered { dtsCounter &+= frameDuration }
                current += 1

                // Stop after the first keyframe past the edit's end, or the second when there are composition
                // offsets (B-frames after that keyframe may still belong to the edit).
                if presentation &+ frameDuration >= duration &+ mediaTime && keyframe {
                    if ctts != nil && !foundKeyframeAfterEdit {
                        foundKeyframeAfterEdit = true
                        continue
                    }
                    break
                }
            }
        }

        minCorrectedPTS &-= emptyEditsDuration
        // Make the first presented frame start at zero (after any leading empty edits).
        if isVideo && minCorrectedPTS > 0 {
            for position in fixed.decodeTicks.indices { fixed.decodeTicks[position] &-= minCorrectedPTS }
        }
        return fixed
    }

    /// `find_prev_closest_index`: the last keyframe at or before `presentationTime` (taken as a
    /// presentation time; index timestamps are decode times), stepping back further while a keyframe's
    /// pts is after it when there are composition offsets.
    private func findPreviousKeyframe(_ old: FFmpegIndex, presentationTime: Int64, anyFrame: Bool) -> Int? {
        let timestamps = old.timestamps
        var target = presentationTime
        if old.dtsShift > 0 { target &-= old.dtsShift }
        var found = ffmpegIndexSearchBackward(old, timestamp: target, anyFrame: anyFrame)
        guard found >= 0 else { return nil }
        var position = found
        while position > 0 && timestamps[position] == timestamps[position - 1] {
            if anyFrame || old.isKeyframe[position - 1] { found = position - 1 }
            position -= 1
        }
        if let ctts = old.compositionOffsets {
            var cttsPosition = min(found, ctts.count)
            while found >= 0 && cttsPosition >= 0 && cttsPosition < ctts.count {
                if timestamps[found] &+ Int64(ctts[cttsPosition]) <= target && old.isKeyframe[found] { break }
                found -= 1
                cttsPosition -= 1
            }
        }
        return found >= 0 ? found : nil
    }

    /// `ff_index_search_timestamp(…, AVSEEK_FLAG_BACKWARD [| AVSEEK_FLAG_ANY])` on an index without
    /// discarded entries: the last entry with timestamp ≤ `timestamp`, then back to a keyframe unless
    /// `anyFrame`. -1 when there is none.
    private func ffmpegIndexSearchBackward(_ old: FFmpegIndex, timestamp: Int64, anyFrame: Bool) -> Int {
        let timestamps = old.timestamps
        var low = -1
        var high = timestamps.count
        if high > 0 && timestamps[high - 1] < timestamp { low = high - 1 }
        while high - low > 1 {
            let middle = (low + high) >> 1
            let value = timestamps[middle]
            if value >= timestamp { high = middle }
            if value <= timestamp { low = middle }
        }
        var found = low
        if !anyFrame {
            while found >= 0 && found < timestamps.count && !old.isKeyframe[found] { found -= 1 }
        }
        return found
    }
}
