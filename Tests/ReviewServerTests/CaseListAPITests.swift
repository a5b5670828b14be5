import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// The case list and the board read the case summaries (issue 20 item 1, issue 21 item 1, decision 26): what each
/// role gets from them, the filters that must not widen anyone's view, no case document read, and the bulk "send to
/// moderation" reported case by case.
@Suite struct CaseListAPITests {
    typealias Caller = APIFixture.Caller

    static func items(_ client: some TestClientProtocol, _ fixture: APIFixture, _ query: String, as caller: Caller) async throws -> [[String: Any]] {
        let response = try await client.execute(uri: "/api/v1/cases" + query, method: .get, headers: fixture.headers(caller))
        #expect(response.status == .ok, "\(caller) \(query): \(response.status) \(String(buffer: response.body))")
        let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return body?["items"] as? [[String: Any]] ?? []
    }

    @Test("each role gets from the list what it may see: scores and why for those not blind, the panel for the lead and the auditor")
    func whatEachRoleSees() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let lead = try #require(try await Self.items(client, fixture, "", as: .lead).first)
            #expect(lead["reference"] as? String == "OBS-T-1" && lead["candidateName"] as? String == "Casey Candidate")
            #expect(lead["employerName"] as? String == "Employer A")
            #expect(lead["employerScore"] as? Int == 5 && lead["assessorScore"] as? Int == 3)
            #expect((lead["reasons"] as? [String])?.contains("straddle") == true)
            #expect((lead["moderatorCount"] as? Int ?? 0) >= 1 && lead["moderatorIds"] != nil && lead["earliestDueAt"] != nil)
            #expect(lead["recordingStatus"] as? String == "ready")
            for caller in [Caller.employer, .assessor] {
                let item = try #require(try await Self.items(client, fixture, "", as: caller).first, "\(caller)")
                #expect(item["employerScore"] as? Int == 5, "\(caller)")
                #expect(item["moderatorIds"] == nil && item["moderatorCount"] == nil && item["earliestDueAt"] == nil, "\(caller) sees the panel")
            }
            // Blind review: the assigned moderator gets the case without scores, reasons, kind or panel, and may not filter by reason.
            let blind = try #require(try await Self.items(client, fixture, "", as: .assignedModerator).first)
            #expect(blind["blind"] as? Bool == true)
            for key in ["employerScore", "assessorScore", "reasons", "kind", "openedBy", "outcomeScore", "moderatorIds", "moderatorCount"] {
                #expect(blind[key] == nil, "a blind moderator got \(key)")
            }
            let byReason = try await client.execute(uri: "/api/v1/cases?reason=straddle", method: .get, headers: fixture.headers(.assignedModerator))
            #expect(byReason.status == .forbidden)
            #expect(try await Self.items(client, fixture, "?q=casey", as: .unassignedModerator).isEmpty)
            // Another organisation's ids and words find nothing of employer A.
            let a = fixture.employerA.id
            for query in ["?employerId=\(a)", "?q=Casey", "?q=OBS-T", "?reason=straddle&employerId=\(a)"] {
                #expect(try await Self.items(client, fixture, query, as: .otherEmployer).isEmpty, "\(query)")
            }
            #expect(try await Self.items(client, fixture, "?q=casey&employerId=\(a)&reason=straddle&sort=candidate", as: .employer).count == 1)
            #expect(try await Self.items(client, fixture, "?q=nobody", as: .lead).isEmpty)
            // Due dates are the panel's: only those who see panels list by them (found by the hostile tester: anyone could
            // learn whether the other moderators on a case were late).
            for caller in [Caller.assignedModerator, .employer, .otherEmployer, .assessor] {
                for query in ["?overdue=true", "?sort=due", "?overdue=true&employerId=\(a)&sort=due"] {
                    let refused = try await client.execute(uri: "/api/v1/cases" + query, method: .get, headers: fixture.headers(caller))
                    #expect(refused.status == .forbidden, "\(caller) \(query): \(refused.status)")
                }
            }
            _ = try await Self.items(client, fixture, "?overdue=true&sort=due", as: .auditor)
            // Bad parameters are refused in words.
            for query in ["?reason=maybe", "?sort=score", "?overdue=yes", "?q=" + String(repeating: "a", count: 201)] {
                let refused = try await client.execute(uri: "/api/v1/cases" + query, method: .get, headers: fixture.headers(.lead))
                #expect(refused.status == .badRequest, "\(query): \(refused.status)")
            }
        }
    }

    @Test("the list and the board read no case document: with every document unreadable they still answer")
    func noDocumentIsRead() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            try await fixture.store.withRawDatabase { db in try await db.raw("UPDATE cases SET document = 'not a case'").run() }
            #expect(try await Self.items(client, fixture, "?pageSize=50&sort=updated", as: .lead).count == 1)
            #expect(try await Self.items(client, fixture, "", as: .assignedModerator).count == 1)
            let board = try await client.execute(uri: "/board?q=casey&sort=due", method: .get, headers: fixture.headers(.lead))
            #expect(board.status == .ok)
            #expect(String(buffer: board.body).contains("OBS-T-1 · Casey Candidate"))
            let home = try await client.execute(uri: "/", method: .get, headers: fixture.headers(.lead))
            #expect(home.status == .ok)
        }
    }

    @Test("bulk send to moderation: each case moved and audited by itself, each refusal reported in words; the lead's only")
    func bulkSendToModeration() async throws {
        let fixture = try await APIFixture.make()
        // A flagged observation: an open case to send.
        let observation = Observation(candidateID: fixture.candidate.candidate.id, date: Date(timeIntervalSince1970: 1_790_000_000),
                                      scenario: "Second visit", practiceArea: .childrens)
        try await fixture.store.records.observations.insert(observation, ref: "OBS-T-2")
        let flagged = try await fixture.store.workflow.flag(observationID: observation.id, reason: "The audio drops out.",
                                                            by: fixture.users[.assessor]!.actor)
        let unknown = CaseID()
        try await fixture.withClient { client in
            let body = #"{"caseIds":["\#(flagged.id)","\#(fixture.dispute.id)","\#(unknown)"]}"#
            for caller in [Caller.employer, .assessor, .auditor, .assignedModerator] {
                let refused = try await client.execute(uri: "/api/v1/cases/moderation-requests", method: .post,
                                                       headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
                #expect(refused.status == .forbidden, "\(caller)")
            }
            let response = try await client.execute(uri: "/api/v1/cases/moderation-requests", method: .post,
                                                    headers: fixture.headers(.lead, json: true), body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(answer["sent"] as? Int == 1 && answer["refused"] as? Int == 2)
            let results = try #require(answer["results"] as? [[String: Any]])
            #expect(results.map { ($0["caseId"] as? String)?.lowercased() } == [flagged.id, fixture.dispute.id, unknown].map { $0.description.lowercased() })
            #expect(results[0]["sent"] as? Bool == true && (results[0]["message"] as? String)?.hasPrefix("Sent to moderation") == true)
            #expect(results[1]["sent"] as? Bool == false && results[1]["code"] as? String != nil && !((results[1]["message"] as? String) ?? "").isEmpty)
            #expect(results[2]["sent"] as? Bool == false && results[2]["code"] as? String == "not_found")
            let moved = try #require(try await fixture.store.records.cases.find(flagged.id))
            #expect(moved.state != .open)
            let events = try await fixture.store.audit.entries(about: .init(type: "case", id: flagged.id.description)).map(\.event.action.rawValue)
            #expect(events.contains("case.moderation_requested"))
            // Nothing to send is refused in words.
            let empty = try await client.execute(uri: "/api/v1/cases/moderation-requests", method: .post,
                                                 headers: fixture.headers(.lead, json: true), body: ByteBuffer(string: #"{"caseIds":[]}"#))
            #expect(empty.status == .unprocessableContent)
            // The decoder's words do not reach people (hostile tester): a bad id is "not an id", a number too large is
            // out of range.
            let badID = try await client.execute(uri: "/api/v1/cases/moderation-requests", method: .post,
                                                 headers: fixture.headers(.lead, json: true), body: ByteBuffer(string: #"{"caseIds":["zzz"]}"#))
            let badIDText = String(buffer: badID.body)
            #expect(badID.status == .unprocessableContent && badIDText.contains("caseIds.0") && badIDText.contains("is not an id") && !badIDText.contains("Attempted"), "\(badID.status) \(badIDText)")
            let huge = try await client.execute(uri: "/api/v1/samples", method: .post, headers: fixture.headers(.lead, json: true),
                                                body: ByteBuffer(string: #"{"seed":100000000000000000000000,"rate":0.1}"#))
            let hugeText = String(buffer: huge.body)
            #expect(huge.status.code < 500 && !hugeText.contains("given data") && !hugeText.contains("not valid JSON"), "\(hugeText)")
        }
    }
}
