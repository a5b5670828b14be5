import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFileSystem
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Seeded (ReviewDomain's `SplitMix64`), so that a failing case can be replayed.
typealias SeededGenerator = SplitMix64

/// The descriptors kept open for streaming (decision 22).
@Suite("Open file cache")
struct OpenFileCacheTests {
    /// A fresh folder with `count` small files, removed after `body`.
    func withFiles(_ count: Int, _ body: ([FilePath]) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-open-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = (0..<count).map { FilePath(folder.appendingPathComponent("file-\($0)").path) }
        for (n, path) in paths.enumerated() {
            try Data(Tus.bytes(1000 + n, seed: UInt8(n))).write(to: URL(fileURLWithPath: path.string))
        }
        try await body(paths)
    }

    /// Whether `descriptor` is still an open descriptor of `path` in this process.
    static func isOpen(_ descriptor: CInt, as path: FilePath) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")) == path.string
    }

    static func firstByte(_ descriptor: CInt) -> UInt8? {
        var byte: UInt8 = 0
        return pread(descriptor, &byte, 1, 0) == 1 ? byte : nil
    }

    @Test("A file is opened once and its descriptor kept for the next request; a directory or a missing path is nil")
    func reuse() async throws {
        let cache = OpenFileCache(capacity: 4)
        try await withFiles(1) { paths in
            let first = try await cache.withFile(paths[0]) { descriptor, info in (descriptor, info) }
            let second = try await cache.withFile(paths[0]) { descriptor, info in (descriptor, info) }
            #expect(first?.0 == second?.0 && first?.1 == second?.1 && first?.1.size == 1000)
            #expect(Self.isOpen(first!.0, as: paths[0]), "kept open between requests")
            #expect(try await cache.info(paths[0].removingLastComponent()) == nil, "a directory is no file to stream")
            #expect(try await cache.info(paths[0].removingLastComponent().appending("none")) == nil)
            #expect(cache.count == 1)
        }
    }

    @Test("At most `capacity` files: the least recently used is closed")
    func eviction() async throws {
        let cache = OpenFileCache(capacity: 3)
        try await withFiles(5) { paths in
            var descriptors: [CInt] = []
            for path in paths.prefix(3) {
                descriptors.append(try await cache.withFile(path) { descriptor, _ in descriptor }!)
            }
            _ = try await cache.info(paths[0])  // file 0 is used again: file 1 is now the oldest
            _ = try await cache.info(paths[3])
            #expect(cache.count == 3)
            #expect(!cache.isOpen(paths[1]) && !Self.isOpen(descriptors[1], as: paths[1]), "the least recently used is closed")
            #expect(cache.isOpen(paths[0]) && Self.isOpen(descriptors[0], as: paths[0]))
            _ = try await cache.info(paths[4])
            #expect(!cache.isOpen(paths[2]) && !Self.isOpen(descriptors[2], as: paths[2]))
        }
    }

    @Test("A descriptor in use survives its eviction or forgetting, and is closed when its last user ends")
    func inUse() async throws {
        let cache = OpenFileCache(capacity: 1)
        try await withFiles(2) { paths in
            let expected = Tus.bytes(1000, seed: 0)[0]
            let descriptor = try await cache.withFile(paths[0]) { descriptor, _ in
                cache.forget(paths[0])
                _ = try await cache.info(paths[1])  // the other file takes the only place
                #expect(Self.firstByte(descriptor) == expected, "still readable while the response sends")
                return descriptor
            }
            #expect(!Self.isOpen(descriptor!, as: paths[0]), "closed once the response ended")
            #expect(!cache.isOpen(paths[0]) && cache.isOpen(paths[1]))
        }
    }

    @Test("A path that names another file or none since it was opened is opened again; forget(under:) closes a folder's files")
    func revalidation() async throws {
        let cache = OpenFileCache(capacity: 8, revalidateAfter: .zero)
        try await withFiles(3) { paths in
            let old = try await cache.withFile(paths[0]) { descriptor, info in (descriptor, info) }!
            // Replaced as the worker replaces a proxy: a new file renamed over the path.
            let replacement = paths[0].string + ".new"
            try Data(Tus.bytes(4321, seed: 99)).write(to: URL(fileURLWithPath: replacement))
            #expect(rename(replacement, paths[0].string) == 0)
            let new = try await cache.withFile(paths[0]) { descriptor, info in (descriptor, info, Self.firstByte(descriptor)) }!
            #expect(new.1.size == 4321 && new.1 != old.1 && new.2 == Tus.bytes(4321, seed: 99)[0])
            #expect(!Self.isOpen(old.0, as: paths[0]) || old.0 == new.0, "the replaced file's descriptor is closed")
            // Deleted behind the cache's back (another process): nil, and closed.
            _ = try await cache.info(paths[1])
            try FileManager.default.removeItem(atPath: paths[1].string)
            #expect(try await cache.info(paths[1]) == nil)
            #expect(!cache.isOpen(paths[1]))
            // Erasure removes a recording's media folder: everything under it is closed.
            _ = try await cache.info(paths[2])
            cache.forget(under: paths[2].removingLastComponent())
            #expect(cache.count == 0)
        }
    }
}

