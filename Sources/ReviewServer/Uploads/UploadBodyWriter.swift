import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Writes one PATCH body into an upload's data file in a single pass over its bytes: the buffers NIO received are
/// gathered as they are (no copy) into **batches that end on multiples of ``batchBytes`` of the file**, and each batch
/// is hashed (the whole-file SHA-256 and the request's `Upload-Checksum`) and written with one `pwritev` by a thread of
/// the blocking pool, while the next batch is being received. So each byte is read once by the hash and once by the
/// kernel's copy into the page cache; there is one thread hop per batch (4 MiB by default), not per network read; and
/// memory is two batches whatever the body's size.
///
/// Digests are values: a batch's digests come back from the pool only when every byte of it is on disk, so
/// ``Progress/digests`` always covers exactly ``Progress/position`` bytes, and is `nil` once a write failed (the file
/// then no longer matches any digest the caller holds, and the caller cuts the file back).
struct UploadBodyWriter {
    /// The digests a PATCH brings up to date: the whole file's, and the request's `Upload-Checksum` if it has one.
    struct Digests: Sendable {
        var file: RunningDigest
        var chunk: RunningDigest?

        mutating func update(_ buffer: ByteBuffer) {
            file.update(buffer)
            chunk?.update(buffer)
        }
    }

    /// What reached the disk.
    struct Progress {
        /// The file offset after the last byte written.
        var position: Int64
        /// The digests through `position`; `nil` after a failed write.
        var digests: Digests?
        /// Why the body ended early: the connection, the limits, or a write.
        var error: (any Error)?
    }

    /// An open data file, written at explicit offsets.
    let descriptor: CInt
    /// Batch size and alignment, a power of two.
    let batchBytes: Int64
    /// A PATCH slower than this over `rateWindow` is ended (what arrived is kept).
    let minimumBytesPerSecond: Int64
    let rateWindow: Duration

