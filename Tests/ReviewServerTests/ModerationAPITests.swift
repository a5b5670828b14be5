import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// Moderation through the API as each role: what a moderator must not see before submitting and sees after,
/// notes checked against the recording, the lead's reasons and grounds, calibration cases kept from
/// employers and assessors. (The fixture routes the dispute to the professional moderator alone: k = 1.)
@Suite struct ModerationAPITests {
    typealias Caller = APIFixture.Caller

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("a moderator reviews blind until their panel is complete (here: alone); then everything opens, and nothing is lost")
    func blindUntilSubmitted() async throws {
        let fixture = try await APIFixture.make()
        let c = fixture.dispute.id, o = fixture.observation.observation.id
        try await fixture.withClient { client in
            func get(_ path: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .get, headers: fixture.headers(caller))
            }
            func post(_ path: String, _ body: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .post, headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
            }
            // Before: no kind, no flags, no scores; ratings, opinions and the thread refused.
            let before = try Self.json(try await get("/api/v1/cases/\(c)", as: .assignedModerator))
            #expect(before["blind"] as? Bool == true && before["kind"] == nil && before["finding"] == nil && before["openedBy"] == nil
                && (before["flags"] as? [Any])?.isEmpty == true)
            #expect(try await get("/api/v1/observations/\(o)/ratings", as: .assignedModerator).status == .forbidden)
            #expect(try await get("/api/v1/cases/\(c)/opinions", as: .assignedModerator).status == .forbidden)
            #expect(try await get("/api/v1/cases/\(c)/messages", as: .assignedModerator).status == .forbidden)
            // The assessor and the employer see no opinions before the decision either.
            #expect(try await get("/api/v1/cases/\(c)/opinions", as: .employer).status == .forbidden)
            // The moderator sees their own assignment only, with the reasons it was made.
            let mine = try Self.json(try await get("/api/v1/cases/\(c)/assignments", as: .assignedModerator))
            let items = try #require(mine["items"] as? [[String: Any]])
            #expect(items.count == 1 && (items[0]["reasons"] as? [String])?.isEmpty == false && mine["routingProblem"] == nil)

