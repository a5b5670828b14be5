public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random bytes from the operating system's CSPRNG, drawn in blocks: one `arc4random_buf` fill (`getrandom` on Linux)
/// serves 256 ids or salts.
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for every id: three system calls and a path
/// lookup, 11,000 of them for a 3,000-row import and a tenth of its time (docs/benchmarks.md, issue 21 item 4). The
/// bytes are the same kernel CSPRNG's; they wait in this process's memory only until used, and each is handed out once.
public enum SecureRandom {
    private struct Block: ~Copyable {
        static let size = 4096
        var bytes = [UInt8](repeating: 0, count: size)
        var used = size

        /// The next `count` bytes (at most ``size``), refilling the block when it runs out.
        mutating func take(_ count: Int, into target: UnsafeMutableRawBufferPointer) {
            if used + count > Self.size {
                bytes.withUnsafeMutableBytes { buffer in arc4random_buf(buffer.baseAddress!, buffer.count) }
                used = 0
            }
            bytes.withUnsafeBytes { buffer in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[used..<used + count]))
            }
            used += count
        }
    }

    private static let block = Mutex(Block())

    /// Fills `target` (up to 4,096 bytes) with random bytes.
    public static func fill(_ target: UnsafeMutableRawBufferPointer) {
        precondition(target.count <= Block.size, "SecureRandom fills at most \(Block.size) bytes at a time")
        block.withLock { $0.take(target.count, into: target) }
    }

    /// `count` random bytes (at most 4,096).
    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { fill($0) }
        return bytes
    }

    /// Whether ``DomainIdentifier/init()`` makes time-ordered ids (``timeOrderedUUID(milliseconds:)``) in this task: set
    /// by a bulk import for the rows it creates (decision 40), so that their primary keys and unique indexes grow at
    /// the end of each B-tree instead of at a random leaf.
    @TaskLocal public static var timeOrdered = false

    /// A new id: ``timeOrderedUUID(milliseconds:)`` while ``timeOrdered`` is set, else ``uuid()``.
    public static func identifier() -> UUID { timeOrdered ? timeOrderedUUID() : uuid() }

    /// A time-ordered (version 7, RFC 9562 §5.7) UUID: the Unix time in milliseconds in the first 48 bits, then 74
    /// random bits around the version and variant. Ids made in later milliseconds sort after earlier ones (as text too:
    /// the time is the leading hexadecimal digits); within one millisecond their order is random. They reveal when they
    /// were made, to the millisecond, and keep 74 unguessable bits (a version 4 UUID has 122).
    public static func timeOrderedUUID(milliseconds: UInt64 = currentMilliseconds()) -> UUID {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { buffer in
            fill(UnsafeMutableRawBufferPointer(rebasing: buffer[6...]))
            for i in 0..<6 { buffer[i] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(i))) }
            buffer[6] = (buffer[6] & 0x0F) | 0x70  // version 7
            buffer[8] = (buffer[8] & 0x3F) | 0x80  // variant 10
        }
        return UUID(uuid: uuid)
    }

    /// The Unix time in milliseconds (the system's real-time clock).
    public static func currentMilliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
    }

    /// A random (version 4, RFC 9562) UUID.
    public static func uuid() -> UUID {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { buffer in
            fill(buffer)
            buffer[6] = (buffer[6] & 0x0F) | 0x40  // version 4
            buffer[8] = (buffer[8] & 0x3F) | 0x80  // variant 10
        }
        return UUID(uuid: uuid)
    }
}
