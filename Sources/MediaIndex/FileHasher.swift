import Crypto
import Foundation

/// Streams a file through SHA-256 in fixed-size chunks: constant memory whatever the file's size.
public enum FileHasher {
    public static func sha256(path: String, chunkSize: Int = 1 << 20) throws(MediaIndexError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MediaIndexError(.unreadable, "Cannot open \(path) to hash it.", file: path, stage: "hash")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: chunkSize) } catch {
                throw MediaIndexError(.unreadable, "Reading \(path) failed while hashing: \(error.localizedDescription)", file: path, stage: "hash")
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
