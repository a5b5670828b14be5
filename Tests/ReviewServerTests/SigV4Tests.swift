import Foundation
@testable import ReviewServer
import Testing

/// The signer against the examples AWS publishes for S3 ("Signature Calculations for the Authorization Header" and
/// "Authenticating Requests: Using Query Parameters"): the example key pair, bucket `examplebucket`, region
/// us-east-1, 24 May 2013 00:00:00 UTC. The expected signatures are the documents' own.
@Suite struct SigV4Tests {
    static let signer = SigV4Signer(
        credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let day = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let host = "examplebucket.s3.amazonaws.com"

    static func authorization(_ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name == "authorization" }?.value
    }

    @Test func getObjectWithRange() {
        let request = SigV4Signer.Request(method: "GET", host: Self.host, path: "/test.txt", headers: [("Range", "bytes=0-9")])
        let headers = Self.signer.sign(request, payloadHash: SigV4Signer.emptyPayloadHash, at: Self.day)
        #expect(Self.authorization(headers) == """
            AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
            SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
            Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
            """)
        #expect(headers.contains { $0.name == "x-amz-date" && $0.value == "20130524T000000Z" })
    }

    @Test func putObjectWithSignedPayload() {
        // The path's `$` is encoded; the payload is "Welcome to Amazon S3.".
        let request = SigV4Signer.Request(
            method: "PUT", host: Self.host, path: "/test$file.text",
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")])
        let headers = Self.signer.sign(
            request, payloadHash: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072", at: Self.day)
        #expect(request.encodedPath == "/test%24file.text")
        #expect(Self.authorization(headers)?.hasSuffix(
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd") == true)
    }

    @Test func getBucketLifecycleWithAValuelessParameter() {
        let request = SigV4Signer.Request(method: "GET", host: Self.host, path: "/", query: [("lifecycle", "")])
        #expect(request.canonicalQuery == "lifecycle=")
        let headers = Self.signer.sign(request, payloadHash: SigV4Signer.emptyPayloadHash, at: Self.day)
        #expect(Self.authorization(headers)?.hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543") == true)
    }

    @Test func listObjectsWithSortedQuery() {
        let request = SigV4Signer.Request(method: "GET", host: Self.host, path: "/", query: [("prefix", "J"), ("max-keys", "2")])
        #expect(request.canonicalQuery == "max-keys=2&prefix=J")
        let headers = Self.signer.sign(request, payloadHash: SigV4Signer.emptyPayloadHash, at: Self.day)
        #expect(Self.authorization(headers)?.hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    @Test func presignedGet() {
        let request = SigV4Signer.Request(method: "GET", host: Self.host, path: "/test.txt")
        let url = Self.signer.presignedURL(request, base: "https://" + Self.host, expires: 86400, at: Self.day)
        #expect(url == """
            https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
            &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z\
            &X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
            &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404
            """)
    }

    @Test func encodingAndSecrecy() {
        #expect(SigV4Signer.encode("a b/c~d_e.f-g+h=") == "a%20b%2Fc~d_e.f-g%2Bh%3D")
        #expect(SigV4Signer.encode("é") == "%C3%A9")
        let credentials = S3Credentials(accessKeyID: "AKID", secretAccessKey: "very-secret")
        #expect(!"\(credentials)".contains("very-secret"))
        #expect(!String(reflecting: credentials).contains("very-secret"))
    }
}
