#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A four-character code: a box type, handler type or sample entry format, as the big-endian
/// 32-bit number stored in the file.
struct FourCC: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    let rawValue: UInt32

    init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `"moov"` and the like; only for four-character ASCII literals in source code.
    init(stringLiteral value: StaticString) {
        var raw: UInt32 = 0
        value.withUTF8Buffer { bytes in
            precondition(bytes.count == 4, "a FourCC literal has exactly four ASCII characters")
            for byte in bytes { raw = raw << 8 | UInt32(byte) }
        }
        self.rawValue = raw
    }

    /// True when all four bytes are printable ASCII (space included), as in every registered box type.
    var isPrintableASCII: Bool {
        (0..<4).allSatisfy { index in
            let byte = UInt8(truncatingIfNeeded: rawValue >> (24 - 8 * index))
            return byte >= 0x20 && byte < 0x7F
        }
    }

    /// The four characters, or `0x…` when they are not printable ASCII.
    var description: String {
        guard isPrintableASCII else {
            let hex = String(rawValue, radix: 16)
            return "0x" + String(repeating: "0", count: 8 - hex.count) + hex
        }
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (24 - 8 * $0)) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The header of one box: its type and where it lies in the file.
struct ISOBMFFBoxHeader: Sendable, Equatable {
    let type: FourCC
    /// File offset of the first header byte.
    let offset: UInt64
    /// 8, or 16 when the 32-bit size is 1 and a 64-bit `largesize` follows.
    let headerSize: UInt64
    /// Total size including the header. A size field of 0 ("to the end of the file/container") is
    /// resolved to the bytes that remain.
    let size: UInt64
    /// The size field was 0.
    let extendsToEnd: Bool

    var payloadOffset: UInt64 { offset + headerSize }
    var payloadSize: UInt64 { size - headerSize }
    /// One past the last byte; saturates instead of overflowing for absurd sizes.
    var end: UInt64 {
        let (sum, overflow) = offset.addingReportingOverflow(size)
        return overflow ? .max : sum
    }
}

/// The size field of a box header, before it is resolved against its container.
enum ISOBMFFSizeField {
    /// The box ends `size` bytes after its first header byte.
    case size(UInt64, headerSize: UInt64)
    /// Size 0: the box extends to the end of the file or container.
    case toEnd(headerSize: UInt64)
    /// Size 2…7, or a `largesize` below 16: no valid box has it.
    case invalid(UInt64)

    /// Decodes the size of a header whose first 8 bytes are `size32` and a type; `largesize` is read only
    /// when `size32 == 1` (pass nil when those 8 bytes are not available).
    init(size32: UInt32, largesize: UInt64?) {
        switch size32 {
        case 0:
            self = .toEnd(headerSize: 8)
        case 1:
            guard let largesize else {
                self = .invalid(1)
                return
            }
            self = largesize >= 16 ? .size(largesize, headerSize: 16) : .invalid(largesize)
        case 2..<8:
            self = .invalid(UInt64(size32))
        default:
            self = .size(UInt64(size32), headerSize: 8)
        }
    }
}

// MARK: - Positioned reads from a file

/// A file opened read-only; reads at explicit offsets with `pread`, so nothing between the boxes we
/// want (the media data) is ever read. Closes its descriptor exactly once, when it goes away.
struct PositionedFileReader: ~Copyable {
    private let descriptor: Int32
    let path: String
    let size: UInt64
    /// Bytes read so far: the header reads of the walk plus the `moov`.
    private(set) var bytesRead: UInt64 = 0

