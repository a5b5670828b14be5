import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ReviewDomain
import ReviewServer
import Testing

@Suite("tus 1.0.0 protocol")
struct TusProtocolTests {
    @Test("GET /healthz answers ok")
    func health() async throws {
        try await TestServer().withRouterClient { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
        }
    }

    @Test("OPTIONS advertises version, extensions, max size and checksum algorithms without auth")
    func options() async throws {
        try await TestServer(maxUploadBytes: 5000).withRouterClient { client in
            for uri in ["/uploads", "/uploads/", "/uploads/0123456789abcdef0123456789abcdef"] {
                let response = try await client.execute(uri: uri, method: .options)
                #expect(response.status == .noContent, "\(uri)")
                #expect(response.headers[.tusResumable] == "1.0.0")
                #expect(response.headers[.tusVersion] == "1.0.0")
                #expect(
                    response.headers[.tusExtension]
                        == "creation,creation-with-upload,creation-defer-length,termination,expiration,checksum"
                )
                #expect(response.headers[.tusMaxSize] == "5000")
                #expect(response.headers[.tusChecksumAlgorithm] == "sha1,sha256")
            }
        }
    }

    @Test("A missing or unsupported Tus-Resumable is 412 with Tus-Version")
    func versionPrecondition() async throws {
        try await TestServer().withRouterClient { client in
            for version in [nil, "0.2.2"] {
                var headers: HTTPFields = [.authorization: "Bearer test-assessor", .uploadLength: "10"]
                if let version { headers[.tusResumable] = version }
                let response = try await client.execute(uri: "/uploads", method: .post, headers: headers)
                #expect(response.status == .preconditionFailed)
                #expect(response.headers[.tusVersion] == "1.0.0")
                #expect(response.headers[.tusResumable] == "1.0.0")
                #expect(errorCode(response) == "unsupported_tus_version")
            }
        }
    }

    @Test("No or unknown credentials are 401 with a JSON error")
    func unauthenticated() async throws {
        try await TestServer().withRouterClient { client in
            for token in [nil, "nobody"] {
                let response = try await client.execute(
                    uri: "/uploads",
                    method: .post,
                    headers: Tus.headers(token: token, [.uploadLength: "10", .uploadMetadata: Tus.metadata()])
                )
                #expect(response.status == .unauthorized)
                #expect(errorCode(response) == "unauthenticated")
                #expect(response.headers[.tusResumable] == "1.0.0")
            }
        }
    }

    @Test("Create, HEAD, PATCH in chunks, complete into the blob store and a recording")
    func fullUpload() async throws {
        let server = TestServer()
        let file = Tus.bytes(100_000)
        try await server.withRouterClient { client in
            let location = try await Tus.create(client, length: file.count)
            #expect(location.hasPrefix("/uploads/"))

            var head = try await Tus.head(client, location)
            #expect(head.status == .ok)
            #expect(head.headers[.uploadOffset] == "0")
            #expect(head.headers[.uploadLength] == "100000")
            #expect(head.headers[.cacheControl] == "no-store")
            #expect(head.headers[.uploadMetadata] == Tus.metadata())
            #expect(head.headers[.uploadExpires]?.hasSuffix(" GMT") == true)
            #expect(head.headers[.tusResumable] == "1.0.0")

            let first = try await Tus.patch(client, location, offset: 0, file[0..<40_000])
            #expect(first.status == .noContent)
            #expect(first.headers[.uploadOffset] == "40000")
            #expect(first.headers[.uploadExpires] != nil)
            #expect(first.headers[.uploadRecordingID] == nil)

            head = try await Tus.head(client, location)
            #expect(head.headers[.uploadOffset] == "40000")

            let last = try await Tus.patch(client, location, offset: 40_000, file[40_000...])
            #expect(last.status == .noContent)
            #expect(last.headers[.uploadOffset] == "100000")
            #expect(last.headers[.uploadSHA256] == Tus.sha256Hex(file))
            #expect(last.headers[.uploadDuplicate] == "false")
            let recordingID = try #require(last.headers[.uploadRecordingID])

            // A HEAD after completion still answers, without expiry.
            head = try await Tus.head(client, location)
            #expect(head.headers[.uploadOffset] == "100000")
            #expect(head.headers[.uploadExpires] == nil)
            #expect(head.headers[.uploadRecordingID] == recordingID)

            // A retried final PATCH with no bytes is harmless.
            let retry = try await Tus.patch(client, location, offset: 100_000, [])
            #expect(retry.status == .noContent)
            #expect(retry.headers[.uploadRecordingID] == recordingID)
            try await Self.checkStored(file, in: server)
        }
    }

    static func checkStored(_ file: [UInt8], in server: TestServer) async throws {
        let blob = try Data(contentsOf: server.blobURL(sha256: Tus.sha256Hex(file)))
        #expect(Array(blob) == file)
        let recordings = await server.registry.recordings
        let recording = try #require(recordings.values.first)
        #expect(recordings.count == 1)
        #expect(recording.sha256 == Tus.sha256Hex(file))
        #expect(recording.byteCount == Int64(file.count))
        #expect(recording.fileName == "session.mp4")
        #expect(recording.observationID == Tus.observation)
        #expect(recording.uploadedBy == TestServer.assessor.userID)
        #expect(recording.status == .stored)
    }

    @Test("PATCH errors: 409 offset mismatch, 415 content type, 400 missing offset, 413 past the length")
    func patchErrors() async throws {
        try await TestServer().withRouterClient { client in
            let location = try await Tus.create(client, length: 100)
            _ = try await Tus.patch(client, location, offset: 0, Tus.bytes(10))

            let conflict = try await Tus.patch(client, location, offset: 5, Tus.bytes(10))
            #expect(conflict.status == .conflict)
            #expect(errorCode(conflict) == "offset_mismatch")
            #expect(conflict.headers[.tusResumable] == "1.0.0")

            let wrongType = try await client.execute(
                uri: location,
                method: .patch,
                headers: Tus.headers([.contentType: "application/octet-stream", .uploadOffset: "10"]),
                body: ByteBuffer(bytes: Tus.bytes(10))
            )
            #expect(wrongType.status == .unsupportedMediaType)
            #expect(errorCode(wrongType) == "unsupported_media_type")

            let noOffset = try await client.execute(
                uri: location,
                method: .patch,
                headers: Tus.headers([.contentType: "application/offset+octet-stream"]),
                body: ByteBuffer(bytes: Tus.bytes(10))
            )
            #expect(noOffset.status == .badRequest)

            let badOffset = try await Tus.patch(client, location, offset: 10, [], extra: [.uploadOffset: "-1"])
            #expect(badOffset.status == .badRequest)

            let tooLong = try await Tus.patch(client, location, offset: 10, Tus.bytes(91))
            #expect(tooLong.status == .contentTooLarge)
            #expect(try await Tus.head(client, location).headers[.uploadOffset] == "10")
        }
    }

    @Test("Unknown, malformed and other people's uploads are 404")
    func notFound() async throws {
        try await TestServer().withRouterClient { client in
            let location = try await Tus.create(client, length: 10)
            for uri in ["/uploads/0123456789abcdef0123456789abcdef", "/uploads/..%2Fetc", "/uploads/ABC"] {
                let head = try await Tus.head(client, uri)
                #expect(head.status == .notFound, "\(uri)")
                #expect(head.headers[.uploadOffset] == nil)
                let patch = try await Tus.patch(client, uri, offset: 0, [1])
                #expect(patch.status == .notFound, "\(uri)")
                #expect(errorCode(patch) == "not_found")
            }
            #expect(try await Tus.head(client, location, token: "other-assessor").status == .notFound)
            let foreign = try await Tus.patch(client, location, offset: 0, [1], token: "other-assessor")
            #expect(foreign.status == .notFound)
        }
    }

    @Test("Creation with upload: the POST body is the first chunk")
    func creationWithUpload() async throws {
        let server = TestServer()
        let file = Tus.bytes(5000, seed: 7)
        try await server.withRouterClient { client in
            let partial = try await client.execute(
                uri: "/uploads",
                method: .post,
                headers: Tus.headers([
                    .uploadLength: "5000", .uploadMetadata: Tus.metadata(),
                    .contentType: "application/offset+octet-stream",
                ]),
                body: ByteBuffer(bytes: file[0..<2000])
            )
            #expect(partial.status == .created)
            #expect(partial.headers[.uploadOffset] == "2000")
            let location = try #require(partial.headers[.location])
            let rest = try await Tus.patch(client, location, offset: 2000, file[2000...])
            #expect(rest.headers[.uploadRecordingID] != nil)

            // The whole file in the POST completes it at once.
            let whole = try await client.execute(
                uri: "/uploads",
                method: .post,
                headers: Tus.headers([
                    .uploadLength: "300", .uploadMetadata: Tus.metadata(fileName: "b.mp4"),
                    .contentType: "application/offset+octet-stream",
                ]),
                body: ByteBuffer(bytes: Tus.bytes(300, seed: 9))
            )
            #expect(whole.status == .created)
            #expect(whole.headers[.uploadOffset] == "300")
            #expect(whole.headers[.uploadRecordingID] != nil)
            #expect(whole.headers[.uploadExpires] == nil)
        }
        #expect(await server.registry.recordings.count == 2)
    }

    @Test("Creation with a deferred length, declared in a later PATCH")
    func deferredLength() async throws {
        let server = TestServer(maxUploadBytes: 1000)
        try await server.withRouterClient { client in
            let location = try await Tus.create(client, length: nil)
            var head = try await Tus.head(client, location)
            #expect(head.headers[.uploadDeferLength] == "1")
            #expect(head.headers[.uploadLength] == nil)

            let file = Tus.bytes(600)
            let first = try await Tus.patch(client, location, offset: 0, file[0..<400])
            #expect(first.status == .noContent)
            #expect(first.headers[.uploadRecordingID] == nil)

            // Beyond Tus-Max-Size while deferred: 413, nothing kept.
            let tooBig = try await Tus.patch(client, location, offset: 400, Tus.bytes(601))
            #expect(tooBig.status == .contentTooLarge)
            let declaredTooBig = try await Tus.patch(client, location, offset: 400, [], extra: [.uploadLength: "1001"])
            #expect(declaredTooBig.status == .contentTooLarge)

            let last = try await Tus.patch(client, location, offset: 400, file[400...], extra: [.uploadLength: "600"])
            #expect(last.status == .noContent)
            #expect(last.headers[.uploadRecordingID] != nil)
            head = try await Tus.head(client, location)
            #expect(head.headers[.uploadLength] == "600")
            #expect(head.headers[.uploadDeferLength] == nil)

            // Both or neither of Upload-Length and Upload-Defer-Length: 400.
            for extra: HTTPFields in [[.uploadLength: "5", .uploadDeferLength: "1"], [:], [.uploadDeferLength: "2"]] {
                var fields = extra
                fields[.uploadMetadata] = Tus.metadata()
                let response = try await client.execute(uri: "/uploads", method: .post, headers: Tus.headers(fields))
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("Termination deletes the upload and its bytes")
    func termination() async throws {
        let server = TestServer()
        try await server.withRouterClient { client in
            let location = try await Tus.create(client, length: 100)
            _ = try await Tus.patch(client, location, offset: 0, Tus.bytes(50))
            #expect(FileManager.default.fileExists(atPath: server.partURL(location: location).path))
            let delete = try await client.execute(uri: location, method: .delete, headers: Tus.headers())
            #expect(delete.status == .noContent)
            #expect(delete.headers[.tusResumable] == "1.0.0")
            #expect(try await Tus.head(client, location).status == .notFound)
            #expect(!FileManager.default.fileExists(atPath: server.partURL(location: location).path))
            let again = try await client.execute(uri: location, method: .delete, headers: Tus.headers())
            #expect(again.status == .notFound)
        }
    }

    @Test("X-HTTP-Method-Override turns a POST into PATCH, HEAD or DELETE")
    func methodOverride() async throws {
        try await TestServer().withRouterClient { client in
            let location = try await Tus.create(client, length: 10)
            let patch = try await client.execute(
                uri: location,
                method: .post,
                headers: Tus.headers([
                    .xHTTPMethodOverride: "PATCH", .contentType: "application/offset+octet-stream", .uploadOffset: "0",
                ]),
                body: ByteBuffer(bytes: Tus.bytes(4))
            )
            #expect(patch.status == .noContent)
            #expect(patch.headers[.uploadOffset] == "4")
            let head = try await client.execute(uri: location, method: .post, headers: Tus.headers([.xHTTPMethodOverride: "HEAD"]))
            #expect(head.headers[.uploadOffset] == "4")
            let delete = try await client.execute(uri: location, method: .post, headers: Tus.headers([.xHTTPMethodOverride: "DELETE"]))
            #expect(delete.status == .noContent)
            #expect(try await Tus.head(client, location).status == .notFound)
        }
    }

    @Test("Upload-Metadata must name a valid observation and file; sha256 must be a digest")
    func metadataValidation() async throws {
        try await TestServer().withRouterClient { client in
            let bad = [
                "filename \(Data("a.mp4".utf8).base64EncodedString())",
                "observation \(Data("not-a-uuid".utf8).base64EncodedString()),filename \(Data("a".utf8).base64EncodedString())",
                "observation \(Data(Tus.observation.description.utf8).base64EncodedString())",
                "observation !!!notbase64",
                Tus.metadata(extra: [("sha256", "abc")]),
                Tus.metadata() + ",filename \(Data("dup".utf8).base64EncodedString())",
            ]
            for metadata in bad {
                let response = try await client.execute(
                    uri: "/uploads",
                    method: .post,
                    headers: Tus.headers([.uploadLength: "10", .uploadMetadata: metadata])
                )
                #expect(response.status == .badRequest, "\(metadata)")
                #expect(errorCode(response) == "invalid_metadata", "\(metadata)")
            }
        }
    }

    @Test("An upload's file name is kept as a name: no path, control or format characters; too long or empty is refused in words")
    func fileNamesAreNames() async throws {
        let server = TestServer()
        try await server.withRouterClient { client in
            let names = [("../../etc/passwd", "passwd"), ("nul\u{0}tail.mp4", "nultail.mp4"), ("movie\u{202E}4pm.exe", "movie4pm.exe"),
                         ("line\r\nbreak.mov", "linebreak.mov"), ("C:\\Users\\me\\Séance.mp4", "Séance.mp4")]
            for (index, (sent, _)) in names.enumerated() {
                let response = try await client.execute(
                    uri: "/uploads", method: .post,
                    headers: Tus.headers([.uploadLength: "50", .uploadMetadata: Tus.metadata(fileName: sent), .contentType: "application/offset+octet-stream"]),
                    body: ByteBuffer(bytes: Tus.bytes(50, seed: UInt8(20 + index))))
                #expect(response.status == .created, "\(sent)")
            }
            #expect(Set(await server.registry.completions.map(\.fileName)) == Set(names.map(\.1)))
            for (sent, words) in [(String(repeating: "観", count: 100) + ".mp4", "bytes long"), ("../..", "no visible characters")] {
                let refused = try await client.execute(
                    uri: "/uploads", method: .post, headers: Tus.headers([.uploadLength: "10", .uploadMetadata: Tus.metadata(fileName: sent)]))
                #expect(refused.status == .badRequest && errorCode(refused) == "invalid_metadata")
                #expect(String(buffer: refused.body).contains(words), "\(String(buffer: refused.body))")
            }
        }
    }
}
