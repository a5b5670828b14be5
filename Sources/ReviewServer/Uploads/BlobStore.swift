public import NIOFileSystem

/// Content-addressed storage of completed files: `<root>/ab/cd/<sha256>` (lower-case hex).
///
/// A blob appears only by an atomic rename of a complete, verified file, so a path that exists is whole.
/// Several `serve` processes may share the directory: two uploads of the same content race harmlessly.
public struct BlobStore: Sendable {
    public let root: FilePath

    public init(root: FilePath) {
        self.root = root
    }

    /// The path for a digest (64 lower-case hex digits).
    public func path(forSHA256 sha256: String) -> FilePath {
        let utf8 = Array(sha256.utf8)
        let first = String(decoding: utf8[0..<2], as: UTF8.self)
        let second = String(decoding: utf8[2..<4], as: UTF8.self)
        return root.appending(first).appending(second).appending(sha256)
    }

    /// Moves `file` into the store under its digest. Returns `true` if that content was already stored, in which
    /// case `file` is deleted and the existing copy kept.
    public func adopt(file: FilePath, sha256: String) async throws -> (path: FilePath, isDuplicate: Bool) {
        let destination = path(forSHA256: sha256)
        let fileSystem = FileSystem.shared
        if let directory = destination.removingLastComponent() as FilePath? {
            try await fileSystem.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        do {
            try await fileSystem.moveItem(at: file, to: destination)
            return (destination, false)
        } catch let error as FileSystemError where error.code == .fileAlreadyExists {
            try await fileSystem.removeItem(at: file, strategy: .platformDefault)
            return (destination, true)
        }
    }

    /// Whether a blob with this digest exists.
    public func contains(sha256: String) async throws -> Bool {
        try await FileSystem.shared.info(forFileAt: path(forSHA256: sha256)) != nil
    }
}
