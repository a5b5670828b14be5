import Foundation
@testable import ReviewServer
import Testing

/// RFC 6238 Appendix B and RFC 4648 §10: the published test vectors.
@Suite struct TOTPTests {
    static let sha1 = Array("12345678901234567890".utf8)
    static let sha256 = Array("12345678901234567890123456789012".utf8)
    static let sha512 = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    static let vectors: [(time: TimeInterval, sha1: String, sha256: String, sha512: String)] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ]

    @Test("RFC 6238 Appendix B: eight-digit codes with SHA-1, SHA-256 and SHA-512")
    func rfc6238() {
        for vector in Self.vectors {
            let time = Date(timeIntervalSince1970: vector.time)
            #expect(TOTP(secret: Self.sha1, digits: 8, algorithm: .sha1).code(at: time) == vector.sha1, "SHA-1 at \(vector.time)")
            #expect(TOTP(secret: Self.sha256, digits: 8, algorithm: .sha256).code(at: time) == vector.sha256, "SHA-256 at \(vector.time)")
            #expect(TOTP(secret: Self.sha512, digits: 8, algorithm: .sha512).code(at: time) == vector.sha512, "SHA-512 at \(vector.time)")
        }
    }

    @Test("six digits are the last six; a code is accepted one step either side, not two; garbage never")
    func window() {
        let totp = TOTP(secret: Self.sha1)
        let time = Date(timeIntervalSince1970: 1_111_111_109)
        #expect(totp.code(at: time) == "081804")
        let step = totp.step(at: time)
        #expect(totp.matchingStep(totp.code(step: step), at: time) == step)
        #expect(totp.matchingStep(totp.code(step: step - 1), at: time) == step - 1)
        #expect(totp.matchingStep(totp.code(step: step + 1), at: time) == step + 1)
        #expect(totp.matchingStep(totp.code(step: step - 2), at: time) == nil)
        #expect(totp.matchingStep("081 804", at: time) == step)
        for garbage in ["", "08180", "0818045", "abcdef", "０８１８０４"] { #expect(totp.matchingStep(garbage, at: time) == nil, "\(garbage)") }
    }

    @Test("RFC 4648 base32 vectors, and round trips")
    func base32() {
        let vectors = [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Array(plain.utf8))
            #expect(Base32.decode(encoded.lowercased() + "===") == Array(plain.utf8))
        }
        let random = (0..<20).map { _ in UInt8.random(in: 0...255) }
        #expect(Base32.decode(Base32.encode(random)) == random)
        #expect(Base32.decode("MZXW6YTB0I") == nil)  // 0 is not base32
    }

    @Test("the otpauth address an app reads")
    func provisioning() {
        let uri = TOTP(secret: Array("foobar".utf8)).provisioningURI(account: "lead", issuer: "ObservationReview")
        #expect(uri.hasPrefix("otpauth://totp/ObservationReview:lead?"))
        #expect(uri.contains("secret=MZXW6YTBOI") && uri.contains("digits=6") && uri.contains("period=30") && uri.contains("algorithm=SHA1"))
    }
}
