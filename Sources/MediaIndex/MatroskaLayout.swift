import Foundation

/// A cheap look at a Matroska/WebM file's top-level layout: the Segment's declared size and whether its
/// SeekHead points at Cues. libavformat builds a partial index from whatever it reads when there are no
/// cues, so "the index has entries" does not prove the file has cues; this does.
struct MatroskaLayout: Equatable {
    /// Where the Segment's payload starts and how long it says it is (nil: unknown size, a live recording).
    var segmentStart: UInt64
    var segmentSize: UInt64?
    /// The absolute position of the Cues element, when the SeekHead names one.
    var cuesPosition: UInt64?

    private static let ebmlID: UInt64 = 0x1A45_DFA3
    private static let segmentID: UInt64 = 0x1853_8067
    private static let seekHeadID: UInt64 = 0x114D_9B74
    private static let seekID: UInt64 = 0x4DBB
    private static let seekIDID: UInt64 = 0x53AB
    private static let seekPositionID: UInt64 = 0x53AC
    private static let cuesID: UInt64 = 0x1C53_BB6B

    /// Reads the layout from the first 64 KiB of `path`; nil when it is not a Matroska file we understand.
    static func read(path: String) -> MatroskaLayout? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 64 << 10) else { return nil }
        let bytes = [UInt8](head)
        var cursor = 0
        guard let ebml = element(bytes, &cursor), ebml.id == ebmlID, let ebmlSize = ebml.size else { return nil }
        cursor += Int(clamping: ebmlSize)
        guard let segment = element(bytes, &cursor), segment.id == segmentID else { return nil }
        var layout = MatroskaLayout(segmentStart: UInt64(cursor), segmentSize: segment.size, cuesPosition: nil)
        // The SeekHead, when there is one, is among the first children of the Segment.
        while cursor < bytes.count, let child = element(bytes, &cursor) {
            guard let size = child.size, size < UInt64(bytes.count) else { break }
            let end = cursor + Int(size)
            if child.id == seekHeadID {
                layout.cuesPosition = cues(in: bytes, from: cursor, to: min(end, bytes.count)).map { $0 + layout.segmentStart }
                break
            }
            if child.id == 0x1F43_B675 { break }  // a Cluster: media data begins, no SeekHead before it
            cursor = end
        }
        return layout
    }

    /// A message when the file is shorter than its Segment says, or its cues lie beyond its end.
    func truncation(fileSize: UInt64) -> String? {
        if let segmentSize, segmentStart + segmentSize > fileSize {
            return "The recording is cut short: it declares \(segmentStart + segmentSize) bytes but the file has \(fileSize). Upload the complete file."
        }
        if let cuesPosition, cuesPosition >= fileSize {
            return "The recording is cut short: its index (Cues) should be at byte \(cuesPosition) but the file has \(fileSize). Upload the complete file."
        }
        return nil
    }

    private static func cues(in bytes: [UInt8], from start: Int, to end: Int) -> UInt64? {
        var cursor = start
        while cursor < end, let seek = element(bytes, &cursor), let size = seek.size {
            let seekEnd = min(cursor + Int(clamping: size), end)
            guard seek.id == seekID else { cursor = seekEnd; continue }
            var id: UInt64? = nil, position: UInt64? = nil
            while cursor < seekEnd, let field = element(bytes, &cursor), let length = field.size, length <= 8, cursor + Int(length) <= seekEnd {
                let value = bytes[cursor..<(cursor + Int(length))].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                if field.id == seekIDID { id = value } else if field.id == seekPositionID { position = value }
                cursor += Int(length)
            }
            if id == cuesID, let position { return position }
            cursor = seekEnd
        }
        return nil
    }

    /// Reads an element header (ID and size, both EBML variable-length integers); size nil = unknown.
    private static func element(_ bytes: [UInt8], _ cursor: inout Int) -> (id: UInt64, size: UInt64?)? {
        guard let id = vint(bytes, &cursor, keepMarker: true), let size = vint(bytes, &cursor, keepMarker: false) else { return nil }
        return (id.value, size.allOnes ? nil : size.value)
    }

    private static func vint(_ bytes: [UInt8], _ cursor: inout Int, keepMarker: Bool) -> (value: UInt64, allOnes: Bool)? {
        guard cursor < bytes.count, bytes[cursor] != 0 else { return nil }
        let length = bytes[cursor].leadingZeroBitCount + 1
        guard cursor + length <= bytes.count else { return nil }
        var value = UInt64(keepMarker ? bytes[cursor] : bytes[cursor] & (0xFF >> length))
        var allOnes = value == UInt64(0xFF >> length)
        for i in 1..<length {
            value = value << 8 | UInt64(bytes[cursor + i])
            allOnes = allOnes && bytes[cursor + i] == 0xFF
        }
        cursor += length
        return (value, allOnes)
    }
}
