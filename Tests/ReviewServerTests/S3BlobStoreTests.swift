import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
@testable import ReviewServer
import Testing

/// How the S3 store builds and reads its requests, without a server (scripts/test-s3.py runs it against a real one).
@Suite struct S3BlobStoreTests {
    static let key = BlobKey(String(repeating: "ab", count: 32))!
    static let settings = S3Settings(
        endpoint: "http://127.0.0.1:9000/", bucket: "review-media", prefix: "obsreview/",
        credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "not-shown"))
    static let store = S3BlobStore(settings: settings, scratch: "/tmp/scratch", now: { Date(timeIntervalSince1970: 1_369_353_600) })

    static func header(_ request: HTTPClientRequest, _ name: String) -> String? { request.headers.first(name: name) }

    @Test func objectRequestsArePathStyleAndSigned() throws {
        let body = ByteBuffer(string: "part one")
        let request = try Self.store.request("PUT", Self.settings.objectKey(Self.key), query: [("uploadId", "a/b=c"), ("partNumber", "1")], body: body)
        #expect(request.url == "http://127.0.0.1:9000/review-media/obsreview/blobs/\(Self.key.sha256)?partNumber=1&uploadId=a%2Fb%3Dc")
        #expect(Self.header(request, "host") == "127.0.0.1:9000")
        #expect(Self.header(request, "x-amz-date") == "20130524T000000Z")
        // The payload is signed: its SHA-256, not UNSIGNED-PAYLOAD.
        #expect(Self.header(request, "x-amz-content-sha256") == SHA256.hash(data: Data("part one".utf8)).map { String(format: "%02x", $0) }.joined())
        let authorization = try #require(Self.header(request, "authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature="))
        #expect(!authorization.contains("not-shown"))
    }

    @Test func bucketRequestsAndEmptyBodies() throws {
        let list = try Self.store.request("GET", nil, query: [("list-type", "2"), ("prefix", "obsreview/blobs/")])
        #expect(list.url == "http://127.0.0.1:9000/review-media?list-type=2&prefix=obsreview%2Fblobs%2F")
        #expect(Self.header(list, "x-amz-content-sha256") == SigV4Signer.emptyPayloadHash)
        let start = try Self.store.request("POST", "obsreview/blobs/x", query: [("uploads", "")])
        #expect(start.url.hasSuffix("/review-media/obsreview/blobs/x?uploads="))
        #expect(Self.header(start, "content-length") == "0")
    }

    @Test func endpointsAndSettings() throws {
        #expect(S3Settings(endpoint: "https://s3.example.org:443", bucket: "b", credentials: .init(accessKeyID: "a", secretAccessKey: "s"))
            .hostAndBase?.host == "s3.example.org")
        #expect(S3Settings(endpoint: "https://s3.example.org/some/path", bucket: "b", credentials: .init(accessKeyID: "a", secretAccessKey: "s"))
            .hostAndBase == nil)
        var settings = ServerSettings()
        try settings.apply(["blob_store": "s3", "s3_endpoint": "http://127.0.0.1:9000", "s3_bucket": "media", "s3_prefix": "review"], from: "test")
        #expect(settings.s3Prefix == "review")  // taken as given: `review` + `blobs/…` is `reviewblobs/…`, `review/` a folder
        #expect(throws: ServerSettings.Problem.self) { try settings.objectStorage(environment: [:]) }
        let bucket = try #require(try settings.objectStorage(environment: ["AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"]))
        #expect(bucket.credentials.accessKeyID == "id" && bucket.bucket == "media")
        let preferred = try settings.objectStorage(environment: [
            "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret", "OBSREVIEW_S3_ACCESS_KEY_ID": "own", "OBSREVIEW_S3_SECRET_ACCESS_KEY": "own-secret",
        ])
        #expect(preferred?.credentials.accessKeyID == "own")
        #expect(throws: ServerSettings.Problem.self) { try settings.apply(["blob_store": "disk"], from: "test") }
        #expect(throws: ServerSettings.Problem.self) { try settings.apply(["s3_endpoint": "s3.example.org"], from: "test") }
        #expect(try ServerSettings().objectStorage(environment: ["AWS_ACCESS_KEY_ID": "id"]) == nil)
    }

    @Test func listingPagesAndErrors() {
        let page = """
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>media</Name><IsTruncated>true</IsTruncated>\
            <Contents><Key>obsreview/blobs/\(Self.key.sha256)</Key><LastModified>2026-12-06T16:05:40.000Z</LastModified><Size>5</Size></Contents>\
            <Contents><Key>obsreview/blobs/stray&amp;name</Key><LastModified>2026-12-06T16:05:41Z</LastModified></Contents>\
            <NextContinuationToken>1/a&lt;b</NextContinuationToken></ListBucketResult>
            """
        let contents = S3BlobStore.elements("Contents", in: page)
        #expect(contents.count == 2)
        #expect(S3BlobStore.elements("Key", in: contents[1]) == ["obsreview/blobs/stray&name"])
        #expect(S3BlobStore.elements("NextContinuationToken", in: page) == ["1/a<b"])
        #expect(S3BlobStore.isoDate("2026-12-06T16:05:40.000Z") == Date(timeIntervalSince1970: 1_796_573_140))
        #expect(S3BlobStore.isoDate("2026-12-06T16:05:41Z") == Date(timeIntervalSince1970: 1_796_573_141))
        #expect(S3BlobStore.httpDate("Sun, 06 Dec 2026 16:05:40 GMT") == Date(timeIntervalSince1970: 1_796_573_140))
        let error = ObjectStorageError(operation: "store a blob", status: 403, code: "SignatureDoesNotMatch", detail: "<Error>…</Error>")
        #expect(error.description.contains("HTTP 403 SignatureDoesNotMatch") && !error.description.contains("<Error>"))
    }
}
