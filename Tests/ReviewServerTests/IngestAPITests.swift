import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// Ingest as people and adversaries use it: data folders given relative, no server path in any answer, personal
/// media tags kept from those who do not manage recordings, re-indexing by the right people only, and limits on
/// disk, per-user uploads and slow clients.
@Suite struct IngestAPITests {
    typealias Caller = APIFixture.Caller

    @Test func theDataDirectoryIsResolvedOnceAgainstTheWorkingDirectory() {
        #expect(DataLayout("./data", workingDirectory: "/home/sam/review").root.string == "/home/sam/review/data")
        #expect(DataLayout("data", workingDirectory: "/home/sam/review/").root.string == "/home/sam/review/data")
        #expect(DataLayout("../shared/data", workingDirectory: "/home/sam/review").root.string == "/home/sam/shared/data")
        #expect(DataLayout("/srv/obsreview", workingDirectory: "/home/sam").root.string == "/srv/obsreview")
        let layout = DataLayout("./data", workingDirectory: "/w")
        #expect(layout.defaultDatabaseURL == "sqlite:///w/data/obsreview.sqlite")
        let key = BlobKey(String(repeating: "AB", count: 32))!
        #expect((layout.blobs as? FolderBlobStore)?.localFile(key).string == "/w/data/blobs/ab/ab/\(key.sha256)")
        #expect(BlobKey("../../etc/passwd") == nil && BlobKey(String(repeating: "g", count: 64)) == nil)
    }

    @Test func sizesAreWrittenInOneUnitSystem() {
        #expect(ByteSize(0).description == "0 bytes")
        #expect(ByteSize(1).description == "1 byte")
        #expect(ByteSize(999).description == "999 bytes")
        #expect(ByteSize(1_000).description == "1.00 kB")
        #expect(ByteSize(400_000_000).description == "400 MB")
        #expect(ByteSize(12_345_678).description == "12.3 MB")
        #expect(ByteSize(2_147_483_648).description == "2.15 GB")
    }

    /// A second recording of the fixture's observation, rejected, with its original on disk (or not).
    static func rejectedRecording(_ fixture: APIFixture, keepOriginal: Bool = true, report: String? = nil) async throws -> RecordingID {
        let bytes = Tus.bytes(10_000, seed: 42)
        let sha256 = Tus.sha256Hex(bytes)
        if keepOriginal {
            let blob = fixture.directory.appendingPathComponent("blobs/\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256)")
            try FileManager.default.createDirectory(at: blob.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: blob)
        }
        let stored = try await fixture.store.ingest.storeUploadedRecording(
            uploadID: "second", observationID: fixture.observation.observation.id, uploadedBy: fixture.users[.assessor]!.id,
            fileName: "second.mp4", sha256: sha256, byteCount: Int64(bytes.count))
        try await fixture.store.ingest.beginIndexing(stored.recordingID)
        if let report {
            try await fixture.store.ingest.finishIndexing(stored.recordingID, report: report)
        } else {
            try await fixture.store.ingest.rejectRecording(stored.recordingID, reason: "The indexer crashed on this file.", code: "indexing_failed")
        }
        return stored.recordingID
    }