            // A note past the end of the 120 s recording is refused, naming the note.
            // A note on a recording that is not this observation's is refused, naming the note.
            let foreign = try await post("/api/v1/cases/\(c)/opinions", #"{"score":4,"rationale":"Seen.","annotations":[{"start":10,"text":"ok","recordingId":"\#(RecordingID())"}]}"#, as: .assignedModerator)
            #expect(foreign.status == .unprocessableContent && String(buffer: foreign.body).contains("Note 1"))
            let late = try await post("/api/v1/cases/\(c)/opinions", #"{"score":4,"rationale":"Seen.","annotations":[{"start":10,"text":"ok"},{"start":130,"text":"too late"}]}"#, as: .assignedModerator)
            #expect(late.status == .unprocessableContent && String(buffer: late.body).contains("Note 2"))
            #expect(try await post("/api/v1/cases/\(c)/opinions", #"{"score":8,"rationale":"Seen."}"#, as: .assignedModerator).status == .unprocessableContent)
            #expect(try await post("/api/v1/cases/\(c)/opinions", #"{"score":4,"rationale":"Seen."}"#, as: .unassignedModerator).status == .notFound)

            let submitted = try await post("/api/v1/cases/\(c)/opinions",
                #"{"score":4,"rationale":"Clear, respectful, checks understanding.","annotations":[{"start":95.5,"end":101,"text":"Checks understanding","tag":"PCF 6"},{"start":12,"text":"Introduces herself"}]}"#,
                as: .assignedModerator)
            #expect(submitted.status == .created)
            let result = try Self.json(submitted)
            let caseAfter = try #require(result["caseAfter"] as? [String: Any])
            // One moderator per case in the fixture: the opinion decides by the median rule at once.
            #expect(caseAfter["state"] as? String == "decided")
            let outcome = try #require(caseAfter["outcome"] as? [String: Any])
            #expect(outcome["score"] as? Int == 4 && outcome["rule"] as? String == "median" && (outcome["basedOn"] as? [String])?.count == 1)
            let notes = try #require((result["opinion"] as? [String: Any])?["annotations"] as? [[String: Any]])
            #expect(notes.map { $0["start"] as? Double } == [12, 95.5])
            // Each note names its recording: given none, the observation's (newest ready) recording.
            #expect(notes.allSatisfy { $0["recordingId"] as? String == fixture.recording.id.description })

            // After: the case, the ratings and the opinions open to the moderator; the employer sees the opinions now.
            let after = try Self.json(try await get("/api/v1/cases/\(c)", as: .assignedModerator))
            #expect(after["blind"] as? Bool == false && after["kind"] as? String == "automatic_dispute" && after["finding"] != nil)
            #expect(try await get("/api/v1/observations/\(o)/ratings", as: .assignedModerator).status == .ok)
            let opinions = try Self.json(try await get("/api/v1/cases/\(c)/opinions", as: .employer))
            #expect((opinions["items"] as? [Any])?.count == 1)
            // A second submission is refused; the audit trail has the opinion with its note count.
            #expect(try await post("/api/v1/cases/\(c)/opinions", #"{"score":5,"rationale":"Again."}"#, as: .assignedModerator).status == .conflict)
            let audit = try Self.json(try await get("/api/v1/audit?subjectType=case&subjectId=\(c)", as: .auditor))
            let actions = try #require(audit["items"] as? [[String: Any]]).compactMap { $0["action"] as? String }
            #expect(actions.contains("opinion.submitted") && actions.contains("case.decided") && actions.contains("case.moderator_assigned"))

            // Reopening needs a ground and a reason; it then routes a fresh moderation to someone new: the professional
            // sat on round 1, so the lay moderator takes the professional's place, and the reasons say so.
            let version = try #require(after["version"] as? Int)
            let noGround = try await post("/api/v1/cases/\(c)/transitions", #"{"action":"reopen","expectedVersion":\#(version),"reason":"New evidence."}"#, as: .lead)
            #expect(noGround.status == .unprocessableContent)
            let reopened = try await post("/api/v1/cases/\(c)/transitions",
                #"{"action":"reopen","expectedVersion":\#(version),"reason":"A second recording came to light.","ground":"new_information"}"#, as: .lead)
            #expect(reopened.status == .ok)
            let reopenedCase = try Self.json(reopened)
            #expect(reopenedCase["round"] as? Int == 2 && reopenedCase["state"] as? String == "in_moderation")
            let panel = try #require(try Self.json(try await get("/api/v1/cases/\(c)/assignments", as: .lead))["items"] as? [[String: Any]])
            let round2 = try #require(panel.first { $0["round"] as? Int == 2 })
            #expect(round2["moderatorId"] as? String == fixture.users[.unassignedModerator]!.id.description)
            #expect((round2["reasons"] as? [String])?.first?.contains("no eligible professional moderator; lay instead") == true)
            // The round-1 moderator still sees the case, but round 2 is sealed to them as to anyone until it is decided
            // (decision 10: only the case's current round counts; nothing carries over).
            let sealedAgain = try Self.json(try await get("/api/v1/cases/\(c)", as: .assignedModerator))
            #expect(sealedAgain["blind"] as? Bool == true && sealedAgain["previousOutcomes"] == nil)
            #expect(try await get("/api/v1/cases/\(c)/opinions", as: .assignedModerator).status == .forbidden)
        }
    }

    @Test("the lead decides an escalation only with reasons; calibration cases stay hidden from employers and assessors")
    func leadDecisionsAndCalibration() async throws {
        let fixture = try await APIFixture.make()
        let c = fixture.dispute.id
        let lead = fixture.users[.lead]!.actor
        // Escalate by hand (the lead may), then decide.
        let escalated = try await fixture.store.workflow.transition(c, .escalate, expectedVersion: fixture.dispute.version, reason: "Needs the lead.", by: lead)
        // Reuse for calibration needs the candidate's explicit consent on the recording (decision 13).
        _ = try await fixture.store.dataProtection.recordConsent(recording: fixture.recording.id, person: .candidate, purpose: .training, granted: true, reference: "CF-1", by: lead)
        let seed = try await fixture.store.moderation.markSeed(fixture.observation.observation.id, score: try Score(5), reason: "Standards panel.", by: lead)
        let (calibration, event) = try Case.openCalibration(observationID: seed.observationID, employerID: fixture.employerA.id,
                                                            definitiveScore: seed.score, by: .system, at: Date())
        try await fixture.store.records.cases.create(calibration, event: event)
        try await fixture.withClient { client in
            func post(_ path: String, _ body: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .post, headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
            }
            // A moderator takes no case action: they give opinions; the lead decides.
            let byModerator = try await post("/api/v1/cases/\(c)/transitions", #"{"action":"decide","expectedVersion":\#(escalated.version),"score":4,"reason":"x"}"#, as: .assignedModerator)
            #expect(byModerator.status == .forbidden)
            let noReason = try await post("/api/v1/cases/\(c)/transitions", #"{"action":"decide","expectedVersion":\#(escalated.version),"score":3}"#, as: .lead)
            #expect(noReason.status == .unprocessableContent)
            let decided = try await post("/api/v1/cases/\(c)/transitions",
                #"{"action":"decide","expectedVersion":\#(escalated.version),"score":3,"reason":"The plan was never checked with the family.","reasonCodes":["evidence_at_01_35"]}"#,
                as: .lead)
            #expect(decided.status == .ok)
            let outcome = try #require(try Self.json(decided)["outcome"] as? [String: Any])
            #expect(outcome["decidedBy"] as? String == lead.userID.description && outcome["reasonCodes"] as? [String] == ["evidence_at_01_35"])
            #expect(outcome["reason"] as? String == "The plan was never checked with the family.")
            // A final 3: the employer has a development plan to acknowledge, once.
            let plan = try Self.json(try await client.execute(uri: "/api/v1/cases/\(c)/development-plan", method: .get, headers: fixture.headers(.employer)))
            #expect(plan["required"] as? Bool == true)
            let pending = try Self.json(try await client.execute(uri: "/api/v1/development-plans?acknowledged=false", method: .get, headers: fixture.headers(.employer)))
            #expect((pending["items"] as? [[String: Any]])?.map { $0["caseId"] as? String } == [c.description])
            let otherEmployers = try Self.json(try await client.execute(uri: "/api/v1/development-plans", method: .get, headers: fixture.headers(.otherEmployer)))
            #expect((otherEmployers["items"] as? [Any])?.isEmpty == true)
            #expect(try await post("/api/v1/cases/\(c)/development-plan/acknowledgement", #"{"note":"Agreed."}"#, as: .employer).status == .ok)
            let still = try Self.json(try await client.execute(uri: "/api/v1/development-plans?acknowledged=false", method: .get, headers: fixture.headers(.employer)))
            #expect((still["items"] as? [Any])?.isEmpty == true)
            #expect(try await post("/api/v1/cases/\(c)/development-plan/acknowledgement", #"{"note":"Again."}"#, as: .employer).status == .conflict)
            // Once decided without their opinion, the offered moderator's assignment is cancelled: the case is gone for them.
            #expect(try await client.execute(uri: "/api/v1/cases/\(c)", method: .get, headers: fixture.headers(.assignedModerator)).status == .notFound)

            // The calibration case: the lead sees its definitive score; the employer and the assessor cannot see it.
            let asLead = try Self.json(try await client.execute(uri: "/api/v1/cases/\(calibration.id)", method: .get, headers: fixture.headers(.lead)))
            #expect(asLead["calibrationScore"] as? Int == 5)
            for caller in [Caller.employer, .assessor] {
                #expect(try await client.execute(uri: "/api/v1/cases/\(calibration.id)", method: .get, headers: fixture.headers(caller)).status == .notFound)
                let list = try await client.execute(uri: "/api/v1/cases", method: .get, headers: fixture.headers(caller))
                #expect(!String(buffer: list.body).contains(calibration.id.description))
            }
        }
    }
}
