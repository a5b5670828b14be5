import Foundation
public import HTTPTypes

/// tus 1.0.0 header names and value parsing (https://tus.io/protocols/resumable-upload).
public enum Tus {
    /// The only protocol version spoken.
    public static let version = "1.0.0"
    /// Extensions advertised in `Tus-Extension`, in that order.
    public static let extensions = [
        "creation", "creation-with-upload", "creation-defer-length", "termination", "expiration", "checksum",
    ]
    /// The media type every PATCH body (and a creation-with-upload POST body) must have.
    public static let offsetOctetStream = "application/offset+octet-stream"
}

/// The tus protocol's header names (public so clients and tests in Swift use the same spelling).
extension HTTPField.Name {
    public static let tusResumable = Self("Tus-Resumable")!
    public static let tusVersion = Self("Tus-Version")!
    public static let tusExtension = Self("Tus-Extension")!
    public static let tusMaxSize = Self("Tus-Max-Size")!
    public static let tusChecksumAlgorithm = Self("Tus-Checksum-Algorithm")!
    public static let uploadOffset = Self("Upload-Offset")!
    public static let uploadLength = Self("Upload-Length")!
    public static let uploadDeferLength = Self("Upload-Defer-Length")!
    public static let uploadMetadata = Self("Upload-Metadata")!
    public static let uploadExpires = Self("Upload-Expires")!
    public static let uploadChecksum = Self("Upload-Checksum")!
    public static let uploadConcat = Self("Upload-Concat")!
    public static let xHTTPMethodOverride = Self("X-HTTP-Method-Override")!
    /// Ours: the recording a completed upload became.
    public static let uploadRecordingID = Self("Upload-Recording-Id")!
    /// Ours: `true` when the completed file was already in the blob store.
    public static let uploadDuplicate = Self("Upload-Duplicate")!
    /// `true` when the same file was already a recording of the observation: no second one was made.
    public static let uploadAlreadyUploaded = Self("Upload-Already-Uploaded")!
    /// Ours: the lower-case hex SHA-256 of the completed file.
    public static let uploadSHA256 = Self("Upload-Sha256")!
}

extension Tus {
    /// Parses a non-negative decimal integer header (`Upload-Length`, `Upload-Offset`).
    static func nonNegativeInteger(_ value: String?, header: HTTPField.Name) throws(APIError) -> Int64? {
        guard let value else { return nil }
        guard !value.isEmpty, value.utf8.count <= 19, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let number = Int64(value)
        else {
            throw APIError(
                .badRequest,
                code: .invalidHeader,
                message: "\(header.canonicalName) must be a non-negative whole number of bytes, not \"\(value)\"."
            )
        }
        return number
    }

    /// Parses `Upload-Metadata`: comma-separated `key base64value` pairs (value optional), keys unique,
    /// without spaces or commas. Values decode from standard base64.
    static func metadata(_ header: String?) throws(APIError) -> [String: Data] {
        guard let header, !header.trimmingSpaces.isEmpty else { return [:] }
        var result: [String: Data] = [:]
        for pair in header.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.trimmingSpaces.split(separator: " ", omittingEmptySubsequences: true)
            guard let key = parts.first.map(String.init), parts.count <= 2, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else {
                throw APIError(
                    .badRequest,
                    code: .invalidMetadata,
                    message: "Upload-Metadata must be comma-separated pairs of an ASCII key and a base64 value."
                )
            }
            guard result[key] == nil else {
                throw APIError(.badRequest, code: .invalidMetadata, message: "Upload-Metadata repeats the key \"\(key)\".")
            }
            if parts.count == 2 {
                guard let value = Data(base64Encoded: String(parts[1])) else {
                    throw APIError(
                        .badRequest,
                        code: .invalidMetadata,
                        message: "The Upload-Metadata value for \"\(key)\" is not valid base64."
                    )
                }
                result[key] = value
            } else {
                result[key] = Data()
            }
        }
        return result
    }

    /// Parses `Upload-Checksum`; an algorithm we do not support is a 400, as the checksum extension says.
    static func requestChecksum(_ header: String?) throws(APIError) -> ChunkChecksum? {
        guard let header else { return nil }
        let parts = header.trimmingSpaces.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else {
            throw APIError(
                .badRequest,
                code: .invalidHeader,
                message: "Upload-Checksum must be \"<algorithm> <base64 digest>\"."
            )
        }
        guard let algorithm = ChecksumAlgorithm(rawValue: parts[0].lowercased()) else {
            throw APIError(
                .badRequest,
                code: .checksumAlgorithmUnsupported,
                message: "The checksum algorithm \"\(parts[0])\" is not supported: use one of "
                    + ChecksumAlgorithm.allCases.map(\.rawValue).joined(separator: ", ") + "."
            )
        }
        guard let digest = Data(base64Encoded: String(parts[1])), digest.count == algorithm.digestByteCount else {
            throw APIError(
                .badRequest,
                code: .invalidHeader,
                message: "The Upload-Checksum digest must be the base64 of a \(algorithm.digestByteCount)-byte \(algorithm.rawValue) digest."
            )
        }
        return ChunkChecksum(algorithm: algorithm, digest: digest)
    }

    /// Formats a date for `Upload-Expires` (RFC 7231 IMF-fixdate, always GMT).
    static func httpDate(_ date: Date) -> String {
        HTTPDate.format(date)
    }
}
