/// One `stts` entry: `sampleCount` consecutive samples that each last `sampleDelta` media ticks.
struct MP4TimeToSampleRun: Sendable, Equatable {
    let sampleCount: UInt32
    let sampleDelta: UInt32
}

/// One `ctts` entry: `sampleCount` consecutive samples whose presentation time is their decode time plus
/// `sampleOffset` media ticks. Stored signed: version 1 declares the field signed; version 0 declares it
/// unsigned, but writers put negative offsets there too and FFmpeg reads both as signed.
struct MP4CompositionOffsetRun: Sendable, Equatable {
    let sampleCount: UInt32
    let sampleOffset: Int32
}

/// One `stsc` entry: from chunk `firstChunk` (1-based) on, each chunk holds `samplesPerChunk` samples
/// described by sample entry `sampleDescriptionIndex` (1-based).
struct MP4SampleToChunkRun: Sendable, Equatable {
    let firstChunk: UInt32
    let samplesPerChunk: UInt32
    let sampleDescriptionIndex: UInt32
}

/// Sample sizes from `stsz` or `stz2`.
enum MP4SampleSizes: Sendable, Equatable {
    /// Every sample has the same size (`stsz` with a non-zero `sample_size`; no table in the file).
    case constant(size: UInt32, count: UInt32)
    /// One size per sample.
    case table([UInt32])

    var count: Int {
        switch self {
        case .constant(_, let count): Int(count)
        case .table(let sizes): sizes.count
        }
    }

    /// Size of sample `index` (0-based); the caller keeps `index < count`.
    @inline(__always)
    func size(at index: Int) -> UInt32 {
        switch self {
        case .constant(let size, _): size
        case .table(let sizes): sizes[index]
        }
    }
}

/// The sample tables of one track (`stbl`), as stored in the file: run-length tables are kept as runs, so a
/// 90,000-sample track costs a few hundred kilobytes.
struct MP4SampleTable: Sendable {
    /// Sample entry formats from `stsd` (`avc1`, `hvc1`, `hev1`, `mp4v`, `mp4a`, …), in order.
    var sampleEntryFormats: [FourCC] = []
    /// `stts`.
    var timeToSample: [MP4TimeToSampleRun] = []
    /// `ctts`; nil when the box is absent.
    var compositionOffsets: [MP4CompositionOffsetRun]?
    /// Version of the `ctts` box (1 = signed offsets declared).
    var compositionOffsetsVersion: UInt8 = 0
    /// `stss`, 1-based sample numbers; nil when the box is absent (every sample is a sync sample). An empty
    /// array means the box is present with no entries.
    var syncSamples: [UInt32]?
    /// `stps` (QuickTime partial sync samples, e.g. open-GOP I-frames), 1-based; nil when absent.
    var partialSyncSamples: [UInt32]?
    /// `stsz` or `stz2`.
    var sampleSizes: MP4SampleSizes = .constant(size: 0, count: 0)
    /// `stsc`.
    var sampleToChunk: [MP4SampleToChunkRun] = []
    /// `stco` or `co64`.
    var chunkOffsets: [UInt64] = []
    /// The chunk offsets came from `co64`.
    var usesLargeChunkOffsets = false

    var sampleCount: Int { sampleSizes.count }

    /// `stsc` as FFmpeg accepts it without repairs: first chunks strictly increasing from at least 1, at
    /// least one sample per chunk, sample description indexes from 1, every field below 2^31 (FFmpeg reads
    /// them as `int`). FFmpeg rewrites other tables entry by entry; the timeline refuses them instead.
    var sampleToChunkIsRegular: Bool {
        var previousFirst: UInt32 = 0
        for run in sampleToChunk {
            guard run.firstChunk > previousFirst, run.firstChunk <= UInt32(Int32.max),
                run.samplesPerChunk >= 1, run.samplesPerChunk <= UInt32(Int32.max),
                run.sampleDescriptionIndex >= 1, run.sampleDescriptionIndex <= UInt32(Int32.max)
            else { return false }
            previousFirst = run.firstChunk
        }
        return true
    }

