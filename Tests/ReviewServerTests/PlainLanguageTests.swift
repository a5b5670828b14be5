import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// Plain language on every page (issue 20, item 2): what a person reads names things by their references and names,
/// and codes by words. Ids stay in URLs and form values, where nobody reads them.
@Suite struct PlainLanguageTests {
    typealias Caller = APIFixture.Caller

    /// Every page, for the fixture's things.
    static func paths(_ fixture: APIFixture) -> [String] {
        let observation = fixture.observation.observation.id, dispute = fixture.dispute.id, recording = fixture.recording.id
        return [
            "/", "/upload", "/recordings", "/recordings/\(recording)", "/observations", "/observations/\(observation)",
            "/cases", "/cases/\(dispute)", "/cases/\(dispute)/review", "/cases/\(dispute)/decision", "/board", "/audit", "/audit?subjectType=case&subjectId=\(dispute)",
            "/statistics", "/data-protection", "/privacy", "/accessibility",
            "/users", "/moderation", "/moderation/policy", "/moderation/samples", "/moderation/samples?seed=7&rate=1", "/moderation/calibration", "/reset", "/notices", "/settings/notifications",
        ]
    }

    /// The text a reader sees: no scripts, styles, tags or attributes; entities decoded.
    static func visibleText(_ html: String) -> String {
        var text = html
        for pattern in [#"(?s)<script\b.*?</script>"#, #"(?s)<style\b.*?</style>"#, #"(?s)<!--.*?-->"#, #"(?s)<[^>]*>"#] {
            text = text.replacing(try! Regex(pattern), with: " ")
        }
        for (entity, character) in [("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text
    }

    /// Ids and codes in `text`: a run of 8 or more hex digits (a UUID or a fragment of one), a snake_case word, or a
    /// dotted code (`case.moderation_requested`, `moderator.professional`). Not codes: a SHA-256 (64 hex digits: the
    /// recording page's checksum, which people compare with their copy of the file) and a web address (`ico.org.uk`).
    static func codes(in text: String) -> [String] {
        let patterns = [#"(?i)\b[0-9a-f]*[0-9][0-9a-f]*\b"#, #"\b[a-z]+(?:_[a-z0-9]+)+\b"#, #"\b[a-z]{2,}(?:\.[a-z_]{2,})+\b"#]
        var found: [String] = []
        for pattern in patterns {
            for match in text.matches(of: try! Regex(pattern)) {
                let word = String(text[match.range])
                // Hex: an id fragment has 8 or more digits; a shorter number (a year, a size) is not one.
                if pattern.hasPrefix("(?i)") && (word.count < 8 || word.count == 64) { continue }
                if ["uk", "org", "com", "gov", "net"].contains(where: { word.hasSuffix("." + $0) }) { continue }
                found.append(word)
            }
        }
        return found
    }

    @Test("the scan finds ids and codes, and passes plain words, numbers and file names")
    func scanFindsCodes() {
        let html = #"<p title="case.decided">Case <a href="/cases/bbc69a3e-1111">bbc69a3e</a> exceeds_tolerance; actor 00000000; role moderator.professional</p><script>var x_y = 1</script>"#
        #expect(Self.codes(in: Self.visibleText(html)) == ["bbc69a3e", "00000000", "exceeds_tolerance", "moderator.professional"])
        #expect(Self.codes(in: "OBS-2026-0040 · Caius Elsworthy, 2026, 120 MB, visit.mp4, e.g. a score, 12:30, ico.org.uk").isEmpty)
        #expect(Self.codes(in: "SHA-256 " + String(repeating: "ab12", count: 16)).isEmpty)
    }

    @Test("no page shows an id or a code, for any role, before and after the case is decided")
    func noPageShowsIdsOrCodes() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            func scan(_ moment: String) async throws {
                // The notices of what happened so far, for the notices page to list.
                try await fixture.store.notifications.derive(now: Date())
                for caller in Caller.allCases {
                    for path in Self.paths(fixture) {
                        let response = try await client.execute(uri: path, method: .get, headers: fixture.headers(caller))
                        guard response.status != .seeOther else { continue }
                        let found = Self.codes(in: Self.visibleText(String(buffer: response.body)))
                        #expect(found.isEmpty, "\(moment): \(path) as \(caller) (\(response.status.code)) shows \(Set(found).sorted())")
                    }
                }
            }
            try await scan("in moderation")
            let accept = try await client.execute(
                uri: "/api/v1/cases/\(fixture.dispute.id)/assignment/accept", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                body: ByteBuffer(string: "{}"))
            #expect(accept.status == .ok)
            let opinion = try await client.execute(
                uri: "/api/v1/cases/\(fixture.dispute.id)/opinions", method: .post, headers: fixture.headers(.assignedModerator, json: true),
                body: ByteBuffer(string: #"{"score":4,"rationale":"Meets it.","annotations":[{"start":1.5,"text":"Clear purpose"}]}"#))
            #expect(opinion.status == .created)
            try await scan("decided")
        }
    }
}

extension PlainLanguageTests {
    @Test("the audit trail opens at the newest entry, filters by who, what, subject and date, and pages to older entries")
    func auditTrailNewestFirst() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            func page(_ query: String) async throws -> String {
                let response = try await client.execute(uri: "/audit" + query, method: .get, headers: fixture.headers(.auditor))
                #expect(response.status == .ok, "/audit\(query): \(response.status)")
                return String(buffer: response.body)
            }
            func sequences(_ html: String) -> [Int] {
                html.matches(of: try! Regex(#"<tr><td>(\d+)</td>"#)).compactMap { Int($0.output[1].substring ?? "") }
            }
            let all = sequences(try await page(""))
            #expect(all.count > 3 && all == all.sorted(by: >), "newest first: \(all)")
            // What: only the one action, in words.
            let decided = try await page("?action=case.moderation_requested")
            #expect(decided.contains("Case moderation requested") && sequences(decided).count == 1, "\(sequences(decided))")
            // Who: the lead's entries only.
            let lead = Self.visibleText(try await page("?actor=\(fixture.users[.lead]!.id)"))
            #expect(lead.contains("Test lead") && !lead.contains("Test employer"))
            // Subject: the case, named by its observation's reference and candidate.
            let about = Self.visibleText(try await page("?subjectType=case&subjectId=\(fixture.dispute.id)"))
            #expect(about.contains("Entries about Case OBS-T-1 · Casey Candidate"))
            // Found by the hostile tester: an administrator (who reads account events only) learnt any candidate's name
            // by putting a case id into the subject filter. A subject is named only from an entry the viewer may read.
            for subject in ["case", "observation"] {
                let id = subject == "case" ? fixture.dispute.id.description : fixture.observation.observation.id.description
                let response = try await client.execute(uri: "/audit?subjectType=\(subject)&subjectId=\(id)", method: .get,
                                                        headers: fixture.headers(.administrator))
                #expect(response.status == .ok)
                #expect(!Self.visibleText(String(buffer: response.body)).contains("Casey"), "administrator, \(subject)")
            }
            // Dates: nothing before the fixture's clock starts; everything from then.
            #expect(sequences(try await page("?to=2000-01-01")).isEmpty)
            #expect(sequences(try await page("?from=2000-01-01")) == all)
            // Paging: the entries older than the newest two.
            let older = sequences(try await page("?before=\(all[1])"))
            #expect(older == Array(all.dropFirst(2)))
        }
    }

    @Test("refusals on pages name roles in words: 'Professional moderators cannot …'")
    func refusalsInWords() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/upload", method: .get, headers: fixture.headers(.assignedModerator))
            let text = Self.visibleText(String(buffer: response.body))
            #expect(response.status == .forbidden && text.contains("Professional moderators cannot upload recordings; assessors and moderation leads can."), "\(text)")
        }
    }
}
