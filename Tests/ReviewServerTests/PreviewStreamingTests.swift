import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// A recording that needs a transcoded proxy plays while the proxy is made (decision 32): the preview manifest and its
/// segments, under the proxy's access rule and its one audited viewing.
@Suite("Playing a recording before it is ready")
struct PreviewStreamingTests {
    typealias Caller = APIFixture.Caller

    /// A second recording of the fixture's observation, being indexed, with the segments a worker has written so far:
    /// two listed, a third still being written (`.tmp`).
    static func indexingRecording(_ f: APIFixture) async throws -> (Recording, URL) {
        let bytes = Tus.bytes(10_000, seed: 11)
        let sha256 = Tus.sha256Hex(bytes)
        let stored = try await f.store.ingest.storeUploadedRecording(
            uploadID: "preview", observationID: f.observation.observation.id, uploadedBy: f.users[.assessor]!.id,
            fileName: "phone.mov", sha256: sha256, byteCount: Int64(bytes.count))
        let recording = try await f.store.ingest.beginIndexing(stored.recordingID)
        let live = f.directory.appendingPathComponent("media/\(recording.id)/\(sha256)/live")
        try FileManager.default.createDirectory(at: live, withIntermediateDirectories: true)
        try Data(#"{"codecs":"avc1.64001f,mp4a.40.2","durationSeconds":180.5}"#.utf8).write(to: live.appendingPathComponent("stream.json"))
        try Data("""
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-TARGETDURATION:4
            #EXT-X-MEDIA-SEQUENCE:0
            #EXT-X-PLAYLIST-TYPE:EVENT
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MAP:URI="init.mp4"
            #EXTINF:4.000000,
            seg-00000.m4s
            #EXTINF:4.000000,
            seg-00001.m4s

            """.utf8).write(to: live.appendingPathComponent("index.m3u8"))
        for (name, seed) in [("init.mp4", 1), ("seg-00000.m4s", 2), ("seg-00001.m4s", 3), ("seg-00002.m4s.tmp", 4)] {
            try Data(Tus.bytes(1_000 * seed, seed: UInt8(seed))).write(to: live.appendingPathComponent(name))
        }
        return (recording, live)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("The manifest lists what plays now, and the recording says it is playable before it is ready")
    func manifest() async throws {
        let f = try await APIFixture.make()
        let (recording, live) = try await Self.indexingRecording(f)
        let r = recording.id
        try await f.withClient { client in
            let shown = try Self.json(try await client.execute(uri: "/api/v1/recordings/\(r)", method: .get, headers: f.headers(.lead)))
            #expect((shown["recording"] as? [String: Any])?["status"] as? String == "indexing")
            #expect(shown["playable"] as? Bool == true)
            let response = try await client.execute(uri: "/api/v1/recordings/\(r)/preview", method: .get, headers: f.headers(.lead))
            #expect(response.status == .ok)
            let manifest = try Self.json(response)
            #expect(manifest["playable"] as? Bool == true && manifest["finished"] as? Bool == false && manifest["complete"] as? Bool == false)
            #expect(manifest["mimeType"] as? String == #"video/mp4; codecs="avc1.64001f,mp4a.40.2""#)
            #expect(manifest["initSegment"] as? String == "/api/v1/recordings/\(r)/preview/init.mp4")
            let segments = try #require(manifest["segments"] as? [[String: Any]])
            #expect(segments.compactMap { $0["url"] as? String } == ["seg-00000.m4s", "seg-00001.m4s"].map { "/api/v1/recordings/\(r)/preview/\($0)" })
            #expect(manifest["readySeconds"] as? Double == 8)
            #expect(manifest["summary"] as? String == "Playable while it is being prepared; 8 seconds of 3 minutes ready.")
            // In words people read: seconds under two minutes, never "1 minutes".
            let short = try #require(SegmentedProxy(playlist: "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:1.0,\ns.m4s\n", about: .init(codecs: "avc1.64001f", durationSeconds: 90.4)))
            #expect(RecordingController.readiness(short) == "Playable while it is being prepared; 1 second of 90 seconds ready.")

            // The page offers the preview player, in words.
            let page = try await client.execute(uri: "/recordings/\(r)", method: .get, headers: f.headers(.lead))
            let html = String(buffer: page.body)
            #expect(html.contains("data-preview=\"/api/v1/recordings/\(r)/preview\"") && html.contains("Playable while it is being prepared."))

            // Nothing listed yet: not playable, and the page says so.
            try FileManager.default.removeItem(at: live.appendingPathComponent("index.m3u8"))
            let waiting = try Self.json(try await client.execute(uri: "/api/v1/recordings/\(r)/preview", method: .get, headers: f.headers(.lead)))
            #expect(waiting["playable"] as? Bool == false && (waiting["segments"] as? [Any])?.isEmpty == true)
            let notYet = try Self.json(try await client.execute(uri: "/api/v1/recordings/\(r)", method: .get, headers: f.headers(.lead)))
            #expect(notYet["playable"] as? Bool == false)

            // The ready recording: its proxy is finished, and the manifest sends the player there.
            let ready = try Self.json(try await client.execute(uri: "/api/v1/recordings/\(f.recording.id)/preview", method: .get, headers: f.headers(.lead)))
            #expect(ready["finished"] as? Bool == true && ready["proxy"] as? String == "/api/v1/recordings/\(f.recording.id)/proxy")
        }
    }

    @Test("Only listed, complete segments are served")
    func onlyListedSegments() async throws {
        let f = try await APIFixture.make()
        let (recording, live) = try await Self.indexingRecording(f)
        let r = recording.id
        try await f.withClient { client in
            for name in ["init.mp4", "seg-00000.m4s", "seg-00001.m4s"] {
                let response = try await client.execute(uri: "/api/v1/recordings/\(r)/preview/\(name)", method: .get, headers: f.headers(.lead))
                #expect(response.status == .ok, "\(name)")
                #expect(Data(buffer: response.body) == (try Data(contentsOf: live.appendingPathComponent(name))), "\(name)")
                #expect(response.headers[.contentType] == "video/mp4")
            }
            // HEAD answers as GET does, without the body (a player probing a segment's size).
            let head = try await client.execute(uri: "/api/v1/recordings/\(r)/preview/seg-00001.m4s", method: .head, headers: f.headers(.lead))
            #expect(head.status == .ok && head.body.readableBytes == 0 && head.headers[.eTag] != nil)
            let ranged = try await client.execute(uri: "/api/v1/recordings/\(r)/preview/seg-00001.m4s", method: .get,
                                                  headers: f.headers(.lead).with(.range, "bytes=0-99"))
            #expect(ranged.status == .partialContent && ranged.body.readableBytes == 100)
            // Being written, not a segment, or not in the folder at all.
            for name in ["seg-00002.m4s.tmp", "seg-00002.m4s", "stream.json", "index.m3u8", "..%2Fproxy.mp4", "%2Fetc%2Fpasswd"] {
                let response = try await client.execute(uri: "/api/v1/recordings/\(r)/preview/\(name)", method: .get, headers: f.headers(.lead))
                #expect(response.status == .notFound, "\(name): \(response.status)")
                #expect(!String(buffer: response.body).contains(f.directory.path))
            }
            // Once listed (the worker renamed it into place and rewrote the playlist), it is served.
            try FileManager.default.moveItem(at: live.appendingPathComponent("seg-00002.m4s.tmp"), to: live.appendingPathComponent("seg-00002.m4s"))
            let playlist = try String(contentsOf: live.appendingPathComponent("index.m3u8"), encoding: .utf8) + "#EXTINF:3.5,\nseg-00002.m4s\n#EXT-X-ENDLIST\n"
            try Data(playlist.utf8).write(to: live.appendingPathComponent("index.m3u8"))
            #expect(try await client.execute(uri: "/api/v1/recordings/\(r)/preview/seg-00002.m4s", method: .get, headers: f.headers(.lead)).status == .ok)
            let complete = try Self.json(try await client.execute(uri: "/api/v1/recordings/\(r)/preview", method: .get, headers: f.headers(.lead)))
            #expect(complete["complete"] as? Bool == true && complete["readySeconds"] as? Double == 11.5)
        }
    }

    @Test("A rejected recording's preview says it was rejected and how to go on, not that it is coming")
    func rejectedSaysSo() async throws {
        let f = try await APIFixture.make()
        let (recording, live) = try await Self.indexingRecording(f)
        try FileManager.default.removeItem(at: live)
        _ = try await f.store.ingest.rejectRecording(recording.id, reason: "not a video")
        try await f.withClient { client in
            let manifest = try Self.json(try await client.execute(uri: "/api/v1/recordings/\(recording.id)/preview", method: .get, headers: f.headers(.lead)))
            let summary = try #require(manifest["summary"] as? String)
            #expect(manifest["playable"] as? Bool == false)
            #expect(summary.contains("rejected") && summary.contains("index it again") && !summary.contains("yet"), "\(summary)")
        }
    }

    @Test("The proxy's access rule: the scheme's readers and the assigned moderator; no one else")
    func accessRules() async throws {
        let f = try await APIFixture.make()
        let (recording, _) = try await Self.indexingRecording(f)
        let r = recording.id
        let viewers: Set<Caller> = [.assessor, .employer, .lead, .auditor, .assignedModerator]
        try await f.withClient { client in
            for caller in Caller.allCases {
                for path in ["preview", "preview/init.mp4", "preview/seg-00000.m4s"] {
                    let response = try await client.execute(uri: "/api/v1/recordings/\(r)/\(path)", method: .get, headers: f.headers(caller))
                    if viewers.contains(caller) {
                        #expect(response.status == .ok, "\(caller) \(path): \(response.status)")
                    } else {
                        // Another organisation's recording and an unassigned moderator's: as if it did not exist; an administrator: never.
                        #expect(response.status == (caller == .administrator ? .forbidden : .notFound), "\(caller) \(path): \(response.status)")
                        #expect(Data(buffer: response.body).count < 1_000)
                    }
                }
            }
            let anonymous = try await client.execute(uri: "/api/v1/recordings/\(r)/preview/init.mp4", method: .get, headers: [:])
            #expect(anonymous.status == .unauthorized)
            // An id that is not a recording's.
            let unknown = try await client.execute(uri: "/api/v1/recordings/\(UUID())/preview/init.mp4", method: .get, headers: f.headers(.lead))
            #expect(unknown.status == .notFound)
        }
    }

    @Test("Withdrawn consent to moderation hides the preview from the moderator, as it hides the proxy")
    func consentWithdrawn() async throws {
        let f = try await APIFixture.make()
        let (recording, _) = try await Self.indexingRecording(f)
        let r = recording.id
        try await f.withClient { client in
            #expect(try await client.execute(uri: "/api/v1/recordings/\(r)/preview/init.mp4", method: .get, headers: f.headers(.assignedModerator)).status == .ok)
            let withdrawn = try await client.execute(
                uri: "/api/v1/recordings/\(r)/consents", method: .put, headers: f.headers(.lead, json: true),
                body: ByteBuffer(string: #"{"person":"candidate","purpose":"moderation","granted":false,"reference":"W-1"}"#))
            #expect(withdrawn.status == .ok || withdrawn.status == .created, "\(String(buffer: withdrawn.body))")
            // Refused exactly as the recording itself is refused to them now.
            let recordingItself = try await client.execute(uri: "/api/v1/recordings/\(r)", method: .get, headers: f.headers(.assignedModerator)).status
            #expect(recordingItself == .forbidden || recordingItself == .notFound)
            for path in ["preview", "preview/init.mp4", "preview/seg-00000.m4s"] {
                let response = try await client.execute(uri: "/api/v1/recordings/\(r)/\(path)", method: .get, headers: f.headers(.assignedModerator))
                #expect(response.status == recordingItself, "\(path): \(response.status)")
            }
        }
    }

    @Test("One viewing, one audit event, however many segments it fetches")
    func oneViewingOneEvent() async throws {
        let f = try await APIFixture.make()
        let (recording, _) = try await Self.indexingRecording(f)
        let r = recording.id
        try await f.withClient { client in
            func viewings() async throws -> [AuditEntry] {
                try await f.store.audit.listEntries(after: 0, subject: .init(type: "recording", id: r.description), page: PageRequest(size: 500))
                    .filter { $0.event.action == "recording.viewed" }
            }
            for _ in 0..<3 {
                _ = try await client.execute(uri: "/api/v1/recordings/\(r)/preview", method: .get, headers: f.headers(.employer))
                for name in ["init.mp4", "seg-00000.m4s", "seg-00001.m4s"] {
                    #expect(try await client.execute(uri: "/api/v1/recordings/\(r)/preview/\(name)", method: .get, headers: f.headers(.employer)).status == .ok)
                }
                f.clock.advance(by: 5)
            }
            // The manifest alone is not a viewing; a refused request is none either.
            _ = try await client.execute(uri: "/api/v1/recordings/\(r)/preview", method: .get, headers: f.headers(.auditor))
            _ = try await client.execute(uri: "/api/v1/recordings/\(r)/preview/init.mp4", method: .get, headers: f.headers(.otherEmployer))
            let events = try await viewings()
            #expect(events.count == 1)
            #expect(events.first?.event.actorID == f.users[.employer]!.id)
            #expect(events.first?.event.details["variant"] == "preview")
            // The same viewer after a long pause: another viewing.
            f.clock.advance(by: 31 * 60)
            _ = try await client.execute(uri: "/api/v1/recordings/\(r)/preview/seg-00001.m4s", method: .get, headers: f.headers(.employer))
            #expect(try await viewings().count == 2)
        }
    }

    @Test("An erased recording's preview is gone")
    func erased() async throws {
        let f = try await APIFixture.make()
        let (recording, _) = try await Self.indexingRecording(f)
        let r = recording.id
        try await f.withClient { client in
            #expect(try await client.execute(uri: "/api/v1/recordings/\(r)/preview/init.mp4", method: .get, headers: f.headers(.lead)).status == .ok)
            try await f.eraseCandidate(through: client)
            for path in ["preview", "preview/init.mp4", "preview/seg-00000.m4s"] {
                let response = try await client.execute(uri: "/api/v1/recordings/\(r)/\(path)", method: .get, headers: f.headers(.lead))
                #expect(response.status == .notFound, "\(path): \(response.status)")
            }
            let shown = try Self.json(try await client.execute(uri: "/api/v1/recordings/\(r)", method: .get, headers: f.headers(.lead)))
            #expect(shown["playable"] as? Bool == false)
        }
    }
}
