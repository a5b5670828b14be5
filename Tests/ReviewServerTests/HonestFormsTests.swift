import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// Honest forms (issue 20 item 3, decision 27): a change of one's own score is a correction with a reason, shown as one; a
/// second original is refused; a score says before it is given whether it opens a case; required fields say so; final steps
/// are confirmed; actions that no longer apply are not offered, and the API refuses them when posted anyway.
@Suite struct HonestFormsTests {
    typealias Caller = APIFixture.Caller

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    static func code(_ response: TestResponse) -> String? {
        ((try? json(response))?["error"] as? [String: Any])?["code"] as? String
    }

    @Test("free text has a length: a flag's reason, a rationale or a correction's reason over 10,000 characters is refused, saying so")
    func freeTextHasALength() async throws {
        let fixture = try await APIFixture.make()
        let o = fixture.observation.observation.id
        let long = String(repeating: "A", count: 10_001)
        try await fixture.withClient { client in
            func post(_ path: String, _ body: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/observations/\(o)/\(path)", method: .post, headers: fixture.headers(caller, json: true),
                                         body: ByteBuffer(string: body))
            }
            // Found by the hostile tester: thirty 1 MB flags made one case 32 MB to read and 21 s to show.
            let flag = try await post("flags", #"{"reason":"\#(long)"}"#, as: .assessor)
            #expect(flag.status == .unprocessableContent && String(buffer: flag.body).contains("at most 10000"))
            let rating = try await post("ratings", #"{"score":4,"rationale":"\#(long)"}"#, as: .employer)
            #expect(rating.status == .unprocessableContent)
            let employerRating = try #require(try await fixture.store.records.ratings.ratings(of: o).first { $0.source == .employer })
            let correction = try await post("ratings", #"{"score":4,"supersedes":"\#(employerRating.id)","correctionReason":"\#(long)"}"#, as: .employer)
            #expect(correction.status == .unprocessableContent)
            let fits = try await post("flags", #"{"reason":"\#(String(long.dropFirst()))"}"#, as: .assessor)
            #expect(fits.status == .created, "10,000 characters fit")
            // The lead corrects a rating for whoever gave it (found by the hostile tester: refused though the messages said
            // the lead can), but records no rating of their own.
            let byLead = try await post("ratings", #"{"score":3,"supersedes":"\#(employerRating.id)","correctionReason":"The employer asked me to fix a typo."}"#, as: .lead)
            #expect(byLead.status == .created, "\(String(buffer: byLead.body))")
            #expect(try await post("ratings", #"{"score":3,"rationale":"My own view."}"#, as: .lead).status == .forbidden)
        }
    }

    @Test("a correction needs a reason and its own author, is refused after the decision; a second original is refused, not added")
    func corrections() async throws {
        let fixture = try await APIFixture.make()
        let o = fixture.observation.observation.id, c = fixture.dispute.id
        let ratings = try await fixture.store.records.ratings.ratings(of: o)
        let employerRating = try #require(ratings.first { $0.source == .employer })
        // A second representative of the same employer.
        let colleague = User(name: "Test colleague", role: .employer, organisationID: fixture.employerA.id)
        try await fixture.store.records.users.insert(colleague)
        let secret = "token-colleague-\(UUID().uuidString)"
        _ = try await fixture.store.accounts.createAPIToken(id: "id-colleague", userID: colleague.id, name: "test", tokenHash: Secrets.hash(secret))
        try await fixture.withClient { client in
            func post(_ body: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/observations/\(o)/ratings", method: .post, headers: fixture.headers(caller, json: true),
                                         body: ByteBuffer(string: body))
            }
            // Without a reason: refused, saying what is missing.
            let noReason = try await post(#"{"score":4,"supersedes":"\#(employerRating.id)"}"#, as: .employer)
            #expect(noReason.status == .unprocessableContent && Self.code(noReason) == "reason_required")
            #expect(String(buffer: noReason.body).contains("correctionReason"))
            let blankReason = try await post(#"{"score":4,"supersedes":"\#(employerRating.id)","correctionReason":"  "}"#, as: .employer)
            #expect(blankReason.status == .unprocessableContent)
            // By someone else: the assessor may not correct the employer's score.
            let byOther = try await post(#"{"score":4,"supersedes":"\#(employerRating.id)","correctionReason":"I think it is 4."}"#, as: .assessor)
            #expect(byOther.status == .forbidden && Self.code(byOther) == "actor_not_permitted")
            // A second original from the same employer: refused, never an equal row beside the first.
            let again = try await post(#"{"score":4,"rationale":"On reflection."}"#, as: .employer)
            #expect(again.status == .conflict && Self.code(again) == "rating_duplicate")
            var colleagueHeaders = HTTPFields()
            colleagueHeaders[.authorization] = "Bearer \(secret)"
            colleagueHeaders[.contentType] = "application/json"
            let byColleague = try await client.execute(uri: "/api/v1/observations/\(o)/ratings", method: .post, headers: colleagueHeaders,
                                                       body: ByteBuffer(string: #"{"score":4,"rationale":"Our view."}"#))
            #expect(byColleague.status == .conflict && Self.code(byColleague) == "rating_duplicate")
            #expect(String(buffer: byColleague.body).contains("Only whoever gave it, or the moderation lead, can correct it"))
            #expect(try await fixture.store.records.ratings.ratings(of: o).count == 2, "a refused rating was stored")

            // The author's correction, with a reason: kept beside the original, shown as a correction.
            let corrected = try await post(#"{"score":4,"supersedes":"\#(employerRating.id)","correctionReason":"I misread the standard wording."}"#, as: .employer)
            #expect(corrected.status == .created)
            let rating = try #require(try Self.json(corrected)["rating"] as? [String: Any])
            #expect(rating["supersedes"] as? String == employerRating.id.description && rating["correctionReason"] as? String == "I misread the standard wording.")
            let page = String(buffer: try await client.execute(uri: "/observations/\(o)", method: .get, headers: fixture.headers(.employer)).body)
            #expect(page.contains("Corrected from 5 to 4") && page.contains("I misread the standard&#39;s wording.") || page.contains("I misread the standard wording."))
            #expect(page.contains("replaced by a correction") && page.contains("Correct your score"))
            let leadCase = String(buffer: try await client.execute(uri: "/cases/\(c)", method: .get, headers: fixture.headers(.lead)).body)
            #expect(leadCase.contains("Corrected from 5 to 4") && leadCase.contains("(replaced by a correction)"))

            // The case is decided (one moderator in the fixture): now no correction goes in.
            _ = try await client.execute(uri: "/api/v1/cases/\(c)/assignment/accept", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                                         body: ByteBuffer(string: "{}"))
            let opinion = try await client.execute(uri: "/api/v1/cases/\(c)/opinions", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                                                   body: ByteBuffer(string: #"{"score":4,"rationale":"Meets it."}"#))
            #expect(opinion.status == .created)
            let latest = try #require(try await fixture.store.records.ratings.ratings(of: o).last { $0.source == .employer })
            let afterDecision = try await post(#"{"score":3,"supersedes":"\#(latest.id)","correctionReason":"Second thoughts."}"#, as: .employer)
            #expect(afterDecision.status == .conflict && Self.code(afterDecision) == "case_already_decided")
            #expect(String(buffer: afterDecision.body).contains("reopen"))
            let settled = String(buffer: try await client.execute(uri: "/observations/\(o)", method: .get, headers: fixture.headers(.employer)).body)
            #expect(settled.contains("can no longer be given or corrected here") && !settled.contains("Correct my score"))
        }
    }

    @Test("before a score is given, the form says which scores open a case; required fields say so; final steps are confirmed")
    func formsSayWhatTheyDo() async throws {
        let fixture = try await APIFixture.make()
        let o = fixture.observation.observation.id
        // A second observation of the same candidate, rated by the assessor only: the employer's form warns per score.
        let second = ObservationRecord(
            observation: Observation(candidateID: fixture.candidate.candidate.id, date: Date(timeIntervalSince1970: 1_790_100_000), scenario: "Office visit",
                                     practiceArea: .childrens),
            ref: "OBS-T-2")
        try await fixture.store.records.observations.insert(second.observation, ref: second.ref)
        _ = try await fixture.store.workflow.recordRating(observationID: second.observation.id, score: try Score(4), rationale: "Meets it.",
                                                          supersedes: nil, correctionReason: nil, by: fixture.users[.assessor]!.actor)
        try await fixture.withClient { client in
            func page(_ path: String, as caller: Caller) async throws -> String {
                String(buffer: try await client.execute(uri: path, method: .get, headers: fixture.headers(caller)).body)
            }
            let form = try await page("/observations/\(second.observation.id)", as: .employer)
            #expect(form.contains("current score is 4 (meets the standard)"))
            // 4 is the assessor's; 3 straddles the pass line; 2 differs by 2 and straddles; 6 differs by 2; 5 opens nothing.
            for (score, opens) in [(2, true), (3, true), (4, false), (5, false), (6, true), (7, true)] {
                let input = try #require(form.components(separatedBy: #"id="rating-score-\#(score)""#).dropFirst().first?.components(separatedBy: ">").first)
                #expect(input.contains("data-consequence") == opens, "score \(score): \(input)")
            }
            #expect(form.contains("by 2: a case") == false && form.contains("s by 2"))
            #expect(form.contains("Score (1–7, required)") && form.contains("Rationale (required)") && form.contains("data-confirm="))
            // The observation with a case says what a change does instead; the flag form marks its reason required.
            let withCase = try await page("/observations/\(o)", as: .employer)
            #expect(withCase.contains("Correct your score") && withCase.contains("Why are you correcting your score? (required)"))
            #expect(withCase.contains("already has a case") && !withCase.contains(#"data-consequence=""#))
            #expect(withCase.contains("Reason (required)"))
            // The opinion form confirms before it is final.
            _ = try await client.execute(uri: "/api/v1/cases/\(fixture.dispute.id)/assignment/accept", method: .post,
                                         headers: fixture.headers(.assignedModerator, json: true), body: ByteBuffer(string: "{}"))
            let review = try await page("/cases/\(fixture.dispute.id)/review", as: .assignedModerator)
            #expect(review.contains(#"id="opinion-form""#) && review.contains("data-confirm=\"You are about to submit your opinion"))
            #expect(review.contains("Rationale (required)"))
        }
    }

    @Test("a decided case offers no assignment, decision or other action that no longer applies, and the API refuses them if posted")
    func actionsThatNoLongerApply() async throws {
        let fixture = try await APIFixture.make()
        let c = fixture.dispute.id
        try await fixture.withClient { client in
            func post(_ path: String, _ body: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: path, method: .post, headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
            }
            func casePage() async throws -> String {
                String(buffer: try await client.execute(uri: "/cases/\(c)", method: .get, headers: fixture.headers(.lead)).body)
            }
            let before = try await casePage()
            #expect(before.contains("Assign a moderator") && before.contains("/cases/\(c)/decision"))
            // The decision is made in the decision view; the case page's forms say which reasons are required.
            #expect(!before.contains("decide-reason") && !before.contains("Reason (optional)</label>\n        <textarea id=\"decide"))
            #expect(before.contains("Reason (required)"))
            _ = try await post("/api/v1/cases/\(c)/assignment/accept", "{}", as: .assignedModerator)
            #expect(try await post("/api/v1/cases/\(c)/opinions", #"{"score":4,"rationale":"Meets it."}"#, as: .assignedModerator).status == .created)
            let decided = try #require(try await fixture.store.records.cases.find(c))
            #expect(decided.state == .decided)
            let after = try await casePage()
            #expect(!after.contains("Assign a moderator") && !after.contains("/cases/\(c)/decision") && !after.contains("Send to moderation"))
            let offered = Pages.actionForms(decided, for: fixture.users[.lead]!.actor).map(\.action)
            #expect(Set(offered) == ["close", "reopen"], "a decided case offers \(offered)")
            // Posted anyway: each is refused by the API, saying why.
            let assign = try await post("/api/v1/cases/\(c)/assignments", #"{"moderatorId":"\#(fixture.users[.unassignedModerator]!.id)"}"#, as: .lead)
            #expect(assign.status == .conflict && String(buffer: assign.body).contains("moderators are assigned to cases in moderation"))
            for action in ["requestModeration", "escalate", "withdraw", "startLocalReview"] {
                let refused = try await post("/api/v1/cases/\(c)/transitions", #"{"action":"\#(action)","expectedVersion":\#(decided.version),"reason":"Try it."}"#, as: .lead)
                #expect(refused.status == .conflict && Self.code(refused) == "case_wrong_state", "\(action): \(refused.status)")
            }
            let decide = try await post("/api/v1/cases/\(c)/transitions", #"{"action":"decide","expectedVersion":\#(decided.version),"score":5,"reason":"Again."}"#, as: .lead)
            #expect(decide.status == .conflict && Self.code(decide) == "case_wrong_state")
            // An employer posting a lead's action is refused by role, whatever the state.
            let byEmployer = try await post("/api/v1/cases/\(c)/transitions", #"{"action":"reopen","expectedVersion":\#(decided.version),"ground":"new_information","reason":"x"}"#, as: .employer)
            #expect(byEmployer.status == .forbidden)
            #expect(try await fixture.store.records.cases.find(c)?.version == decided.version, "a refused action changed the case")
        }
    }
}
