public import Foundation
public import Logging
import Metrics
public import NIOCore
public import NIOFileSystem
public import ReviewDomain
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Disk-backed storage of resumable uploads: `<directory>/<id>.part` holds the bytes received,
/// `<id>.json` the ``UploadRecord``. Completed files move into a ``BlobStore``.
///
/// - **Constant memory**: a PATCH body streams to disk through a bounded buffer (`writeBufferBytes`).
/// - **Whole-file SHA-256 without a second read**: the digest is updated as bytes are written and kept in memory
///   between requests. swift-crypto cannot serialise a hash state, so after a server restart the bytes already on
///   disk are hashed once, on the first PATCH that resumes the upload; from then on hashing is incremental again.
/// - **Restart-safe**: the data file's size is the offset after a crash, except while a PATCH with
///   `Upload-Checksum` is in flight (its unverified bytes are cut off). A crash between storing the blob and
///   telling the app is finished by ``recover()`` at start-up.
/// - **One writer per upload**, across every process and machine sharing the data folder: a second concurrent PATCH
///   gets ``UploadError/Code/locked``. The lock is held in memory for this process and, for other processes, as an
///   advisory `flock` on the upload's data file (kept while the writer lives; released by the kernel if it dies).
///   The upload's state (the record and its bytes) lives in the shared folder, so any server resumes any upload.
public final class UploadStore: Sendable {
    public struct Configuration: Sendable {
        /// Where uploads in progress live.
        public var directory: FilePath
        /// The largest upload accepted (`Tus-Max-Size`).
        public var maxUploadBytes: Int64
        /// How long an incomplete upload lives after its last PATCH (and how long records of completed or
        /// expired uploads are kept, so late HEADs get an answer).
        public var expiry: TimeInterval
        /// How many bytes a PATCH gathers before writing, and the alignment of the writes in the file (a power of
        /// two). Memory per request is twice this: one batch being received while the previous one is written.
        public var writeBufferBytes: Int
        /// The clock (injected in tests).
        public var now: @Sendable () -> Date
        /// Free space the uploads folder keeps in reserve: an upload whose declared length would eat into it is
        /// refused at creation (507).
        public var reservedFreeBytes: Int64
        /// How many incomplete uploads one user may have at once.
        public var maxUploadsPerUser: Int
        /// How many bytes one user's incomplete uploads may still expect in all.
        public var maxPendingBytesPerUser: Int64
        /// Free bytes on the uploads folder's file system (injected in tests).
        public var freeBytes: @Sendable (FilePath) -> Int64?
        /// A PATCH slower than this over ``rateWindow`` is ended (its bytes kept), so that a trickling client cannot
        /// hold an upload's lock; a client that sends nothing at all is cut off by the server's idle timeout.
        public var minimumBytesPerSecond: Int64 = 1024
        public var rateWindow: Duration = .seconds(30)

        public init(
            directory: FilePath,
            maxUploadBytes: Int64 = 20 * 1024 * 1024 * 1024,
            expiry: TimeInterval = 24 * 60 * 60,
            writeBufferBytes: Int = 4 << 20,
            now: @escaping @Sendable () -> Date = { Date() },
            reservedFreeBytes: Int64 = 1 << 30,
            maxUploadsPerUser: Int = 10,
            maxPendingBytesPerUser: Int64 = 100 << 30,
            freeBytes: @escaping @Sendable (FilePath) -> Int64? = UploadStore.freeBytes(at:)
        ) {
            self.reservedFreeBytes = reservedFreeBytes
            self.maxUploadsPerUser = maxUploadsPerUser
            self.maxPendingBytesPerUser = maxPendingBytesPerUser
            self.freeBytes = freeBytes
            self.directory = directory
            self.maxUploadBytes = maxUploadBytes
            self.expiry = expiry
            precondition(writeBufferBytes > 0 && writeBufferBytes & (writeBufferBytes - 1) == 0, "The write batch is a power of two.")
            self.writeBufferBytes = writeBufferBytes
            self.now = now
        }
    }

