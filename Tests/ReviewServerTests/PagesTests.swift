import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// The HTML pages: they show what the viewer may see and nothing more (the blind review above all), carry the
/// security headers, and are well-formed enough for assistive technology (one `h1`, a `main`, labelled fields).
@Suite struct PagesTests {
    typealias Caller = APIFixture.Caller

    static func page(_ client: some TestClientProtocol, _ fixture: APIFixture, _ path: String, as caller: Caller) async throws -> (HTTPResponse.Status, String, HTTPFields) {
        let response = try await client.execute(uri: path, method: .get, headers: fixture.headers(caller))
        return (response.status, String(buffer: response.body), response.headers)
    }

    @Test("the templates load and every page has one h1, a main landmark, and no inline script or style")
    func structure() async throws {
        if case .failure(let error) = PageRenderer.shared { Issue.record("templates: \(error)") }
        let fixture = try await APIFixture.make()
        let pages: [(String, Caller)] = [
            ("/", .assessor), ("/", .employer), ("/", .assignedModerator), ("/", .lead), ("/", .auditor), ("/", .administrator),
            ("/upload", .assessor), ("/recordings", .assessor), ("/recordings/\(fixture.recording.id)", .lead),
            ("/observations", .employer), ("/observations/\(fixture.observation.observation.id)", .employer),
            ("/cases", .lead), ("/cases/\(fixture.dispute.id)", .lead), ("/cases/\(fixture.dispute.id)/review", .assignedModerator),
            ("/cases/\(fixture.dispute.id)/decision", .lead),
            ("/board", .lead), ("/audit", .auditor), ("/privacy", .employer), ("/accessibility", .lead),
            ("/users", .administrator), ("/moderation", .lead), ("/moderation", .administrator), ("/moderation/policy", .lead),
            ("/moderation/policy", .auditor), ("/moderation/samples?seed=7&rate=1", .lead), ("/moderation/calibration", .lead),
        ]
        try await fixture.withClient { client in
            for (path, caller) in pages {
                let (status, html, headers) = try await Self.page(client, fixture, path, as: caller)
                #expect(status == .ok, "\(path) as \(caller): \(status)")
                #expect(html.components(separatedBy: "<h1").count == 2, "\(path) as \(caller) should have exactly one h1")
                #expect(html.contains(#"<main id="main""#) && html.contains(#"<html lang="en">"#), "\(path)")
                #expect(!html.contains("<script>") && !html.contains(" style=\""), "\(path) has inline script or style (the CSP forbids them)")
                #expect(html.firstMatch(of: try Regex(#"\bnil\b"#)) == nil, "\(path) as \(caller) shows a Swift nil")
                let csp = headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"), "\(path): \(csp)")
                // Every input, select and textarea has a label.
                for id in Self.fieldIDs(html) {
                    #expect(html.contains("for=\"\(id)\""), "\(path) as \(caller): field #\(id) has no label")
                }
            }
        }
    }

