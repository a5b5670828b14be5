import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Random secrets (session cookies, API tokens, CSRF tokens) and the hashes the store keeps of them.
public enum Secrets {
    /// 32 random bytes, base64url without padding (43 characters).
    public static func generate(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 of a high-entropy secret, lower-case hex: what the store keeps. (A random 256-bit token
    /// needs no slow hash: there is nothing to guess.)
    public static func hash(_ secret: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(secret.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Constant-time comparison of two strings.
    static func equal(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Passwords: bcrypt with a configurable cost (12 in production: about a quarter of a second here; tests
/// use the minimum, 4).
///
/// bcrypt reads only the first 72 bytes of its input, so `72 × "p" + anything` would match a long password.
/// Hashes are therefore versioned: a current hash (``currentPrefix``) is bcrypt over the base64 of the
/// password's SHA-256 (44 bytes, every byte of the password counts); a hash without the prefix, made before
/// issue 16, is plain bcrypt and still verifies as it always did (a successful sign-in re-hashes it).
public struct PasswordHasher: Sendable {
    public let cost: UInt8
    /// What a current hash starts with, before the bcrypt hash itself.
    public static let currentPrefix = "$sha256-b64$"

    public init(cost: UInt8 = 12) {
        self.cost = min(max(cost, 4), 31)
    }

    /// A current-format hash of `password`. Runs on NIO's blocking thread pool, not the cooperative pool: it
    /// is slow on purpose and must not stall other requests.
    public func hash(_ password: String) async throws -> String {
        let cost = cost
        let input = Self.prehash(password)
        return try await NIOThreadPool.singleton.runIfActive { Self.currentPrefix + Bcrypt.hash(input, cost: cost) }
    }

    /// Whether `password` matches `hash`, current or older format (also on the blocking pool).
    public func verify(_ password: String, hash: String) async throws -> Bool {
        if hash.hasPrefix(Self.currentPrefix) {
            let input = Self.prehash(password), bcrypt = String(hash.dropFirst(Self.currentPrefix.count))
            return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(input, hash: bcrypt) }
        }
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Whether `hash` is of the older format (plain bcrypt), to be replaced at the next successful sign-in.
    public static func isOutdated(_ hash: String) -> Bool { !hash.hasPrefix(currentPrefix) }

    /// What bcrypt is given: the base64 of the SHA-256 of the password's UTF-8 bytes.
    static func prehash(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }
}