    /// One past the last byte of the last sample: the largest (chunk offset + sizes of the chunk's
    /// samples). A file shorter than this lost media data (the caller can call it truncated).
    /// Saturates at `UInt64.max` instead of overflowing.
    var mediaDataEnd: UInt64 {
        var end: UInt64 = 0
        var sample = 0
        let sampleCount = sampleCount
        guard !sampleToChunk.isEmpty, sampleCount > 0 else { return 0 }
        var runIndex = 0
        for (chunkIndex, chunkOffset) in chunkOffsets.enumerated() {
            let chunkNumber = UInt64(chunkIndex) + 1
            while runIndex + 1 < sampleToChunk.count && UInt64(sampleToChunk[runIndex + 1].firstChunk) <= chunkNumber {
                runIndex += 1
            }
            let inChunk = min(Int(sampleToChunk[runIndex].samplesPerChunk), sampleCount - sample)
            var bytes: UInt64
            switch sampleSizes {
            case .constant(let size, _):
                let (product, overflow) = UInt64(size).multipliedReportingOverflow(by: UInt64(inChunk))
                bytes = overflow ? .max : product
            case .table(let sizes):
                bytes = 0
                for index in sample..<(sample + inChunk) { bytes &+= UInt64(sizes[index]) }  // < 2^32 · 2^32
            }
            let (chunkEnd, overflow) = chunkOffset.addingReportingOverflow(bytes)
            end = max(end, overflow ? .max : chunkEnd)
            sample += inChunk
            if sample >= sampleCount { break }
        }
        return end
    }
}

// MARK: - Decoding the boxes of `stbl`

extension MP4SampleTable {
    private static let tableBoxTypes: Set<FourCC> = [
        "stsd", "stts", "ctts", "stss", "stps", "stsz", "stz2", "stsc", "stco", "co64",
    ]

    /// Decodes the children of an `stbl` box. Each table is decoded in one pass over the bytes already in
    /// memory, after its entry count has been checked against the box size.
    init(stbl: ISOBMFFChildBox, in buffer: ISOBMFFBuffer, path: String) throws(MP4ParseError) {
        var seen: Set<FourCC> = []
        for box in try buffer.childBoxes(in: stbl.payload, path: path) {
            let boxPath = path + "/" + box.type.description
            if Self.tableBoxTypes.contains(box.type) {
                // A second copy of a table: FFmpeg keeps one or the other depending on the box; rather than
                // guess, refuse and let the caller scan packets.
                let family: FourCC = switch box.type {
                case "stz2": "stsz"
                case "co64": "stco"
                default: box.type
                }
                guard seen.insert(family).inserted else {
                    throw MP4ParseError(.unsupported, "duplicate '\(box.type)' box", boxPath: boxPath)
                }
            }
            var fields = buffer.fields(of: box, path: boxPath)
            switch box.type {
            case "stsd":
                sampleEntryFormats = try Self.decodeSampleDescriptions(&fields)
            case "stts":
                _ = try fields.fullBoxHeader()
                let count = try fields.uint32("entry count")
                let start = try fields.table(count: count, entrySize: 8, "stts")
                let words = buffer.bytes.readUInt32Array(at: start, count: Int(count) * 2)
                timeToSample = (0..<Int(count)).map {
                    MP4TimeToSampleRun(sampleCount: words[2 * $0], sampleDelta: words[2 * $0 + 1])
                }
            case "ctts":
                compositionOffsetsVersion = try fields.fullBoxHeader().version
                let count = try fields.uint32("entry count")
                let start = try fields.table(count: count, entrySize: 8, "ctts")
                let words = buffer.bytes.readUInt32Array(at: start, count: Int(count) * 2)
                compositionOffsets = (0..<Int(count)).map {
                    MP4CompositionOffsetRun(sampleCount: words[2 * $0], sampleOffset: Int32(bitPattern: words[2 * $0 + 1]))
                }
            case "stss", "stps":
                _ = try fields.fullBoxHeader()
                let count = try fields.uint32("entry count")
                let start = try fields.table(count: count, entrySize: 4, box.type.description)
                let numbers = buffer.bytes.readUInt32Array(at: start, count: Int(count))
                if box.type == "stss" { syncSamples = numbers } else { partialSyncSamples = numbers }
            case "stsz":
                _ = try fields.fullBoxHeader()
                let size = try fields.uint32("sample size")
                let count = try fields.uint32("sample count")
                if size != 0 {
                    sampleSizes = .constant(size: size, count: count)
                } else {
                    let start = try fields.table(count: count, entrySize: 4, "stsz")
                    sampleSizes = .table(buffer.bytes.readUInt32Array(at: start, count: Int(count)))
                }
            case "stz2":
                _ = try fields.fullBoxHeader()
                try fields.skip(3, "reserved bytes")
                let fieldSize = Int(try fields.uint8("field size"))
                let count = try fields.uint32("sample count")
                sampleSizes = .table(try Self.decodeCompactSizes(&fields, fieldSize: fieldSize, count: count))
            case "stsc":
                _ = try fields.fullBoxHeader()
                let count = try fields.uint32("entry count")
                let start = try fields.table(count: count, entrySize: 12, "stsc")
                let words = buffer.bytes.readUInt32Array(at: start, count: Int(count) * 3)
                sampleToChunk = (0..<Int(count)).map {
                    MP4SampleToChunkRun(
                        firstChunk: words[3 * $0], samplesPerChunk: words[3 * $0 + 1],
                        sampleDescriptionIndex: words[3 * $0 + 2])
                }
            case "stco":
                _ = try fields.fullBoxHeader()
                let count = try fields.uint32("entry count")
                let start = try fields.table(count: count, entrySize: 4, "stco")
                chunkOffsets = buffer.bytes.readUInt32Array(at: start, count: Int(count)).map(UInt64.init)
            case "co64":
                _ = try fields.fullBoxHeader()
                let count = try fields.uint32("entry count")
                let start = try fields.table(count: count, entrySize: 8, "co64")
                chunkOffsets = buffer.bytes.readUInt64Array(at: start, count: Int(count))
                usesLargeChunkOffsets = true
            default:
                break  // sdtp, sbgp, sgpd, subs, saiz, …: not needed for timing
            }
        }
    }

