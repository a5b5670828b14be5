public import AsyncHTTPClient
import Crypto
public import Foundation
public import NIOCore
public import NIOFileSystem
import NIOHTTP1

/// An S3 request that failed: what was being done and what the store answered. `description` is safe to show
/// (no key, secret or local path); the store's own message goes in `debugDescription` and the log.
public struct ObjectStorageError: Error, CustomStringConvertible, CustomDebugStringConvertible {
    /// What was being done, e.g. "store a blob".
    public let operation: String
    /// The HTTP status, nil when no answer came.
    public let status: Int?
    /// S3's error code (`NoSuchBucket`, `SignatureDoesNotMatch`, `AccessDenied`, …) when it sent one.
    public let code: String?
    public let detail: String

    public var description: String {
        let answer = status.map { "HTTP \($0)" + (code.map { " \($0)" } ?? "") } ?? "no answer"
        return "The object store could not \(operation) (\(answer)): check s3_endpoint, s3_bucket, s3_region and the access keys."
    }

    public var debugDescription: String { description + " " + detail }
}

/// A ``BlobStore`` in an S3-compatible bucket, signed with ``SigV4Signer`` and sent with AsyncHTTPClient.
///
/// - `adopt` streams the finished upload from its local file: one `PUT` up to ``partSize``, otherwise a multipart
///   upload of ``partSize`` parts (S3 wants at least 5 MiB but for the last), each read, hashed and signed in turn
///   (memory: one part), and aborted when anything fails. The local file is deleted only once the object is whole.
/// - `read` fetches ranges with `GET` + `Range` in segments of ``segmentSize``, each its own request with its own
///   deadline, so a slow reader never holds one request open for the length of a video.
/// - `withLocalFile` downloads the blob into `scratch/` for FFmpeg, and deletes the copy afterwards.
public struct S3BlobStore: BlobStore {
    public let settings: S3Settings
    /// Where downloaded copies are made (`DATA/scratch`).
    public let scratch: FilePath
    let signer: SigV4Signer
    let client: HTTPClient
    let now: @Sendable () -> Date

    /// Parts of a multipart upload (the last may be smaller); also the most a single `PUT` carries.
    public static let partSize = 8 * 1024 * 1024
    /// The bytes one ranged `GET` asks for when streaming.
    public static let segmentSize: Int64 = 8 * 1024 * 1024

    public init(settings: S3Settings, scratch: FilePath, client: HTTPClient = .shared, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.scratch = scratch
        self.signer = SigV4Signer(credentials: settings.credentials, region: settings.region)
        self.client = client
        self.now = now
    }

    /// Creates the scratch folder. A bucket that does not answer does not stop the server (reviews, ratings and
    /// streaming of proxies go on): `/readyz` says so, with the reason, until it answers.
    public func prepare() async throws {
        try await FileSystem.shared.createDirectory(at: scratch, withIntermediateDirectories: true, permissions: [.ownerReadWriteExecute])
    }

    public func problem() async -> String? {
        do {
            let response = try await send("HEAD", nil, what: "reach its bucket")
            guard response.status == .ok else {
                return "The object store's bucket \(settings.bucket) cannot be used (HTTP \(response.status.code)): check s3_bucket, s3_region and the access keys."
            }
            return nil
        } catch {
            return "The object store at \(settings.endpoint) cannot be reached: check s3_endpoint and the network."
        }
    }

    public func adopt(file: FilePath, key: BlobKey) async throws -> Bool {
        if try await contains(key) {
            try await FileSystem.shared.removeItem(at: file, strategy: .platformDefault)
            // Newly wanted again: restart its grace period (a copy onto itself renews its time), as the folder does.
            _ = try? await send("PUT", settings.objectKey(key), headers: [
                ("x-amz-copy-source", "/" + settings.bucket + "/" + settings.objectKey(key)), ("x-amz-metadata-directive", "REPLACE"),
            ], what: "renew a blob")
            return true
        }
        guard let size = try await FileSystem.shared.info(forFileAt: file)?.size else {
            throw ObjectStorageError(operation: "store a blob", status: nil, code: nil, detail: "the finished upload's file is missing")
        }
        try await FileSystem.shared.withFileHandle(forReadingAt: file) { handle in
            if size <= Int64(Self.partSize) {
                let body = try await Self.read(handle, at: 0, length: Int(size))
                try await expect(.ok, send("PUT", settings.objectKey(key), body: body, what: "store a blob"), "store a blob")
            } else {
                try await uploadParts(of: handle, size: size, key: settings.objectKey(key))
            }
        }
        try await FileSystem.shared.removeItem(at: file, strategy: .platformDefault)
        return false
    }

