import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ReviewDomain
import ReviewServer
import Testing

@Suite("Upload integrity, limits, duplicates, expiry and restarts")
struct UploadIntegrityTests {
    @Test("Upload-Checksum with sha1 and sha256: a match is kept, a mismatch is 460 and discarded", arguments: ["sha1", "sha256"])
    func perRequestChecksum(algorithm: String) async throws {
        try await TestServer().withRouterClient { client in
            let file = Tus.bytes(3000)
            let location = try await Tus.create(client, length: file.count)
            func digest(_ bytes: ArraySlice<UInt8>) -> String {
                algorithm == "sha1" ? Tus.base64Digest(Insecure.SHA1.self, Array(bytes)) : Tus.base64Digest(SHA256.self, Array(bytes))
            }
            let good = try await Tus.patch(
                client, location, offset: 0, file[0..<1000],
                extra: [.uploadChecksum: "\(algorithm) \(digest(file[0..<1000]))"]
            )
            #expect(good.status == .noContent)
            #expect(good.headers[.uploadOffset] == "1000")

            let bad = try await Tus.patch(
                client, location, offset: 1000, file[1000..<2000],
                extra: [.uploadChecksum: "\(algorithm) \(digest(file[0..<1000]))"]
            )
            #expect(bad.status.code == 460)
            #expect(errorCode(bad) == "checksum_mismatch")
            #expect(bad.headers[.tusResumable] == "1.0.0")
            #expect(try await Tus.head(client, location).headers[.uploadOffset] == "1000")

            // The same bytes again with the right checksum, then the rest: the file is whole and correct.
            let retry = try await Tus.patch(
                client, location, offset: 1000, file[1000..<2000],
                extra: [.uploadChecksum: "\(algorithm) \(digest(file[1000..<2000]))"]
            )
            #expect(retry.status == .noContent)
            let last = try await Tus.patch(client, location, offset: 2000, file[2000...])
            #expect(last.headers[.uploadSHA256] == Tus.sha256Hex(file))
        }
    }

    @Test("Upload-Checksum with an unsupported algorithm or a malformed digest is 400")
    func checksumHeaderErrors() async throws {
        try await TestServer().withRouterClient { client in
            let location = try await Tus.create(client, length: 10)
            let md5 = try await Tus.patch(client, location, offset: 0, [1, 2], extra: [.uploadChecksum: "md5 CY9rzUYh03PK3k6DJie09g=="])
            #expect(md5.status == .badRequest)
            #expect(errorCode(md5) == "checksum_algorithm_unsupported")
            let short = try await Tus.patch(client, location, offset: 0, [1, 2], extra: [.uploadChecksum: "sha1 AAAA"])
            #expect(short.status == .badRequest)
            #expect(try await Tus.head(client, location).headers[.uploadOffset] == "0")
        }
    }

    @Test("The whole file's SHA-256 in Upload-Metadata, as hex or raw bytes, is checked on completion")
    func wholeFileChecksum() async throws {
        let server = TestServer()
        let file = Tus.bytes(2048, seed: 3)
        let hex = Tus.sha256Hex(file)
        try await server.withRouterClient { client in
            // Hex digits.
            let good = try await Tus.create(client, length: file.count, metadata: Tus.metadata(extra: [("sha256", hex.uppercased())]))
            let ok = try await Tus.patch(client, good, offset: 0, file)
            #expect(ok.status == .noContent)
            #expect(ok.headers[.uploadRecordingID] != nil)

            // Raw digest bytes, base64-encoded directly.
            let rawMetadata = Tus.metadata(fileName: "raw.mp4") + ",sha256 " + Data(SHA256.hash(data: file)).base64EncodedString()
            let raw = try await Tus.create(client, length: file.count, metadata: rawMetadata)
            #expect(try await Tus.patch(client, raw, offset: 0, file).status == .noContent)

            // A wrong digest: 460 on the final PATCH and nothing kept.
            var other = file
            other[0] ^= 0xFF
            let bad = try await Tus.create(client, length: other.count, metadata: Tus.metadata(extra: [("sha256", hex)]))
            _ = try await Tus.patch(client, bad, offset: 0, other[0..<1000])
            let rejected = try await Tus.patch(client, bad, offset: 1000, other[1000...])
            #expect(rejected.status.code == 460)
            #expect(errorCode(rejected) == "file_checksum_mismatch")
            #expect(try await Tus.head(client, bad).status == .notFound)
            #expect(!FileManager.default.fileExists(atPath: server.partURL(location: bad).path))
            #expect(!FileManager.default.fileExists(atPath: server.blobURL(sha256: Tus.sha256Hex(other)).path))
        }
        let completions = await server.registry.completions
        #expect(completions.count == 2)
        #expect(completions.allSatisfy { $0.sha256 == hex })
    }

