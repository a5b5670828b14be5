public import Foundation
import Crypto

/// An access key pair for an S3-compatible service. Its `description` never shows the secret, so the pair can be
/// logged or interpolated by mistake without leaking it.
public struct S3Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String

    public init(accessKeyID: String, secretAccessKey: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }

    public var description: String { "access key \(accessKeyID) (secret withheld)" }
    public var debugDescription: String { description }
}

/// AWS Signature Version 4 for S3 (HMAC-SHA256), written against the published description: a canonical request,
/// the string to sign over its hash, and a key derived from the secret for one day, region and service. Signs
/// requests in the `Authorization` header and presigns query URLs. Pure: the time is given, nothing is sent.
public struct SigV4Signer: Sendable {
    /// What is signed: the method, the host (with its port when not the scheme's default), the path not yet
    /// percent-encoded, the query parameters not yet encoded, and the headers to sign.
    public struct Request: Sendable {
        public var method: String
        public var host: String
        public var path: String
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]

        public init(method: String, host: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = []) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
        }

        /// The path as sent and signed: each segment percent-encoded once (S3 does not encode twice).
        public var encodedPath: String {
            path.split(separator: "/", omittingEmptySubsequences: false).map { SigV4Signer.encode(String($0)) }.joined(separator: "/")
        }

        /// The query as sent and signed: names and values encoded, sorted by name then value.
        public var canonicalQuery: String {
            let encoded: [(name: String, value: String)] = query.map { (SigV4Signer.encode($0.name), SigV4Signer.encode($0.value)) }
            let sorted = encoded.sorted { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
                a.name == b.name ? a.value < b.value : a.name < b.name
            }
            return sorted.map { pair -> String in pair.name + "=" + pair.value }.joined(separator: "&")
        }
    }

    /// The `x-amz-content-sha256` of a body that is not hashed (the transport protects it; TLS in production).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of nothing: the payload hash of a request without a body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let credentials: S3Credentials
    public let region: String
    public let service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to send with `request`, its own included: `host`, `x-amz-date`, `x-amz-content-sha256` and
    /// `authorization` added, every header given signed.
    public func sign(_ request: Request, payloadHash: String, at date: Date) -> [(name: String, value: String)] {
        let stamp = Self.timestamp(date)
        var headers = request.headers.filter { !["host", "x-amz-date", "x-amz-content-sha256", "authorization"].contains($0.name.lowercased()) }
        headers += [("host", request.host), ("x-amz-content-sha256", payloadHash), ("x-amz-date", stamp)]
        let (canonicalHeaders, signedHeaders) = Self.canonical(headers)
        let canonicalRequest = [request.method, request.encodedPath, request.canonicalQuery, canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        let signature = self.signature(of: canonicalRequest, at: stamp)
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(stamp)),SignedHeaders=\(signedHeaders),Signature=\(signature)"
        return headers + [("authorization", authorization)]
    }

    /// A URL that lets whoever holds it make `request` (only its `host` signed) until `expires` seconds after `date`:
    /// `<base><path>?<query with X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature>`.
    /// `base` is the scheme and authority, e.g. `https://s3.example.org`.
    public func presignedURL(_ request: Request, base: String, expires: Int, at date: Date) -> String {
        let stamp = Self.timestamp(date)
        var signed = request
        signed.query += [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp))"),
            ("X-Amz-Date", stamp), ("X-Amz-Expires", String(expires)), ("X-Amz-SignedHeaders", "host"),
        ]
        let canonicalRequest = [request.method, signed.encodedPath, signed.canonicalQuery, "host:\(request.host)\n", "host", Self.unsignedPayload]
            .joined(separator: "\n")
        let signature = self.signature(of: canonicalRequest, at: stamp)
        return base + signed.encodedPath + "?" + signed.canonicalQuery + "&X-Amz-Signature=" + signature
    }

    /// The string to sign's signature: HMAC with the day's key of `"AWS4-HMAC-SHA256\n<stamp>\n<scope>\n<hash>"`.
    func signature(of canonicalRequest: String, at stamp: String) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256", stamp, scope(stamp), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: String(stamp.prefix(8)))))
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    func scope(_ stamp: String) -> String { "\(stamp.prefix(8))/\(region)/\(service)/aws4_request" }

    /// Lower-case names, values trimmed with inner runs of spaces made one, sorted by name: the canonical header
    /// block (each line ending in a newline) and the signed-header list.
    static func canonical(_ headers: [(name: String, value: String)]) -> (block: String, signed: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted()
        return (names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined(), names.joined(separator: ";"))
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (`A–Z a–z 0–9 - _ . ~`), upper-case hex.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