    /// The formats of the sample entries in `stsd` (each entry starts with its size and format).
    private static func decodeSampleDescriptions(_ fields: inout ISOBMFFFieldReader) throws(MP4ParseError) -> [FourCC] {
        _ = try fields.fullBoxHeader()
        let count = try fields.uint32("entry count")
        // FFmpeg refuses the file outright for these counts (invalid STSD entries).
        guard count > 0, count <= 1024, Int(count) <= fields.remaining / 8 else {
            throw fields.error(.malformed, "stsd declares \(count) sample entries")
        }
        var formats: [FourCC] = []
        for _ in 0..<count {
            let size = try fields.uint32("sample entry size")
            let format = try fields.fourCC("sample entry format")
            guard size >= 8, Int(size) - 8 <= fields.remaining else {
                throw fields.error(.malformed, "sample entry '\(format)' has size \(size)")
            }
            try fields.skip(Int(size) - 8, "sample entry")
            formats.append(format)
        }
        return formats
    }

    /// `stz2` sizes packed in 4, 8 or 16 bits (FFmpeg also accepts 32).
    private static func decodeCompactSizes(
        _ fields: inout ISOBMFFFieldReader, fieldSize: Int, count: UInt32
    ) throws(MP4ParseError) -> [UInt32] {
        guard [4, 8, 16, 32].contains(fieldSize) else {
            throw fields.error(.malformed, "stz2 field size \(fieldSize)")
        }
        let byteCount = (Int(count) * fieldSize + 7) / 8
        let start = try fields.table(count: UInt32(clamping: byteCount), entrySize: 1, "stz2")
        let bytes = fields.buffer.bytes
        return [UInt32](unsafeUninitializedCapacity: Int(count)) { sizes, initialized in
            for index in 0..<Int(count) {
                switch fieldSize {
                case 4:
                    let byte = bytes[start + index / 2]
                    sizes[index] = UInt32(index % 2 == 0 ? byte >> 4 : byte & 0x0F)
                case 8:
                    sizes[index] = UInt32(bytes[start + index])
                case 16:
                    sizes[index] = UInt32(bytes[start + 2 * index]) << 8 | UInt32(bytes[start + 2 * index + 1])
                default:
                    sizes[index] = bytes.readUInt32(at: start + 4 * index)
                }
            }
            initialized = Int(count)
        }
    }
}
