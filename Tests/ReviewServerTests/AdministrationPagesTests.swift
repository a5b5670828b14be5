import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// The administration pages (issue 20, item 4): users and organisations, moderators and conflicts, the policy editor,
/// quality samples (preview, then the same draw) and calibration — each as the roles that may and may not use them.
@Suite struct AdministrationPagesTests {
    typealias Caller = APIFixture.Caller

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    /// What a reader sees, its spaces collapsed.
    static func words(_ html: String) -> String {
        PlainLanguageTests.visibleText(html).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Observations both raters agree on (no case): what quality sampling draws from.
    static func agreedObservations(_ fixture: APIFixture, count: Int) async throws {
        for index in 0..<count {
            let observation = ObservationRecord(
                observation: Observation(candidateID: fixture.candidate.candidate.id, date: Date(timeIntervalSince1970: 1_790_000_000 + Double(index) * 86_400),
                                         scenario: "Visit \(index)", practiceArea: .childrens),
                ref: "OBS-S-\(index)")
            try await fixture.store.records.observations.insert(observation.observation, ref: observation.ref)
            for caller in [Caller.assessor, .employer] {
                _ = try await fixture.store.workflow.recordRating(
                    observationID: observation.observation.id, score: try Score(index % 2 == 0 ? 4 : 6), rationale: "Seen.", supersedes: nil,
                    correctionReason: nil, by: fixture.users[caller]!.actor)
            }
        }
    }

    @Test("users and organisations: the administrator sees every account's state in words and the two-person rule as it applies to them")
    func usersPage() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            // The administrator creates a lead: it waits, inactive, for another administrator.
            let orgs = try await client.execute(uri: "/api/v1/organisations", method: .get, headers: fixture.headers(.administrator))
            let orgID = try #require(((try Self.json(orgs)["items"] as? [[String: Any]])?.first?["id"]) as? String)
            let created = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: fixture.headers(.administrator, json: true),
                body: ByteBuffer(string: #"{"name":"Nell Newlead","username":"nell","password":"a long enough password","role":"lead","organisationId":"\#(orgID)"}"#))
            #expect(created.status == .created)
            // A name that hides a direction override (it could disguise whose reset a second administrator approves).
            let disguised = try await client.execute(
                uri: "/api/v1/users", method: .post, headers: fixture.headers(.administrator, json: true),
                body: ByteBuffer(string: #"{"name":"Nell \u202eEvil","username":"nell2","password":"a long enough password","role":"lead","organisationId":"\#(orgID)"}"#))
            #expect(disguised.status == .unprocessableContent && String(buffer: disguised.body).contains("direction character"))
            let (status, html, _) = try await PagesTests.page(client, fixture, "/users", as: .administrator)
            #expect(status == .ok)
            let text = Self.words(html)
            #expect(text.contains("Nell Newlead") && text.contains("Awaiting a second administrator's approval") && text.contains("Created by Test administrator"))
            // Its creator is told another administrator must approve it, and is offered no approval form.
            #expect(text.contains("You created this account: another administrator must approve it."))
            let newID = try #require(try Self.json(created)["id"] as? String)
            #expect(!html.contains("data-api=\"/api/v1/users/\(newID)/approval\""))
            // Others are offered deactivation; the administrator's own account is not.
            #expect(html.contains("data-api=\"/api/v1/users/\(fixture.users[.employer]!.id)\" data-method=\"PATCH\""))
            #expect(!html.contains("data-api=\"/api/v1/users/\(fixture.users[.administrator]!.id)\""))
            #expect(text.contains("Moderation lead") && text.contains("Accrediting body") && !text.contains("moderation_panel"))
            // The API holds the rule whatever the page shows.
            let selfApproval = try await client.execute(uri: "/api/v1/users/\(newID)/approval", method: .post, headers: fixture.headers(.administrator))
            #expect(selfApproval.status == .forbidden)
            let activate = try await client.execute(uri: "/api/v1/users/\(newID)", method: .patch, headers: fixture.headers(.administrator, json: true),
                                                    body: ByteBuffer(string: #"{"active":true}"#))
            #expect(activate.status == .conflict)

            // A lead lists users (to run moderation) but does not manage them; nor does anyone else.
            for caller in Caller.allCases where caller != .administrator {
                let (denied, _, _) = try await PagesTests.page(client, fixture, "/users", as: caller)
                #expect(denied == .forbidden, "\(caller): \(denied)")
            }
        }
    }

    @Test("moderators: profiles for the lead and administrators; conflicts for the lead and the auditor, never an administrator")
    func moderatorsPage() async throws {
        let fixture = try await APIFixture.make()
        let lay = fixture.users[.unassignedModerator]!.id
        try await fixture.withClient { client in
            let conflict = try await client.execute(
                uri: "/api/v1/moderators/\(lay)/conflicts", method: .post, headers: fixture.headers(.lead, json: true),
                body: ByteBuffer(string: #"{"candidateId":"\#(fixture.candidate.candidate.id)","reason":"Supervised her placement."}"#))
            #expect(conflict.status == .created)
            let (_, lead, _) = try await PagesTests.page(client, fixture, "/moderation", as: .lead)
            let leadText = Self.words(lead)
            #expect(leadText.contains("Lay moderator") && leadText.contains("Candidate Casey Candidate (SW000001): Supervised her placement."))
            #expect(lead.contains("name=\"practiceAreas\" value=\"childrens\" data-type=\"list\""))
            let (_, auditor, _) = try await PagesTests.page(client, fixture, "/moderation", as: .auditor)
            #expect(Self.words(auditor).contains("Supervised her placement.") && !auditor.contains("data-api="))
            // An administrator keeps profiles but reads no conflicts, so no candidate's name.
            let (status, admin, _) = try await PagesTests.page(client, fixture, "/moderation", as: .administrator)
            #expect(status == .ok && admin.contains("data-api=\"/api/v1/moderators/\(lay)/profile\""))
            #expect(!admin.contains("Casey") && !admin.contains("Declared conflicts"))
            // Another organisation's person is not a moderator: no conflict is recorded against them.
            let employer = fixture.users[.employer]!.id
            let wrong = try await client.execute(
                uri: "/api/v1/moderators/\(employer)/conflicts", method: .post, headers: fixture.headers(.lead, json: true),
                body: ByteBuffer(string: #"{"organisationId":"\#(fixture.employerA.id)","reason":"x"}"#))
            #expect(wrong.status == .notFound)
            // The profile form's body: the practice areas as a list, the capacity as a number (what app.js sends).
            let saved = try await client.execute(
                uri: "/api/v1/moderators/\(lay)/profile", method: .put, headers: fixture.headers(.administrator, json: true),
                body: ByteBuffer(string: #"{"practiceAreas":[],"capacity":0}"#))
            #expect(saved.status == .ok)
            let (_, after, _) = try await PagesTests.page(client, fixture, "/moderation", as: .lead)
            #expect(Self.words(after).contains("0 open cases at most"))
        }
    }

    @Test("the policy editor shows current values and defaults; the server's refusal names the setting in words and by its field")
    func policyEditor() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let (_, html, _) = try await PagesTests.page(client, fixture, "/moderation/policy", as: .lead)
            // The fixture sets one moderator per case (default 2).
            #expect(html.contains(#"name="moderatorsPerCase" type="number" required value="1""#))
            #expect(Self.words(html).contains("From 1 to 5; the default is 2. Changed from the default."))
            #expect(Self.words(html).contains("Now: professional moderator. The default: professional moderator, then lay moderator."))
            let refused = try await client.execute(
                uri: "/api/v1/moderation/policy", method: .put, headers: fixture.headers(.lead, json: true),
                body: ByteBuffer(string: #"{"moderatorsPerCase":9,"panel":["professional"]}"#))
            #expect(refused.status == .unprocessableContent)
            let message = try #require((try Self.json(refused)["error"] as? [String: Any])?["message"] as? String)
            #expect(message == "Moderators per case (moderatorsPerCase) must be from 1 to 5, not 9; the default is 2.")
            // The page has the slot the message goes to beside that field.
            #expect(html.contains(#"id="policy-moderatorsPerCase-error""#))
            // The auditor reads the same values, with no form.
            let (_, auditor, _) = try await PagesTests.page(client, fixture, "/moderation/policy", as: .auditor)
            #expect(!auditor.contains("data-api=") && Self.words(auditor).contains("Moderators per case 1 2"))
        }
    }

    @Test("quality samples: the preview lists each pick with why and its chance; the draw of that preview picks the same, or refuses and says why")
    func samplePreviewThenDraw() async throws {
        let fixture = try await APIFixture.make()
        try await Self.agreedObservations(fixture, count: 8)
        try await fixture.withClient { client in
            let (status, html, _) = try await PagesTests.page(client, fixture, "/moderation/samples?seed=42&rate=0.5", as: .lead)
            #expect(status == .ok)
            let text = Self.words(html)
            #expect(text.contains("Preview: seed 42, rate 50%") && text.contains("8 observations can be sampled now"))
            #expect(text.contains("OBS-S-") && text.contains("drawn at rate 0.5 with seed 42") && text.contains("%"))
            let expected = html.matches(of: try Regex(#"name="expectedPicks" value="([0-9a-f-]{36})""#)).compactMap { $0.output[1].substring.map(String.init) }
            #expect(!expected.isEmpty)
            // Nothing was drawn by previewing.
            #expect(try await fixture.store.moderation.sampleFindings(confidence: 0.95).draws.isEmpty)

            // A draw expecting other picks (as if the records had changed) is refused, and nothing is drawn.
            let other = expected.dropFirst() + [fixture.observation.observation.id.description]
            let refused = try await client.execute(
                uri: "/api/v1/samples", method: .post, headers: fixture.headers(.lead, json: true),
                body: ByteBuffer(string: #"{"seed":42,"rate":0.5,"expectedPicks":[\#(other.map { "\"\($0)\"" }.joined(separator: ","))]}"#))
            #expect(refused.status == .conflict)
            let message = try #require((try Self.json(refused)["error"] as? [String: Any])?["message"] as? String)
            #expect(message.hasPrefix("The records changed since the preview (8 observations can be sampled now): 1 observation of the preview would not be picked and 1 observation not in the preview would be."), "\(message)")
            #expect(try await fixture.store.moderation.sampleFindings(confidence: 0.95).draws.isEmpty)

            // The preview's own picks: drawn, the same observations.
            let drawn = try await client.execute(
                uri: "/api/v1/samples", method: .post, headers: fixture.headers(.lead, json: true),
                body: ByteBuffer(string: #"{"seed":42,"rate":0.5,"expectedPicks":[\#(expected.map { "\"\($0)\"" }.joined(separator: ","))]}"#))
            #expect(drawn.status == .created)
            let picks = try #require(try Self.json(drawn)["picks"] as? [[String: Any]]).compactMap { $0["observationId"] as? String }
            #expect(Set(picks) == Set(expected))
            let (_, after, _) = try await PagesTests.page(client, fixture, "/moderation/samples", as: .auditor)
            #expect(Self.words(after).contains("42 50% 8"), "the draw is listed")
            #expect(!after.contains("Preview a draw"), "the auditor reads; only the lead draws")
            // A seed that is not a number is refused in words.
            let (bad, badHTML, _) = try await PagesTests.page(client, fixture, "/moderation/samples?seed=abc", as: .lead)
            #expect(bad == .unprocessableContent && Self.words(badHTML).contains("The seed must be a whole number"))
        }
    }

    @Test("calibration: seeds and results for the lead and the auditor; an administrator sees no scores")
    func calibrationPage() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let (status, html, _) = try await PagesTests.page(client, fixture, "/moderation/calibration", as: .lead)
            #expect(status == .ok && html.contains("data-api=\"/api/v1/calibration/seeds\"") && html.contains("OBS-T-1 · Casey Candidate"))
            let (auditorStatus, auditor, _) = try await PagesTests.page(client, fixture, "/moderation/calibration", as: .auditor)
            #expect(auditorStatus == .ok && !auditor.contains("data-api="))
            for path in ["/moderation/calibration", "/moderation/policy", "/moderation/samples"] {
                let (denied, _, _) = try await PagesTests.page(client, fixture, path, as: .administrator)
                #expect(denied == .forbidden, "\(path)")
            }
        }
    }

    @Test("a new page's form is refused without the session's CSRF token (a cookie alone changes nothing)")
    func csrfOnNewForms() async throws {
        let fixture = try await APIFixture.make()
        try await SignInAndAPITests.withPassword(fixture)
        try await fixture.withClient { client in
            let signIn = try await client.execute(
                uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"lead","password":"correct horse battery"}"#))
            let cookie = try #require(signIn.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let csrf = try #require(try Self.json(signIn)["csrfToken"] as? String)
            let body = #"{"moderatorsPerCase":3,"panel":["professional","lay","lay"]}"#
            let forged = try await client.execute(uri: "/api/v1/moderation/policy", method: .put,
                                                  headers: [.cookie: cookie, .contentType: "application/json"], body: ByteBuffer(string: body))
            #expect(forged.status == .forbidden && String(buffer: forged.body).contains("csrf_failed"))
            #expect(try await fixture.store.moderation.moderationPolicy().moderatorsPerCase == 1)
            var headers: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            headers[AuthenticationMiddleware.csrfHeader] = csrf
            let sent = try await client.execute(uri: "/api/v1/moderation/policy", method: .put, headers: headers, body: ByteBuffer(string: body))
            #expect(sent.status == .ok)
            #expect(try await fixture.store.moderation.moderationPolicy().moderatorsPerCase == 3)
        }
    }
}

extension AdministrationPagesTests {
    @Test("a reset link: issued by an administrator only, shown once, hashed at rest, usable once, until it expires, for its own account; audited without the secret")
    func resetLinks() async throws {
        let fixture = try await APIFixture.make()
        try await SignInAndAPITests.withPassword(fixture)
        let lead = fixture.users[.lead]!.id
        try await fixture.withClient { client in
            func issue(_ user: UserID, as caller: Caller, secondFactor: Bool = false) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/users/\(user)/reset", method: .post, headers: fixture.headers(caller, json: true),
                                         body: ByteBuffer(string: #"{"secondFactor":\#(secondFactor)}"#))
            }
            func redeem(_ token: String, _ password: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/password-resets", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: #"{"token":"\#(token)","newPassword":"\#(password)"}"#))
            }
            func signIn(_ password: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: #"{"username":"lead","password":"\#(password)"}"#)).status
            }
            // Only an administrator issues one, and not for their own account.
            for caller in Caller.allCases where caller != .administrator {
                #expect(try await issue(lead, as: caller).status == .forbidden, "\(caller)")
            }
            #expect(try await issue(fixture.users[.administrator]!.id, as: .administrator).status == .unprocessableContent)
            let issued = try await issue(lead, as: .administrator, secondFactor: true)
            #expect(issued.status == .created)
            // The lead has no second factor left after it: a second administrator must approve it first (decision 41).
            #expect(try Self.json(issued)["awaitsApproval"] as? Bool == true)
            let approver = try await Self.secondAdministrator(fixture)
            #expect(try await client.execute(uri: "/api/v1/users/\(lead)/reset/approval", method: .post, headers: approver).status == .noContent)
            let path = try #require(try Self.json(issued)["path"] as? String)
            #expect(path.hasPrefix("/reset#"))
            let token = String(path.dropFirst("/reset#".count))
            // At rest: only the hash; in the audit trail: neither.
            #expect(try await fixture.store.accounts.pendingReset(tokenHash: Secrets.hash(token), at: fixture.clock.now)?.userID == lead)
            let audit = try await fixture.store.audit.entries(after: 0, limit: 1000)
            #expect(audit.contains { $0.event.action.rawValue == "user.reset_issued" })
            #expect(!audit.contains { "\($0.event)".contains(token) })

            // A weak password is refused in words and does not spend the link.
            let weak = try await redeem(token, "short")
            #expect(weak.status == .unprocessableContent)
            #expect(try await redeem(token, "harbour violet thimble quartz").status == .noContent)
            #expect(try await signIn("harbour violet thimble quartz") == .ok)
            #expect(try await signIn("correct horse battery") != .ok)
            // Replay: refused, saying so.
            let replay = try await redeem(token, "yet another passphrase here")
            #expect(replay.status == .conflict && String(buffer: replay.body).contains("used already"))
            // Unknown, and expired.
            #expect(try await redeem("not-a-real-link", "yet another passphrase here").status == .notFound)
            let second = try String(#require(try Self.json(try await issue(lead, as: .administrator))["path"] as? String).dropFirst("/reset#".count))
            #expect(try await client.execute(uri: "/api/v1/users/\(lead)/reset/approval", method: .post, headers: approver).status == .noContent)
            fixture.clock.advance(by: DirectoryController.resetLifetime + 1)
            let expired = try await redeem(second, "yet another passphrase here")
            #expect(expired.status == .conflict && String(buffer: expired.body).contains("expired"))
            #expect(try await signIn("harbour violet thimble quartz") == .ok)

            // The page to redeem it is public; the administrator's page offers to issue one for others only.
            let page = try await client.execute(uri: "/reset", method: .get)
            #expect(page.status == .ok && String(buffer: page.body).contains("Set a new password"))
            let (_, users, _) = try await PagesTests.page(client, fixture, "/users", as: .administrator)
            #expect(users.contains("data-api=\"/api/v1/users/{id}/reset\"") && users.contains("<option value=\"\(lead)\">"))
            #expect(!users.contains("<option value=\"\(fixture.users[.administrator]!.id)\">"))
            // Token-only accounts (no password) are not offered.
            #expect(!users.contains("<option value=\"\(fixture.users[.employer]!.id)\">"))
        }
    }

    /// Another administrator's bearer headers (JSON): the two-person rule needs one.
    static func secondAdministrator(_ fixture: APIFixture) async throws -> HTTPFields {
        let user = User(name: "Second administrator", role: .administrator, organisationID: fixture.users[.administrator]!.organisationID)
        try await fixture.store.records.users.insert(user)
        let secret = "token-admin2-\(UUID().uuidString)"
        _ = try await fixture.store.accounts.createAPIToken(id: "id-admin2-\(user.id)", userID: user.id, name: "test", tokenHash: Secrets.hash(secret))
        return [.authorization: "Bearer \(secret)", .contentType: "application/json"]
    }

    @Test("a reset link that would let its holder in works only once a second administrator approves it; not the issuer, not the owner, not another role")
    func resetsNeedASecondAdministrator() async throws {
        let fixture = try await APIFixture.make()
        try await SignInAndAPITests.withPassword(fixture)
        let lead = fixture.users[.lead]!.id, auditor = fixture.users[.auditor]!.id, admin = fixture.users[.administrator]!.id
        try await fixture.store.accounts.setCredentials(of: auditor, username: "auditor", passwordHash: try await PasswordHasher(cost: 4).hash("x y z w v u"))
        try await fixture.store.accounts.setCredentials(of: admin, username: "admin", passwordHash: try await PasswordHasher(cost: 4).hash("x y z w v u"))
        let second = try await Self.secondAdministrator(fixture)
        try await fixture.withClient { client in
            func issue(_ user: UserID, headers: HTTPFields, secondFactor: Bool = false) async throws -> [String: Any] {
                let response = try await client.execute(uri: "/api/v1/users/\(user)/reset", method: .post, headers: headers,
                                                        body: ByteBuffer(string: #"{"secondFactor":\#(secondFactor)}"#))
                #expect(response.status == .created)
                return try Self.json(response)
            }
            func approve(_ user: UserID, headers: HTTPFields) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/users/\(user)/reset/approval", method: .post, headers: headers)
            }
            func redeem(_ link: [String: Any]) async throws -> TestResponse {
                let token = String((link["path"] as? String ?? "").dropFirst("/reset#".count))
                return try await client.execute(uri: "/api/v1/password-resets", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: #"{"token":"\#(token)","newPassword":"harbour violet thimble quartz"}"#))
            }
            // The lead has no second factor: a password reset alone would let the administrator in.
            let link = try await issue(lead, headers: fixture.headers(.administrator, json: true))
            #expect(link["awaitsApproval"] as? Bool == true)
            let early = try await redeem(link)
            #expect(early.status == .conflict && String(buffer: early.body).contains("second administrator must approve it"))
            // Not the issuer, not other roles, not for an unknown or token-only account.
            let byIssuer = try await approve(lead, headers: fixture.headers(.administrator))
            #expect(byIssuer.status == .forbidden && String(buffer: byIssuer.body).contains("another administrator must approve it"))
            for caller in Caller.allCases where caller != .administrator {
                #expect(try await approve(lead, headers: fixture.headers(caller)).status == .forbidden, "\(caller)")
            }
            #expect(try await approve(UserID(), headers: second).status == .notFound)
            #expect(try await approve(fixture.users[.employer]!.id, headers: second).status == .conflict)
            // The page lists it: the issuer is told to find another administrator, who is offered the approval.
            let (_, mine, _) = try await PagesTests.page(client, fixture, "/users", as: .administrator)
            #expect(mine.contains("You issued this link: another administrator must approve it.") && !mine.contains("/api/v1/users/\(lead)/reset/approval"))
            // The second administrator approves; the link then works, once.
            #expect(try await approve(lead, headers: second).status == .noContent)
            #expect(try await approve(lead, headers: second).status == .conflict)
            #expect(try await redeem(link).status == .noContent)
            let audit = try await fixture.store.audit.entries(after: 0, limit: 1000)
            #expect(audit.contains { $0.event.action.rawValue == "user.reset_approved" && $0.event.subject.id == lead.description })

            // The owner of the account cannot approve a reset of it.
            let own = try await issue(admin, headers: second, secondFactor: true)
            #expect(own["awaitsApproval"] as? Bool == true)
            let byOwner = try await approve(admin, headers: fixture.headers(.administrator))
            #expect(byOwner.status == .forbidden && String(buffer: byOwner.body).contains("your own account"))

            // An account that keeps a confirmed second factor: a password reset does not let the administrator in, so it
            // needs no approval; removing the factor too does.
            try await fixture.store.accounts.beginSecondFactor(of: auditor, secret: "JBSWY3DPEHPK3PXP")
            _ = try await fixture.store.accounts.acceptSecondFactorStep(of: auditor, step: 1, recoveryCodeHashes: [])
            let passwordOnly = try await issue(auditor, headers: fixture.headers(.administrator, json: true))
            #expect(passwordOnly["awaitsApproval"] as? Bool == false)
            let withFactor = try await issue(auditor, headers: fixture.headers(.administrator, json: true), secondFactor: true)
            #expect(withFactor["awaitsApproval"] as? Bool == true)
            #expect(try await redeem(passwordOnly).status == .conflict)  // replaced by the newer link
            #expect(try await redeem(withFactor).status == .conflict)
            #expect(try await fixture.store.accounts.secondFactor(of: auditor)?.confirmedAt != nil)
        }
    }

    @Test("redemptions racing the approval never spend the link with a placeholder: the password is set by one of them or by none")
    func redemptionsRacingTheApproval() async throws {
        let fixture = try await APIFixture.make()
        try await SignInAndAPITests.withPassword(fixture)
        let lead = fixture.users[.lead]!.id
        let second = try await Self.secondAdministrator(fixture)
        try await fixture.withClient { client in
            let issued = try await client.execute(uri: "/api/v1/users/\(lead)/reset", method: .post, headers: fixture.headers(.administrator, json: true),
                                                  body: ByteBuffer(string: #"{"secondFactor":true}"#))
            let token = String(try #require(try Self.json(issued)["path"] as? String).dropFirst("/reset#".count))
            let statuses = try await withThrowingTaskGroup(of: [HTTPResponse.Status].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var seen: [HTTPResponse.Status] = []
                        for _ in 0..<15 {
                            seen.append(try await client.execute(uri: "/api/v1/password-resets", method: .post, headers: [.contentType: "application/json"],
                                                                 body: ByteBuffer(string: #"{"token":"\#(token)","newPassword":"harbour violet thimble quartz"}"#)).status)
                        }
                        return seen
                    }
                }
                group.addTask {
                    [try await client.execute(uri: "/api/v1/users/\(lead)/reset/approval", method: .post, headers: second).status]
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0 += $1 }
            }
            let credentials = try #require(try await fixture.store.accounts.credentials(username: "lead"))
            #expect(!credentials.passwordHash.isEmpty, "a redemption with a placeholder password landed")
            // The approval, and at most one redemption; if none came after the approval, the link still works once.
            let successes = statuses.filter { $0 == .noContent }.count
            #expect((1...2).contains(successes), "\(statuses)")
            #expect(!statuses.contains(.internalServerError))
            if successes == 1 {
                let late = try await client.execute(uri: "/api/v1/password-resets", method: .post, headers: [.contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"token":"\#(token)","newPassword":"harbour violet thimble quartz"}"#))
                #expect(late.status == .noContent)
            }
            #expect(try await fixture.store.accounts.credentials(username: "lead")?.passwordHash != credentials.passwordHash || successes == 2)
        }
    }

    @Test("a declared conflict is withdrawn by the lead with a reason (audited); not by the auditor, nor for another moderator's conflict")
    func withdrawConflict() async throws {
        let fixture = try await APIFixture.make()
        let lay = fixture.users[.unassignedModerator]!.id, professional = fixture.users[.assignedModerator]!.id
        try await fixture.withClient { client in
            let declared = try await client.execute(
                uri: "/api/v1/moderators/\(lay)/conflicts", method: .post, headers: fixture.headers(.lead, json: true),
                body: ByteBuffer(string: #"{"organisationId":"\#(fixture.employerA.id)","reason":"Worked there until 2025."}"#))
            let id = try #require(try Self.json(declared)["id"] as? String)
            let (_, page, _) = try await PagesTests.page(client, fixture, "/moderation", as: .lead)
            #expect(page.contains("data-api=\"/api/v1/moderators/\(lay)/conflicts/\(id)\" data-method=\"DELETE\""))
            let body = ByteBuffer(string: #"{"reason":"Declared in error."}"#)
            for caller in [Caller.auditor, .administrator, .unassignedModerator, .employer] {
                let refused = try await client.execute(uri: "/api/v1/moderators/\(lay)/conflicts/\(id)", method: .delete,
                                                       headers: fixture.headers(caller, json: true), body: body)
                #expect(refused.status == .forbidden, "\(caller): \(refused.status)")
            }
            // Another moderator's id with this conflict: not theirs.
            let wrong = try await client.execute(uri: "/api/v1/moderators/\(professional)/conflicts/\(id)", method: .delete,
                                                 headers: fixture.headers(.lead, json: true), body: body)
            #expect(wrong.status == .notFound)
            let done = try await client.execute(uri: "/api/v1/moderators/\(lay)/conflicts/\(id)", method: .delete,
                                                headers: fixture.headers(.lead, json: true), body: body)
            #expect(done.status == .noContent)
            #expect(try await fixture.store.moderation.conflicts(of: lay).isEmpty)
            let audit = try await fixture.store.audit.entries(after: 0, limit: 1000)
            #expect(audit.contains { $0.event.action.rawValue == "moderator.conflict_withdrawn" && $0.event.reason == "Declared in error." })
            let again = try await client.execute(uri: "/api/v1/moderators/\(lay)/conflicts/\(id)", method: .delete,
                                                 headers: fixture.headers(.lead, json: true), body: body)
            #expect(again.status == .notFound)
        }
    }
}