    /// CreateMultipartUpload, UploadPart × n, CompleteMultipartUpload; AbortMultipartUpload if any step fails.
    func uploadParts(of handle: some ReadableFileHandleProtocol, size: Int64, key: String) async throws {
        let created = try await send("POST", key, query: [("uploads", "")], what: "start a multipart upload")
        let createdBody = try await expect(.ok, created, "start a multipart upload")
        guard let uploadID = Self.elements("UploadId", in: createdBody).first else {
            throw ObjectStorageError(operation: "start a multipart upload", status: 200, code: nil, detail: "no UploadId in the answer")
        }
        do {
            var parts: [String] = []
            var offset: Int64 = 0
            while offset < size {
                let length = Int(min(Int64(Self.partSize), size - offset))
                let body = try await Self.read(handle, at: offset, length: length)
                let number = parts.count + 1
                let response = try await send("PUT", key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: body,
                                              what: "store part \(number)", timeout: .minutes(5))
                _ = try await expect(.ok, response, "store part \(number)")
                guard let etag = response.headers.first(name: "etag") else {
                    throw ObjectStorageError(operation: "store part \(number)", status: 200, code: nil, detail: "no ETag in the answer")
                }
                parts.append(etag)
                offset += Int64(length)
            }
            let manifest = "<CompleteMultipartUpload>" + parts.enumerated().map { index, etag in
                "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(Self.escape(etag))</ETag></Part>"
            }.joined() + "</CompleteMultipartUpload>"
            let completed = try await send("POST", key, query: [("uploadId", uploadID)], body: ByteBuffer(string: manifest),
                                           what: "complete a multipart upload", timeout: .minutes(5))
            // S3 may answer 200 and still fail, with an <Error> in the body.
            let answer = try await expect(.ok, completed, "complete a multipart upload")
            if answer.contains("<Error>") {
                throw ObjectStorageError(operation: "complete a multipart upload", status: 200, code: Self.elements("Code", in: answer).first, detail: answer)
            }
        } catch {
            _ = try? await send("DELETE", key, query: [("uploadId", uploadID)], what: "abort a multipart upload")
            throw error
        }
    }

    public func contains(_ key: BlobKey) async throws -> Bool {
        try await info(key) != nil
    }

    public func info(_ key: BlobKey) async throws -> BlobInfo? {
        let response = try await send("HEAD", settings.objectKey(key), what: "look a blob up")
        if response.status == .notFound { return nil }
        _ = try await expect(.ok, response, "look a blob up")
        guard let size = response.headers.first(name: "content-length").flatMap(Int64.init) else {
            throw ObjectStorageError(operation: "look a blob up", status: 200, code: nil, detail: "no Content-Length")
        }
        let modified = response.headers.first(name: "last-modified").flatMap(Self.httpDate) ?? now()
        return BlobInfo(size: size, storedAt: modified)
    }

    public func read(_ key: BlobKey, range: ClosedRange<Int64>, into body: (ByteBuffer) async throws -> Void) async throws {
        try await read(key, range: range, segment: Self.segmentSize, into: body)
    }

    func read(_ key: BlobKey, range: ClosedRange<Int64>, segment: Int64, into body: (ByteBuffer) async throws -> Void) async throws {
        var start = range.lowerBound
        while start <= range.upperBound {
            let end = min(range.upperBound, start + segment - 1)
            let response = try await send("GET", settings.objectKey(key), headers: [("range", "bytes=\(start)-\(end)")],
                                          what: "read a blob", timeout: .minutes(5))
            guard response.status == .partialContent || (response.status == .ok && start == 0) else {
                _ = try await expect(.partialContent, response, "read a blob")
                return
            }
            var received: Int64 = 0
            for try await chunk in response.body {
                received += Int64(chunk.readableBytes)
                guard received <= end - start + 1 else { break }
                try await body(chunk)
            }
            guard received == end - start + 1 else {
                throw ObjectStorageError(operation: "read a blob", status: Int(response.status.code), code: nil,
                                         detail: "got \(received) of \(end - start + 1) bytes at \(start)")
            }
            start = end + 1
        }
    }

    public func withLocalFile<T: Sendable>(_ key: BlobKey, _ body: (FilePath) async throws -> T) async throws -> T {
        guard let info = try await info(key) else {
            throw ObjectStorageError(operation: "read a blob", status: 404, code: "NoSuchKey", detail: key.sha256)
        }
        try await FileSystem.shared.createDirectory(at: scratch, withIntermediateDirectories: true, permissions: [.ownerReadWriteExecute])
        let copy = scratch.appending("\(key.sha256)-\(UUID().uuidString).partial")
        do {
            try await FileSystem.shared.withFileHandle(forWritingAt: copy, options: .newFile(replaceExisting: false, permissions: [.ownerReadWrite])) { handle in
                var offset: Int64 = 0
                if info.size > 0 {
                    try await read(key, range: 0...(info.size - 1), segment: 64 * 1024 * 1024) { chunk in
                        _ = try await handle.write(contentsOf: chunk.readableBytesView, toAbsoluteOffset: offset)
                        offset += Int64(chunk.readableBytes)
                    }
                }
            }
            let result = try await body(copy)
            _ = try? await FileSystem.shared.removeItem(at: copy, strategy: .platformDefault)
            return result
        } catch {
            _ = try? await FileSystem.shared.removeItem(at: copy, strategy: .platformDefault)
            throw error
        }
    }

