public import Foundation
public import NIOCore
public import NIOFileSystem

/// A blob's name: the lower-case hex SHA-256 of its bytes. Jobs, recordings and responses carry the key, never
/// a file-system path, so a blob is found the same way whatever the data directory is called or where the
/// process was started.
public struct BlobKey: Hashable, Sendable, CustomStringConvertible, Codable {
    /// 64 lower-case hex digits.
    public let sha256: String

    /// Nil unless `text` is a SHA-256 digest (64 hex digits, either case).
    public init?(_ text: String) {
        let lower = text.lowercased()
        guard lower.utf8.count == 64, lower.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return nil
        }
        sha256 = lower
    }

    public var description: String { sha256 }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = BlobKey(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a SHA-256 digest"))
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(sha256)
    }
}

/// A stored blob's size and when it was stored.
public struct BlobInfo: Sendable, Hashable {
    public let size: Int64
    public let storedAt: Date

    public init(size: Int64, storedAt: Date) {
        self.size = size
        self.storedAt = storedAt
    }
}

/// Content-addressed storage of whole, verified files, named by ``BlobKey``: a folder (``FolderBlobStore``) or an
/// S3-compatible bucket (``S3BlobStore``), chosen by the `blob_store` setting (decision 16).
public protocol BlobStore: Sendable {
    /// Makes the store ready to take blobs (a folder: creates it; a bucket: checks that it answers).
    func prepare() async throws
    /// Moves `file` into the store under `key`. Returns `true` if that content was already stored, in which case
    /// `file` is deleted and the existing copy kept.
    func adopt(file: FilePath, key: BlobKey) async throws -> Bool
    /// Whether a blob with this key exists.
    func contains(_ key: BlobKey) async throws -> Bool
    /// The blob's size and time stored, or nil when there is no such blob.
    func info(_ key: BlobKey) async throws -> BlobInfo?
    /// Hands `body` the bytes of `range` of the blob in order, a piece at a time (never the whole blob at once).
    func read(_ key: BlobKey, range: ClosedRange<Int64>, into body: (ByteBuffer) async throws -> Void) async throws
    /// Runs `body` with a local file holding the blob's bytes (FFmpeg reads files): the blob itself in a folder, a
    /// scratch copy from a bucket, deleted when `body` returns.
    func withLocalFile<T: Sendable>(_ key: BlobKey, _ body: (FilePath) async throws -> T) async throws -> T
    /// Deletes the blob (nothing happens when it is not there).
    func remove(_ key: BlobKey) async throws
    /// Every stored key with the time its blob was stored.
    func keys() async throws -> [(key: BlobKey, storedAt: Date)]
    /// Why the store cannot take blobs now (for `/readyz`), or nil. Says what to check, never a secret.
    func problem() async -> String?
}

/// A ``BlobStore`` in a folder: `<root>/ab/cd/<sha256>`.
///
/// A blob appears only by an atomic rename of a complete, verified file, so a path that exists is whole.
/// Several `serve` processes may share the folder: two uploads of the same content race harmlessly.
public struct FolderBlobStore: BlobStore {
    public let root: FilePath

    /// `root` should be absolute (``DataLayout`` resolves it once at start).
    public init(root: FilePath) {
        self.root = root
    }

    public func prepare() async throws {
        try await FileSystem.shared.createDirectory(at: root, withIntermediateDirectories: true, permissions: [.ownerReadWriteExecute])
    }

    public func localFile(_ key: BlobKey) -> FilePath {
        let utf8 = Array(key.sha256.utf8)
        let first = String(decoding: utf8[0..<2], as: UTF8.self)
        let second = String(decoding: utf8[2..<4], as: UTF8.self)
        return root.appending(first).appending(second).appending(key.sha256)
    }

