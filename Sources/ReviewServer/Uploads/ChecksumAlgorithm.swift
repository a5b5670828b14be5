import Crypto
import Foundation
import NIOCore

/// Digest algorithms accepted in `Upload-Checksum` (tus checksum extension).
public enum ChecksumAlgorithm: String, Sendable, CaseIterable {
    case sha1
    case sha256

    /// The digest length in bytes.
    public var digestByteCount: Int {
        switch self {
        case .sha1: Insecure.SHA1.byteCount
        case .sha256: SHA256.byteCount
        }
    }
}

/// An incremental hash of one of the ``ChecksumAlgorithm``s (a value: copying it forks the state).
///
/// Sendable by reasoning, not by declaration: swift-crypto's `SHA256` and `Insecure.SHA1` are copy-on-write
/// values (their BoringSSL context is copied before a mutation unless uniquely referenced, see
/// `OpenSSLDigestImpl.update`), so copies never share mutable state, but the library does not declare them
/// `Sendable`. The upload store keeps one per upload between PATCH requests so that the whole-file SHA-256 never
/// needs a second read of the file; region-based `sending` cannot express taking it back out of a lock.
struct RunningDigest: @unchecked Sendable {
    private enum State {
        case sha1(Insecure.SHA1)
        case sha256(SHA256)
        /// Only while an update runs: the hasher is out of the enum, so that it is uniquely referenced and updated in
        /// place (a hasher still held by the enum would copy its context on every update).
        case updating
    }
    private var state: State

    init(_ algorithm: ChecksumAlgorithm) {
        switch algorithm {
        case .sha1: state = .sha1(Insecure.SHA1())
        case .sha256: state = .sha256(SHA256())
        }
    }

    mutating func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            switch state {
            case .sha1(var hasher):
                state = .updating
                hasher.update(bufferPointer: bytes)
                state = .sha1(hasher)
            case .sha256(var hasher):
                state = .updating
                hasher.update(bufferPointer: bytes)
                state = .sha256(hasher)
            case .updating:
                preconditionFailure("A digest is updated by one caller at a time.")
            }
        }
    }

    func finalize() -> Data {
        switch state {
        case .sha1(let hasher): Data(hasher.finalize())
        case .sha256(let hasher): Data(hasher.finalize())
        case .updating: preconditionFailure("A digest is updated by one caller at a time.")
        }
    }
}

extension Data {
    /// Lower-case hexadecimal.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
