import Foundation

/// Where an S3-compatible object store keeps the blobs (AWS S3, MinIO, Garage, Ceph RGW): addressed path-style,
/// `<endpoint>/<bucket>/<prefix>blobs/<sha256>`, which every one of them serves.
public struct S3Settings: Sendable, Hashable {
    /// Scheme and authority, e.g. `https://s3.eu-central-1.amazonaws.com` or `http://127.0.0.1:9000`.
    public var endpoint: String
    /// The region signed for (`us-east-1` for most self-hosted stores).
    public var region: String
    public var bucket: String
    /// Put before `blobs/` in every key, e.g. `obsreview/`; empty by default.
    public var prefix: String
    public var credentials: S3Credentials

    public init(endpoint: String, region: String = "us-east-1", bucket: String, prefix: String = "", credentials: S3Credentials) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
        self.credentials = credentials
    }

    /// The `Host` header and the base URL (scheme and authority) for the endpoint; nil if it is not an http(s)
    /// URL with a host and no path.
    var hostAndBase: (host: String, base: String)? {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/"
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        let authority = url.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        return (authority, "\(scheme)://\(authority)")
    }

    /// The object key of a blob: `<prefix>blobs/<sha256>`.
    func objectKey(_ key: BlobKey) -> String { prefix + "blobs/" + key.sha256 }
}