    public func adopt(file: FilePath, key: BlobKey) async throws -> Bool {
        let destination = localFile(key)
        let fileSystem = FileSystem.shared
        if let directory = destination.removingLastComponent() as FilePath? {
            try await fileSystem.createDirectory(
                at: directory, withIntermediateDirectories: true, permissions: [.ownerReadWriteExecute])
        }
        do {
            try await fileSystem.moveItem(at: file, to: destination)
            return false
        } catch let error as FileSystemError where error.code == .fileAlreadyExists {
            try await fileSystem.removeItem(at: file, strategy: .platformDefault)
            // Newly wanted again: restart its grace period, so that collection cannot take it from the new recording.
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: destination.string)
            return true
        }
    }

    public func contains(_ key: BlobKey) async throws -> Bool {
        try await FileSystem.shared.info(forFileAt: localFile(key)) != nil
    }

    public func info(_ key: BlobKey) async throws -> BlobInfo? {
        guard let info = try await FileSystem.shared.info(forFileAt: localFile(key)), info.type == .regular else { return nil }
        return BlobInfo(size: info.size, storedAt: Date(timeIntervalSince1970: TimeInterval(info.lastDataModificationTime.seconds)))
    }

    public func read(_ key: BlobKey, range: ClosedRange<Int64>, into body: (ByteBuffer) async throws -> Void) async throws {
        try await FileSystem.shared.withFileHandle(forReadingAt: localFile(key)) { handle in
            for try await chunk in handle.readChunks(in: range, chunkLength: .kibibytes(256)) {
                try await body(chunk)
            }
        }
    }

    public func withLocalFile<T: Sendable>(_ key: BlobKey, _ body: (FilePath) async throws -> T) async throws -> T {
        try await body(localFile(key))
    }

    public func problem() async -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.string, isDirectory: &isDirectory), isDirectory.boolValue,
            FileManager.default.isWritableFile(atPath: root.string)
        else { return "The blob folder is missing or cannot be written to: check the data directory's mount and permissions." }
        return nil
    }

    public func remove(_ key: BlobKey) async throws {
        // A descriptor kept for streaming would keep the deleted bytes on disk, and servable: close it first.
        OpenFileCache.shared.forget(localFile(key))
        try await FileSystem.shared.removeItem(at: localFile(key), strategy: .platformDefault)
    }

    public func keys() async throws -> [(key: BlobKey, storedAt: Date)] {
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: root.string) else { return [] }
        var found: [(key: BlobKey, storedAt: Date)] = []
        while let relative = walker.nextObject() as? String {
            guard let key = BlobKey((relative as NSString).lastPathComponent), relative.split(separator: "/").count == 3 else { continue }
            let attributes = try? manager.attributesOfItem(atPath: root.appending(relative).string)
            found.append((key, attributes?[.modificationDate] as? Date ?? Date()))
        }
        return found
    }
}

/// Where the service keeps its files, resolved once at start from a directory given relative (to the working
/// directory) or absolute: `uploads/` (in progress), `blobs/` (whole files by key), `media/<recording>/…`
/// (proxies, thumbnails, captions) and, by default, the SQLite database.
public struct DataLayout: Sendable, Hashable {
    /// Absolute and normalised.
    public let root: FilePath
    /// The bucket that holds the blobs instead of `blobs/`, when `blob_store` is `s3`.
    public var objectStorage: S3Settings?

    /// Resolves `directory` against `workingDirectory` (the process's, by default).
    public init(_ directory: String, objectStorage: S3Settings? = nil, workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.objectStorage = objectStorage
        let base = URL(fileURLWithPath: workingDirectory, isDirectory: true)
        let url = directory.hasPrefix("/") ? URL(fileURLWithPath: directory) : URL(fileURLWithPath: directory, relativeTo: base)
        root = FilePath(url.standardizedFileURL.path)
    }

    public var uploads: FilePath { root.appending("uploads") }
    public var media: FilePath { root.appending("media") }
    public var blobFolder: FilePath { root.appending("blobs") }
    /// Local copies of blobs from an object store while a worker indexes them.
    public var scratch: FilePath { root.appending("scratch") }
    /// The configured store: the bucket when one is set, else `blobs/`.
    public var blobs: any BlobStore {
        objectStorage.map { S3BlobStore(settings: $0, scratch: scratch) } ?? folderBlobs
    }
    /// The blob folder, whatever the configured store (backups copy it).
    public var folderBlobs: FolderBlobStore { FolderBlobStore(root: blobFolder) }
    /// The default database: `sqlite://<root>/obsreview.sqlite`.
    public var defaultDatabaseURL: String { "sqlite://" + root.appending("obsreview.sqlite").string }
}