    @Test("only the uploader or the lead re-index, only a rejected recording, only while its original is kept")
    func reindex() async throws {
        let fixture = try await APIFixture.make()
        let rejected = try await Self.rejectedRecording(fixture)
        let otherAssessor = User(name: "Another Assessor", role: .assessor, organisationID: fixture.users[.assessor]!.organisationID)
        try await fixture.store.records.users.insert(otherAssessor)
        let secret = "token-other-assessor-\(UUID().uuidString)"
        _ = try await fixture.store.accounts.createAPIToken(id: "other-assessor", userID: otherAssessor.id, name: "t", tokenHash: Secrets.hash(secret))
        try await fixture.withClient { client in
            func reindex(_ id: RecordingID, _ headers: HTTPFields) async throws -> TestResponse {
                var headers = headers
                headers[.contentType] = "application/json"
                return try await client.execute(uri: "/api/v1/recordings/\(id)/reindex", method: .post, headers: headers,
                                                body: ByteBuffer(string: #"{"reason":"the server restarted"}"#))
            }
            // Not a ready recording; not by another assessor, an employer or a moderator.
            #expect(try await reindex(fixture.recording.id, fixture.headers(.assessor)).status == .conflict)
            let other = try await reindex(rejected, [.authorization: "Bearer \(secret)"])
            #expect(other.status == .forbidden && String(buffer: other.body).contains("uploaded"))
            #expect(try await reindex(rejected, fixture.headers(.employer)).status == .forbidden)
            #expect(try await reindex(rejected, fixture.headers(.assignedModerator)).status == .forbidden)
            // The uploader: 202, stored again, a new job.
            let accepted = try await reindex(rejected, fixture.headers(.assessor))
            #expect(accepted.status == .accepted)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: accepted.body)) as? [String: Any])
            #expect((body["recording"] as? [String: Any])?["status"] as? String == "stored")
            #expect((body["job"] as? [String: Any])?["state"] as? String == "queued")
            // Twice: it is no longer rejected.
            #expect(try await reindex(rejected, fixture.headers(.lead)).status == .conflict)
        }
    }

    @Test func reindexingWithoutTheOriginalSaysToUploadAgain() async throws {
        let fixture = try await APIFixture.make()
        let rejected = try await Self.rejectedRecording(fixture, keepOriginal: false)
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/api/v1/recordings/\(rejected)/reindex", method: .post, headers: fixture.headers(.lead))
            #expect(response.status == .conflict)
            #expect(String(buffer: response.body).contains("upload the file again"))
            #expect(!String(buffer: response.body).contains(fixture.directory.path))
        }
    }

    /// Reproduces the leak: reports stored by the worker named the blob's absolute path, and a phone's location,
    /// make and model went to employers and moderators.
    @Test func theIndexNamesNoServerPathAndWithholdsPersonalTagsFromThoseWhoDoNotManageRecordings() async throws {
        let fixture = try await APIFixture.make()
        let report = #"""
            {"file":"/srv/obsreview/data/blobs/ab/cd/abcd","format":{"name":"mov,mp4,m4a,3gp,3g2,mj2","durationSeconds":60,
             "tags":{"com.apple.quicktime.location.ISO6709":"+51.5072-000.1276/","com.apple.quicktime.make":"Apple","major_brand":"qt  "},
             "personalDataTags":["com.apple.quicktime.location.ISO6709","com.apple.quicktime.make","stream:0:handler_name"]},
             "streams":[{"index":0,"kind":"video","codec":"hevc","tags":{"handler_name":"Sam's iPhone","language":"und"}}],
             "proxy":{"file":"/srv/obsreview/data/media/x/abcd/proxy.mp4","method":"remux"}}
            """#
        let id = try await Self.rejectedRecording(fixture, report: report)
        try await fixture.withClient { client in
            for caller in [Caller.employer, .assessor, .assignedModerator, .auditor] {
                let response = try await client.execute(uri: "/api/v1/recordings/\(id)/index", method: .get, headers: fixture.headers(caller))
                guard response.status == .ok else { continue }  // the moderator may not see this recording at all
                let text = String(buffer: response.body)
                #expect(!text.contains("/srv/") && !text.contains("blobs"), "\(caller): \(text)")
                #expect(!text.contains("+51.5072") && !text.contains("Apple") && !text.contains("iPhone"), "\(caller) sees personal tags")
                #expect(text.contains("second.mp4") && text.contains("qt  ") && text.contains("withheld"))
            }
            let lead = String(buffer: try await client.execute(uri: "/api/v1/recordings/\(id)/index", method: .get, headers: fixture.headers(.lead)).body)
            #expect(lead.contains("+51.5072") && lead.contains("Sam's iPhone") && !lead.contains("/srv/"))
        }
    }

    /// Reproduces the finding: API, media and caption answers carried no `Cache-Control: no-store` or `nosniff`.
    @Test func everyAnswerWithPersonalDataIsNeitherCachedNorSniffed() async throws {
        let fixture = try await APIFixture.make()
        let r = fixture.recording.id
        try await fixture.withClient { client in
            for path in ["/api/v1/recordings/\(r)", "/api/v1/recordings/\(r)/media", "/api/v1/recordings/\(r)/proxy",
                         "/api/v1/recordings/\(r)/captions", "/api/v1/recordings/\(r)/thumbnails/0", "/api/v1/cases",
                         "/api/v1/recordings/\(RecordingID())", "/recordings/\(r)"] {
                let response = try await client.execute(uri: path, method: .get, headers: fixture.headers(.lead))
                #expect(response.headers[.cacheControl] == "no-store", "\(path) \(response.status)")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path)")
            }
            let anonymous = try await client.execute(uri: "/api/v1/cases", method: .get, headers: [:])
            #expect(anonymous.status == .unauthorized && anonymous.headers[.cacheControl] == "no-store")
        }
    }

    @Test("an upload the disk cannot take is refused at creation with 507; a person's uploads under way are limited")
    func diskAndQuota() async throws {
        var full = TestServer()
        full.configuration.reservedFreeBytes = Int64.max / 2  // no disk has that much free
        let server = full
        try await server.withRouterClient { client in
            let response = try await client.execute(uri: "/uploads", method: .post, headers: Tus.headers([
                .uploadLength: "1000", .uploadMetadata: Tus.metadata(),
            ]))
            #expect(response.status.code == 507)
            #expect(errorCode(response) == "insufficient_storage")
            #expect(!String(buffer: response.body).contains(server.directory.path))
        }
        var limited = TestServer()
        limited.configuration.maxUploadsPerUser = 2
        try await limited.withRouterClient { client in
            _ = try await Tus.create(client, length: 100)
            let second = try await Tus.create(client, length: 100)
            let third = try await client.execute(uri: "/uploads", method: .post, headers: Tus.headers([
                .uploadLength: "100", .uploadMetadata: Tus.metadata(),
            ]))
            #expect(third.status == .tooManyRequests && errorCode(third) == "upload_quota")
            // Another person is not limited by this one's uploads; finishing one makes room again.
            _ = try await Tus.create(client, length: 100, token: "other-assessor")
            #expect(try await Tus.patch(client, second, offset: 0, Tus.bytes(100)).status == .noContent)
            _ = try await Tus.create(client, length: 100)
        }
    }

    /// From issue 19: `/readyz` stayed 200 with a missing blob folder or a full disk, so a load balancer kept
    /// sending uploads to a server that failed them.
    @Test func readinessSaysWhenTheDataFolderCannotTakeFiles() async throws {
        let fixture = try await APIFixture.make()
        var full = fixture.configuration
        full.reservedFreeBytes = Int64.max / 2
        let app = try await buildApplication(configuration: full, dependencies: ServerDependencies(
            store: fixture.store, completionHandler: StoreUploadCompletion(store: fixture.store), now: fixture.clock.function))
        try await app.test(.router) { router in let client = ContractCheckingClient(base: router)
            let answer = try await client.execute(uri: "/readyz", method: .get)
            #expect(answer.status == .serviceUnavailable && String(buffer: answer.body).contains("disk is full"))
        }
        try await fixture.withClient { client in
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            let blobs = fixture.directory.appendingPathComponent("blobs")
            let aside = fixture.directory.appendingPathComponent("blobs-unmounted")
            try FileManager.default.moveItem(at: blobs, to: aside)
            let missing = try await client.execute(uri: "/readyz", method: .get)
            #expect(missing.status == .serviceUnavailable && String(buffer: missing.body).contains("blob folder"))
            #expect(!String(buffer: missing.body).contains(fixture.directory.path))
            try FileManager.default.moveItem(at: aside, to: blobs)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }

    /// Found by the hostile test: 30 creations at once passed a limit of 10 (21 accepted), and a length declared
    /// late (creation-defer-length) escaped the pending-bytes limit.
    @Test func theUploadLimitsHoldUnderConcurrencyAndForLengthsDeclaredLate() async throws {
        let server = TestServer()
        defer { server.removeDirectory() }
        var configuration = server.uploadStore().configuration
        configuration.maxUploadsPerUser = 10
        configuration.maxPendingBytesPerUser = 1_000_000
        let store = UploadStore(configuration: configuration, blobs: FolderBlobStore(root: .init(server.directory.appendingPathComponent("blobs").path)),
                                completionHandler: server.registry, logger: Logger(label: "test"))
        try await store.prepare()
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<30 {
                group.addTask {
                    (try? await store.create(NewUpload(owner: TestServer.assessor, observationID: Tus.observation, fileName: "f\(n).mp4",
                                                       length: 100, expectedSHA256: nil, metadataHeader: nil))) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 10)
        #expect(store.unfinished(of: TestServer.assessor.userID).count == 10)

        let other = TestServer.otherAssessor
        let deferred = try await store.create(NewUpload(owner: other, observationID: Tus.observation, fileName: "d.mp4", length: nil,
                                                        expectedSHA256: nil, metadataHeader: nil))
        do {
            _ = try await store.append(to: deferred.id, for: other, at: 0, declaredLength: 5_000_000, body: [ByteBuffer(bytes: [1])].async)
            Issue.record("a late length past the pending-bytes limit was accepted")
        } catch let error as UploadError {
            #expect(error.code == .quota)
        }
        #expect(try await store.info(deferred.id, for: other).length == nil)
        _ = try await store.append(to: deferred.id, for: other, at: 0, declaredLength: 500_000, body: [ByteBuffer(bytes: [1])].async)
        #expect(try await store.info(deferred.id, for: other).length == 500_000)
    }

    /// Reproduces issue 19's finding: the same PATCH sent to two servers sharing the data folder was accepted by both
    /// (the lock was in memory). Two stores on one folder stand for two servers: `flock` locks belong to open files,
    /// so they exclude each other within one process as across processes.
    @Test func twoServersSharingTheFolderNeverWriteOneUploadAtOnceAndEitherResumesIt() async throws {
        let server = TestServer()
        defer { server.removeDirectory() }
        let configuration = server.uploadStore().configuration
        func store() -> UploadStore {
            UploadStore(configuration: configuration, blobs: FolderBlobStore(root: .init(server.directory.appendingPathComponent("blobs").path)),
                        completionHandler: server.registry, logger: Logger(label: "test"))
        }
        let (first, second) = (store(), store())
        try await first.prepare()
        let bytes = Tus.bytes(3000, seed: 19)
        let info = try await first.create(NewUpload(owner: TestServer.assessor, observationID: Tus.observation, fileName: "shared.mp4",
                                                    length: 3000, expectedSHA256: nil, metadataHeader: nil))
        // A PATCH on the first server that is still sending holds the upload.
        let (body, continuation) = AsyncStream<ByteBuffer>.makeStream()
        continuation.yield(ByteBuffer(bytes: bytes[0..<1000]))
        let writing = Task { try await first.append(to: info.id, for: TestServer.assessor, at: 0, body: body) }
        try await Task.sleep(for: .milliseconds(200))
        do {
            _ = try await second.append(to: info.id, for: TestServer.assessor, at: 0, body: [ByteBuffer(bytes: bytes[0..<1000])].async)
            Issue.record("the second server wrote an upload the first was writing")
        } catch let error as UploadError {
            #expect(error.code == .locked)
        }
        continuation.finish()
        #expect(try await writing.value.offset == 1000)
        // The second server resumes it from what the first wrote, and finishes it.
        #expect(try await second.info(info.id, for: TestServer.assessor).offset == 1000)
        let done = try await second.append(to: info.id, for: TestServer.assessor, at: 1000, body: [ByteBuffer(bytes: bytes[1000...])].async)
        #expect(done.completedNow && done.offset == 3000)
        #expect(done.record.sha256 == Tus.sha256Hex(bytes))
    }

    /// Reproduces the trickle: a PATCH sending a byte every few seconds held the upload's lock for as long as it liked.
    @Test func aPatchSlowerThanTheMinimumRateIsEndedAndKeepsItsBytes() async throws {
        let server = TestServer()
        defer { server.removeDirectory() }
        var configuration = server.uploadStore().configuration
        configuration.minimumBytesPerSecond = 10_000
        configuration.rateWindow = .milliseconds(300)
        let store = UploadStore(configuration: configuration, blobs: FolderBlobStore(root: .init(server.directory.appendingPathComponent("blobs").path)),
                                completionHandler: server.registry, logger: Logger(label: "test"))
        try await store.prepare()
        let info = try await store.create(NewUpload(owner: TestServer.assessor, observationID: Tus.observation, fileName: "slow.mp4", length: 1000,
                                                    expectedSHA256: nil, metadataHeader: nil))
        let trickle = AsyncStream<ByteBuffer> { continuation in
            Task {
                for byte in Tus.bytes(40) {
                    continuation.yield(ByteBuffer(bytes: [byte]))
                    try? await Task.sleep(for: .milliseconds(50))
                }
                continuation.finish()
            }
        }
        do {
            _ = try await store.append(to: info.id, for: TestServer.assessor, at: 0, body: trickle)
            Issue.record("the trickling PATCH was allowed to finish")
        } catch let error as UploadError {
            #expect(error.code == .tooSlow)
        }
        // What arrived is kept and the lock is free: the upload resumes from there.
        let now = try await store.info(info.id, for: TestServer.assessor)
        #expect(now.offset > 0 && now.offset < 40)
        let rest = Tus.bytes(1000).dropFirst(Int(now.offset))
        _ = try await store.append(to: info.id, for: TestServer.assessor, at: now.offset, body: [ByteBuffer(bytes: Array(rest))].async)
        #expect(try await store.info(info.id, for: TestServer.assessor).offset == 1000)
    }
}

extension Array where Element: Sendable {
    /// The array as an async sequence (a request body in tests).
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