    /// What ``removeExpired()`` did.
    public struct CleanupReport: Sendable, Hashable {
        /// Incomplete uploads whose bytes were deleted.
        public var expired = 0
        /// Old records (completed uploads, tombstones, orphaned files) deleted.
        public var forgotten = 0

        public init(expired: Int = 0, forgotten: Int = 0) {
            self.expired = expired
            self.forgotten = forgotten
        }
    }

    public let configuration: Configuration
    public let blobs: any BlobStore
    let completionHandler: any UploadCompletionHandler
    private let logger: Logger
    private let live = Mutex<[UploadID: LiveUpload]>([:])
    /// Creations under way per user, counted with their room check under one lock, so that concurrent creations
    /// cannot all pass a per-user limit that each alone would meet.
    private let creating = Mutex<[ReviewDomain.UserID: (count: Int, bytes: Int64)]>([:])

    /// In-memory state of an upload: its writer lock and the running whole-file digest.
    private struct LiveUpload {
        var busy = false
        /// The data file's descriptor holding the cross-process lock while busy, if the file exists.
        var lockDescriptor: CInt?
        var digest: RunningDigest?
        var digestOffset: Int64 = 0
    }

    public init(
        configuration: Configuration,
        blobs: any BlobStore,
        completionHandler: any UploadCompletionHandler,
        logger: Logger
    ) {
        self.configuration = configuration
        self.blobs = blobs
        self.completionHandler = completionHandler
        self.logger = logger
    }

    /// Creates the directories.
    public func prepare() async throws {
        try await FileSystem.shared.createDirectory(at: configuration.directory, withIntermediateDirectories: true)
        try await blobs.prepare()
    }

    // MARK: Operations

    /// Creates an upload with no bytes yet.
    public func create(_ new: NewUpload) async throws -> UploadInfo {
        if let length = new.length {
            try checkLength(length, offset: 0)
        }
        let owner = new.owner.userID
        let declared = new.length ?? 0
        try creating.withLock { creating in
            let inFlight = creating[owner] ?? (0, 0)
            try checkRoom(owner: owner, adding: declared, newUpload: true, inFlight: inFlight)
            creating[owner] = (inFlight.count + 1, inFlight.bytes + declared)
        }
        defer {
            creating.withLock { creating in
                let inFlight = creating[owner] ?? (1, declared)
                creating[owner] = inFlight.count <= 1 ? nil : (inFlight.count - 1, inFlight.bytes - declared)
            }
        }
        let now = configuration.now()
        let record = UploadRecord(
            id: UploadID(),
            owner: new.owner.userID,
            observationID: new.observationID,
            fileName: new.fileName,
            metadataHeader: new.metadataHeader,
            length: new.length,
            offset: 0,
            expectedSHA256: new.expectedSHA256,
            createdAt: now,
            expiresAt: now.addingTimeInterval(configuration.expiry),
            state: .receiving
        )
        try await FileSystem.shared.withFileHandle(
            forWritingAt: dataPath(record.id),
            options: .newFile(replaceExisting: false)
        ) { _ in }
        try writeRecord(record)
        logger.info("Upload created", metadata: ["upload": "\(record.id)", "length": "\(new.length.map(String.init) ?? "deferred")"])
        return UploadInfo(record: record, completedNow: false)
    }

    /// The upload's current state (HEAD).
    public func info(_ id: UploadID, for owner: ActingUser) async throws -> UploadInfo {
        var record = try load(id, for: owner)
        if tryAcquire(id) {
            defer { release(id) }
            record = try await reconcile(record)
        } else if record.state == .receiving, record.uncommittedFrom == nil {
            // A PATCH is writing: report what is on disk.
            record.offset = try await fileSize(dataPath(id)) ?? record.offset
        }
        return UploadInfo(record: record, completedNow: false)
    }