    init(path: String) throws(MP4ParseError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            var error = MP4ParseError(
                .io, "cannot open the file", cause: SystemCallError(call: "open", errno: errno))
            error.filePath = path
            throw error
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            var error = MP4ParseError(.io, "cannot stat the file", cause: SystemCallError(call: "fstat", errno: code))
            error.filePath = path
            throw error
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            var error = MP4ParseError(.io, "not a regular file")
            error.filePath = path
            throw error
        }
        self.descriptor = descriptor
        self.path = path
        self.size = UInt64(max(0, status.st_size))
    }

    deinit {
        close(descriptor)
    }

    /// Reads up to `count` bytes at `offset`; returns fewer only at the end of the file.
    mutating func read(count: Int, at offset: UInt64) throws(MP4ParseError) -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let wanted = Int(min(UInt64(count), size - offset))
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialized in
            initialized = 0
            guard let base = buffer.baseAddress else { return }
            var done = 0
            while done < wanted {
                let result = pread(descriptor, base + done, wanted - done, off_t(offset + UInt64(done)))
                if result > 0 {
                    done += result
                } else if result == 0 {
                    break  // the file shrank under us
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
            initialized = done
        }
        bytesRead += UInt64(bytes.count)
        if failure != 0 {
            var error = MP4ParseError(
                .io, "cannot read \(wanted) bytes", fileOffset: offset,
                cause: SystemCallError(call: "pread", errno: failure))
            error.filePath = path
            throw error
        }
        return bytes
    }
}

// MARK: - Top-level walk

/// The top-level boxes of a file, found by reading only their headers.
struct ISOBMFFTopLevelScan: Sendable {
    /// Complete boxes, in file order.
    var boxes: [ISOBMFFBoxHeader] = []
    /// A box whose declared size runs past the end of the file (the walk stops there).
    var truncatedBox: ISOBMFFBoxHeader?
    /// The walk stopped early on purpose (a `moof` after the `moov`, or too many boxes).
    var stoppedEarly = false

    var movieBox: ISOBMFFBoxHeader? { boxes.first { $0.type == "moov" } }
    var hasMovieFragments: Bool { boxes.contains { $0.type == "moof" } }
}

enum ISOBMFFReader {
    /// Box types that may open an ISO BMFF or QuickTime file. Anything else as the first box means the
    /// file is something else.
    static let leadingBoxTypes: Set<FourCC> = [
        "ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "meta", "moof", "sidx",
        "pdin", "junk", "prfl", "mfra",
    ]

    /// Upper bound on top-level boxes walked, so a file made of millions of tiny boxes cannot keep us
    /// issuing reads.
    static let maximumTopLevelBoxes = 100_000

    /// Walks the top-level boxes with one small positioned read per box header.
    ///
    /// Stops at the end of the file, at a box that runs past it (``ISOBMFFTopLevelScan/truncatedBox``),
    /// or at the first `moof` after a `moov` (fragmented files have one per fragment).
    static func scanTopLevelBoxes(in file: inout PositionedFileReader) throws(MP4ParseError) -> ISOBMFFTopLevelScan {
        var scan = ISOBMFFTopLevelScan()
        var offset: UInt64 = 0
        let fileSize = file.size
        if fileSize == 0 {
            throw MP4ParseError(.notISOBMFF, "the file is empty")
        }
        while offset < fileSize {
            let isFirst = scan.boxes.isEmpty
            let bytes = try file.read(count: 16, at: offset)
            guard bytes.count >= 8 else {
                if isFirst {
                    throw MP4ParseError(.notISOBMFF, "the file is only \(fileSize) bytes long", fileOffset: offset)
                }
                break  // a few trailing bytes after the last box; players ignore them too
            }
            let size32 = bytes.readUInt32(at: 0)
            let type = FourCC(rawValue: bytes.readUInt32(at: 4))
            let largesize: UInt64? = bytes.count >= 16 ? bytes.readUInt64(at: 8) : nil
            if isFirst && (!leadingBoxTypes.contains(type)) {
                throw MP4ParseError(
                    .notISOBMFF, "the file does not start with an ISO BMFF box (first type \(type))", fileOffset: 0)
            }
            let header: ISOBMFFBoxHeader
            switch ISOBMFFSizeField(size32: size32, largesize: largesize) {
            case .invalid(let size):
                if size32 == 1 && largesize == nil {
                    // The 16-byte header itself is cut off.
                    scan.truncatedBox = ISOBMFFBoxHeader(
                        type: type, offset: offset, headerSize: 16, size: .max - offset, extendsToEnd: false)
                    return scan
                }
                if isFirst {
                    throw MP4ParseError(.notISOBMFF, "the first box has an invalid size \(size)", fileOffset: offset)
                }
                if scan.movieBox != nil {
                    // Garbage after a complete movie: the movie is still readable.
                    scan.stoppedEarly = true
                    return scan
                }
                throw MP4ParseError(
                    .malformed, "top-level box '\(type)' has an invalid size \(size)", fileOffset: offset)
            case .toEnd(let headerSize):
                header = ISOBMFFBoxHeader(
                    type: type, offset: offset, headerSize: headerSize, size: fileSize - offset, extendsToEnd: true)
            case .size(let size, let headerSize):
                header = ISOBMFFBoxHeader(
                    type: type, offset: offset, headerSize: headerSize, size: size, extendsToEnd: false)
            }
            if header.end > fileSize || header.headerSize > fileSize - offset {
                scan.truncatedBox = header
                return scan
            }
            scan.boxes.append(header)
            if type == "moof" && scan.movieBox != nil {
                scan.stoppedEarly = true
                return scan
            }
            if scan.boxes.count >= maximumTopLevelBoxes {
                if scan.movieBox != nil {
                    scan.stoppedEarly = true
                    return scan
                }
                throw MP4ParseError(
                    .unsupported, "more than \(maximumTopLevelBoxes) top-level boxes before a moov", fileOffset: offset)
            }
            offset = header.end
        }
        return scan
    }
}

