import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// Issue 14's attacks on the independence of second opinions, each as the role that would try it (decision 10):
/// a panel is sealed until every place of its round has submitted or ended; an opinion is final once its author
/// could see another's; the escalation moderator cannot tell they joined a disagreement.
@Suite struct SealedPanelTests {
    typealias Caller = APIFixture.Caller

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    /// A third moderator (professional) with an API token, for the escalation place.
    static func thirdModerator(_ fixture: APIFixture) async throws -> (user: User, token: String) {
        let user = User(name: "Third Moderator", role: .moderator(.professional), organisationID: fixture.users[.assignedModerator]!.organisationID)
        try await fixture.store.records.users.insert(user)
        let secret = "token-third-\(UUID().uuidString)"
        _ = try await fixture.store.accounts.createAPIToken(id: "id-third", userID: user.id, name: "test", tokenHash: Secrets.hash(secret))
        return (user, secret)
    }

    @Test("a two-moderator panel stays sealed until both are in; a correction before is fine, after it is 409 naming the lead's reopen")
    func sealedUntilPanelComplete() async throws {
        let fixture = try await APIFixture.make()
        let c = fixture.dispute.id, o = fixture.observation.observation.id
        let lead = fixture.users[.lead]!.actor
        // The lay moderator joins the panel: two places, neither submitted.
        _ = try await fixture.store.moderation.assign(moderator: fixture.users[.unassignedModerator]!.id, to: c, by: lead)
        let third = try await Self.thirdModerator(fixture)
        try await fixture.withClient { client in
            func get(_ path: String, token: String) async throws -> TestResponse {
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(token)"])
            }
            func get(_ path: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .get, headers: fixture.headers(caller))
            }
            func post(_ path: String, _ body: String, token: String) async throws -> TestResponse {
                try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                         body: ByteBuffer(string: body))
            }
            func post(_ path: String, _ body: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .post, headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
            }
            // The professional submits 2; the lay moderator has not: the professional still sees nothing of anyone else.
            let first = try await post("/api/v1/cases/\(c)/opinions", #"{"score":2,"rationale":"Did not check understanding."}"#, as: .assignedModerator)
            #expect(first.status == .created)
            let firstID = try #require((try Self.json(first)["opinion"] as? [String: Any])?["id"] as? String)
            let sealed = try Self.json(try await get("/api/v1/cases/\(c)", as: .assignedModerator))
            #expect(sealed["blind"] as? Bool == true && sealed["finding"] == nil && sealed["kind"] == nil)
            #expect(try await get("/api/v1/observations/\(o)/ratings", as: .assignedModerator).status == .forbidden)
            #expect(try await get("/api/v1/cases/\(c)/opinions", as: .assignedModerator).status == .forbidden)
            #expect(try await get("/api/v1/cases/\(c)/messages", as: .assignedModerator).status == .forbidden)
            let listed = try Self.json(try await get("/api/v1/cases", as: .assignedModerator))
            #expect((listed["items"] as? [[String: Any]])?.allSatisfy { $0["blind"] as? Bool == true && $0["finding"] == nil } == true)
            // While sealed, the moderator may still correct their own opinion, with a reason.
            let corrected = try await post("/api/v1/cases/\(c)/opinions",
                #"{"score":3,"rationale":"On a second viewing, nearer the line.","supersedes":"\#(firstID)","correctionReason":"Watched the closing minutes again."}"#,
                as: .assignedModerator)
            #expect(corrected.status == .created)
            let correctedID = try #require((try Self.json(corrected)["opinion"] as? [String: Any])?["id"] as? String)

            // The lay moderator submits 6: the panel is complete, the opinions disagree, the case escalates.
            let second = try await post("/api/v1/cases/\(c)/opinions", #"{"score":6,"rationale":"Strong, warm practice."}"#, as: .unassignedModerator)
            #expect(second.status == .created)
            // Now both see everything: the ratings, the other opinion, the case's finding.
            for caller in [Caller.assignedModerator, .unassignedModerator] {
                let open = try Self.json(try await get("/api/v1/cases/\(c)", as: caller))
                #expect(open["blind"] as? Bool == false && open["finding"] != nil && open["state"] as? String == "escalated")
                #expect(try await get("/api/v1/observations/\(o)/ratings", as: caller).status == .ok)
                let opinions = try Self.json(try await get("/api/v1/cases/\(c)/opinions", as: caller))
                #expect((opinions["items"] as? [Any])?.count == 3)
            }
            // ... and so their opinions are final: "aligning with the others" is refused, naming the lead's reopen.
            let aligning = try await post("/api/v1/cases/\(c)/opinions",
                #"{"score":6,"rationale":"Aligning.","supersedes":"\#(correctedID)","correctionReason":"aligning with the lay moderator"}"#,
                as: .assignedModerator)
            #expect(aligning.status == .conflict)
            #expect(String(buffer: aligning.body).contains("reopen"))
            #expect(errorCode(aligning) == "conflict")

            // The escalation place: the lead puts the third moderator on the case. Their view is a first review's.
            #expect(try await post("/api/v1/cases/\(c)/assignments", #"{"moderatorId":"\#(third.user.id)"}"#, as: .lead).status == .created)
            let escalationView = try Self.json(try await get("/api/v1/cases/\(c)", token: third.token))
            #expect(escalationView["state"] as? String == "in_moderation" && escalationView["blind"] as? Bool == true)
            #expect(escalationView["finding"] == nil && escalationView["kind"] == nil)
            let body = String(buffer: try await get("/api/v1/cases/\(c)/assignments", token: third.token).body)
            #expect(!body.contains("escalat") && !body.contains("further") && !body.contains("disagree"))
            let theirList = String(buffer: try await get("/api/v1/cases", token: third.token).body)
            #expect(theirList.contains(c.description) && !theirList.contains("escalated"))
            let filtered = try Self.json(try await get("/api/v1/cases?state=escalated", token: third.token))
            #expect((filtered["items"] as? [Any])?.isEmpty == true)
            let inModeration = try Self.json(try await get("/api/v1/cases?state=in_moderation", token: third.token))
            #expect((inModeration["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [c.description])
            #expect(try await get("/api/v1/observations/\(o)/ratings", token: third.token).status == .forbidden)
            #expect(try await get("/api/v1/cases/\(c)/opinions", token: third.token).status == .forbidden)
            #expect(try await get("/api/v1/cases/\(c)/messages", token: third.token).status == .forbidden)
            // Its submission's own answer reveals nothing either until the panel is complete; here it completes it.
            let third1 = try await post("/api/v1/cases/\(c)/opinions", #"{"score":4,"rationale":"Meets the standard."}"#, token: third.token)
            #expect(third1.status == .created)
            #expect(try await get("/api/v1/observations/\(o)/ratings", token: third.token).status == .ok)
        }
    }

    @Test("the answer to a submission says nothing of the others while the panel is open")
    func submissionAnswerIsSealed() async throws {
        let fixture = try await APIFixture.make()
        let c = fixture.dispute.id
        _ = try await fixture.store.moderation.assign(moderator: fixture.users[.unassignedModerator]!.id, to: c, by: fixture.users[.lead]!.actor)
        try await fixture.withClient { client in
            let first = try await client.execute(uri: "/api/v1/cases/\(c)/opinions", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                                                 body: ByteBuffer(string: #"{"score":2,"rationale":"Below."}"#))
            #expect(first.status == .created)
            let caseAfter = try #require(try Self.json(first)["caseAfter"] as? [String: Any])
            #expect(caseAfter["blind"] as? Bool == true && caseAfter["finding"] == nil && caseAfter["kind"] == nil)
        }
    }

    @Test("a moderator of an earlier case of the observation is never routed to a new one, and sees nothing of it; a flag after a decision is 409 naming reopen")
    func independentEyesPerObservation() async throws {
        let fixture = try await APIFixture.make()
        let first = fixture.dispute
        let o = fixture.observation.observation.id
        let lead = fixture.users[.lead]!.actor
        let professional = fixture.users[.assignedModerator]!, lay = fixture.users[.unassignedModerator]!
        // The professional gives a (sealed) opinion on the first case... k = 1 would decide it, so the lay moderator
        // joins first; then the lead withdraws the case.
        _ = try await fixture.store.moderation.assign(moderator: lay.id, to: first.id, by: lead)
        _ = try await fixture.store.moderation.submitOpinion(on: first.id, score: try Score(4), rationale: "Seen.", annotations: [], correcting: nil,
                                                  correctionReason: nil, by: professional.actor)
        _ = try await fixture.store.moderation.declineAssignment(of: first.id, reason: "I know the family.", conflictWith: nil, by: lay.actor)
        let withdrawn = try #require(try await fixture.store.records.cases.find(first.id))
        _ = try await fixture.store.workflow.transition(first.id, .withdraw, expectedVersion: withdrawn.version, reason: "Opened in error.", by: lead)
        try await fixture.withClient { client in
            func get(_ path: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .get, headers: fixture.headers(caller))
            }
            func post(_ path: String, _ body: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .post, headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
            }
            // The employer flags the observation again: a new case, sent to moderation.
            let flagged = try await post("/api/v1/observations/\(o)/flags", #"{"reason":"The recording was cut short."}"#, as: .employer)
            #expect(flagged.status == .created)
            let second = try Self.json(flagged)
            let secondID = try #require(second["id"] as? String)
            #expect(secondID != first.id.description)
            let version = try #require(second["version"] as? Int)
            let sent = try await post("/api/v1/cases/\(secondID)/transitions", #"{"action":"requestModeration","expectedVersion":\#(version)}"#, as: .lead)
            #expect(sent.status == .ok)
            // The professional sat on the first case: not routed (the lay moderator declined the first, so neither is
            // eligible); the routing problem says why in plain words.
            let panel = try Self.json(try await get("/api/v1/cases/\(secondID)/assignments", as: .lead))
            #expect((panel["items"] as? [Any])?.isEmpty == true)
            #expect((panel["routingProblem"] as? String)?.contains("reviewed this observation before") == true)
            // The lead cannot put them on it by hand either.
            let byHand = try await post("/api/v1/cases/\(secondID)/assignments", #"{"moderatorId":"\#(professional.id)"}"#, as: .lead)
            #expect(byHand.status == .unprocessableContent && String(buffer: byHand.body).contains("reviewed this observation before"))
            // Nothing of the new case carries over to them: 404 for it, and the ratings stay closed.
            #expect(try await get("/api/v1/cases/\(secondID)", as: .assignedModerator).status == .notFound)
            #expect(try await get("/api/v1/observations/\(o)/ratings", as: .assignedModerator).status == .forbidden)

            // A third moderator takes the new case and decides it (k = 1); a further flag is then refused, naming reopen.
            let third = try await Self.thirdModerator(fixture)
            #expect(try await post("/api/v1/cases/\(secondID)/assignments", #"{"moderatorId":"\#(third.user.id)"}"#, as: .lead).status == .created)
            let decided = try await client.execute(uri: "/api/v1/cases/\(secondID)/opinions", method: .post,
                                                   headers: [.authorization: "Bearer \(third.token)", .contentType: "application/json"],
                                                   body: ByteBuffer(string: #"{"score":4,"rationale":"Meets it."}"#))
            #expect(decided.status == .created)
            #expect((try Self.json(decided)["caseAfter"] as? [String: Any])?["state"] as? String == "decided")
            for caller in [Caller.employer, .assessor, .lead] {
                let again = try await post("/api/v1/observations/\(o)/flags", #"{"reason":"We still disagree."}"#, as: caller)
                #expect(again.status == .conflict, "\(caller)")
                let message = String(buffer: again.body)
                #expect(message.contains("reopen") && message.contains(secondID) && message.contains("material_flaw"), "\(caller): \(message)")
            }
            let cases = try Self.json(try await get("/api/v1/cases", as: .lead))
            #expect((cases["items"] as? [Any])?.count == 2)
        }
    }

    @Test("identifiers are lower case everywhere: a declared conflict's id and list")
    func lowerCaseIdentifiers() async throws {
        let fixture = try await APIFixture.make()
        let me = fixture.users[.unassignedModerator]!.id
        try await fixture.withClient { client in
            let declared = try await client.execute(
                uri: "/api/v1/moderators/\(me)/conflicts", method: .post, headers: fixture.headers(.unassignedModerator, json: true),
                body: ByteBuffer(string: #"{"candidateId":"\#(fixture.candidate.candidate.id)","reason":"Former colleague."}"#))
            #expect(declared.status == .created)
            let listed = try await client.execute(uri: "/api/v1/moderators/\(me)/conflicts", method: .get, headers: fixture.headers(.lead))
            for body in [String(buffer: declared.body), String(buffer: listed.body)] {
                let uuids = body.matches(of: /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/).map { String($0.output) }
                #expect(!uuids.isEmpty && uuids.allSatisfy { $0 == $0.lowercased() }, "\(body)")
            }
        }
    }

    @Test("draft notes belong to their author, their case and their recording, live on the server and go with the opinion")
    func noteDraftsAreTheAuthors() async throws {
        let fixture = try await APIFixture.make()
        let c = fixture.dispute.id, r = fixture.recording.id
        _ = try await fixture.store.moderation.assign(moderator: fixture.users[.unassignedModerator]!.id, to: c, by: fixture.users[.lead]!.actor)
        try await fixture.withClient { client in
            func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: method, headers: fixture.headers(caller, json: body != nil),
                                         body: body.map { ByteBuffer(string: $0) })
            }
            let path = "/api/v1/cases/\(c)/note-drafts/\(r)"
            let saved = try await call(.put, path, #"{"notes":[{"start":12,"text":"Introduces herself."},{"start":95.5,"end":101,"text":"Checks understanding","tag":"PCF 6"}]}"#,
                                       as: .assignedModerator)
            #expect(saved.status == .ok)
            let mine = try Self.json(try await call(.get, path, as: .assignedModerator))
            #expect((mine["notes"] as? [[String: Any]])?.map { $0["start"] as? Double } == [12, 95.5])
            // The other moderator on the same case sees only their own (none); nobody else at all.
            let theirs = try Self.json(try await call(.get, path, as: .unassignedModerator))
            #expect((theirs["notes"] as? [Any])?.isEmpty == true)
            #expect(try await call(.get, path, as: .lead).status == .forbidden)
            #expect(try await call(.get, "/api/v1/cases/\(c)/note-drafts/\(RecordingID())", as: .assignedModerator).status == .notFound)
            // Checked against the recording's 120 s.
            let late = try await call(.put, path, #"{"notes":[{"start":130,"text":"too late"}]}"#, as: .assignedModerator)
            #expect(late.status == .unprocessableContent && String(buffer: late.body).contains("Note 1"))
            // Submitting the opinion discards the draft; a later save is refused.
            #expect(try await call(.post, "/api/v1/cases/\(c)/opinions", #"{"score":4,"rationale":"Seen."}"#, as: .assignedModerator).status == .created)
            let after = try Self.json(try await call(.get, path, as: .assignedModerator))
            #expect((after["notes"] as? [Any])?.isEmpty == true)
            #expect(try await call(.put, path, #"{"notes":[{"start":1,"text":"x"}]}"#, as: .assignedModerator).status == .conflict)
        }
    }
}