    /// Appends a request body at `offset` (PATCH, or the body of a creation-with-upload POST).
    ///
    /// - Parameters:
    ///   - declaredLength: `Upload-Length` sent with a PATCH to end a deferred length.
    ///   - contentLength: the request's `Content-Length`, if any, to refuse oversize bodies before reading them.
    ///   - checksum: `Upload-Checksum`: the body is kept only if it matches.
    /// - Returns: the new state; `completedNow` if these bytes finished the upload (the blob is stored and the
    ///   completion handler has answered).
    public func append<Body: AsyncSequence & Sendable>(
        to id: UploadID,
        for owner: ActingUser,
        at offset: Int64,
        declaredLength: Int64? = nil,
        contentLength: Int64? = nil,
        checksum: ChunkChecksum? = nil,
        body: Body
    ) async throws -> UploadInfo where Body.Element == ByteBuffer {
        guard tryAcquire(id) else {
            // Look first, so that an unknown id is a 404 and not a 423.
            _ = try load(id, for: owner)
            throw UploadError(.locked, "Another request is writing to this upload: wait for it to finish, then resume.")
        }
        defer { release(id) }
        var record = try await reconcile(try load(id, for: owner))
        switch record.state {
        case .receiving:
            break
        case .completing where offset == record.offset:
            return try await finish(record, digest: nil)
        case .completed where offset == record.offset:
            return UploadInfo(record: record, completedNow: false)
        case .completing, .completed, .expired:
            throw UploadError(.offsetMismatch, "The upload is complete at byte \(record.offset); nothing more can be added.")
        }
        guard offset == record.offset else {
            throw UploadError(
                .offsetMismatch,
                "The upload is at byte \(record.offset), not \(offset): send HEAD and resume from the offset it gives."
            )
        }
        // A PATCH under way keeps its upload alive: another server answering HEAD meanwhile must not call it expired.
        record.expiresAt = configuration.now().addingTimeInterval(configuration.expiry)
        try writeRecord(record)
        if let declaredLength {
            if let length = record.length {
                guard length == declaredLength else {
                    throw UploadError(.invalidLength, "The upload's length is already \(length) bytes; it cannot change.")
                }
            } else {
                try checkLength(declaredLength, offset: record.offset)
                // A length declared late is held to the same disk reserve and per-user limit as one given at creation.
                try checkRoom(owner: record.owner, adding: declaredLength - record.offset, newUpload: false)
                record.length = declaredLength
                try writeRecord(record)
            }
        }
        let limit = record.length ?? configuration.maxUploadBytes
        if let contentLength, record.offset + contentLength > limit {
            throw tooLarge(record: record)
        }

        let digest = try await wholeFileDigest(record)
        if checksum != nil {
            record.uncommittedFrom = record.offset
            try writeRecord(record)
        }
        let outcome = await write(
            body,
            at: record.offset,
            limit: limit,
            to: dataPath(id),
            digest: digest,
            chunkDigest: checksum.map { RunningDigest($0.algorithm) }
        )
        let checksumMatches = checksum.map { outcome.chunkDigest?.finalize() == $0.digest } ?? true
        let keep: Bool
        if let error = outcome.error {
            // A broken connection keeps what arrived (the protocol asks servers to store as much as they can),
            // unless the bytes were to be verified first or went past the length.
            keep = checksum == nil && !((error as? UploadError)?.code == .tooLarge) && outcome.digest != nil
        } else {
            keep = checksumMatches && outcome.digest != nil
        }
        let current: RunningDigest
        if keep, let newDigest = outcome.digest {
            record.offset = outcome.position
            current = newDigest
        } else {
            try await truncate(dataPath(id), to: record.offset)
            current = digest
        }
        record.uncommittedFrom = nil
        record.expiresAt = configuration.now().addingTimeInterval(configuration.expiry)
        try writeRecord(record)
        if let error = outcome.error {
            setDigest(current, at: record.offset, for: id)
            if let uploadError = error as? UploadError, uploadError.code == .tooLarge { throw tooLarge(record: record) }
            if Self.isDiskFull(error) {
                logger.error("Upload paused: the disk is full", metadata: ["upload": "\(id)", "offset": "\(record.offset)"])
                throw UploadError(
                    .insufficientStorage,
                    "The server ran out of disk space: your upload is kept safely up to byte \(record.offset). Resume it later; the service's administrator has been told.")
            }
            throw error
        }
        guard checksumMatches else {
            setDigest(current, at: record.offset, for: id)
            throw UploadError(
                .checksumMismatch,
                "The body does not match its Upload-Checksum: it was discarded; resume from byte \(record.offset)."
            )
        }
        if record.isFinished {
            return try await finish(record, digest: current)
        }
        setDigest(current, at: record.offset, for: id)
        return UploadInfo(record: record, completedNow: false)
    }

