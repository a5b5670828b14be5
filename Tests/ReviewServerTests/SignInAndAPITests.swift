import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

@Suite struct SignInAndAPITests {
    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    /// Gives the fixture's lead a password.
    static func withPassword(_ fixture: APIFixture, _ password: String = "correct horse battery") async throws {
        let hash = try await PasswordHasher(cost: 4).hash(password)
        try await fixture.store.accounts.setCredentials(of: fixture.users[.lead]!.id, username: "lead", passwordHash: hash)
    }

    @Test("password sign-in sets a strict HttpOnly session cookie; changes need the CSRF token; sign-out ends the session")
    func sessionLifecycle() async throws {
        let fixture = try await APIFixture.make()
        try await Self.withPassword(fixture)
        try await fixture.withClient { client async throws in
            let signIn = try await client.execute(
                uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"username":"lead","password":"correct horse battery"}"#))
            #expect(signIn.status == .ok)
            let setCookie = try #require(signIn.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains("Secure"))
            let cookieValue = try #require(setCookie.split(separator: ";").first.map(String.init))
            let csrf = try #require(try Self.json(signIn)["csrfToken"] as? String)

            let me = try await client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: cookieValue])
            #expect(me.status == .ok)
            #expect(((try Self.json(me)["user"] as? [String: Any])?["role"] as? String) == "lead")

            // A change without the CSRF token is refused; with it, it goes through.
            let noToken = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: [.cookie: cookieValue, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"x"}"#))
            #expect(noToken.status == .forbidden)
            #expect(String(buffer: noToken.body).contains("csrf_failed"))
            var headers: HTTPFields = [.cookie: cookieValue, .contentType: "application/json"]
            headers[AuthenticationMiddleware.csrfHeader] = csrf
            let withToken = try await client.execute(uri: "/api/v1/tokens", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"x"}"#))
            #expect(withToken.status == .created)

