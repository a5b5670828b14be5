public import Foundation

/// What went wrong writing or reading a ZIP archive; `description` is safe to show.
public struct ZipArchiveError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Hashable, Sendable {
        /// The archive (or one file in it) would pass 4 GiB or 65,535 entries: this writer does not write ZIP64.
        case tooLarge = "too_large"
        /// The bytes are not a ZIP archive this reader understands.
        case notAZipArchive = "not_a_zip_archive"
        /// An entry is compressed (the bundles written here store every file uncompressed).
        case unsupportedCompression = "unsupported_compression"
        /// An entry's bytes do not match the CRC-32 the archive recorded for them.
        case checksumMismatch = "checksum_mismatch"
        /// Two entries have the same name, or a name could escape the folder it is unpacked into.
        case badEntryName = "bad_entry_name"
        /// A file could not be read or written.
        case io
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// CRC-32 (ISO 3309, the polynomial 0xEDB88320 reflected), as ZIP records it.
public struct CRC32: Sendable {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    private var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        var crc = state
        for byte in bytes { crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        state = crc
    }

    /// The same, over contiguous bytes without copying them (recordings are hundreds of megabytes).
    public mutating func update(_ data: Data) {
        var crc = state
        data.withUnsafeBytes { buffer in
            Self.table.withUnsafeBufferPointer { table in
                for byte in buffer { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            }
        }
        state = crc
    }

    public static func checksum(_ data: Data) -> UInt32 {
        var crc = CRC32()
        crc.update(data)
        return crc.value
    }

    public var value: UInt32 { state ^ 0xFFFF_FFFF }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}

/// Writes a ZIP archive (APPNOTE 6.3) of stored, uncompressed entries to a file, one entry after another.
///
/// Stored, because what the exports carry is either small (JSON, WebVTT) or already compressed (video), and an
/// uncompressed archive is readable by every tool without a compression library. Names are UTF-8 (flag bit 11).
/// No ZIP64: an entry or an archive that would pass 4 GiB, or more than 65,535 entries, is refused with
/// ``ZipArchiveError/Code/tooLarge`` before anything past the limit is written.
public final class ZipWriter {
    private struct CentralEntry {
        let name: [UInt8]
        let crc: UInt32
        let size: UInt32
        let offset: UInt32
    }

    /// The largest offset or size a ZIP (without ZIP64) can record.
    static let limit: UInt64 = 0xFFFF_FFFE

    private let handle: FileHandle
    private var offset: UInt64 = 0
    private var entries: [CentralEntry] = []
    private var names: Set<String> = []
    private let dosTime: UInt16
    private let dosDate: UInt16
    private var finished = false

    /// Creates (or truncates) the file at `url`, readable by its owner only, and stamps every entry with `modified`.
    public init(url: URL, modified: Date) throws(ZipArchiveError) {
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = try? FileHandle(forWritingTo: url)
        else { throw ZipArchiveError(.io, "Cannot create \(url.lastPathComponent): check the folder exists and can be written.") }
        self.handle = handle
        (dosTime, dosDate) = Self.dosDateTime(modified)
    }

    deinit {
        if !finished { try? handle.close() }
    }

    /// Adds an entry holding `data`.
    public func add(_ name: String, data: Data) throws(ZipArchiveError) {
        let nameBytes = try checkedName(name)
        guard UInt64(data.count) <= Self.limit else { throw tooLarge(name) }
        try writeEntry(nameBytes, crc: CRC32.checksum(data), size: UInt64(data.count)) { handle in try handle.write(contentsOf: data) }
    }

    /// Adds an entry with the bytes of the file at `source`, read in 1 MiB chunks twice (once for the CRC-32 and
    /// the `digest`, once to copy). Calls `digest` with every chunk, so the caller can hash the file in the same pass.
    public func add(_ name: String, contentsOf source: URL, digest: (Data) -> Void = { _ in }) throws(ZipArchiveError) {
        let nameBytes = try checkedName(name)
        // Refuse a file past the limit before reading a byte of it.
        guard let handle = try? FileHandle(forReadingFrom: source), let length = try? handle.seekToEnd() else {
            throw ZipArchiveError(.io, "Cannot read \(source.lastPathComponent) to archive it.")
        }
        try? handle.close()
        guard offset + UInt64(30 + nameBytes.count) + length <= Self.limit else { throw tooLarge(name) }
        var crc = CRC32()
        var size: UInt64 = 0
        try Self.chunks(of: source) { chunk in
            crc.update(chunk)
            digest(chunk)
            size += UInt64(chunk.count)
        }
        guard size <= Self.limit else { throw tooLarge(name) }
        try writeEntry(nameBytes, crc: crc.value, size: size) { handle in
            var copied: UInt64 = 0
            try Self.chunks(of: source) { chunk in
                copied += UInt64(chunk.count)
                try handle.write(contentsOf: chunk)
            }
            // The file changed between the two passes: the CRC-32 written would not match.
            guard copied == size else { throw ZipArchiveError(.io, "\(source.lastPathComponent) changed while it was being archived; try again.") }
        }
    }