// MARK: - Boxes inside an in-memory container

/// A box inside a buffer read from the file (the `moov` payload): its type and where its payload lies in
/// the buffer.
struct ISOBMFFChildBox: Sendable {
    let type: FourCC
    /// Index of the first header byte in the buffer.
    let start: Int
    /// The payload's byte range in the buffer.
    let payload: Range<Int>
}

/// Bytes read from the file at a known offset, with bounds-checked big-endian field access. The bytes
/// are shared, not copied, between the values that look at parts of them.
struct ISOBMFFBuffer: Sendable {
    let bytes: [UInt8]
    /// File offset of `bytes[0]`, for error messages.
    let fileOffset: UInt64

    func fileOffset(of index: Int) -> UInt64 {
        fileOffset + UInt64(index)
    }

    /// The boxes inside `range`, in order.
    ///
    /// Size 0 means "to the end of the container". Bytes after the last box that are too few to hold a
    /// header, or a header with an impossible size (2…7), end the container, as they do in FFmpeg; a box
    /// that claims more than its container holds is an error (FFmpeg clips it; we let the caller fall back).
    func childBoxes(in range: Range<Int>, path: String) throws(MP4ParseError) -> [ISOBMFFChildBox] {
        var children: [ISOBMFFChildBox] = []
        var position = range.lowerBound
        while range.upperBound - position >= 8 {
            let size32 = bytes.readUInt32(at: position)
            let type = FourCC(rawValue: bytes.readUInt32(at: position + 4))
            let largesize: UInt64? = range.upperBound - position >= 16 ? bytes.readUInt64(at: position + 8) : nil
            let remaining = UInt64(range.upperBound - position)
            let size: UInt64
            let headerSize: UInt64
            switch ISOBMFFSizeField(size32: size32, largesize: largesize) {
            case .invalid:
                // Sizes 2…7 (or a cut-off largesize) end the container, as in FFmpeg's reader; QuickTime
                // writers pad some containers with a 32-bit zero.
                return children
            case .toEnd(let header):
                size = remaining
                headerSize = header
            case .size(let declared, let header):
                size = declared
                headerSize = header
            }
            guard size <= remaining, headerSize <= size else {
                throw MP4ParseError(
                    .malformed, "box '\(type)' declares \(size) bytes but its container has \(remaining) left",
                    boxPath: path, fileOffset: fileOffset(of: position))
            }
            let end = position + Int(size)
            children.append(ISOBMFFChildBox(type: type, start: position, payload: (position + Int(headerSize))..<end))
            position = end
        }
        return children
    }

    /// A cursor over one box's payload.
    func fields(of box: ISOBMFFChildBox, path: String) -> ISOBMFFFieldReader {
        ISOBMFFFieldReader(buffer: self, position: box.payload.lowerBound, end: box.payload.upperBound, path: path)
    }
}