@Suite("HTTP dates")
struct HTTPDateTests {
    @Test("IMF-fixdate by arithmetic matches Foundation's formatter, leap days and centuries included")
    func matchesFormatter() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var generator = SeededGenerator(seed: 1994)
        let fixed: [TimeInterval] = [0, 784_111_777, 951_782_400, 951_868_799.9, 4_107_542_400, 1_800_000_000, 253_402_300_799]
        let random = (0..<2000).map { _ in TimeInterval(Int64.random(in: 0...4_102_444_800, using: &generator)) }
        for seconds in fixed + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(HTTPDate.format(date) == formatter.string(from: date), "\(seconds)")
        }
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")  // RFC 9110's example
    }
}

/// Remembered access decisions never outlive a right taken away through this server (decision 22).
@Suite("Remembered access decisions")
struct AccessDecisionCacheTests {
    typealias Caller = APIFixture.Caller

    @Test("A decision read while a right was being taken away is not kept")
    func raceWithRevocation() async throws {
        let f = try await APIFixture.make()
        defer { try? FileManager.default.removeItem(at: f.directory) }
        let cache = RecordingAccessCache()
        let recording = f.recording
        let actor = f.users[.lead]!.actor
        let before = AccessEpoch.current
        AccessEpoch.advance()  // a revoking request answered while the decision was being read
        cache.remember(recording, allowedFor: actor, decidedAt: before)
        #expect(cache.allowed(recording.id, for: actor) == nil)
        cache.remember(recording, allowedFor: actor, decidedAt: AccessEpoch.current)
        #expect(cache.allowed(recording.id, for: actor)?.id == recording.id)
        #expect(cache.allowed(recording.id, for: f.users[.auditor]!.actor) == nil, "another actor is another decision")
        AccessEpoch.advance()
        #expect(cache.allowed(recording.id, for: actor) == nil)
        await f.store.shutdown()
    }