    /// Writes the central directory and closes the file; returns the archive's size in bytes.
    @discardableResult
    public func finish() throws(ZipArchiveError) -> UInt64 {
        guard !finished else { return offset }
        guard entries.count < 0xFFFF else { throw ZipArchiveError(.tooLarge, "An archive holds at most 65,534 files; this one would hold \(entries.count).") }
        var directory: [UInt8] = []
        for entry in entries {
            directory.le32(0x0201_4B50)
            directory.le16(0x031E)  // made by: UNIX, APPNOTE 3.0
            directory.le16(20)  // needed: 2.0
            directory.le16(0x0800)  // UTF-8 names
            directory.le16(0)  // stored
            directory.le16(dosTime)
            directory.le16(dosDate)
            directory.le32(entry.crc)
            directory.le32(entry.size)
            directory.le32(entry.size)
            directory.le16(UInt16(entry.name.count))
            directory.le16(0)  // extra
            directory.le16(0)  // comment
            directory.le16(0)  // disk
            directory.le16(0)  // internal attributes
            directory.le32(UInt32(0o100600) << 16)  // a regular file, owner read/write
            directory.le32(entry.offset)
            directory += entry.name
        }
        let directoryOffset = offset
        let directorySize = directory.count
        guard directoryOffset + UInt64(directorySize) + 22 <= Self.limit else { throw tooLarge("the archive's directory") }
        directory.le32(0x0605_4B50)
        directory.le16(0)
        directory.le16(0)
        directory.le16(UInt16(entries.count))
        directory.le16(UInt16(entries.count))
        directory.le32(UInt32(directorySize))
        directory.le32(UInt32(directoryOffset))
        directory.le16(0)
        do {
            try handle.write(contentsOf: directory)
            try handle.synchronize()
            try handle.close()
        } catch { throw ZipArchiveError(.io, "Cannot finish writing the archive: \(error.localizedDescription)") }
        finished = true
        offset += UInt64(directory.count)
        return offset
    }

    private func checkedName(_ name: String) throws(ZipArchiveError) -> [UInt8] {
        guard ZipReader.isSafe(name), names.insert(name).inserted else {
            throw ZipArchiveError(.badEntryName, "“\(name)” cannot be a file in the archive (empty, absolute, with “..”, or twice).")
        }
        let bytes = Array(name.utf8)
        guard bytes.count < 0xFFFF else { throw ZipArchiveError(.badEntryName, "A file name in the archive is too long.") }
        return bytes
    }

    private func tooLarge(_ name: String) -> ZipArchiveError {
        ZipArchiveError(.tooLarge, "The archive would pass 4 GiB at \(name), and this tool does not write ZIP64 archives: export without the recordings and copy them separately.")
    }

    private func writeEntry(_ name: [UInt8], crc: UInt32, size: UInt64, body: (FileHandle) throws -> Void) throws(ZipArchiveError) {
        precondition(!finished, "The archive is finished.")
        let headerSize = UInt64(30 + name.count)
        guard offset + headerSize + size <= Self.limit else { throw tooLarge(String(decoding: name, as: UTF8.self)) }
        var header: [UInt8] = []
        header.le32(0x0403_4B50)
        header.le16(20)
        header.le16(0x0800)
        header.le16(0)
        header.le16(dosTime)
        header.le16(dosDate)
        header.le32(crc)
        header.le32(UInt32(size))
        header.le32(UInt32(size))
        header.le16(UInt16(name.count))
        header.le16(0)
        header += name
        do {
            try handle.write(contentsOf: header)
            try body(handle)
        } catch let error as ZipArchiveError {
            throw error
        } catch { throw ZipArchiveError(.io, "Cannot write the archive: \(error.localizedDescription)") }
        entries.append(CentralEntry(name: name, crc: crc, size: UInt32(size), offset: UInt32(offset)))
        offset += headerSize + size
    }

    private static func chunks(of url: URL, _ body: (Data) throws -> Void) throws(ZipArchiveError) {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try body(chunk) }
        } catch let error as ZipArchiveError {
            throw error
        } catch { throw ZipArchiveError(.io, "Cannot read \(url.lastPathComponent) to archive it: \(error.localizedDescription)") }
    }