    /// Deletes an upload and its bytes (termination). A completed upload's blob belongs to its recording and stays.
    public func terminate(_ id: UploadID, for owner: ActingUser) async throws {
        guard tryAcquire(id) else {
            _ = try load(id, for: owner, allowExpired: true)
            throw UploadError(.locked, "Another request is writing to this upload: try again when it has finished.")
        }
        defer { release(id, forget: true) }
        _ = try load(id, for: owner, allowExpired: true)
        try await remove(id)
        logger.info("Upload terminated", metadata: ["upload": "\(id)"])
    }

    /// Deletes the bytes of incomplete uploads past their expiry (leaving a tombstone so clients get 410), and
    /// forgets records of completed uploads and tombstones after another expiry period. Uploads being written
    /// are skipped.
    @discardableResult
    public func removeExpired() async throws -> CleanupReport {
        var report = CleanupReport()
        let now = configuration.now()
        var names: [String] = []
        try await FileSystem.shared.withDirectoryHandle(atPath: configuration.directory) { directory in
            for try await entry in directory.listContents() {
                names.append(entry.name.string)
            }
        }
        let ids = Set(names.compactMap { name -> UploadID? in
            guard let dot = name.firstIndex(of: ".") else { return nil }
            return UploadID(name[..<dot])
        })
        for id in ids {
            guard tryAcquire(id) else { continue }
            defer { release(id) }
            guard var record = try readRecord(id) else {
                // Bytes without a record: a crash during creation. Delete once they are old.
                if let info = try await FileSystem.shared.info(forFileAt: dataPath(id)),
                    Double(info.lastDataModificationTime.seconds) + configuration.expiry < now.timeIntervalSince1970
                {
                    try await FileSystem.shared.removeItem(at: dataPath(id))
                    report.forgotten += 1
                }
                continue
            }
            switch record.state {
            case .receiving where now >= record.expiresAt:
                try await FileSystem.shared.removeItem(at: dataPath(id))
                record.state = .expired
                record.expiresAt = now.addingTimeInterval(configuration.expiry)
                try writeRecord(record)
                live.withLock { $0[id]?.digest = nil }
                report.expired += 1
                logger.info("Upload expired", metadata: ["upload": "\(id)", "offset": "\(record.offset)"])
            case .completed where now >= record.expiresAt, .expired where now >= record.expiresAt:
                try await remove(id)
                report.forgotten += 1
            case .receiving, .completing, .completed, .expired:
                break
            }
        }
        return report
    }