    /// Opens the data file for writing (creating it if a crash lost it). Blocking, but a local `open` of an existing
    /// file takes microseconds, less than a hop to the pool.
    static func openDataFile(_ path: String) throws -> CInt {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "open(\(path))") }
        return descriptor
    }

    /// Streams `body` into the file from `start`. Returns once nothing of this body is being written any more, whatever
    /// happened: the caller may then truncate or keep the file.
    ///
    /// - Parameters:
    ///   - limit: the file may not grow past this offset (the upload's length): a body that would is ended with
    ///     ``UploadError/Code/tooLarge`` and its gathered, unwritten bytes are not written.
    ///   - digests: the digests of the file's first `start` bytes (and of nothing of this request).
    func write<Body: AsyncSequence & Sendable>(
        _ body: Body, at start: Int64, limit: Int64, digests: Digests
    ) async -> Progress where Body.Element == ByteBuffer {
        let descriptor = self.descriptor
        let batchBytes = self.batchBytes
        return await withTaskGroup(of: Result<Digests, any Error>.self) { group in
            var progress = Progress(position: start, digests: digests)
            /// Bytes of the batch being written by the pool (0: none).
            var writing: Int64 = 0
            var batch: [ByteBuffer] = []
            var gathered: Int64 = 0

            /// Waits for the batch being written; then `progress` says what is on disk.
            func settle() async {
                guard writing > 0, let result = await group.next() else { return }
                switch result {
                case .success(let digests):
                    progress.position += writing
                    progress.digests = digests
                case .failure(let error):
                    progress.digests = nil
                    progress.error = progress.error ?? error
                }
                writing = 0
            }

            /// Hands the gathered batch to the pool, after the previous one is on disk (one batch in flight, so writes
            /// stay in order and memory stays at two batches). Nothing is written after a failed write.
            func dispatch() async {
                await settle()
                guard gathered > 0, let digests = progress.digests else { return }
                let buffers = batch
                let offset = progress.position
                batch.removeAll(keepingCapacity: true)
                writing = gathered
                gathered = 0
                group.addTask {
                    do {
                        return .success(try await NIOThreadPool.singleton.runIfActive {
                            try Self.hashAndWrite(buffers, at: offset, to: descriptor, digests: digests)
                        })
                    } catch {
                        return .failure(error)
                    }
                }
            }

            // The rate is measured from the body's first bytes: the time before them (a loaded server, a slow
            // start) is the idle timeout's business, and counting it could end a body before it had sent anything.
            var windowStart: ContinuousClock.Instant? = nil
            var windowBytes: Int64 = 0
            do {
                for try await var chunk in body {
                    let end = progress.position + writing + gathered
                    guard end + Int64(chunk.readableBytes) <= limit else {
                        throw UploadError(.tooLarge, "The body goes past the upload's length.")
                    }
                    windowBytes += Int64(chunk.readableBytes)
                    let elapsed = ContinuousClock.now - (windowStart ?? ContinuousClock.now)
                    if windowStart == nil { windowStart = ContinuousClock.now }
                    if elapsed >= rateWindow {
                        guard Double(windowBytes) >= Double(minimumBytesPerSecond) * elapsed.seconds else {
                            throw UploadError(
                                .tooSlow,
                                "The upload arrived too slowly (under \(ByteSize(minimumBytesPerSecond))/s) and was paused; what arrived is kept: resume when the connection is better.")
                        }
                        windowStart = ContinuousClock.now
                        windowBytes = 0
                    }
                    // Cut the chunk (a slice, not a copy) where the file reaches the next multiple of the batch size.
                    while chunk.readableBytes > 0 {
                        let end = progress.position + writing + gathered
                        let room = Int((end / batchBytes + 1) * batchBytes - end)
                        guard chunk.readableBytes >= room else {
                            gathered += Int64(chunk.readableBytes)
                            batch.append(chunk)
                            break
                        }
                        batch.append(chunk.readSlice(length: room)!)
                        gathered += Int64(room)
                        await dispatch()
                        if progress.digests == nil, let error = progress.error { throw error }
                    }
                }
                await dispatch()
            } catch {
                progress.error = progress.error ?? error
                // Keep what arrived before the connection broke (a body that went past the length is discarded by the
                // caller, so its last bytes need not be written).
                if (error as? UploadError)?.code != .tooLarge {
                    await dispatch()
                }
            }
            await settle()
            return progress
        }
    }

    /// Linux's `IOV_MAX`.
    static let maximumVectors = 1024

    /// Hashes `buffers` in order, then writes them at `offset` with as few `pwritev` calls as the system allows.
    /// Runs on a pool thread.
    static func hashAndWrite(_ buffers: [ByteBuffer], at offset: Int64, to descriptor: CInt, digests: Digests) throws -> Digests {
        var digests = digests
        for buffer in buffers {
            digests.update(buffer)
        }
        var vectors: [iovec] = []
        vectors.reserveCapacity(buffers.count)
        var storages: [Unmanaged<AnyObject>] = []
        storages.reserveCapacity(buffers.count)
        defer { storages.forEach { $0.release() } }
        for buffer in buffers where buffer.readableBytes > 0 {
            // The storage is retained until the write returns, so the pointer stays valid outside the closure.
            buffer.withUnsafeReadableBytesWithStorageManagement { bytes, storage in
                storages.append(storage.retain())
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
            }
        }
        var position = offset
        var next = 0
        while next < vectors.count {
            let count = min(vectors.count - next, Self.maximumVectors)
            let written = vectors.withUnsafeBufferPointer { all in
                pwritev(descriptor, all.baseAddress! + next, CInt(count), off_t(position))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw IOError(errnoCode: errno, reason: "pwritev")
            }
            guard written > 0 else { throw IOError(errnoCode: EIO, reason: "pwritev wrote nothing") }
            position += Int64(written)
            // A short write: skip the vectors written in full, trim the one written in part.
            var remaining = written
            while remaining > 0, next < vectors.count {
                if remaining >= vectors[next].iov_len {
                    remaining -= vectors[next].iov_len
                    next += 1
                } else {
                    vectors[next].iov_base = vectors[next].iov_base?.advanced(by: remaining)
                    vectors[next].iov_len -= remaining
                    remaining = 0
                }
            }
        }
        return digests
    }
}
