/// Reads the box structure of an MP4/MOV file: walks the top-level boxes by their headers, reads the whole
/// `moov` with one positioned read and decodes it in memory. Never reads `mdat`.
package enum MP4Parser {
    /// Largest `moov` read into memory. A one-hour phone recording has a `moov` of a few megabytes.
    static let maximumMovieBoxSize: UInt64 = 256 << 20

    package static func parse(path: String) throws(MP4ParseError) -> MP4Movie {
        do {
            var file = try PositionedFileReader(path: path)
            return try parse(&file)
        } catch var error {
            error.filePath = path
            throw error
        }
    }

    private static func parse(_ file: inout PositionedFileReader) throws(MP4ParseError) -> MP4Movie {
        let scan = try ISOBMFFReader.scanTopLevelBoxes(in: &file)
        guard let moov = scan.movieBox else {
            if let cut = scan.truncatedBox {
                throw MP4ParseError(
                    .truncated,
                    "no moov box before '\(cut.type)' at offset \(cut.offset), which declares \(cut.size) bytes "
                        + "but the file ends \(file.size - cut.offset) bytes after its start",
                    fileOffset: cut.offset)
            }
            throw MP4ParseError(.truncated, "the file has no moov box")
        }
        guard moov.payloadSize <= maximumMovieBoxSize else {
            throw MP4ParseError(
                .unsupported, "the moov box is \(moov.payloadSize) bytes, more than \(maximumMovieBoxSize)",
                boxPath: "moov", fileOffset: moov.offset)
        }
        let bytes = try file.read(count: Int(moov.payloadSize), at: moov.payloadOffset)
        guard UInt64(bytes.count) == moov.payloadSize else {
            throw MP4ParseError(.truncated, "the file ended while reading the moov box", fileOffset: moov.offset)
        }
        let buffer = ISOBMFFBuffer(bytes: bytes, fileOffset: moov.payloadOffset)
        let contents = try parseMovieBox(buffer)
        return MP4Movie(
            movieTimescale: contents.timescale,
            movieDuration: contents.duration,
            tracks: contents.tracks,
            isFragmented: contents.hasMovieExtends || scan.hasMovieFragments,
            fileSize: file.size,
            topLevelBoxes: scan.boxes,
            truncatedTopLevelBox: scan.truncatedBox,
            bytesRead: file.bytesRead)
    }

    /// Decodes a `moov` payload that is already in memory.
    static func parseMovieBox(
        _ buffer: ISOBMFFBuffer
    ) throws(MP4ParseError) -> (timescale: UInt32, duration: UInt64, tracks: [MP4Track], hasMovieExtends: Bool) {
        var timescale: UInt32?
        var duration: UInt64 = 0
        var tracks: [MP4Track] = []
        var hasMovieExtends = false
        let children = try buffer.childBoxes(in: 0..<buffer.bytes.count, path: "moov")
        // The movie header may follow the tracks; edit lists need its time scale, so read it first.
        if let mvhd = children.first(where: { $0.type == "mvhd" }) {
            var fields = buffer.fields(of: mvhd, path: "moov/mvhd")
            (timescale, duration) = try parseTimescaleAndDuration(&fields)
        }
        guard let timescale else {
            throw MP4ParseError(.malformed, "the moov box has no mvhd", boxPath: "moov")
        }
        guard timescale > 0, timescale <= UInt32(Int32.max) else {
            throw MP4ParseError(.malformed, "movie time scale \(timescale)", boxPath: "moov/mvhd")
        }
        for box in children {
            switch box.type {
            case "trak":
                let path = "moov/trak[\(tracks.count)]"
                let track = try parseTrack(box, in: buffer, path: path)
                tracks.append(track)
            case "mvex":
                hasMovieExtends = true
            case "cmov":
                throw MP4ParseError(.unsupported, "compressed movie header (cmov)", boxPath: "moov/cmov")
            default:
                break
            }
        }
        return (timescale, duration, tracks, hasMovieExtends)
    }

    /// The time scale and duration of an `mvhd` or `mdhd` (same layout up to there).
    private static func parseTimescaleAndDuration(
        _ fields: inout ISOBMFFFieldReader
    ) throws(MP4ParseError) -> (UInt32, UInt64) {
        let version = try fields.fullBoxHeader().version
        switch version {
        case 0:
            try fields.skip(8, "creation and modification times")
            return (try fields.uint32("time scale"), UInt64(try fields.uint32("duration")))
        case 1:
            try fields.skip(16, "creation and modification times")
            return (try fields.uint32("time scale"), try fields.uint64("duration"))
        default:
            throw fields.error(.unsupported, "version \(version)")
        }
    }

    private static func parseTrack(
        _ trak: ISOBMFFChildBox, in buffer: ISOBMFFBuffer, path: String
    ) throws(MP4ParseError) -> MP4Track {
        var trackID: UInt32?
        var editList: [MP4Edit] = []
        var media: (timescale: UInt32, duration: UInt64, handler: FourCC, table: MP4SampleTable)?
        for box in try buffer.childBoxes(in: trak.payload, path: path) {
            let boxPath = path + "/" + box.type.description
            switch box.type {
            case "tkhd":
                var fields = buffer.fields(of: box, path: boxPath)
                let version = try fields.fullBoxHeader().version
                try fields.skip(version == 1 ? 16 : 8, "creation and modification times")
                trackID = try fields.uint32("track ID")
            case "edts":
                for child in try buffer.childBoxes(in: box.payload, path: boxPath) where child.type == "elst" {
                    var fields = buffer.fields(of: child, path: boxPath + "/elst")
                    editList = try parseEditList(&fields)
                }
            case "mdia":
                media = try parseMedia(box, in: buffer, path: boxPath)
            default:
                break
            }
        }
        guard let trackID else {
            throw MP4ParseError(.malformed, "the track has no tkhd", boxPath: path)
        }
        guard let media else {
            throw MP4ParseError(.malformed, "the track has no mdia with mdhd and hdlr", boxPath: path)
        }
        let table = media.table
        let stblPath = path + "/mdia/minf/stbl"
        // FFmpeg ignores an stsc that points at chunks when there are neither chunks nor stts, and refuses
        // the whole file when the last stsc entry starts beyond the last chunk.
        if !(table.chunkOffsets.isEmpty && table.timeToSample.isEmpty), table.sampleToChunkIsRegular,
            let last = table.sampleToChunk.last, UInt64(last.firstChunk) > UInt64(table.chunkOffsets.count)
        {
            throw MP4ParseError(
                .malformed,
                "stsc starts a run at chunk \(last.firstChunk) but there are \(table.chunkOffsets.count) chunks",
                boxPath: stblPath)
        }
        return MP4Track(
            trackID: trackID, handlerType: media.handler, mediaTimescale: media.timescale,
            mediaDuration: media.duration, editList: editList, sampleTable: table)
    }

    /// `elst`, read as FFmpeg 5.1 reads it: when the entry count disagrees with the box size, the size wins.
    private static func parseEditList(_ fields: inout ISOBMFFFieldReader) throws(MP4ParseError) -> [MP4Edit] {
        let version = try fields.fullBoxHeader().version
        let declared = try fields.uint32("entry count")
        let entrySize = version == 1 ? 20 : 12
        let count = UInt64(declared) * UInt64(entrySize) == UInt64(fields.remaining)
            ? Int(declared) : fields.remaining / entrySize
        var edits: [MP4Edit] = []
        edits.reserveCapacity(count)
        for _ in 0..<count {
            if version == 1 {
                let duration = try fields.uint64("segment duration")
                let mediaTime = Int64(bitPattern: try fields.uint64("media time"))
                let rate = Int32(bitPattern: try fields.uint32("media rate"))
                edits.append(MP4Edit(segmentDuration: duration, mediaTime: mediaTime, mediaRate: rate))
            } else {
                let duration = UInt64(try fields.uint32("segment duration"))
                let mediaTime = Int64(Int32(bitPattern: try fields.uint32("media time")))
                let rate = Int32(bitPattern: try fields.uint32("media rate"))
                edits.append(MP4Edit(segmentDuration: duration, mediaTime: mediaTime, mediaRate: rate))
            }
        }
        return edits
    }

    private static func parseMedia(
        _ mdia: ISOBMFFChildBox, in buffer: ISOBMFFBuffer, path: String
    ) throws(MP4ParseError) -> (timescale: UInt32, duration: UInt64, handler: FourCC, table: MP4SampleTable) {
        var header: (timescale: UInt32, duration: UInt64)?
        var handler: FourCC?
        var table = MP4SampleTable()
        for box in try buffer.childBoxes(in: mdia.payload, path: path) {
            let boxPath = path + "/" + box.type.description
            switch box.type {
            case "mdhd":
                var fields = buffer.fields(of: box, path: boxPath)
                header = try parseTimescaleAndDuration(&fields)
            case "hdlr":
                // QuickTime puts the component type ('mhlr') in pre_defined and the handler in the next field.
                var fields = buffer.fields(of: box, path: boxPath)
                _ = try fields.fullBoxHeader()
                try fields.skip(4, "pre_defined")
                handler = try fields.fourCC("handler type")
            case "minf":
                for child in try buffer.childBoxes(in: box.payload, path: boxPath) where child.type == "stbl" {
                    table = try MP4SampleTable(stbl: child, in: buffer, path: boxPath + "/stbl")
                }
            default:
                break
            }
        }
        guard let header else {
            throw MP4ParseError(.malformed, "the media has no mdhd", boxPath: path)
        }
        guard header.timescale > 0, header.timescale <= UInt32(Int32.max) else {
            throw MP4ParseError(.malformed, "media time scale \(header.timescale)", boxPath: path + "/mdhd")
        }
        guard let handler else {
            throw MP4ParseError(.malformed, "the media has no hdlr", boxPath: path)
        }
        return (header.timescale, header.duration, handler, table)
    }
}
