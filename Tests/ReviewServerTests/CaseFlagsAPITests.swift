import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// A case's flags through the API (issue 21 item 1, decision 35): the case shows its first 100 and how many there are;
/// `GET /api/v1/cases/{id}/flags` pages through every one, oldest first, and is refused to a moderator reviewing blind.
@Suite struct CaseFlagsAPITests {
    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("a case flagged 120 times shows the first 100 and pages to the rest")
    func pagedFlags() async throws {
        let fixture = try await APIFixture.make()
        let o = fixture.observation.observation.id
        let assessor = fixture.users[.assessor]!.actor
        var value = fixture.dispute
        for n in 1...120 { value = try await fixture.store.workflow.flag(observationID: o, reason: "Reason \(n).", by: assessor) }
        let id = value.id
        #expect(id == fixture.dispute.id && value.flagCount == 120)
        try await fixture.withClient { client in
            func get(_ path: String, as caller: APIFixture.Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .get, headers: fixture.headers(caller))
            }
            let shown = try Self.json(try await get("/api/v1/cases/\(id)", as: .lead))
            let flags = try #require(shown["flags"] as? [[String: Any]])
            #expect(flags.count == 100 && shown["flagCount"] as? Int == 120)
            #expect(flags.first?["reason"] as? String == "Reason 1." && flags.last?["reason"] as? String == "Reason 100.")
            let second = try Self.json(try await get("/api/v1/cases/\(id)/flags?page=2&pageSize=100", as: .auditor))
            let rest = try #require(second["items"] as? [[String: Any]])
            #expect(rest.map { $0["reason"] as? String } == (101...120).map { "Reason \($0)." })
            #expect(second["nextPage"] == nil)
            let first = try Self.json(try await get("/api/v1/cases/\(id)/flags?pageSize=7", as: .employer))
            #expect((first["items"] as? [Any])?.count == 7 && first["nextPage"] as? Int == 2)
            // The moderator reviewing it blind sees no flags on the case, and none through the list of flags.
            let blind = try Self.json(try await get("/api/v1/cases/\(id)", as: .assignedModerator))
            #expect((blind["flags"] as? [Any])?.isEmpty == true && blind["flagCount"] as? Int == 0)
            let refused = try await get("/api/v1/cases/\(id)/flags", as: .assignedModerator)
            #expect(refused.status == .forbidden && String(buffer: refused.body).contains("reviews blind"))
        }
        await fixture.store.shutdown()
    }

    @Test("a NUL character in a body is refused in words, and the audit chain stays intact")
    func nulIsRefused() async throws {
        let fixture = try await APIFixture.make()
        let o = fixture.observation.observation.id
        try await fixture.withClient { client in
            // SQLite ends a text at U+0000: stored, the flag's reason would lose its tail while the audit event's hash
            // covered all of it, and the chain would read as tampered with (the hostile test of 7 December).
            for reason in [#"\u0000x"#, #"visible\u0000hidden tail"#] {
                let response = try await client.execute(uri: "/api/v1/observations/\(o)/flags", method: .post,
                                                        headers: fixture.headers(.employer, json: true),
                                                        body: ByteBuffer(string: #"{"reason":""# + reason + #""}"#))
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("NUL character"))
            }
            // A key holding one, nested in an array, is refused the same way.
            let nested = try await client.execute(uri: "/api/v1/cases/moderation-requests", method: .post,
                                                  headers: fixture.headers(.lead, json: true),
                                                  body: ByteBuffer(string: #"{"caseIds":["a\u0000"]}"#))
            #expect(nested.status == .badRequest && String(buffer: nested.body).contains("NUL character"))
            // In a query parameter too (the hostile test of decision 41: `q=a%00b` searched for "a"), API and pages alike.
            for uri in ["/api/v1/cases?q=fenn%00NOMATCH", "/board?q=%00", "/api/v1/cases?state=open&q=%00"] {
                let refused = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.lead))
                #expect(refused.status == .badRequest && String(buffer: refused.body).contains("NUL character"), "\(uri): \(refused.status)")
            }
            #expect(try await client.execute(uri: "/api/v1/cases?q=%2500", method: .get, headers: fixture.headers(.lead)).status == .ok)
            // A long unknown field is named, cut short.
            let long = String(repeating: "x", count: 10_000)
            let unknown = try await client.execute(uri: "/api/v1/cases/moderation-requests", method: .post,
                                                   headers: fixture.headers(.lead, json: true),
                                                   body: ByteBuffer(string: #"{"caseIds":[],""# + long + #"":1}"#))
            #expect(unknown.status == .badRequest && unknown.body.readableBytes < 1_000)
            let flags = try await fixture.store.records.cases.flags(of: fixture.dispute.id, offset: 0, limit: 100)
            #expect(!flags.contains { $0.reason.isEmpty || $0.reason.hasPrefix("visible") })
            #expect(try await fixture.store.audit.verify().isIntact)
        }
    }
}
