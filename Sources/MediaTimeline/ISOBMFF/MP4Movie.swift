/// One edit list (`elst`) entry.
struct MP4Edit: Sendable, Equatable {
    /// Length of the edit on the movie timeline, in movie (`mvhd`) ticks. Version 1 stores 64 bits.
    let segmentDuration: UInt64
    /// Where the edit starts in the media, in media (`mdhd`) ticks; -1 is an empty edit (a gap).
    let mediaTime: Int64
    /// Playback rate as 16.16 fixed point (0x0001_0000 = 1.0; 0 = dwell). FFmpeg 5.1 ignores it, and so
    /// does the timeline here.
    let mediaRate: Int32

    var isEmpty: Bool { mediaTime == -1 }
}

/// A track (`trak`) with its sample tables.
struct MP4Track: Sendable {
    /// `tkhd` track ID.
    let trackID: UInt32
    /// `hdlr` handler type: `vide`, `soun`, `text`, `tmcd`, `meta`, ….
    let handlerType: FourCC
    /// Format of the first sample entry (`avc1`, `hvc1`, `hev1`, `mp4v`, `mp4a`, …).
    var codecTag: FourCC? { sampleTable.sampleEntryFormats.first }
    /// `mdhd` time scale: media ticks per second.
    let mediaTimescale: UInt32
    /// `mdhd` duration in media ticks.
    let mediaDuration: UInt64
    /// `elst`, empty when the track has none.
    let editList: [MP4Edit]
    let sampleTable: MP4SampleTable

    var isVideo: Bool { handlerType == "vide" }
    var sampleCount: Int { sampleTable.sampleCount }
    /// See ``MP4SampleTable/mediaDataEnd``.
    var mediaDataEnd: UInt64 { sampleTable.mediaDataEnd }
}

/// What the `moov` box of an MP4/MOV file says, read without touching the media data.
package struct MP4Movie: Sendable {
    /// `mvhd` time scale: movie ticks per second (edit list durations use it).
    let movieTimescale: UInt32
    /// `mvhd` duration in movie ticks.
    let movieDuration: UInt64
    /// Tracks in file order (the order FFmpeg numbers its streams in).
    let tracks: [MP4Track]
    /// The file has movie fragments (`mvex` in the `moov`, or `moof` boxes): its samples live in the
    /// fragments, which this reader does not parse. Callers fall back to a packet scan.
    let isFragmented: Bool
    /// Size of the file when it was read.
    var fileSize: UInt64
    /// The top-level boxes read (headers only).
    let topLevelBoxes: [ISOBMFFBoxHeader]
    /// A top-level box that runs past the end of the file (usually an `mdat` cut short after a front
    /// `moov`), if any.
    let truncatedTopLevelBox: ISOBMFFBoxHeader?
    /// Bytes read from the file to get here: box headers and the `moov`, never the media data.
    let bytesRead: UInt64

    /// The first track with a `vide` handler: what `ffprobe -select_streams v:0` reports, unless an earlier
    /// track has a video sample entry under another handler (FFmpeg counts those as video too).
    var firstVideoTrack: MP4Track? { tracks.first { $0.isVideo } }

    /// The end of the media data of all tracks; greater than ``fileSize`` when the file was cut short.
    package var mediaDataEnd: UInt64 { tracks.map(\.mediaDataEnd).max() ?? 0 }

    /// The sample tables point past the end of the file: the recording was cut short after its `moov`.
    package var isMissingMediaData: Bool { mediaDataEnd > fileSize }
}