    @Test("A moderator who declines the case loses its recording at once, though the allow was remembered")
    func declinedAssignment() async throws {
        let f = try await APIFixture.make()
        let r = f.recording.id
        try await f.withClient { client in
            for _ in 0..<2 {  // the second is answered from the remembered decision
                let watched = try await client.execute(uri: "/api/v1/recordings/\(r)/proxy", method: .get,
                                                       headers: f.headers(.assignedModerator).with(.range, "bytes=0-99"))
                #expect(watched.status == .partialContent)
            }
            let declined = try await client.execute(uri: "/api/v1/cases/\(f.dispute.id)/assignment/decline", method: .post,
                                                    headers: f.headers(.assignedModerator, json: true),
                                                    body: ByteBuffer(string: #"{"reason":"I know the family."}"#))
            #expect(declined.status == .ok, "\(String(buffer: declined.body))")
            for path in ["proxy", "thumbnails/0", ""] {
                let response = try await client.execute(uri: "/api/v1/recordings/\(r)/\(path)", method: .get,
                                                        headers: f.headers(.assignedModerator).with(.range, "bytes=0-99"))
                #expect(response.status == .notFound, "\(path): \(response.status)")
            }
        }
    }

    @Test("Erasure: the recording's file name and bytes are gone at once, and its open descriptors closed")
    func erasure() async throws {
        let f = try await APIFixture.make()
        let r = f.recording.id
        let sha = f.recording.sha256!
        let blob = FilePath(f.directory.path).appending("blobs").appending(String(sha.prefix(2)))
            .appending(String(sha.dropFirst(2).prefix(2))).appending(sha)
        let proxy = FilePath(f.directory.path).appending("media/\(r)/\(sha)/proxy.mp4")
        try await f.withClient { client in
            for _ in 0..<2 {
                let shown = try await client.execute(uri: "/api/v1/recordings/\(r)", method: .get, headers: f.headers(.lead))
                #expect(String(buffer: shown.body).contains("visit.mp4"))
                let original = try await client.execute(uri: "/api/v1/recordings/\(r)/media", method: .get,
                                                        headers: f.headers(.lead).with(.range, "bytes=0-9"))
                #expect(original.status == .partialContent && Array(original.body.readableBytesView) == Array(f.originalBytes[0...9]))
                #expect(try await client.execute(uri: "/api/v1/recordings/\(r)/proxy", method: .get, headers: f.headers(.lead)).status == .ok)
            }
            #expect(OpenFileCache.shared.isOpen(blob) && OpenFileCache.shared.isOpen(proxy), "kept open for the next request")
            try await f.eraseCandidate(through: client)
            #expect(!OpenFileCache.shared.isOpen(blob) && !OpenFileCache.shared.isOpen(proxy), "closed with the erasure")
            let shown = try await client.execute(uri: "/api/v1/recordings/\(r)", method: .get, headers: f.headers(.lead))
            #expect(!String(buffer: shown.body).contains("visit.mp4"), "the erased file name is not served from memory")
            for path in ["media", "proxy"] {
                let response = try await client.execute(uri: "/api/v1/recordings/\(r)/\(path)", method: .get, headers: f.headers(.lead))
                #expect(response.status == .notFound, "\(path): \(response.status)")
            }
        }
    }
}

extension HTTPFields {
    func with(_ name: HTTPField.Name, _ value: String) -> HTTPFields {
        var copy = self
        copy[name] = value
        return copy
    }
}

/// One pass over a PATCH body: hashed and written in batches aligned in the file (``UploadBodyWriter``).
@Suite("Upload body writer")
struct UploadBodyWriterTests {
    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let buffers: [ByteBuffer]
        /// Ends with this error after the buffers (a broken connection).
        let failure: UploadError?
        struct AsyncIterator: AsyncIteratorProtocol {
            var remaining: [ByteBuffer]
            let failure: UploadError?
            mutating func next() async throws -> ByteBuffer? {
                if remaining.isEmpty {
                    if let failure { throw failure }
                    return nil
                }
                return remaining.removeFirst()
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: buffers, failure: failure) }
    }

    func withFile(prefix: [UInt8], _ body: (CInt, String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-body-\(UUID().uuidString)").path
        try Data(prefix).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = try UploadBodyWriter.openDataFile(path)
        defer { close(descriptor) }
        try await body(descriptor, path)
    }

    /// The body cut into seeded random pieces, a few of them empty.
    static func chunks(_ bytes: [UInt8], seed: UInt64) -> [ByteBuffer] {
        var generator = SeededGenerator(seed: seed)
        var buffers: [ByteBuffer] = []
        var at = 0
        while at < bytes.count {
            let length = min(bytes.count - at, Int.random(in: 0...70_000, using: &generator))
            buffers.append(ByteBuffer(bytes: bytes[at..<(at + length)]))
            at += length
        }
        return buffers
    }

    @Test("From an unaligned offset, in pieces of any size: the file and both digests hold exactly the bytes", arguments: [4096, 1 << 16])
    func wholeBody(batch: Int) async throws {
        let prefix = Tus.bytes(12_345, seed: 1)
        let body = Tus.bytes(1_000_003, seed: 2)
        try await withFile(prefix: prefix) { descriptor, path in
            var file = RunningDigest(.sha256)
            file.update(ByteBuffer(bytes: prefix))
            let writer = UploadBodyWriter(descriptor: descriptor, batchBytes: Int64(batch), minimumBytesPerSecond: 1, rateWindow: .seconds(30))
            let progress = await writer.write(Chunks(buffers: Self.chunks(body, seed: 3), failure: nil), at: Int64(prefix.count),
                                              limit: .max, digests: .init(file: file, chunk: RunningDigest(.sha1)))
            #expect(progress.error == nil && progress.position == Int64(prefix.count + body.count))
            let written = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(written == Data(prefix + body))
            #expect(progress.digests?.file.finalize() == Data(SHA256.hash(data: prefix + body)))
            #expect(progress.digests?.chunk?.finalize() == Data(Insecure.SHA1.hash(data: body)))
        }
    }

    @Test("A broken connection keeps what arrived, hashed; a body past the limit ends with tooLarge")
    func brokenAndTooLarge() async throws {
        let body = Tus.bytes(300_001, seed: 4)
        try await withFile(prefix: []) { descriptor, path in
            let writer = UploadBodyWriter(descriptor: descriptor, batchBytes: 1 << 16, minimumBytesPerSecond: 1, rateWindow: .seconds(30))
            let broken = await writer.write(Chunks(buffers: Self.chunks(body, seed: 5), failure: UploadError(.notFound, "gone")),
                                            at: 0, limit: .max, digests: .init(file: RunningDigest(.sha256)))
            // The body's own failure is told apart from the writer's: it is `Interrupted`, carrying the cause.
            #expect(((broken.error as? UploadBodyWriter.Interrupted)?.cause as? UploadError)?.code == .notFound)
            #expect(broken.position == Int64(body.count) && broken.digests?.file.finalize() == Data(SHA256.hash(data: body)))
            let written = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(written == Data(body))
            let tooLarge = await writer.write(Chunks(buffers: Self.chunks(body, seed: 6), failure: nil),
                                              at: Int64(body.count), limit: Int64(body.count) + 200_000, digests: broken.digests!)
            #expect((tooLarge.error as? UploadError)?.code == .tooLarge)
            #expect(tooLarge.position <= Int64(body.count) + 200_000)
        }
    }
}