    public func remove(_ key: BlobKey) async throws {
        let response = try await send("DELETE", settings.objectKey(key), what: "delete a blob")
        guard response.status == .noContent || response.status == .ok || response.status == .notFound else {
            _ = try await expect(.noContent, response, "delete a blob")
            return
        }
    }

    /// ListObjectsV2 under `<prefix>blobs/`, page by page (1,000 keys each).
    public func keys() async throws -> [(key: BlobKey, storedAt: Date)] {
        let folder = settings.prefix + "blobs/"
        var found: [(key: BlobKey, storedAt: Date)] = []
        var token: String?
        repeat {
            // Listed by `<prefix>blobs` without its slash, the names filtered below: a `/` in a query value is sent and
            // signed as %2F, which moto's signature check (and so botocore's own requests to it) gets wrong; with a
            // prefix that has no slash of its own, nothing in the query needs it.
            var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", String(folder.dropLast()))]
            if let token { query.append(("continuation-token", token)) }
            let page = try await expect(.ok, send("GET", nil, query: query, what: "list the blobs"), "list the blobs")
            for entry in Self.elements("Contents", in: page) {
                guard let name = Self.elements("Key", in: entry).first, name.hasPrefix(folder),
                    let key = BlobKey(String(name.dropFirst(folder.count))) else { continue }
                let modified = Self.elements("LastModified", in: entry).first.flatMap(Self.isoDate) ?? now()
                found.append((key, modified))
            }
            token = Self.elements("IsTruncated", in: page).first == "true" ? Self.elements("NextContinuationToken", in: page).first : nil
        } while token != nil
        return found
    }

    // MARK: - Requests

    /// The request for `method` on the bucket (`key` nil) or an object, signed; the body's SHA-256 is signed too.
    func request(_ method: String, _ key: String?, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
                 body: ByteBuffer? = nil) throws -> HTTPClientRequest {
        guard let endpoint = settings.hostAndBase else {
            throw ObjectStorageError(operation: "make a request", status: nil, code: nil, detail: "s3_endpoint is not an http(s) URL without a path")
        }
        let signable = SigV4Signer.Request(
            method: method, host: endpoint.host, path: "/" + settings.bucket + (key.map { "/" + $0 } ?? ""), query: query, headers: headers)
        let payloadHash = body.map { buffer in buffer.withUnsafeReadableBytes { SigV4Signer.hex(SHA256.hash(data: $0)) } } ?? SigV4Signer.emptyPayloadHash
        let query = signable.canonicalQuery
        var request = HTTPClientRequest(url: endpoint.base + signable.encodedPath + (query.isEmpty ? "" : "?" + query))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in signer.sign(signable, payloadHash: payloadHash, at: now()) {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.body = .bytes(body)
        } else if method == "PUT" || method == "POST" {
            request.headers.add(name: "content-length", value: "0")
        }
        return request
    }

    func send(_ method: String, _ key: String?, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
              body: ByteBuffer? = nil, what: String, timeout: TimeAmount = .seconds(30)) async throws -> HTTPClientResponse {
        let request = try request(method, key, query: query, headers: headers, body: body)
        do {
            return try await client.execute(request, timeout: timeout)
        } catch {
            if Task.isCancelled { throw CancellationError() }  // stopping, not a store that failed
            throw ObjectStorageError(operation: what, status: nil, code: nil, detail: String(describing: error))
        }
    }

    /// The body (at most 1 MiB) of an answer with `status`; otherwise throws with S3's error code.
    @discardableResult
    func expect(_ status: HTTPResponseStatus, _ response: HTTPClientResponse, _ what: String) async throws -> String {
        let body = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        guard response.status == status else {
            throw ObjectStorageError(operation: what, status: Int(response.status.code), code: Self.elements("Code", in: body).first, detail: body)
        }
        return body
    }

    // MARK: - Files and XML

    /// Exactly `length` bytes from `offset` (a read may return fewer).
    static func read(_ handle: some ReadableFileHandleProtocol, at offset: Int64, length: Int) async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(length)
        while buffer.readableBytes < length {
            var chunk = try await handle.readChunk(fromAbsoluteOffset: offset + Int64(buffer.readableBytes),
                                                   length: .bytes(Int64(length - buffer.readableBytes)))
            guard chunk.readableBytes > 0 else {
                throw ObjectStorageError(operation: "store a blob", status: nil, code: nil, detail: "the file ended early")
            }
            buffer.writeBuffer(&chunk)
        }
        return buffer
    }

    /// The texts of every `<name>…</name>` in `xml`, entities decoded (S3's answers are flat enough for this).
    static func elements(_ name: String, in xml: String) -> [String] {
        var found: [String] = []
        var rest = xml[...]
        while let open = rest.range(of: "<\(name)>"), let close = rest[open.upperBound...].range(of: "</\(name)>") {
            found.append(unescape(String(rest[open.upperBound..<close.lowerBound])))
            rest = rest[close.upperBound...]
        }
        return found
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func isoDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
