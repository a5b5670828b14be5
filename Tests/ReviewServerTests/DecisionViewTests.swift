import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// The lead's decision view (issue 20 item 6, decision 27): the opinions side by side, every note as a marker on one player
/// naming its recording, the final score adopted from an opinion or given anew with reasons, audited; and blind review holds.
@Suite struct DecisionViewTests {
    typealias Caller = APIFixture.Caller

    /// The fixture's dispute with a second moderator on its panel: the two opinions (5 and 2) differ, so the case escalates
    /// and waits for the lead.
    static func escalated(_ fixture: APIFixture, _ client: some TestClientProtocol) async throws -> (pro: String, lay: String) {
        let c = fixture.dispute.id
        func post(_ path: String, _ body: String, as caller: Caller) async throws -> TestResponse {
            try await client.execute(uri: path, method: .post, headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
        }
        #expect(try await post("/api/v1/cases/\(c)/assignments", #"{"moderatorId":"\#(fixture.users[.unassignedModerator]!.id)"}"#, as: .lead).status == .created)
        for caller in [Caller.assignedModerator, .unassignedModerator] {
            #expect(try await post("/api/v1/cases/\(c)/assignment/accept", "{}", as: caller).status == .ok)
        }
        let pro = try await post("/api/v1/cases/\(c)/opinions", #"""
            {"score":5,"rationale":"Warm, purposeful visit.","annotations":[{"start":12,"text":"Explains the purpose","tag":"Communication"},{"start":90,"text":"Checks understanding"}]}
            """#, as: .assignedModerator)
        #expect(pro.status == .created)
        // Blind review holds in the decision view: moderators never reach it, sealed or not.
        for caller in [Caller.assignedModerator, .unassignedModerator] {
            let refused = try await client.execute(uri: "/cases/\(c)/decision", method: .get, headers: fixture.headers(caller))
            #expect(refused.status == .forbidden && !String(buffer: refused.body).contains("Warm, purposeful visit."))
        }
        let lay = try await post("/api/v1/cases/\(c)/opinions", #"""
            {"score":2,"rationale":"Misses a risk cue.","annotations":[{"start":60,"text":"Risk cue not followed up"}]}
            """#, as: .unassignedModerator)
        #expect(lay.status == .created)
        func id(_ response: TestResponse) throws -> String {
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            return try #require((body["opinion"] as? [String: Any])?["id"] as? String)
        }
        return (try id(pro), try id(lay))
    }

    @Test("the lead sees the opinions side by side and every note on one player; moderators, the employer and the auditor do not get it")
    func theView() async throws {
        let fixture = try await APIFixture.make()
        let c = fixture.dispute.id
        try await fixture.withClient { client in
            _ = try await Self.escalated(fixture, client)
            let state = try #require(try await fixture.store.records.cases.find(c)).state
            #expect(state == .escalated, "two opinions 5 and 2 should escalate, not \(state)")
            let response = try await client.execute(uri: "/cases/\(c)/decision", method: .get, headers: fixture.headers(.lead))
            #expect(response.status == .ok)
            let html = String(buffer: response.body)
            for text in ["Test assignedModerator", "Test unassignedModerator", "Warm, purposeful visit.", "Misses a risk cue.",
                         "Adopt Test assignedModerator", "Give another score", "Your reasons (required)", "data-confirm="] {
                #expect(html.contains(text), "the decision view lacks \(text)")
            }
            // Three notes, in time order, each a marker that seeks and a note naming its recording.
            let seeks = html.components(separatedBy: #"class="marker who-"#).count - 1
            #expect(seeks == 3)
            let order = ["Explains the purpose", "Risk cue not followed up", "Checks understanding"].compactMap { html.range(of: $0)?.lowerBound }
            #expect(order.count == 3 && order == order.sorted())
            #expect(html.contains(#"data-seek-to="60""#) && html.contains("(visit.mp4)"))
            // Another score of the lead's own: recorded as such, no opinion adopted.
            let version = try #require(try await fixture.store.records.cases.find(c)).version
            let own = try await client.execute(uri: "/api/v1/cases/\(c)/transitions", method: .post, headers: fixture.headers(.lead, json: true),
                body: ByteBuffer(string: #"{"action":"decide","expectedVersion":\#(version),"score":3,"reason":"Neither opinion weighs the plan."}"#))
            #expect(own.status == .ok)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: own.body)) as? [String: Any])
            let outcome = try #require(body["outcome"] as? [String: Any])
            #expect(outcome["adoptedOpinionId"] == nil && outcome["reasonCodes"] as? [String] == ["decided_by_lead"] && outcome["score"] as? Int == 3)
            let page = String(buffer: try await client.execute(uri: "/cases/\(c)", method: .get, headers: fixture.headers(.lead)).body)
            #expect(page.contains("gave this score rather than adopt one of the opinions"))
            // Only the lead: the employer, the assessor and the auditor are refused (they read the case page).
            for caller in [Caller.employer, .assessor, .auditor, .administrator] {
                let refused = try await client.execute(uri: "/cases/\(c)/decision", method: .get, headers: fixture.headers(caller))
                #expect(refused.status == .forbidden, "\(caller) got \(refused.status)")
            }
        }
    }

    @Test("the lead adopts an opinion (its score, recorded as adopted) or gives another with reasons; both audited")
    func adoptOrGiveAnother() async throws {
        let fixture = try await APIFixture.make()
        let c = fixture.dispute.id
        try await fixture.withClient { client in
            let (pro, lay) = try await Self.escalated(fixture, client)
            let version = try #require(try await fixture.store.records.cases.find(c)).version
            func decide(_ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/cases/\(c)/transitions", method: .post, headers: fixture.headers(.lead, json: true),
                                         body: ByteBuffer(string: #"{"action":"decide","expectedVersion":\#(version),\#(body)}"#))
            }
            // An adopted opinion with another score, an opinion not of this case, or no reasons: refused, saying why.
            let mismatch = try await decide(#""adoptedOpinionId":"\#(pro)","score":3,"reason":"x""#)
            #expect(mismatch.status == .unprocessableContent && String(buffer: mismatch.body).contains("gives 5, not 3"))
            let foreign = try await decide(#""adoptedOpinionId":"\#(OpinionID())","reason":"x""#)
            #expect(foreign.status == .unprocessableContent)
            #expect(try await decide(#""adoptedOpinionId":"\#(pro)""#).status == .unprocessableContent)
            #expect(try await decide(#""reason":"Neither.""#).status == .unprocessableContent)
            // Found by the hostile tester: what a decision rests on must be this case's, and its codes codes.
            let elsewhere = try await decide(#""score":4,"reason":"x","basedOn":["\#(OpinionID())"]"#)
            #expect(elsewhere.status == .unprocessableContent && String(buffer: elsewhere.body).contains("basedOn"))
            let scripted = try await decide(#""score":4,"reason":"x","reasonCodes":["<script>alert(1)</script>"]"#)
            #expect(scripted.status == .unprocessableContent && String(buffer: scripted.body).contains("reasonCodes"))

            let decided = try await decide(#""adoptedOpinionId":"\#(lay)","reason":"The missed risk cue at 1:00 is decisive.""#)
            #expect(decided.status == .ok)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: decided.body)) as? [String: Any])
            let outcome = try #require(body["outcome"] as? [String: Any])
            #expect(outcome["score"] as? Int == 2 && outcome["adoptedOpinionId"] as? String == lay)
            #expect(outcome["basedOn"] as? [String] == [lay] && outcome["reasonCodes"] as? [String] == ["opinion_adopted"])
            let events = try await fixture.store.audit.entries(about: .init(type: "case", id: c.description))
            let event = try #require(events.last { $0.event.action == "case.decided" })
            #expect(event.event.details["outcome_adopted_opinion"] == lay && event.event.actorID == fixture.users[.lead]!.id)
            // The case page and the decision view say which opinion was adopted; the view no longer offers a decision.
            let page = String(buffer: try await client.execute(uri: "/cases/\(c)", method: .get, headers: fixture.headers(.lead)).body)
            #expect(page.contains("adopted the opinion of Test unassignedModerator (2)"))
            let view = String(buffer: try await client.execute(uri: "/cases/\(c)/decision", method: .get, headers: fixture.headers(.lead)).body)
            #expect(view.contains("adopted Test unassignedModerator") && !view.contains(#"id="decision-form""#))

        }
    }
}