    @Test("Uploads beyond the size limit are 413")
    func sizeLimit() async throws {
        try await TestServer(maxUploadBytes: 1000).withRouterClient { client in
            let response = try await client.execute(
                uri: "/uploads",
                method: .post,
                headers: Tus.headers([.uploadLength: "1001", .uploadMetadata: Tus.metadata()])
            )
            #expect(response.status == .contentTooLarge)
            #expect(errorCode(response) == "upload_too_large")
            #expect(response.headers[.tusResumable] == "1.0.0")
            let atLimit = try await Tus.create(client, length: 1000)
            #expect(try await Tus.patch(client, atLimit, offset: 0, Tus.bytes(1000)).status == .noContent)
        }
    }

    @Test("A file already in the blob store is a duplicate: one copy, the same recording for the same observation")
    func duplicates() async throws {
        let server = TestServer()
        let file = Tus.bytes(4096, seed: 5)
        try await server.withRouterClient { client in
            let first = try await Tus.create(client, length: file.count)
            let firstDone = try await Tus.patch(client, first, offset: 0, file)
            #expect(firstDone.headers[.uploadDuplicate] == "false")
            let second = try await Tus.create(client, length: file.count, metadata: Tus.metadata(fileName: "again.mp4"))
            let secondDone = try await Tus.patch(client, second, offset: 0, file)
            #expect(secondDone.headers[.uploadDuplicate] == "true")
            #expect(secondDone.headers[.uploadRecordingID] == firstDone.headers[.uploadRecordingID])
            // The same file for another observation is a new recording sharing the blob.
            let third = try await Tus.create(client, length: file.count, metadata: Tus.metadata(observation: ObservationID()))
            let thirdDone = try await Tus.patch(client, third, offset: 0, file)
            #expect(thirdDone.headers[.uploadDuplicate] == "true")
            #expect(thirdDone.headers[.uploadRecordingID] != firstDone.headers[.uploadRecordingID])
            let blobDirectory = server.blobURL(sha256: Tus.sha256Hex(file)).deletingLastPathComponent()
            #expect(try FileManager.default.contentsOfDirectory(atPath: blobDirectory.path) == [Tus.sha256Hex(file)])
            #expect(await server.registry.recordings.count == 2)
        }
    }

    @Test("An abandoned upload expires (410) and cleanup deletes its bytes, then forgets it (404)")
    func expiry() async throws {
        let server = TestServer(expiry: 600)
        try await server.withRouterClient { client in
            let location = try await Tus.create(client, length: 100)
            let patch = try await Tus.patch(client, location, offset: 0, Tus.bytes(10))
            let expires = try #require(patch.headers[.uploadExpires])
            #expect(expires == "Fri, 15 Jan 2027 08:10:00 GMT")  // 1_800_000_000 + 600 s

            let finished = try await Tus.create(client, length: 10)
            _ = try await Tus.patch(client, finished, offset: 0, Tus.bytes(10))

            server.clock.advance(by: 599)
            #expect(try await Tus.head(client, location).status == .ok)
            let store = server.uploadStore()
            #expect(try await store.removeExpired() == .init(expired: 0, forgotten: 0))

            server.clock.advance(by: 1)
            #expect(try await Tus.head(client, location).status == .gone)
            let late = try await Tus.patch(client, location, offset: 10, Tus.bytes(10))
            #expect(late.status == .gone)
            #expect(errorCode(late) == "upload_gone")

            let report = try await store.removeExpired()
            #expect(report.expired == 1)
            #expect(report.forgotten == 1)  // the completed upload's record, past its own expiry
            #expect(!FileManager.default.fileExists(atPath: server.partURL(location: location).path))
            #expect(try await Tus.head(client, location).status == .gone)

            server.clock.advance(by: 600)
            #expect(try await store.removeExpired().forgotten == 1)
            #expect(try await Tus.head(client, location).status == .notFound)
        }
    }