    /// Finishes uploads a crash interrupted after all their bytes had arrived (state `completing`), and cuts off
    /// unverified bytes of checksummed PATCHes. Run once at start-up.
    public func recover() async throws {
        var names: [String] = []
        var temporary: [FilePath] = []
        try await FileSystem.shared.withDirectoryHandle(atPath: configuration.directory) { directory in
            for try await entry in directory.listContents() {
                if entry.name.extension == "json" { names.append(entry.name.stem) }
                // Half-written sidecars of a process killed mid-write (Foundation's atomic writes). Other servers
                // sharing the folder may be writing theirs right now: only those older than a minute are left over.
                if entry.name.string.hasPrefix(".dat.nosync") { temporary.append(configuration.directory.appending(entry.name)) }
            }
        }
        for path in temporary where Self.isAbandoned(temporary: path, now: Date()) {
            _ = try? await FileSystem.shared.removeItem(at: path)
        }
        for id in names.compactMap(UploadID.init) {
            guard tryAcquire(id) else { continue }
            defer { release(id) }
            guard let record = try readRecord(id) else { continue }
            do {
                let reconciled = try await reconcile(record)
                if reconciled.state == .completing || (reconciled.state == .receiving && reconciled.isFinished) {
                    _ = try await finish(reconciled, digest: nil)
                    logger.notice("Recovered an interrupted upload completion", metadata: ["upload": "\(id)"])
                }
            } catch {
                logger.error("Could not recover upload", metadata: ["upload": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// Whether a half-written sidecar (`.dat.nosync<writer's pid in hex>.<random>`, Foundation's atomic write) was left
    /// by a process that died: its writer is no process of this machine (a killed server) and it is not being
    /// written this instant, or it is a minute old whoever wrote it. Writing one takes microseconds, so a live server
    /// sharing the folder (on another machine too) loses nothing.
    static func isAbandoned(temporary path: FilePath, now: Date) -> Bool {
        var status = stat()
        guard stat(path.string, &status) == 0 else { return false }
        let age = now.timeIntervalSince1970 - (Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9)
        if age > 60 { return true }
        let name = path.lastComponent?.string ?? ""
        guard age > 0.2, let hex = name.dropFirst(".dat.nosync".count).split(separator: ".").first, let pid = Int32(hex, radix: 16), pid > 0 else {
            return false
        }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    // MARK: Completion

    private func finish(_ record: UploadRecord, digest: RunningDigest?) async throws -> UploadInfo {
        var record = record
        let id = record.id
        if record.state == .receiving {
            let sha256: String
            if let digest {
                sha256 = digest.finalize().hexString
            } else {
                sha256 = try await digestOfFile(dataPath(id), upTo: record.offset).finalize().hexString
            }
            if let expected = record.expectedSHA256, expected != sha256 {
                try await remove(id)
                live.withLock { $0[id]?.digest = nil }
                logger.notice("Upload rejected: SHA-256 mismatch", metadata: ["upload": "\(id)", "expected": "\(expected)", "actual": "\(sha256)"])
                throw UploadError(
                    .fileChecksumMismatch,
                    "The file's SHA-256 is \(sha256), not the \(expected) given in Upload-Metadata: nothing was kept; upload it again."
                )
            }
            record.sha256 = sha256
            record.state = .completing
            try writeRecord(record)
        }
        guard let sha256 = record.sha256 else {
            throw UploadError(.notReceiving, "The upload has no checksum recorded.")
        }
        guard let key = BlobKey(sha256) else {
            throw UploadError(.notReceiving, "The upload has no checksum recorded.")
        }
        if try await FileSystem.shared.info(forFileAt: dataPath(id)) != nil {
            do {
                record.isDuplicate = try await blobs.adopt(file: dataPath(id), key: key)
            } catch let error as ObjectStorageError {
                logger.error("the blob store did not take a finished upload", metadata: ["upload": "\(id)", "error": "\(String(reflecting: error))"])
                throw UploadError(.storeUnavailable, "The file arrived whole, but the storage behind the server did not take it: send the last part again in a minute (your bytes are kept).")
            }
            try writeRecord(record)
        } else if try await !blobs.contains(key) {
            throw UploadError(.gone, "The upload's bytes are missing from the server: upload the file again.")
        }
        let completed = CompletedUpload(
            uploadID: id,
            observationID: record.observationID,
            uploadedBy: record.owner,
            fileName: record.fileName,
            sha256: sha256,
            byteCount: record.offset,
            isDuplicate: record.isDuplicate ?? false
        )
        let reference = try await completionHandler.uploadCompleted(completed)
        Counter(label: "obsreview_uploads_completed_total", dimensions: [("duplicate", "\(completed.isDuplicate)")]).increment()
        Counter(label: "obsreview_upload_bytes_total").increment(by: record.offset)
        record.recordingID = reference.recordingID
        record.alreadyUploaded = reference.alreadyUploaded
        record.state = .completed
        record.expiresAt = configuration.now().addingTimeInterval(configuration.expiry)
        try writeRecord(record)
        live.withLock { $0[id]?.digest = nil }
        logger.info(
            "Upload completed",
            metadata: [
                "upload": "\(id)", "sha256": "\(sha256)", "bytes": "\(record.offset)",
                "duplicate": "\(completed.isDuplicate)", "recording": "\(reference.recordingID)",
            ]
        )
        return UploadInfo(record: record, completedNow: true)
    }

    // MARK: Streaming

    private struct WriteOutcome {
        /// The offset after the last byte written.
        var position: Int64
        /// The whole-file digest through `position`; `nil` if a write failed and it no longer matches the file.
        var digest: RunningDigest?
        var chunkDigest: RunningDigest?
        var error: (any Error)?
    }

    /// Streams `body` into the file from `start`, hashing exactly the bytes that reach the disk, in one pass
    /// (``UploadBodyWriter``).
    private func write<Body: AsyncSequence & Sendable>(
        _ body: Body,
        at start: Int64,
        limit: Int64,
        to path: FilePath,
        digest: RunningDigest,
        chunkDigest: RunningDigest?
    ) async -> WriteOutcome where Body.Element == ByteBuffer {
        let descriptor: CInt
        do {
            descriptor = try UploadBodyWriter.openDataFile(path.string)
        } catch {
            return WriteOutcome(position: start, digest: nil, chunkDigest: chunkDigest, error: error)
        }
        defer { close(descriptor) }
        let writer = UploadBodyWriter(
            descriptor: descriptor,
            batchBytes: Int64(configuration.writeBufferBytes),
            minimumBytesPerSecond: configuration.minimumBytesPerSecond,
            rateWindow: configuration.rateWindow
        )
        let progress = await writer.write(
            body, at: start, limit: limit, digests: .init(file: digest, chunk: chunkDigest))
        return WriteOutcome(
            position: progress.position, digest: progress.digests?.file, chunkDigest: progress.digests?.chunk, error: progress.error)
    }

    private func wholeFileDigest(_ record: UploadRecord) async throws -> RunningDigest {
        if let digest = takeDigest(for: record.id, at: record.offset) { return digest }
        if record.offset > 0 {
            logger.info("Re-hashing received bytes to resume", metadata: ["upload": "\(record.id)", "bytes": "\(record.offset)"])
        }
        return try await digestOfFile(dataPath(record.id), upTo: record.offset)
    }

    private func digestOfFile(_ path: FilePath, upTo length: Int64) async throws -> RunningDigest {
        var digest = RunningDigest(.sha256)
        guard length > 0 else { return digest }
        try await FileSystem.shared.withFileHandle(forReadingAt: path) { handle in
            for try await chunk in handle.readChunks(in: 0..<length, chunkLength: .mebibytes(1)) {
                digest.update(chunk)
            }
        }
        return digest
    }

    // MARK: Records and files

    private func dataPath(_ id: UploadID) -> FilePath { configuration.directory.appending("\(id).part") }
    private func recordPath(_ id: UploadID) -> FilePath { configuration.directory.appending("\(id).json") }

    private func load(_ id: UploadID, for owner: ActingUser, allowExpired: Bool = false) throws -> UploadRecord {
        // Someone else's upload is indistinguishable from no upload.
        guard let record = try readRecord(id), record.owner == owner.userID else {
            throw UploadError(.notFound, "There is no upload \(id).")
        }
        if !allowExpired {
            if record.state == .expired
                || (record.state == .receiving && configuration.now() >= record.expiresAt)
            {
                throw UploadError(.gone, "The upload \(id) expired before it was finished: start a new upload.")
            }
        }
        return record
    }

    /// Brings a record in line with its data file after a crash. Call with the upload's lock held.
    private func reconcile(_ record: UploadRecord) async throws -> UploadRecord {
        guard record.state == .receiving else { return record }
        let original = record
        var record = record
        let path = dataPath(record.id)
        let size = try await fileSize(path)
        if let from = record.uncommittedFrom {
            try await truncate(path, to: from)
            record.offset = from
            record.uncommittedFrom = nil
        } else if let size {
            record.offset = min(size, record.length ?? size)
            if size > record.offset { try await truncate(path, to: record.offset) }
        } else {
            try await FileSystem.shared.withFileHandle(forWritingAt: path, options: .modifyFile(createIfNecessary: true)) { _ in }
            record.offset = 0
        }
        if record != original {
            try writeRecord(record)
        }
        return record
    }

    private func readRecord(_ id: UploadID) throws -> UploadRecord? {
        let url = URL(fileURLWithPath: recordPath(id).string)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return nil
        }
        return try Self.decoder.decode(UploadRecord.self, from: data)
    }

    /// Replaces the sidecar atomically (write to a temporary file, then rename). It is a few hundred bytes, so the
    /// blocking write is shorter than a hop to a thread pool.
    private func writeRecord(_ record: UploadRecord) throws {
        let data = try Self.encoder.encode(record)
        try data.write(to: URL(fileURLWithPath: recordPath(record.id).string), options: .atomic)
    }

    private func remove(_ id: UploadID) async throws {
        try await FileSystem.shared.removeItem(at: dataPath(id))
        try await FileSystem.shared.removeItem(at: recordPath(id))
    }

    private func fileSize(_ path: FilePath) async throws -> Int64? {
        try await FileSystem.shared.info(forFileAt: path)?.size
    }

    private func truncate(_ path: FilePath, to size: Int64) async throws {
        try await FileSystem.shared.withFileHandle(forWritingAt: path, options: .modifyFile(createIfNecessary: true)) { handle in
            try await handle.resize(to: .bytes(size))
        }
    }

    private func checkLength(_ length: Int64, offset: Int64) throws(UploadError) {
        guard length > 0 else {
            throw UploadError(.invalidLength, "A recording cannot be empty: Upload-Length must be at least 1.")
        }
        guard length >= offset else {
            throw UploadError(.invalidLength, "Upload-Length \(length) is less than the \(offset) bytes already received.")
        }
        guard length <= configuration.maxUploadBytes else {
            throw UploadError(
                .tooLarge,
                "The upload is \(length) bytes; the largest accepted is \(configuration.maxUploadBytes) bytes."
            )
        }
    }

    /// A user's incomplete uploads that have not expired, newest first: the upload page offers to resume them,
    /// on any device, and nothing about them need be kept in the browser.
    public func unfinished(of owner: ReviewDomain.UserID) -> [UploadRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: configuration.directory.string)) ?? []
        let now = configuration.now()
        return names.compactMap { name -> UploadRecord? in
            guard name.hasSuffix(".json"), let id = UploadID(String(name.dropLast(5))), let record = try? readRecord(id),
                record.owner == owner, record.state == .receiving, record.expiresAt > now
            else { return nil }
            return record
        }.sorted { $0.createdAt > $1.createdAt }
    }

    /// Refuses an upload the disk cannot take (declared length beyond the free space less the reserve) and one that
    /// would take its user past the per-user limits of uploads under way and bytes still expected.
    /// `adding`: the bytes newly promised (a new upload's length, or a deferred length being declared); `newUpload`:
    /// whether one more upload would be under way; `inFlight`: creations not yet on disk.
    private func checkRoom(
        owner: ReviewDomain.UserID, adding declared: Int64, newUpload: Bool, inFlight: (count: Int, bytes: Int64) = (0, 0)
    ) throws {
        if let free = configuration.freeBytes(configuration.directory), declared > free - configuration.reservedFreeBytes {
            throw UploadError(
                .insufficientStorage,
                "The server has not enough free space for a file of \(ByteSize(declared)) just now: nothing was stored. Try again later, and tell the service's administrator.")
        }
        let mine = unfinished(of: owner)
        let open = mine.count + inFlight.count
        let pending = mine.reduce(Int64(0)) { $0 + max(0, ($1.length ?? $1.offset) - $1.offset) } + inFlight.bytes
        guard !newUpload || open < configuration.maxUploadsPerUser else {
            throw UploadError(
                .quota,
                "You have \(open) uploads under way, the most one person may have at once: finish or cancel one of them first.")
        }
        guard pending + declared <= configuration.maxPendingBytesPerUser else {
            throw UploadError(
                .quota,
                "Your uploads under way still expect \(ByteSize(pending)); with this one that would pass the \(ByteSize(configuration.maxPendingBytesPerUser)) one person may have pending: finish the others first.")
        }
    }

    /// Free bytes on the file system holding `path` (or its nearest existing ancestor); nil if unknown.
    public static func freeBytes(at path: FilePath) -> Int64? {
        var probe = path
        var info = statvfs()
        while statvfs(probe.string, &info) != 0 {
            guard !probe.isEmpty, probe.removeLastComponent() else { return nil }
        }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Whether a write failed because the disk is full.
    static func isDiskFull(_ error: any Error) -> Bool {
        if let error = error as? IOError, error.errnoCode == ENOSPC { return true }
        let text = String(reflecting: error)
        return text.contains("ENOSPC") || text.contains("No space left") || text.contains("noSpace")
    }

    private func tooLarge(record: UploadRecord) -> UploadError {
        if let length = record.length {
            return UploadError(.tooLarge, "The body goes past the upload's length of \(length) bytes.")
        }
        return UploadError(.tooLarge, "The upload would pass the largest accepted size of \(configuration.maxUploadBytes) bytes.")
    }

    // MARK: Locks and digests

    /// Takes the upload's writer lock: in memory, then `flock` on its data file for other processes. A data file that
    /// does not exist (a finished, expired or unknown upload) has nothing to protect; the caller's load decides.
    private func tryAcquire(_ id: UploadID) -> Bool {
        let free = live.withLock { uploads in
            if uploads[id]?.busy == true { return false }
            uploads[id, default: LiveUpload()].busy = true
            return true
        }
        guard free else { return false }
        let descriptor = open(dataPath(id).string, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return true }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            release(id)
            return false
        }
        live.withLock { $0[id]?.lockDescriptor = descriptor }
        return true
    }

    private func release(_ id: UploadID, forget: Bool = false) {
        let descriptor = live.withLock { uploads -> CInt? in
            let descriptor = uploads[id]?.lockDescriptor
            uploads[id]?.lockDescriptor = nil
            uploads[id]?.busy = false
            if forget || uploads[id]?.digest == nil { uploads[id] = nil }
            return descriptor
        }
        // Closing the descriptor releases the flock.
        if let descriptor { close(descriptor) }
    }

    /// Takes the running digest out of the live state if it covers exactly `offset` bytes.
    private func takeDigest(for id: UploadID, at offset: Int64) -> RunningDigest? {
        live.withLock { uploads -> RunningDigest? in
            guard uploads[id]?.digestOffset == offset else { return nil }
            return uploads[id]?.digest.take()
        }
    }

    private func setDigest(_ digest: RunningDigest, at offset: Int64, for id: UploadID) {
        live.withLock { uploads in
            uploads[id, default: LiveUpload()].digest = digest
            uploads[id, default: LiveUpload()].digestOffset = offset
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

/// A per-request checksum (`Upload-Checksum`).
public struct ChunkChecksum: Sendable, Hashable {
    public var algorithm: ChecksumAlgorithm
    public var digest: Data

    public init(algorithm: ChecksumAlgorithm, digest: Data) {
        self.algorithm = algorithm
        self.digest = digest
    }
}
