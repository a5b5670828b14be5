import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// A real SMTP relay (aiosmtpd, through scripts/lib/smtp_relay.py, which installs it when missing) in a child process.
final class TestRelay {
    let process: Process
    let port: Int
    let folder: URL
    var caFile: String { folder.appendingPathComponent("tls/cert.pem").path }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts `script` (default: the relay) with `arguments` and waits for its `ready PORT` line.
    init(_ arguments: [String], tls: Bool = true, script: [String]? = nil) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-relay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = script ?? (["python3", Self.root.appendingPathComponent("scripts/lib/smtp_relay.py").path,
                                        "--out", folder.appendingPathComponent("mails.jsonl").path]
                                       + (tls ? ["--tls-dir", folder.appendingPathComponent("tls").path] : []) + arguments)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { throw TestFailure("the test relay ended before it was ready: \(text)") }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ready ") }), let port = Int(line.dropFirst(6)) else {
            throw TestFailure("the test relay said \(text)")
        }
        self.port = port
    }

    /// The messages the relay accepted, oldest first.
    func messages() throws -> [[String: Any]] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("mails.jsonl"), encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
    }

    func stop() {
        // SIGKILL: a child of the test process inherits its blocked signals, SIGTERM among them (a terminate() that is
        // never delivered, and a waitUntilExit() that never returns).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite("Notifications", .serialized)
struct NotificationTests {
    static func settings(_ relay: TestRelay, security: SMTPSettings.Security = .starttls, password: String = "secret",
                         timeout: Duration = .seconds(10)) -> SMTPSettings {
        SMTPSettings(host: "localhost", port: relay.port, security: security, username: security == .starttls ? "review" : nil, password: password,
                     from: "review@example.org", caFile: FileManager.default.fileExists(atPath: relay.caFile) ? relay.caFile : nil, timeout: timeout)
    }

    @Test("the SMTP client speaks STARTTLS, AUTH, dot-stuffing and CRLF to aiosmtpd, and sorts its replies into temporary and permanent")
    func smtpClientAgainstARealRelay() async throws {
        let relay = try TestRelay(["--require-tls", "--auth", "review:secret", "--fail-first", "1", "--reject", "gone@example.org"])
        defer { relay.stop() }
        // A generous timeout: on a loaded machine the relay's TLS handshake (Python) can take seconds, and a timeout is
        // also "temporary" but has no reply, which is not what this test is about.
        let client = try SMTPClient(Self.settings(relay, timeout: .seconds(60)))
        let message = MailMessage(from: "review@example.org", to: "lead@example.org", subject: "A case waits for your decision",
                                  body: "First line\n.a line that starts with a dot\n..and two\r\nlast line")
        // The relay has trouble at first: 451 is temporary.
        do throws(SMTPError) {
            try await client.send(message)
            Issue.record("the first message should have met the relay's 451")
        } catch {
            #expect(error.kind == .temporary && error.reply?.code == 451 && error.message.contains("451"), "\(error.message)")
        }
        let reply = try await client.send(message)
        #expect(reply.code == 250 && reply.description.contains("Queued"))
        let received = try #require(try relay.messages().first)
        #expect(received["tls"] as? Bool == true && received["auth"] as? Bool == true)
        #expect(received["rcpt_tos"] as? [String] == ["lead@example.org"] && received["mail_from"] as? String == "review@example.org")
        let data = try #require(received["data"] as? String)
        #expect(data.contains("Subject: A case waits for your decision\r\n") && data.contains("Auto-Submitted: auto-generated\r\n"))
        #expect(data.contains("\r\n\r\nFirst line\r\n.a line that starts with a dot\r\n..and two\r\nlast line"),
                "dot-stuffing must be undone by the relay and every line end be CRLF: \(data)")
        // A refused recipient is permanent; so is a wrong password.
        do throws(SMTPError) {
            try await client.send(MailMessage(from: "review@example.org", to: "gone@example.org", subject: "x", body: "y"))
            Issue.record("the relay should refuse gone@example.org")
        } catch {
            #expect(error.kind == .permanent && error.reply?.code == 550 && error.message.contains("RCPT TO"))
        }
        let wrongPassword = try SMTPClient(Self.settings(relay, password: "wrong"))
        do throws(SMTPError) {
            try await wrongPassword.send(message)
            Issue.record("a wrong password should be refused")
        } catch {
            #expect(error.kind == .permanent && error.reply?.code == 535, "\(error)")
        }
        // A relay without TLS: refused when STARTTLS is required, used in clear when it is optional.
        let plain = try TestRelay([], tls: false)
        defer { plain.stop() }
        let strict = try SMTPClient(Self.settings(plain, security: .starttls))
        do throws(SMTPError) {
            try await strict.send(message)
            Issue.record("STARTTLS is required but the plain relay does not offer it")
        } catch {
            #expect(error.kind == .configuration && error.message.contains("does not offer STARTTLS"))
        }
        var optional = Self.settings(plain, security: .starttlsOptional)
        optional.username = nil
        try await SMTPClient(optional).send(message)
        #expect(try plain.messages().first?["tls"] as? Bool == false)
    }

    @Test("a relay that is not there, or says nothing, is a temporary failure with a message that says so")
    func unreachableAndSilentRelays() async throws {
        let silent = try TestRelay([], script: ["python3", "-c", """
            import socket, sys
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
            print("ready", s.getsockname()[1], flush=True)
            c, _ = s.accept(); c.settimeout(60)
            try:
                c.recv(1)  # the client's close ends this (b"") long before the 60 s
                open(sys.argv[1], "w").write("closed")
            except socket.timeout:
                pass
            """, FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-silent-\(UUID().uuidString)").path])
        defer { silent.stop() }
        let closedMark = try #require(silent.process.arguments?.last)
        defer { try? FileManager.default.removeItem(atPath: closedMark) }
        var settings = Self.settings(silent, security: .starttlsOptional, timeout: .seconds(1))
        settings.username = nil
        let message = MailMessage(from: "review@example.org", to: "a@example.org", subject: "s", body: "b")
        let silentClient = try SMTPClient(settings)
        let started = ContinuousClock.now
        do throws(SMTPError) {
            try await silentClient.send(message)
            Issue.record("a silent relay should time out")
        } catch {
            #expect(error.kind == .temporary && error.message.contains("did not finish within") && error.message.contains("greeting"))
        }
        // The timeout ends the call and closes the connection (before the fix, the call waited for the relay's 60 s).
        #expect(ContinuousClock.now - started < .seconds(10))
        let deadline = ContinuousClock.now + .seconds(5)
        while !FileManager.default.fileExists(atPath: closedMark), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(FileManager.default.fileExists(atPath: closedMark), "the relay should have seen the client close the connection")
        settings.port = 1  // nothing listens there
        let closedClient = try SMTPClient(settings)
        do throws(SMTPError) {
            try await closedClient.send(message)
            Issue.record("a closed port should fail")
        } catch {
            #expect(error.kind == .temporary)
        }
    }

    @Test("the drainer mails the assigned moderator a sentence and a link, nothing more; the audit records the sending")
    func drainerSendsThroughTheRelay() async throws {
        let fixture = try await APIFixture.make()
        let relay = try TestRelay(["--require-tls", "--auth", "review:secret"])
        defer { relay.stop() }
        let moderator = fixture.users[.assignedModerator]!
        try await fixture.store.notifications.setPreferences(.init(email: "moderator@example.org", delivery: .immediate, muted: []),
                                                             of: moderator.id, at: Date())
        let settings = NotificationSettings(smtp: Self.settings(relay), publicBaseURL: "https://review.example.org/")
        let drainer = NotificationDrainer(store: fixture.store, settings: settings, client: try SMTPClient(Self.settings(relay)), worker: "test")
        let round = try await drainer.round(now: Date(), logger: Logger(label: "test"))
        #expect(round.sent == 1 && round.noticesAdded >= 1)
        let mail = try #require(try relay.messages().first)
        #expect(mail["rcpt_tos"] as? [String] == ["moderator@example.org"])
        let data = try #require(mail["data"] as? String)
        let body = data.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(data.contains("Subject: A case has been offered to you\r\n"))
        #expect(body.contains("Open it: https://review.example.org/cases/\(fixture.dispute.id)\r\n"))
        // Nothing of the case but its link: no score, name, registration number or scenario.
        let withoutLinks = body.split(separator: "\r\n").filter { !$0.contains("https://") }.joined(separator: "\n")
        let hasNumber = withoutLinks.contains { $0.isNumber }
        #expect(!hasNumber, "a number in the body: \(withoutLinks)")
        for secret in ["Casey", "SW000001", "Home visit", "Below the standard", "Good practice"] { #expect(!data.contains(secret)) }
        let audited = try await fixture.store.audit.entries(about: .init(type: "user", id: moderator.id.description))
        #expect(audited.contains { $0.event.action == "notice.emailed" && $0.event.details["kinds"] == "case_offered" })
        // A second round sends nothing more.
        #expect(try await drainer.round(now: Date(), logger: Logger(label: "test")).sent == 0)
        #expect(try relay.messages().count == 1)
        await fixture.store.shutdown()
    }

    @Test("every notice is about a case its recipient may open, as Access decides")
    func recipientsAgreeWithAccess() async throws {
        let fixture = try await APIFixture.make()
        // Decide the dispute (the moderator's opinion agrees with itself: one place) so decisions are noticed too.
        let moderator = fixture.users[.assignedModerator]!
        _ = try await fixture.store.notifications.derive(now: Date())
        _ = try await fixture.store.moderation.submitOpinion(on: fixture.dispute.id, score: try Score(3), rationale: "Seen.", annotations: [], correcting: nil,
                                                  correctionReason: nil, by: moderator.actor)
        _ = try await fixture.store.notifications.derive(now: Date())
        let access = Access(store: fixture.store)
        var told: Set<APIFixture.Caller> = []
        for (caller, user) in fixture.users {
            for notice in try await fixture.store.notifications.notices(of: user.id) {
                told.insert(caller)
                let caseID = try #require(notice.caseID)
                _ = try await access.case(caseID, for: user.actor)  // throws 403/404 if the recipient may not see it
            }
        }
        #expect(told == [.assignedModerator, .employer, .assessor], "told: \(told)")
        await fixture.store.shutdown()
    }

    @Test("the notices page names the cases of its 50 notices from the case summaries: with every case document unreadable it still answers")
    func noticesPageReadsNoCaseDocument() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.store.notifications.derive(now: Date())
        try await fixture.store.withRawDatabase { db in
            // 50 notices in all (decision 37): the page used to read (and decode) the case of each one, as the viewer.
            for n in 1..<50 {
                try await db.raw("""
                    INSERT INTO notices (user_id, kind, case_id, dedupe_key, email_state, created_at)
                    SELECT user_id, kind, case_id, dedupe_key || '-\(unsafeRaw: String(n))', email_state, created_at FROM notices WHERE id = (SELECT MIN(id) FROM notices WHERE kind = 'case_offered')
                    """).run()
            }
            try await db.raw("UPDATE cases SET document = 'not a case'").run()
        }
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/notices", method: .get, headers: fixture.headers(.assignedModerator))
            let html = String(buffer: response.body)
            #expect(response.status == .ok)
            #expect(html.components(separatedBy: "OBS-T-1 · Casey Candidate").count - 1 == 50)
            #expect(html.components(separatedBy: #"href="/cases/\#(fixture.dispute.id)""#).count - 1 == 50)
        }
    }

    @Test("a 'case offered' notice whose case was withdrawn, or decided without the reader, says so and links nowhere")
    func offeredNoticeOutlivesTheCase() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.store.notifications.derive(now: Date())
        let current = try #require(try await fixture.store.records.cases.find(fixture.dispute.id))
        _ = try await fixture.store.workflow.transition(fixture.dispute.id, .withdraw, expectedVersion: current.version, reason: "Entered in error.",
                                                        by: fixture.users[.lead]!.actor)
        try await fixture.withClient { client in
            func notices() async throws -> String {
                let response = try await client.execute(uri: "/notices", method: .get, headers: fixture.headers(.assignedModerator))
                #expect(response.status == .ok)
                return String(buffer: response.body)
            }
            // The page the notice would open is no longer the moderator's.
            let casePage = try await client.execute(uri: "/cases/\(fixture.dispute.id)", method: .get, headers: fixture.headers(.assignedModerator))
            #expect(casePage.status == .notFound)
            var html = try await notices()
            #expect(html.contains("A case has been offered to you for moderation.") && html.contains("This case has been withdrawn."))
            #expect(!html.contains("/cases/\(fixture.dispute.id)"))
            // A lay moderator's offer ended by the decision (their place cancelled, the case decided without them).
            try await fixture.store.withRawDatabase { db in
                try await db.raw("UPDATE case_summaries SET state = 'decided'").run()
            }
            html = try await notices()
            #expect(html.contains("This case has been decided.") && !html.contains("/cases/\(fixture.dispute.id)"))
        }
    }

    @Test("the notices and preferences API: one's own only, read marks, clear errors")
    func noticesAPI() async throws {
        let fixture = try await APIFixture.make()
        _ = try await fixture.store.notifications.derive(now: Date())
        try await fixture.withClient { client in
            try await client.execute(uri: "/api/v1/notices", method: .get, headers: fixture.headers(.assignedModerator)) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let items = body?["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["kind"] as? String } == ["case_offered"] && body?["unread"] as? Int == 1)
                #expect(items.first?["link"] as? String == "/cases/\(fixture.dispute.id)")
            }
            // The pages: the list with its link, the count in the header, the settings form.
            try await client.execute(uri: "/notices", method: .get, headers: fixture.headers(.assignedModerator)) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok && html.contains("A case has been offered to you for moderation."))
                #expect(html.contains(#"href="/cases/\#(fixture.dispute.id)""#) && html.contains(#"<span class="badge">1"#))
                // The case by its reference, as the case page names it to the moderator it is offered to.
                #expect(html.contains("OBS-T-1 · Casey Candidate"))
            }
            try await client.execute(uri: "/settings/notifications", method: .get, headers: fixture.headers(.assignedModerator)) { response in
                let html = String(buffer: response.body)
                #expect(response.status == .ok && html.contains(#"value="immediate" required checked"#) && html.contains("no e-mail relay configured"))
            }
            try await client.execute(uri: "/api/v1/notices", method: .get, headers: fixture.headers(.unassignedModerator)) { response in
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect((body?["items"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/notices?unread=maybe", method: .get, headers: fixture.headers(.lead)) { response in
                #expect(response.status == .badRequest && String(buffer: response.body).contains("unread=true"))
            }
            try await client.execute(uri: "/api/v1/notices/read", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                                     body: ByteBuffer(string: #"{"ids":[1],"all":true}"#)) { response in
                #expect(response.status == .unprocessableContent && String(buffer: response.body).contains("not both"))
            }
            try await client.execute(uri: "/api/v1/notices/read", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                                     body: ByteBuffer(string: #"{"all":true}"#)) { response in
                #expect(response.status == .ok && String(buffer: response.body).contains(#""unread":0"#))
            }
            try await client.execute(uri: "/api/v1/me/notification-preferences", method: .put, headers: fixture.headers(.lead, json: true),
                                     body: ByteBuffer(string: #"{"email":"lead at example","delivery":"daily"}"#)) { response in
                #expect(response.status == .unprocessableContent && String(buffer: response.body).contains("exactly one @"))
            }
            try await client.execute(uri: "/api/v1/me/notification-preferences", method: .put, headers: fixture.headers(.lead, json: true),
                                     body: ByteBuffer(string: #"{"email":"lead@example.org","delivery":"weekly"}"#)) { response in
                #expect(response.status == .unprocessableContent && String(buffer: response.body).contains("immediate"))
            }
            try await client.execute(uri: "/api/v1/me/notification-preferences", method: .put, headers: fixture.headers(.lead, json: true),
                                     body: ByteBuffer(string: #"{"email":"lead@example.org","delivery":"daily","mutedKinds":["case_decided"]}"#)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/me/notification-preferences", method: .get, headers: fixture.headers(.lead)) { response in
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["email"] as? String == "lead@example.org" && body?["delivery"] as? String == "daily")
                #expect(body?["mutedKinds"] as? [String] == ["case_decided"] && body?["emailEnabled"] as? Bool == false)
            }
            // The assessor's own preferences are untouched by the lead's.
            try await client.execute(uri: "/api/v1/me/notification-preferences", method: .get, headers: fixture.headers(.assessor)) { response in
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["email"] == nil || body?["email"] is NSNull)
            }
        }
    }
}
