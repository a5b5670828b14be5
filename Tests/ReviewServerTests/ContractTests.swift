import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ReviewDomain
@testable import ReviewServer
import Testing

/// The OpenAPI document is the contract's one source (decision 18): it holds together, and the check every API test's
/// responses pass through (``ContractCheckingClient``) bites when a real response breaks it.
@Suite struct ContractTests {
    typealias Caller = APIFixture.Caller

    @Test("the document holds together: every $ref resolves, operation ids are unique, every response is described")
    func theDocumentHoldsTogether() throws {
        let check = ContractCheck.shared
        #expect(check.document != .null, "openapi.json is not valid JSON")
        #expect(check.document["openapi"]?.string?.hasPrefix("3.1") == true)
        var references: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if let reference = members["$ref"]?.string { references.append(reference) }
                members.values.forEach(collect)
            case .array(let items): items.forEach(collect)
            default: break
            }
        }
        collect(check.document)
        #expect(references.count > 100)
        #expect(references.filter { check.validator.resolve($0) == nil } == [], "$refs that name nothing")
        var ids: [String] = []
        for (path, item) in check.document["paths"]?.object ?? [:] {
            for (method, operation) in item.object ?? [:] {
                let id = try #require(operation["operationId"]?.string, "\(method) \(path) has no operationId")
                ids.append(id)
                #expect(operation["responses"]?.object?.isEmpty == false, "\(method) \(path) describes no response")
            }
        }
        #expect(ids.count == check.operations.count)
        #expect(Set(ids).count == ids.count, "operation ids are not unique")
    }

    /// The check only bites if the suites' clients are the checking one: the fixtures hand out no other.
    @Test("the API tests' clients check every response")
    func theTestClientsCheckTheContract() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in #expect(client is ContractCheckingClient) }
        try await TestServer().withRouterClient { client in #expect(client is ContractCheckingClient) }
    }

    /// One real response, broken seven ways: each is caught, and says where and what.
    @Test("a real response with a required member missing, a wrong type or an unknown enum value breaks the contract")
    func brokenResponsesAreCaught() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let uri = "/api/v1/cases/\(fixture.dispute.id)"
            let response = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.lead))
            #expect(response.status == .ok)
            let check = ContractCheck.shared
            func problems(_ edit: (inout [String: Any]) -> Void) throws -> [String] {
                var object = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                edit(&object)
                let data = try JSONSerialization.data(withJSONObject: object)
                return check.problems(method: .get, uri: uri, status: 200, contentType: "application/json", body: ByteBuffer(bytes: data))
            }
            #expect(try problems { _ in } == [], "the real response keeps the contract")
            #expect(try problems { $0["state"] = nil } == [#"GET /api/v1/cases/{caseId} 200: $: the required member "state" is missing"#])
            #expect(try problems { $0["version"] = "2" } == [#"GET /api/v1/cases/{caseId} 200: $.version: "2" is not of type integer"#])
            let unknown = try problems { $0["state"] = "pondering" }
            #expect(unknown.count == 1 && unknown[0].hasPrefix(#"GET /api/v1/cases/{caseId} 200: $.state: "pondering" is not one of "open""#), "\(unknown)")
            #expect(try problems { $0["surprise"] = true } == [#"GET /api/v1/cases/{caseId} 200: $: the member "surprise" is not in the schema, which allows no others"#])
            #expect(try problems { $0["openedAt"] = "yesterday" }.first?.contains("is not an RFC 3339 date-time") == true)
            #expect(try problems { $0["id"] = "not-a-uuid" }.first?.contains("is not a lower-case UUID") == true)
            // A status the operation does not list, and a body where the document says none.
            #expect(check.problems(method: .get, uri: uri, status: 418, contentType: "application/json", body: response.body)
                == ["GET /api/v1/cases/{caseId} answered 418, which the document does not list for it"])
            let revoke = "/api/v1/tokens/\(fixture.spareTokenID)"
            #expect(check.problems(method: .delete, uri: revoke, status: 204, contentType: "application/json", body: ByteBuffer(string: "{}"))
                == ["DELETE /api/v1/tokens/{tokenId} 204: the document says no body, the response has 2 bytes"])
            // An error envelope whose code is not one of the API's.
            let envelope = ByteBuffer(string: #"{"error":{"code":"store.not_found","message":"No such case."}}"#)
            let wrongCode = check.problems(method: .get, uri: uri, status: 404, contentType: "application/json", body: envelope)
            #expect(wrongCode.count == 1 && wrongCode[0].contains(#"$.error.code: "store.not_found" is not one of"#), "\(wrongCode)")
        }
    }

    @Test("a request body the server accepted must be one the document allows")
    func acceptedRequestsAreChecked() {
        let check = ContractCheck.shared
        let uri = "/api/v1/observations/\(ObservationID())/ratings"
        let fine = ByteBuffer(string: #"{"score":4,"rationale":"Sound practice."}"#)
        #expect(check.requestProblems(method: .post, uri: uri, contentType: "application/json", body: fine) == [])
        let stringScore = ByteBuffer(string: #"{"score":"4","rationale":"Sound practice."}"#)
        #expect(check.requestProblems(method: .post, uri: uri, contentType: "application/json", body: stringScore)
            == [#"POST /api/v1/observations/{observationId}/ratings request body the server accepted: $.score: "4" is not of type integer"#])
    }

    @Test("nested schemas: items of a page, oneOf, additionalProperties as a schema")
    func nestedSchemasAreFollowed() throws {
        let validator = ContractCheck.shared.validator
        let page = JSONValue.object(["$ref": .string("#/components/schemas/CasePage")])
        let broken = try JSONValue.parse(Data(#"{"items":[{"id":"x"}],"page":1,"pageSize":50}"#.utf8))
        #expect(validator.problems(broken, page).contains(#"$.items[0]: the required member "state" is missing"#))
        let statistic = JSONValue.object(["$ref": .string("#/components/schemas/Statistic")])
        #expect(validator.problems(try JSONValue.parse(Data(#"{"value":0.5}"#.utf8)), statistic) == [])
        #expect(validator.problems(try JSONValue.parse(Data(#"{"value":0.5,"notDefined":"no pairs"}"#.utf8)), statistic)
            == ["$: {notDefined, value} matches 0 of oneOf's 2 schemas, not exactly one"])
        let audit = JSONValue.object(["$ref": .string("#/components/schemas/AuditEntry")])
        let details = try JSONValue.parse(Data(#"{"sequence":1,"id":"8a1d5b1e-6f7a-4f57-9a8e-2b8f4c6d9e01","at":"2026-03-01T09:30:00Z","actorId":"8a1d5b1e-6f7a-4f57-9a8e-2b8f4c6d9e02","action":"case.opened","subjectType":"case","subjectId":"c","details":{"score":3},"hash":"\#(String(repeating: "a", count: 64))","previousHash":"\#(String(repeating: "0", count: 64))"}"#.utf8))
        #expect(validator.problems(details, audit) == ["$.details.score: 3 is not of type string"])
    }
}

extension ContractTests {
    @Test("a body the contract closes (additionalProperties: false) refuses a field it does not name, in words naming the field")
    func closedBodiesRefuseUnknownFields() async throws {
        // The document's closed request bodies are found (decision 37): each names its fields.
        #expect(OpenAPIDocument.closedFields(method: "POST", path: "/api/v1/notices/read") == ["ids", "all"])
        #expect(OpenAPIDocument.closedFields(method: "POST", path: "/api/v1/recordings/\(UUID())/reindex") == ["reason"])
        #expect(OpenAPIDocument.closedFields(method: "GET", path: "/api/v1/notices/read") == nil)
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let refused = try await client.execute(uri: "/api/v1/notices/read", method: .post, headers: fixture.headers(.lead, json: true),
                                                   body: ByteBuffer(string: #"{"all":true,"foo":1}"#))
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("'foo' is not a field of this request"))
            let bulk = try await client.execute(uri: "/api/v1/cases/moderation-requests", method: .post, headers: fixture.headers(.lead, json: true),
                                                body: ByteBuffer(string: #"{"caseIds":["\#(fixture.dispute.id)"],"dryRun":true}"#))
            #expect(bulk.status == .badRequest && String(buffer: bulk.body).contains("'dryRun' is not a field of this request"))
            // A field given twice is refused, naming it: a decoder would keep one of the two without a word.
            let twice = try await client.execute(uri: "/api/v1/notices/read", method: .post, headers: fixture.headers(.lead, json: true),
                                                 body: ByteBuffer(string: #"{"all":false,"all":true}"#))
            #expect(twice.status == .badRequest && String(buffer: twice.body).contains("'all' is given twice in one object"))
            let fine = try await client.execute(uri: "/api/v1/notices/read", method: .post, headers: fixture.headers(.lead, json: true),
                                                body: ByteBuffer(string: #"{"all":true}"#))
            #expect(fine.status == .ok)
        }
    }
}