    /// MS-DOS time and date (two-second resolution, 1980–2107), in UTC.
    static func dosDateTime(_ date: Date) -> (time: UInt16, date: UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = min(max((parts.year ?? 1980) - 1980, 0), 127)
        let time = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
        let day = UInt16(year << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
        return (time, day)
    }
}

/// Reads a ZIP archive of stored entries (what ``ZipWriter`` writes; also what `zip -0` writes) from memory,
/// checking every entry's CRC-32.
public enum ZipReader {
    /// One file of an archive.
    public struct Entry: Hashable, Sendable {
        public let name: String
        public let data: Data
    }

    /// The archive's entries, in the order of its central directory.
    public static func entries(of archive: Data) throws(ZipArchiveError) -> [Entry] {
        let bytes = ByteView(data: archive)
        func notZip(_ why: String) -> ZipArchiveError {
            ZipArchiveError(.notAZipArchive, "This is not a ZIP archive written by obsreview (\(why)).")
        }
        guard bytes.count >= 22 else { throw notZip("too short") }
        // The end-of-central-directory record: the last signature within the last 64 KiB + 22 bytes.
        var end = bytes.count - 22
        let earliest = max(0, bytes.count - 22 - 0xFFFF)
        while end >= earliest, bytes.le32(at: end) != 0x0605_4B50 { end -= 1 }
        guard end >= earliest else { throw notZip("no end of central directory") }
        let count = Int(bytes.le16(at: end + 10))
        let directorySize = Int(bytes.le32(at: end + 12))
        var position = Int(bytes.le32(at: end + 16))
        guard position + directorySize <= end else { throw notZip("the central directory lies outside the file") }
        var entries: [Entry] = []
        var seen: Set<String> = []
        for _ in 0..<count {
            guard position + 46 <= end, bytes.le32(at: position) == 0x0201_4B50 else { throw notZip("a damaged central directory") }
            let method = bytes.le16(at: position + 10)
            let crc = bytes.le32(at: position + 16)
            let compressed = Int(bytes.le32(at: position + 20))
            let size = Int(bytes.le32(at: position + 24))
            let nameLength = Int(bytes.le16(at: position + 28))
            let extraLength = Int(bytes.le16(at: position + 30))
            let commentLength = Int(bytes.le16(at: position + 32))
            let local = Int(bytes.le32(at: position + 42))
            guard position + 46 + nameLength <= end else { throw notZip("a damaged central directory") }
            let name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            position += 46 + nameLength + extraLength + commentLength
            guard isSafe(name), seen.insert(name).inserted else {
                throw ZipArchiveError(.badEntryName, "The archive holds a file named “\(name)” twice, or a name that could escape its folder.")
            }
            if name.hasSuffix("/") { continue }  // a folder
            guard method == 0, compressed == size else {
                throw ZipArchiveError(.unsupportedCompression, "\(name) is compressed in this archive; obsreview stores files uncompressed, so the archive was repacked after export. Verify the archive as it was exported.")
            }
            guard local + 30 <= bytes.count, bytes.le32(at: local) == 0x0403_4B50 else { throw notZip("\(name) has no local header") }
            let start = local + 30 + Int(bytes.le16(at: local + 26)) + Int(bytes.le16(at: local + 28))
            guard start + size <= bytes.count else { throw notZip("\(name) is cut short") }
            let data = bytes[start..<(start + size)]  // a slice of the (mapped) archive: no copy
            guard CRC32.checksum(data) == crc else {
                throw ZipArchiveError(.checksumMismatch, "\(name) is damaged inside the archive: its bytes do not match the archive's own checksum.")
            }
            entries.append(Entry(name: name, data: data))
        }
        return entries
    }

    /// Whether `name` is a relative path that stays inside the folder an archive is unpacked into.
    static func isSafe(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("/") && !name.contains("\\") && !name.contains("\0")
            && !name.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." })
    }
}

/// Little-endian reads at offsets from the start of `data`, whatever its indices (a mapped file, a slice).
private struct ByteView {
    let data: Data

    var count: Int { data.count }

    func le16(at index: Int) -> UInt16 {
        let i = data.startIndex + index
        return UInt16(data[i]) | UInt16(data[i + 1]) << 8
    }

    func le32(at index: Int) -> UInt32 {
        let i = data.startIndex + index
        return UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
    }

    subscript(range: Range<Int>) -> Data { data[(data.startIndex + range.lowerBound)..<(data.startIndex + range.upperBound)] }
}

extension [UInt8] {
    fileprivate mutating func le16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func le32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