/// Reads big-endian fields from a box payload, throwing instead of reading past its end.
struct ISOBMFFFieldReader {
    let buffer: ISOBMFFBuffer
    private(set) var position: Int
    let end: Int
    let path: String

    init(buffer: ISOBMFFBuffer, position: Int, end: Int, path: String) {
        self.buffer = buffer
        self.position = position
        self.end = end
        self.path = path
    }

    var remaining: Int { end - position }

    func error(_ code: MP4ParseError.Code, _ message: String) -> MP4ParseError {
        MP4ParseError(code, message, boxPath: path, fileOffset: buffer.fileOffset(of: position))
    }

    private mutating func advance(_ count: Int, for what: String) throws(MP4ParseError) -> Int {
        guard count <= remaining else {
            throw error(.malformed, "the box ends before its \(what) (\(count) bytes needed, \(remaining) left)")
        }
        defer { position += count }
        return position
    }

    mutating func skip(_ count: Int, _ what: String = "fields") throws(MP4ParseError) {
        _ = try advance(count, for: what)
    }

    mutating func uint8(_ what: String) throws(MP4ParseError) -> UInt8 {
        buffer.bytes[try advance(1, for: what)]
    }

    mutating func uint32(_ what: String) throws(MP4ParseError) -> UInt32 {
        buffer.bytes.readUInt32(at: try advance(4, for: what))
    }

    mutating func uint64(_ what: String) throws(MP4ParseError) -> UInt64 {
        buffer.bytes.readUInt64(at: try advance(8, for: what))
    }

    mutating func fourCC(_ what: String) throws(MP4ParseError) -> FourCC {
        FourCC(rawValue: try uint32(what))
    }

    /// Version and flags of a full box.
    mutating func fullBoxHeader() throws(MP4ParseError) -> (version: UInt8, flags: UInt32) {
        let word = try uint32("version and flags")
        return (UInt8(word >> 24), word & 0x00FF_FFFF)
    }

    /// Claims `count` entries of `entrySize` bytes each, after checking that the payload holds them, and
    /// returns the index of the first. This is what bounds every table allocation by the box size.
    mutating func table(count: UInt32, entrySize: Int, _ what: String) throws(MP4ParseError) -> Int {
        let (bytes, overflow) = Int(count).multipliedReportingOverflow(by: entrySize)
        guard !overflow, bytes <= remaining else {
            throw error(
                .malformed,
                "\(what): \(count) entries of \(entrySize) bytes do not fit in the \(remaining) bytes left")
        }
        defer { position += bytes }
        return position
    }
}

extension [UInt8] {
    /// Big-endian 32-bit value at `offset`; the caller has checked the bounds.
    @inline(__always)
    func readUInt32(at offset: Int) -> UInt32 {
        withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }

    /// Big-endian 64-bit value at `offset`; the caller has checked the bounds.
    @inline(__always)
    func readUInt64(at offset: Int) -> UInt64 {
        withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }

    /// `count` big-endian 32-bit values starting at `offset`, decoded in one pass; the caller has checked
    /// the bounds (``ISOBMFFFieldReader/table(count:entrySize:_:)``).
    func readUInt32Array(at offset: Int, count: Int, stride: Int = 4) -> [UInt32] {
        withUnsafeBytes { raw in
            [UInt32](unsafeUninitializedCapacity: count) { values, initialized in
                for index in 0..<count {
                    values[index] = UInt32(
                        bigEndian: raw.loadUnaligned(fromByteOffset: offset + index * stride, as: UInt32.self))
                }
                initialized = count
            }
        }
    }

    /// `count` big-endian 64-bit values starting at `offset`; the caller has checked the bounds.
    func readUInt64Array(at offset: Int, count: Int) -> [UInt64] {
        withUnsafeBytes { raw in
            [UInt64](unsafeUninitializedCapacity: count) { values, initialized in
                for index in 0..<count {
                    values[index] = UInt64(
                        bigEndian: raw.loadUnaligned(fromByteOffset: offset + index * 8, as: UInt64.self))
                }
                initialized = count
            }
        }
    }
}
