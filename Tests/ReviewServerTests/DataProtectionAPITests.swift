import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// Erasure and legal holds through the API (issue 17, part A; decision 12).
@Suite struct DataProtectionAPITests {
    typealias Caller = APIFixture.Caller

    /// Every file under `folder` that holds `needle` (the SQLite file, its WAL and shared memory, blobs, media, uploads).
    static func files(under folder: URL, containing needle: [UInt8]) -> [String] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var found: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            if let data = try? Data(contentsOf: url), data.range(of: Data(needle)) != nil { found.append(url.lastPathComponent) }
        }
        return found
    }

    static func body(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
    }

    @Test("the lead erases a candidate once the hold is released: nothing of theirs is left in the data folder; the chain verifies")
    func erasure() async throws {
        let f = try await APIFixture.make()
        let candidate = f.candidate.candidate
        let erase = #"{"candidateId":"\#(candidate.id)","registrationNumber":"\#(candidate.registrationNumber)","reason":"Erasure request ER-1"}"#
        try await f.withClient { client in
            // An upload to the candidate's observation still under way: no recording yet, only its record and bytes.
            let uploads = f.directory.appendingPathComponent("uploads")
            try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
            try Data(#"{"observationID":"\#(f.observation.observation.id)","fileName":"visit-part-2.mp4"}"#.utf8)
                .write(to: uploads.appendingPathComponent("0123abcd.json"))
            try Data(f.originalBytes.prefix(5000)).write(to: uploads.appendingPathComponent("0123abcd.part"))
            // Before: the values are there to be found (the search would find them).
            for value in ["Casey Candidate", "SW000001", "visit.mp4", "Below the standard."] {
                #expect(!Self.files(under: f.directory, containing: Array(value.utf8)).isEmpty, "\(value) should be stored before")
            }
            #expect(!Self.files(under: f.directory, containing: Array(f.originalBytes.prefix(4096))).isEmpty)
            func post(_ caller: Caller, _ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/erasures", method: .post, headers: f.headers(caller, json: true), body: ByteBuffer(string: body))
            }
            for caller in Caller.allCases where ![.lead, .administrator].contains(caller) {
                #expect(try await post(caller, erase).status == .forbidden, "\(caller) must not erase")
            }
            // Another id (unknown, or of no candidate) is 404; a wrong confirmation 422; the fixture's hold 409.
            #expect(try await post(.lead, #"{"candidateId":"\#(UUID())","registrationNumber":"SW000001"}"#).status == .notFound)
            #expect(try await post(.lead, #"{"candidateId":"\#(f.observation.observation.id)","registrationNumber":"SW000001"}"#).status == .notFound)
            #expect(try await post(.administrator, #"{"candidateId":"\#(candidate.id)","registrationNumber":"SW999999"}"#).status == .unprocessableContent)
            let held = try await post(.lead, erase)
            #expect(held.status == .conflict && String(buffer: held.body).contains("legal hold"))
            #expect(!String(buffer: held.body).contains(f.directory.path), "no server path in an error")
            let release = try await client.execute(uri: "/api/v1/holds/\(f.hold.id)", method: .delete, headers: f.headers(.lead, json: true),
                                                   body: ByteBuffer(string: #"{"reason":"Appeal withdrawn"}"#))
            #expect(release.status == .ok && Self.body(release)["active"] as? Bool == false)

            let erased = try await post(.lead, erase)
            #expect(erased.status == .ok, "\(String(buffer: erased.body))")
            let answer = Self.body(erased)
            #expect(answer["recordings"] as? Int == 1 && (answer["filesRemoved"] as? Int ?? 0) >= 2)
            #expect(try await post(.lead, erase).status == .conflict, "erasing twice")
            // Found by the hostile tester: captions for an erased recording failed with a 500 on the missing folder.
            var vtt = f.headers(.lead)
            vtt[.contentType] = "text/vtt"
            let captions = try await client.execute(uri: "/api/v1/recordings/\(f.recording.id)/captions", method: .put, headers: vtt,
                                                    body: ByteBuffer(string: "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"))
            #expect(captions.status == .conflict || captions.status == .notFound, "captions after erasure: \(captions.status)")

            let sha = f.recording.sha256 ?? ""
            for value in ["Casey Candidate", "SW000001", "visit.mp4", "visit-part-2.mp4", "Below the standard.", "Good practice."] {
                let left = Self.files(under: f.directory, containing: Array(value.utf8))
                #expect(left.isEmpty, "\(value) is still in \(left)")
            }
            #expect(Self.files(under: f.directory, containing: Array(f.originalBytes.prefix(4096))).isEmpty, "the video's bytes are still stored")
            let paths = FileManager.default.enumerator(atPath: f.directory.path)?.allObjects as? [String] ?? []
            #expect(!paths.contains { $0.contains(sha) || $0.contains(f.recording.id.description) }, "a blob or media path of the recording is left")
            #expect(try await f.store.audit.verify().isIntact)
            // The erasure is audited; the candidate reads back pseudonymised.
            let events = try await f.store.audit.entries(about: .init(type: "candidate", id: candidate.id.description))
            #expect(events.last?.event.action == "candidate.erased" && events.last?.event.actorID == f.users[.lead]!.id)
            let read = try await client.execute(uri: "/api/v1/candidates/\(candidate.id)", method: .get, headers: f.headers(.lead))
            #expect(!String(buffer: read.body).contains("SW000001") && !String(buffer: read.body).contains("Casey"))
        }
    }

    @Test("holds: only the lead and administrators place and release, auditors list too; every step audited")
    func holds() async throws {
        let f = try await APIFixture.make()
        try await f.withClient { client in
            let place = #"{"subjectType":"candidate","subjectId":"\#(f.candidate.candidate.id)","reason":"Inquiry IQ-3"}"#
            for caller in Caller.allCases {
                let placed = try await client.execute(uri: "/api/v1/holds", method: .post, headers: f.headers(caller, json: true), body: ByteBuffer(string: place))
                #expect((placed.status == .created) == [.lead, .administrator].contains(caller), "\(caller) placing: \(placed.status)")
                let listed = try await client.execute(uri: "/api/v1/holds", method: .get, headers: f.headers(caller))
                #expect((listed.status == .ok) == [.lead, .administrator, .auditor].contains(caller), "\(caller) listing: \(listed.status)")
                if ![.lead, .administrator].contains(caller) {
                    let release = try await client.execute(uri: "/api/v1/holds/\(f.hold.id)", method: .delete, headers: f.headers(caller))
                    #expect(release.status == .forbidden, "\(caller) releasing")
                }
            }
            // Ids of nothing, or of another kind, are 404; an empty reason 422.
            for body in [#"{"subjectType":"case","subjectId":"\#(UUID())","reason":"x"}"#,
                         #"{"subjectType":"case","subjectId":"\#(f.observation.observation.id)","reason":"x"}"#] {
                let response = try await client.execute(uri: "/api/v1/holds", method: .post, headers: f.headers(.lead, json: true), body: ByteBuffer(string: body))
                #expect(response.status == .notFound, "\(body)")
            }
            let empty = try await client.execute(uri: "/api/v1/holds", method: .post, headers: f.headers(.lead, json: true),
                                                 body: ByteBuffer(string: #"{"subjectType":"case","subjectId":"\#(f.dispute.id)","reason":" "}"#))
            #expect(empty.status == .unprocessableContent)
            let list = try await client.execute(uri: "/api/v1/holds", method: .get, headers: f.headers(.auditor))
            #expect((Self.body(list)["items"] as? [[String: Any]])?.count == 3, "the fixture's hold and the two placed")
            // Released twice: the second is a conflict; a hold id of nothing is 404.
            let first = try await client.execute(uri: "/api/v1/holds/\(f.hold.id)", method: .delete, headers: f.headers(.administrator))
            #expect(first.status == .ok)
            #expect(try await client.execute(uri: "/api/v1/holds/\(f.hold.id)", method: .delete, headers: f.headers(.lead)).status == .conflict)
            #expect(try await client.execute(uri: "/api/v1/holds/\(UUID())", method: .delete, headers: f.headers(.lead)).status == .notFound)
            let events = try await f.store.audit.entries(after: 0, limit: 1000).map(\.event)
            #expect(events.filter { $0.action == "hold.placed" }.count == 3)
            #expect(events.filter { $0.action == "hold.released" }.count == 1)
            #expect(events.filter { $0.action == "holds.listed" }.count == 4)
            // The page lists holds with labelled forms for the lead; an employer is refused.
            let page = try await client.execute(uri: "/data-protection", method: .get, headers: f.headers(.lead))
            let html = String(buffer: page.body)
            #expect(page.status == .ok && html.contains("<h1>Data protection</h1>") && html.contains("Inquiry IQ-3"))
            #expect(html.contains(#"<label for="erase-registration">"#) && html.contains(#"<label for="hold-reason">"#))
            #expect(try await client.execute(uri: "/data-protection", method: .get, headers: f.headers(.employer)).status == .forbidden)
        }
    }
}