    @Test("After a restart an upload resumes from the bytes on disk, and the whole-file hash is still right")
    func resumeAfterRestart() async throws {
        let server = TestServer()
        defer { server.removeDirectory() }
        let file = Tus.bytes(300_000, seed: 11)
        let location = try await server.application().test(.router) { client in
            let location = try await Tus.create(client, length: file.count, metadata: Tus.metadata(extra: [("sha256", Tus.sha256Hex(file))]))
            #expect(try await Tus.patch(client, location, offset: 0, file[0..<100_000]).status == .noContent)
            return location
        }
        // A server killed in the middle of a PATCH: more bytes reached the file than the record says.
        let handle = try FileHandle(forWritingTo: server.partURL(location: location))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(file[100_000..<150_000]))
        try handle.close()

        try await server.application().test(.router) { client in
            let head = try await Tus.head(client, location)
            #expect(head.headers[.uploadOffset] == "150000")
            let last = try await Tus.patch(client, location, offset: 150_000, file[150_000...])
            #expect(last.status == .noContent)
            #expect(last.headers[.uploadSHA256] == Tus.sha256Hex(file))
        }
        #expect(Array(try Data(contentsOf: server.blobURL(sha256: Tus.sha256Hex(file)))) == file)
    }

    @Test("Through a real socket: discovery, creation with upload and completion")
    func live() async throws {
        let server = TestServer()
        let file = Tus.bytes(200_000, seed: 13)
        try await server.withLiveClient { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let options = try await client.execute(uri: "/uploads/", method: .options)
            #expect(options.headers[.tusVersion] == "1.0.0")
            let created = try await client.execute(
                uri: "/uploads/",
                method: .post,
                headers: Tus.headers([
                    .uploadLength: String(file.count), .uploadMetadata: Tus.metadata(),
                    .contentType: "application/offset+octet-stream",
                ]),
                body: ByteBuffer(bytes: file[0..<50_000])
            )
            #expect(created.status == .created)
            let location = try #require(created.headers[.location])
            let head = try await Tus.head(client, location)
            #expect(head.headers[.uploadOffset] == "50000")
            let last = try await Tus.patch(client, location, offset: 50_000, file[50_000...])
            #expect(last.status == .noContent)
            #expect(last.headers[.uploadSHA256] == Tus.sha256Hex(file))
            #expect(last.headers[.uploadRecordingID] != nil)
        }
    }
}

extension TestServer {
    func withLiveClient(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer { removeDirectory() }
        try await application().test(.live) { client in try await test(client) }
    }
}

/// Fails the first completion, as if the server died between storing the blob and creating the recording.
actor FailingOnceHandler: UploadCompletionHandler {
    private var failed = false
    func uploadCompleted(_ upload: CompletedUpload) async throws -> RecordingReference {
        if !failed {
            failed = true
            throw TestFailure("database unavailable")
        }
        return RecordingReference(recordingID: RecordingID())
    }
}

@Suite("Upload completion recovery")
struct UploadRecoveryTests {
    @Test("A completion interrupted after the blob was stored is finished at the next start")
    func recoverCompletion() async throws {
        let server = TestServer()
        defer { server.removeDirectory() }
        let file = Tus.bytes(10_000, seed: 17)
        let failing = try await buildApplication(
            configuration: server.configuration,
            dependencies: ServerDependencies(authenticator: TestServer.authenticator, completionHandler: FailingOnceHandler())
        )
        let location = try await failing.test(.router) { client in
            let location = try await Tus.create(client, length: file.count)
            let last = try await Tus.patch(client, location, offset: 0, file)
            #expect(last.status == .internalServerError)
            #expect(errorCode(last) == "internal")
            #expect(last.headers[.tusResumable] == "1.0.0")
            #expect(try await Tus.head(client, location).headers[.uploadOffset] == "10000")
            return location
        }
        #expect(FileManager.default.fileExists(atPath: server.blobURL(sha256: Tus.sha256Hex(file)).path))

        // The next start runs recovery before serving: the recording exists and HEAD names it.
        try await server.application().test(.router) { client in
            let head = try await Tus.head(client, location)
            #expect(head.headers[.uploadRecordingID] != nil)
            #expect(head.headers[.uploadSHA256] == Tus.sha256Hex(file))
        }
        #expect(await server.registry.completions.map(\.sha256) == [Tus.sha256Hex(file)])
    }
}