            headers[.contentType] = nil
            let signOut = try await client.execute(uri: "/api/v1/session", method: .delete, headers: headers)
            #expect(signOut.status == .noContent)
            let after = try await client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: cookieValue])
            #expect(after.status == .unauthorized)
        }
    }

    @Test("wrong passwords are refused alike for unknown users; past five, each attempt waits twice as long, never for good")
    func failedSignIns() async throws {
        let fixture = try await APIFixture.make()
        try await Self.withPassword(fixture)
        try await fixture.withClient { client async throws in
            func attempt(_ username: String, _ password: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/session", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"username":"\#(username)","password":"\#(password)"}"#))
            }
            let unknown = try await attempt("nobody", "whatever it is")
            let wrong = try await attempt("lead", "not the password")
            #expect(unknown.status == .unauthorized && wrong.status == .unauthorized)
            #expect(try Self.json(unknown)["error"] as? [String: String] == Self.json(wrong)["error"] as? [String: String])
            for _ in 0..<4 { #expect(try await attempt("lead", "still wrong").status == .unauthorized) }
            // Five failures for the lead from this address: even the right password waits now (1 s).
            let throttled = try await attempt("lead", "correct horse battery")
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] == "1")
            #expect(try Self.json(throttled)["error"].flatMap { ($0 as? [String: String])?["message"] }?.contains("wait 1 seconds") == true)
            // The waits double: 1 s, then 2 s, then 4 s.
            fixture.clock.advance(by: 1)
            #expect(try await attempt("lead", "wrong again").status == .unauthorized)
            #expect(try await attempt("lead", "correct horse battery").headers[.retryAfter] == "2")
            fixture.clock.advance(by: 2)
            #expect(try await attempt("lead", "wrong again").status == .unauthorized)
            #expect(try await attempt("lead", "correct horse battery").headers[.retryAfter] == "4")
            // A delay, not a lock-out: once it has passed, the right password works and clears the count.
            fixture.clock.advance(by: 4)
            #expect(try await attempt("lead", "correct horse battery").status == .ok)
            #expect(try await attempt("lead", "one more wrong").status == .unauthorized)
            #expect(try await attempt("lead", "correct horse battery").status == .ok)
            // Every failure is in the audit trail, with the address and the reason.
            let failures = try await fixture.store.audit.listEntries(after: 0, subject: nil, page: PageRequest(size: 500))
                .filter { $0.event.action == "session.sign_in_failed" }
            #expect(failures.count == 9)
            #expect(failures.first?.event.details["reason"] == "unknown username")
            #expect(failures.dropFirst().first?.event.actorID == fixture.users[.lead]!.id)
            #expect(failures.dropFirst().first?.event.details["reason"] == "wrong password")
        }
    }

    @Test("an API token is shown once, works as a bearer token, and stops working when revoked")
    func apiTokens() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client async throws in
            let created = try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: fixture.headers(.auditor, json: true), body: ByteBuffer(string: #"{"name":"reports"}"#))
            #expect(created.status == .created)
            let body = try Self.json(created)
            let secret = try #require(body["secret"] as? String)
            let id = try #require((body["token"] as? [String: Any])?["id"] as? String)
            let bearer: HTTPFields = [.authorization: "Bearer \(secret)"]
            #expect(try await client.execute(uri: "/api/v1/audit", method: .get, headers: bearer).status == .ok)
            let list = try await client.execute(uri: "/api/v1/tokens", method: .get, headers: bearer)
            #expect(!String(buffer: list.body).contains(secret))
            #expect(try await client.execute(uri: "/api/v1/tokens/\(id)", method: .delete, headers: bearer).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/audit", method: .get, headers: bearer).status == .unauthorized)
            // Another user's token cannot be revoked by id.
            let other = fixture.tokenIDs[.lead]!
            #expect(try await client.execute(uri: "/api/v1/tokens/\(other)", method: .delete, headers: fixture.headers(.auditor)).status == .notFound)
        }
    }

    @Test("a deactivated user's token stops working at once, and activating them again does not revive it")
    func deactivation() async throws {
        let fixture = try await APIFixture.make()
        let employer = fixture.users[.employer]!.id
        try await fixture.withClient { client async throws in
            #expect(try await client.execute(uri: "/api/v1/cases", method: .get, headers: fixture.headers(.employer)).status == .ok)
            func setActive(_ active: Bool) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/users/\(employer)", method: .patch, headers: fixture.headers(.administrator, json: true),
                                         body: ByteBuffer(string: #"{"active":\#(active)}"#))
            }
            #expect(try await setActive(false).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/cases", method: .get, headers: fixture.headers(.employer)).status == .unauthorized)
            #expect(try await setActive(true).status == .ok)
            #expect(try await client.execute(uri: "/api/v1/cases", method: .get, headers: fixture.headers(.employer)).status == .unauthorized)
            #expect(try await fixture.store.accounts.apiTokens(of: employer).isEmpty)
        }
    }

    @Test("a viewing is one audit event however many range requests it makes; a pause starts another")
    func viewingsAreAudited() async throws {
        let fixture = try await APIFixture.make()
        let id = fixture.recording.id
        try await fixture.withClient { client async throws in
            var headers = fixture.headers(.assessor)
            for start in stride(from: 0, to: 300_000, by: 100_000) {
                headers[.range] = "bytes=\(start)-\(start + 99_999)"
                let response = try await client.execute(uri: "/api/v1/recordings/\(id)/media", method: .get, headers: headers)
                #expect(response.status == .partialContent)
                let sameBytes = Array(buffer: response.body) == Array(fixture.originalBytes[start..<(start + 100_000)])
                #expect(sameBytes, "bytes \(start)… differ from the file")
            }
            _ = try await client.execute(uri: "/api/v1/recordings/\(id)/media", method: .head, headers: fixture.headers(.assessor))
            func viewings() async throws -> [AuditEntry] {
                try await fixture.store.audit.listEntries(after: 0, subject: .init(type: "recording", id: id.description), page: PageRequest(size: 500))
                    .filter { $0.event.action == "recording.viewed" }
            }
            var events = try await viewings()
            #expect(events.count == 1)
            #expect(events.first?.event.actorID == fixture.users[.assessor]!.id)
            #expect(events.first?.event.details["variant"] == "original")

            // Another user is another viewing; the same user after a long pause is another too.
            _ = try await client.execute(uri: "/api/v1/recordings/\(id)/proxy", method: .get, headers: fixture.headers(.lead))
            fixture.clock.advance(by: 31 * 60)
            _ = try await client.execute(uri: "/api/v1/recordings/\(id)/media", method: .get, headers: fixture.headers(.assessor))
            events = try await viewings()
            #expect(events.map(\.event.details["variant"]) == ["original", "proxy", "original"])
            // A refused viewer leaves no viewing behind.
            _ = try await client.execute(uri: "/api/v1/recordings/\(id)/media", method: .get, headers: fixture.headers(.otherEmployer))
            #expect(try await viewings().count == 3)
            // The original right after the proxy is a viewing of its own (it keeps the camera's personal tags); more of
            // either within the gap is not (the lead's proxy is new again: 31 minutes since the last).
            _ = try await client.execute(uri: "/api/v1/recordings/\(id)/proxy", method: .get, headers: fixture.headers(.lead))
            _ = try await client.execute(uri: "/api/v1/recordings/\(id)/media", method: .get, headers: fixture.headers(.lead))
            _ = try await client.execute(uri: "/api/v1/recordings/\(id)/proxy", method: .get, headers: fixture.headers(.lead))
            _ = try await client.execute(uri: "/api/v1/recordings/\(id)/media", method: .get, headers: fixture.headers(.lead))
            events = try await viewings()
            #expect(events.map(\.event.details["variant"]) == ["original", "proxy", "original", "proxy", "original"])
        }
    }

    @Test("bad input gets the error envelope with the right status")
    func badInput() async throws {
        let fixture = try await APIFixture.make()
        let o = fixture.observation.observation.id
        try await fixture.withClient { client async throws in
            func post(_ path: String, _ body: String, contentType: String = "application/json", as caller: APIFixture.Caller = .assessor) async throws -> TestResponse {
                var headers = fixture.headers(caller)
                headers[.contentType] = contentType
                return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
            }
            let cases: [(TestResponse, HTTPResponse.Status, String)] = [
                (try await post("/api/v1/observations/\(o)/ratings", #"{"score":9,"rationale":"x"}"#), .unprocessableContent, "invalid"),
                // A rating without a rationale (and not a correction): the rationale is required (decision 27).
                (try await post("/api/v1/observations/\(o)/ratings", #"{"score":4}"#), .unprocessableContent, "reason_required"),
                (try await post("/api/v1/observations/\(o)/ratings", #"{"score":"#), .badRequest, "bad_request"),
                (try await post("/api/v1/observations/\(o)/ratings", "score=4", contentType: "application/x-www-form-urlencoded"), .unsupportedMediaType, "unsupported_media_type"),
                (try await post("/api/v1/observations/not-an-id/ratings", #"{"score":4,"rationale":"x"}"#), .badRequest, "bad_request"),
                (try await post("/api/v1/observations/\(ObservationID())/flags", #"{"reason":"x"}"#), .notFound, "not_found"),
                (try await post("/api/v1/observations/\(o)/flags", #"{"reason":"  "}"#), .unprocessableContent, "case_missing_reason"),
                (try await post("/api/v1/cases/\(fixture.dispute.id)/transitions", #"{"action":"startLocalReview","expectedVersion":7}"#), .conflict, "conflict"),
                (try await post("/api/v1/cases/\(fixture.dispute.id)/transitions", #"{"action":"fly","expectedVersion":1}"#), .unprocessableContent, "invalid"),
            ]
            for (response, status, code) in cases {
                #expect(response.status == status, "\(String(buffer: response.body))")
                let error = try Self.json(response)["error"] as? [String: String]
                #expect(error?["code"] == code, "\(String(buffer: response.body))")
                #expect(error?["message"]?.isEmpty == false)
            }
            let page = try await client.execute(uri: "/api/v1/cases?pageSize=0", method: .get, headers: fixture.headers(.lead))
            #expect(page.status == .badRequest)
            // A page number whose offset would overflow (schemathesis found it) is refused, not a crash.
            let huge = try await client.execute(uri: "/api/v1/cases?page=2305843009213693951", method: .get, headers: fixture.headers(.lead))
            #expect(huge.status == .badRequest)
            let last = try await client.execute(uri: "/api/v1/cases?page=\(PageRequest.maximumNumber)&pageSize=500", method: .get, headers: fixture.headers(.lead))
            #expect(last.status == .ok)
        }
    }

    @Test("a rating that makes the scores straddle the pass line opens a dispute; the employer's correction is kept beside it")
    func ratingsOpenDisputes() async throws {
        let fixture = try await APIFixture.make()
        let candidate = fixture.candidate.candidate.id
        let observation = Observation(candidateID: candidate, date: Date(), scenario: "Duty call", practiceArea: .adults)
        try await fixture.store.records.observations.insert(observation, ref: nil)
        try await fixture.withClient { client async throws in
            func rate(_ caller: APIFixture.Caller, _ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/observations/\(observation.id)/ratings", method: .post,
                                         headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
            }
            let first = try await rate(.assessor, #"{"score":3,"rationale":"Near miss."}"#)
            #expect(first.status == .created)
            #expect(try Self.json(first)["openedCase"] == nil)
            let second = try await rate(.employer, #"{"score":4,"rationale":"Meets the standard."}"#)
            let opened = try #require(try Self.json(second)["openedCase"] as? [String: Any])
            #expect(opened["kind"] as? String == "automatic_dispute")
            #expect((opened["finding"] as? [String: Any])?["reasons"] as? [String] == ["straddles_pass_line"])
            let ratingID = try #require((try Self.json(second)["rating"] as? [String: Any])?["id"] as? String)
            let correction = try await rate(.employer, #"{"score":3,"rationale":"x","supersedes":"\#(ratingID)","correctionReason":"Misread the rubric."}"#)
            #expect(correction.status == .created)
            let list = try await client.execute(uri: "/api/v1/observations/\(observation.id)/ratings", method: .get, headers: fixture.headers(.employer))
            #expect((try Self.json(list)["items"] as? [Any])?.count == 3)
        }
    }

    @Test("readiness, metrics and the OpenAPI document")
    func operations() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client async throws in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(try Self.json(ready)["database"] as? String == "sqlite")
            _ = try await client.execute(uri: "/api/v1/cases", method: .get, headers: fixture.headers(.lead))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = String(buffer: metrics.body)
            #expect(metrics.status == .ok)
            #expect(text.contains("hb_requests") && text.contains("http_server_request_duration"))
            #expect(text.contains("obsreview_jobs{state=\"done\"}") && text.contains("obsreview_jobs{state=\"queued\"}"))
            #expect(text.contains("obsreview_jobs_oldest_due_seconds"))
            let openAPI = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(openAPI.status == .ok)
            _ = try Self.json(openAPI)
        }
    }
}

@Suite struct ServerSettingsTests {
    @Test("a second factor is required of the privileged roles in production unless turned off; not in the embedded default")
    func secondFactorByMode() throws {
        var settings = ServerSettings()
        #expect(!settings.secondFactorRequired)
        try settings.apply(["mode": "production"], from: "test")
        #expect(settings.secondFactorRequired)
        try settings.apply(["require_second_factor": "false"], from: "test")
        #expect(!settings.secondFactorRequired)
    }

    @Test("defaults < file < environment < flags")
    func layering() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-settings-\(UUID().uuidString).json")
        try Data(#"{"port": 9000, "hostname": "0.0.0.0", "worker": false, "session_hours": 8}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var settings = ServerSettings()
        try settings.apply(ServerSettings.fileValues(file.path), from: file.path)
        try settings.apply(ServerSettings.environmentValues(["OBSREVIEW_PORT": "9100", "OBSREVIEW_DATA_DIRECTORY": "/srv/data", "HOME": "/root"]), from: "environment")
        try settings.apply(["port": "9200"], from: "flags")
        #expect(settings.port == 9200)
        #expect(settings.hostname == "0.0.0.0")
        #expect(settings.worker == false)
        #expect(settings.dataDirectory == "/srv/data")
        #expect(settings.sessionHours == 8)
        #expect(settings.bcryptCost == 12)
    }

    @Test("production refuses to start without the keys it needs, naming the first missing one")
    func incomplete() throws {
        var settings = ServerSettings()
        try settings.apply(["mode": "production", "database_url": "postgres://review@db/review"], from: "environment")
        #expect(throws: ServerSettings.Problem.self) { try settings.checkComplete() }
        do { try settings.checkComplete() } catch { #expect("\(error)".contains("data_directory is required")) }
        try settings.apply(["data_directory": "/srv/data", "public_base_url": "https://review.example.org"], from: "flags")
        try settings.checkComplete()
        // Production refuses an http:// public address and a cheap bcrypt cost, saying what to do.
        var plain = settings
        try plain.apply(["public_base_url": "http://review.example.org"], from: "flags")
        do { try plain.checkComplete(); Issue.record("http:// accepted in production") } catch { #expect("\(error)".contains("https://")) }
        var cheap = settings
        try cheap.apply(["bcrypt_cost": "4"], from: "flags")
        do { try cheap.checkComplete(); Issue.record("bcrypt cost 4 accepted in production") } catch { #expect("\(error)".contains("10 or more")) }
        try cheap.apply(["bcrypt_cost": "10"], from: "flags")
        try cheap.checkComplete()
        #expect(throws: ServerSettings.Problem.self) { try settings.apply(["trusted_proxies": "10.0.0.1, not-an-address"], from: "flags") }
        try settings.apply(["trusted_proxies": "10.0.0.1, 172.16.0.0/12, ::1"], from: "flags")
        #expect(throws: ServerSettings.Problem.self) { try settings.apply(["prot": "80"], from: "config.json") }
        #expect(throws: ServerSettings.Problem.self) { try settings.apply(["port": "eighty"], from: "flags") }
        // The routing schedule: a number of seconds, 0 to turn it off, never negative.
        #expect(settings.routingIntervalSeconds == 60)
        try settings.apply(["routing_interval_seconds": "0"], from: "flags")
        #expect(settings.routingIntervalSeconds == 0)
        #expect(throws: ServerSettings.Problem.self) { try settings.apply(["routing_interval_seconds": "-5"], from: "flags") }
    }
}