    @Test("the lead's board shows who, both scores, why, recording, moderators and due dates; filters narrow it; each home shows its queues")
    func boardAndHomes() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let (status, board, _) = try await Self.page(client, fixture, "/board", as: .lead)
            #expect(status == .ok)
            for text in ["OBS-T-1 · Casey Candidate", "Employer A", "<td>5</td><td>3</td>", "scores either side of the pass line", "Ready to watch",
                         "Test assignedModerator", "opened ", "Awaiting moderators", "Overdue assignments", "Candidate or observation"] {
                #expect(board.contains(text), "the board lacks \(text)")
            }
            // The dispute is past local review: nothing on the page to send in bulk.
            #expect(!board.contains("Send the chosen cases to moderation"))
            let otherEmployer = fixture.users[.otherEmployer]!.organisationID
            for query in ["q=nobody", "employerId=\(otherEmployer)", "reason=sample", "state=decided"] {
                let (_, narrowed, _) = try await Self.page(client, fixture, "/board?" + query, as: .lead)
                #expect(narrowed.contains("No case matches.") && !narrowed.contains("Casey Candidate"), "\(query)")
            }
            // Overdue only: the case is listed exactly when the board marks it overdue (the fixture's clock decides which).
            let (_, overdue, _) = try await Self.page(client, fixture, "/board?overdue=true&sort=due", as: .lead)
            #expect(overdue.contains("Casey Candidate") == board.contains("badge warn\">overdue"))
            let (_, found, _) = try await Self.page(client, fixture, "/board?q=CASEY&sort=candidate", as: .lead)
            #expect(found.contains("OBS-T-1 · Casey Candidate"))
            // Homes: the queues with their counts and the next thing to do.
            let (_, lead, _) = try await Self.page(client, fixture, "/", as: .lead)
            #expect(lead.contains("Your queues") && lead.contains("Open disputes waiting") && lead.contains("Awaiting your decision"))
            let (_, moderator, _) = try await Self.page(client, fixture, "/", as: .assignedModerator)
            #expect(moderator.contains("Your queues") && moderator.contains("Offered to you") && moderator.contains("Next"))
            #expect(!moderator.contains("<td>5</td>"), "a blind moderator's home shows a score")
            let (_, employer, _) = try await Self.page(client, fixture, "/", as: .employer)
            #expect(employer.contains("Your queues") && employer.contains("Open cases"))
        }
    }

    @Test("the privacy notice and the accessibility statement are public, and every page links them")
    func publicNotices() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            for (path, words) in [("/privacy", ["lawful basis", "Your rights", "Information Commissioner"]),
                                  ("/accessibility", ["2.2 at level AA", "Reporting a problem", "Regulations 2018"])] {
                let response = try await client.execute(uri: path, method: .get, headers: [:])
                let html = String(buffer: response.body)
                #expect(response.status == .ok, "\(path) without signing in: \(response.status)")
                for word in words { #expect(html.contains(word), "\(path) does not say \(word)") }
            }
            let home = String(buffer: try await client.execute(uri: "/", method: .get, headers: fixture.headers(.assessor)).body)
            #expect(home.contains(#"href="/privacy""#) && home.contains(#"href="/accessibility""#))
        }
    }

    @Test("the review screen is blind until the moderator's opinion is in; the lead's case page shows the scores")
    func blindReview() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let accept = try await client.execute(
                uri: "/api/v1/cases/\(fixture.dispute.id)/assignment/accept", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                body: ByteBuffer(string: "{}"))
            #expect(accept.status == .ok)
            let (_, blind, _) = try await Self.page(client, fixture, "/cases/\(fixture.dispute.id)/review", as: .assignedModerator)
            #expect(blind.contains("Your second opinion") && blind.contains(#"id="opinion-form""#))
            for secret in ["Good practice.", "Below the standard.", "Employer 5", "assessor 3", "Earlier ratings"] {
                #expect(!blind.contains(secret), "the blind review screen shows \(secret)")
            }
            // The case page sends a moderator to the same blind screen.
            let (_, casePage, _) = try await Self.page(client, fixture, "/cases/\(fixture.dispute.id)", as: .assignedModerator)
            #expect(!casePage.contains("Good practice.") && casePage.contains("Your second opinion"))

            let opinion = try await client.execute(
                uri: "/api/v1/cases/\(fixture.dispute.id)/opinions", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                body: ByteBuffer(string: #"{"score":4,"rationale":"Meets it.","annotations":[{"start":1.5,"text":"Clear purpose"}]}"#))
            #expect(opinion.status == .created)
            let (_, after, _) = try await Self.page(client, fixture, "/cases/\(fixture.dispute.id)/review", as: .assignedModerator)
            #expect(after.contains("Good practice.") && after.contains("Below the standard.") && after.contains("Meets it."))
            #expect(!after.contains(#"id="opinion-form""#))

            let (_, trail, _) = try await Self.page(client, fixture, "/audit?subjectType=case&subjectId=\(fixture.dispute.id)", as: .auditor)
            #expect(trail.contains("Test assignedModerator") && trail.contains("Opinion submitted"), "the auditor's trail names the actors")
            let (_, lead, _) = try await Self.page(client, fixture, "/cases/\(fixture.dispute.id)", as: .lead)
            #expect(lead.contains("Employer 5, assessor 3") && lead.contains("Clear purpose") && lead.contains("History (audit trail)"))
        }
    }

    @Test("the audit trail refuses a filter it cannot read, in words, on the page and the API; a blank one is no filter")
    func auditFiltersAreReadOrRefused() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            for (query, words) in [("before=abc", "place in the trail"), ("before=-3", "place in the trail"), ("from=31/01/2026", "a day written as"),
                                   ("to=tomorrow", "a day written as"), ("actor=someone", "a person of this list")] {
                let (status, html, _) = try await Self.page(client, fixture, "/audit?" + query, as: .auditor)
                #expect(status == .badRequest && html.contains(words), "\(query): \(status)")
            }
            let (blank, _, _) = try await Self.page(client, fixture, "/audit?actor=&from=&to=&before=", as: .auditor)
            #expect(blank == .ok)
            let api = try await client.execute(uri: "/api/v1/audit?after=abc", method: .get, headers: fixture.headers(.auditor))
            #expect(api.status == .badRequest && String(buffer: api.body).contains("is not a sequence number"))
        }
    }

    @Test("no page shows another employer's staff; forms appear only for those who may use them")
    func scopeAndForms() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let name = fixture.candidate.name
            let (_, own, _) = try await Self.page(client, fixture, "/observations", as: .employer)
            #expect(own.contains(name))
            let (_, other, _) = try await Self.page(client, fixture, "/observations", as: .otherEmployer)
            #expect(!other.contains(name) && !other.contains(fixture.observation.observation.id.description))
            let (status, notFound, _) = try await Self.page(client, fixture, "/cases/\(fixture.dispute.id)", as: .otherEmployer)
            #expect(status == .notFound && notFound.contains("There is no case") && !notFound.contains("Good practice."))

            let observation = "/observations/\(fixture.observation.observation.id)"
            let (_, employer, _) = try await Self.page(client, fixture, observation, as: .employer)
            #expect(employer.contains("/ratings\"") && employer.contains("/flags\""))
            let (_, auditor, _) = try await Self.page(client, fixture, observation, as: .auditor)
            #expect(!auditor.contains("data-api="), "an auditor changes nothing, so sees no forms")
            let (_, lead, _) = try await Self.page(client, fixture, "/cases/\(fixture.dispute.id)", as: .lead)
            #expect(lead.contains("Decide the outcome") || lead.contains("Escalate") || lead.contains("Withdraw the case"))
            let (_, employerCase, _) = try await Self.page(client, fixture, "/cases/\(fixture.dispute.id)", as: .employer)
            #expect(!employerCase.contains("Decide the outcome") && !employerCase.contains("Assign a moderator"))
        }
    }

    @Test("captions: WebVTT only, replaced atomically, audited, and offered as the player's captions track")
    func captions() async throws {
        let fixture = try await APIFixture.make()
        let uri = "/api/v1/recordings/\(fixture.recording.id)/captions"
        try await fixture.withClient { client in
            var headers = fixture.headers(.assessor)
            headers[.contentType] = "text/vtt"
            let wrong = try await client.execute(uri: uri, method: .put, headers: headers, body: ByteBuffer(string: "1\n00:00:01,000 --> 00:00:02,000\nSRT"))
            #expect(wrong.status == .unprocessableContent && String(buffer: wrong.body).contains("WEBVTT"))
            let vtt = "WEBVTT\n\n00:00.500 --> 00:03.000\nShe introduces herself.\n"
            let put = try await client.execute(uri: uri, method: .put, headers: headers, body: ByteBuffer(string: vtt))
            #expect(put.status == .ok)
            let get = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.assignedModerator))
            #expect(String(buffer: get.body) == vtt && get.headers[.contentType]?.hasPrefix("text/vtt") == true)
            let audit = try await client.execute(uri: "/api/v1/audit?subjectType=recording&subjectId=\(fixture.recording.id)", method: .get,
                                                 headers: fixture.headers(.auditor))
            #expect(String(buffer: audit.body).contains("recording.captions_added"))
            let (_, page, _) = try await Self.page(client, fixture, "/recordings/\(fixture.recording.id)", as: .lead)
            #expect(page.contains(#"<track kind="captions""#))
        }
    }

    @Test("statistics: the page draws five charts each with its numbers; JSON and CSV agree; an employer sees its own staff only")
    func statistics() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let (status, page, _) = try await Self.page(client, fixture, "/statistics", as: .lead)
            #expect(status == .ok)
            #expect(page.components(separatedBy: #"role="img""#).count - 1 == 5, "five charts")
            #expect(page.contains("<title id=\"confusion-title\">") && page.contains("The numbers behind this chart"))
            #expect(page.contains("/api/v1/statistics/tables/confusion-matrix"))
            let json = try await client.execute(uri: "/api/v1/statistics", method: .get, headers: fixture.headers(.lead))
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [String: Any])
            #expect(body["scope"] as? String == "scheme")
            let report = try #require(body["report"] as? [String: Any])
            let agreement = try #require(report["agreement"] as? [String: Any])
            #expect(agreement["pairs"] as? Int == 1)
            let csv = try await client.execute(uri: "/api/v1/statistics/tables/confusion-matrix", method: .get, headers: fixture.headers(.auditor))
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(String(buffer: csv.body).contains("\r\n"))
            let missing = try await client.execute(uri: "/api/v1/statistics/tables/nothing", method: .get, headers: fixture.headers(.lead))
            #expect(missing.status == .notFound)
            // Employer B sees its own (empty) figures and the scheme's, not employer A's rows.
            let other = try await client.execute(uri: "/api/v1/statistics", method: .get, headers: fixture.headers(.otherEmployer))
            let otherBody = try #require(try JSONSerialization.jsonObject(with: Data(buffer: other.body)) as? [String: Any])
            #expect(otherBody["scope"] as? String == "employer" && otherBody["overall"] != nil)
            #expect(!String(buffer: other.body).contains(fixture.employerA.id.description))
            let bad = try await client.execute(uri: "/api/v1/statistics?from=yesterday", method: .get, headers: fixture.headers(.lead))
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("2026-03-31"))
        }
    }

    @Test("a ready recording does not say how far its indexing got (the job's last progress report)")
    func readyRecordingShowsNoProgress() async throws {
        let fixture = try await APIFixture.make()
        let job = try #require(try await fixture.store.ingest.indexJob(of: fixture.recording.id)?.job)
        try await fixture.store.jobs.reportProgress(of: job.id, 0.21)
        try await fixture.withClient { client in
            let (status, html, _) = try await Self.page(client, fixture, "/recordings/\(fixture.recording.id)", as: .lead)
            #expect(status == .ok && html.contains(">Ready to watch</span>"))
            #expect(!html.contains("% indexed"), "a ready recording is not '21% indexed'")
        }
    }

    @Test("static files are served with a content hash and revalidated")
    func staticFiles() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            for name in ["app.css", "app.js", "upload.js", "player.js", "review.js"] {
                let response = try await client.execute(uri: "/static/\(name)", method: .get)
                #expect(response.status == .ok, "\(name)")
                let etag = try #require(response.headers[.eTag])
                let again = try await client.execute(uri: "/static/\(name)", method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
            }
            let missing = try await client.execute(uri: "/static/nothing.js", method: .get)
            #expect(missing.status == .notFound)
        }
    }

    /// The ids of the form fields in `html` (hidden inputs and the sign-out button excepted).
    static func fieldIDs(_ html: String) -> [String] {
        let pattern = try! Regex(#"<(input|select|textarea)\b[^>]*>"#)
        return html.matches(of: pattern).compactMap { match -> String? in
            let tag = String(html[match.range])
            guard !tag.contains(#"type="hidden""#), let id = tag.firstMatch(of: try! Regex(#"id="([^"]+)""#)) else { return nil }
            return id.output[1].substring.map(String.init)
        }
    }
}
