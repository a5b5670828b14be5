import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// Every route × every caller: allowed (the access check let the request through: whatever the domain then
/// says, the status is not 401, 403 or 404) or denied (403 for a role that may never, 404 for something of a
/// kind the caller may see but not this one). And every route refuses an anonymous caller with 401.
@Suite struct AccessMatrixTests {
    typealias Caller = APIFixture.Caller

    struct Route: Sendable, CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        let body: String?
        let extraHeaders: HTTPFields
        /// Who gets through; everyone else is denied.
        let allowed: Set<Caller>
        /// Public routes answer anonymous callers too.
        var isPublic = false

        var description: String { "\(method) \(path)" }
    }

    static let everyone = Set(Caller.allCases)
    static let schemeReaders: Set<Caller> = [.assessor, .employer, .lead, .auditor]
    static let recordingViewers: Set<Caller> = schemeReaders.union([.assignedModerator])
    /// Lists are scoped rather than refused: another employer gets a page without employer A's rows.
    static let listReaders: Set<Caller> = schemeReaders.union([.otherEmployer])

    /// The routes, in an order where nothing an earlier one changes denies a later one (sign-out last).
    static func routes(_ f: APIFixture) -> [Route] {
        let o = f.observation.observation.id, r = f.recording.id, c = f.dispute.id
        let lay = f.users[.unassignedModerator]!.id, employerUser = f.users[.employer]!.id
        func route(_ method: HTTPRequest.Method, _ path: String, _ allowed: Set<Caller>, body: String? = nil, headers: HTTPFields = [:]) -> Route {
            Route(method: method, path: path, body: body, extraHeaders: headers, allowed: allowed)
        }
        let metadata = "observation \(Data(o.description.utf8).base64EncodedString()),filename \(Data("x.mp4".utf8).base64EncodedString())"
        return [
            route(.get, "/api/v1/session", everyone),
            route(.get, "/api/v1/tokens", everyone),
            route(.post, "/api/v1/tokens", everyone, body: #"{"name":"script"}"#),
            route(.get, "/api/v1/organisations", everyone.subtracting([.assignedModerator, .unassignedModerator])),
            route(.post, "/api/v1/organisations", [.administrator], body: #"{"name":"New Council","kind":"employer"}"#),
            route(.get, "/api/v1/users", [.administrator, .lead]),
            route(.post, "/api/v1/users", [.administrator], body: #"{"name":"New User","username":"new.user","password":"a long enough password","role":"assessor","organisationId":"\#(f.employerA.id)"}"#),
            route(.patch, "/api/v1/users/\(employerUser)", [.administrator], body: #"{"active":true}"#),
            // Nothing awaits approval here (409): the route lets administrators through and no one else.
            route(.post, "/api/v1/users/\(employerUser)/approval", [.administrator]),
            // The employer signs in with a token only: the administrator gets through to a 409 (no password to reset).
            route(.post, "/api/v1/users/\(employerUser)/reset", [.administrator], body: #"{"secondFactor":false}"#),
            route(.post, "/api/v1/users/\(employerUser)/reset/approval", [.administrator]),
            // The fixture's callers use API tokens and have no password (422): the route lets everyone through.
            route(.post, "/api/v1/session/password", everyone, body: #"{"currentPassword":"not set here","newPassword":"another long passphrase"}"#),
            route(.get, "/api/v1/candidates", listReaders),
            route(.get, "/api/v1/candidates/\(f.candidate.candidate.id)", schemeReaders),
            route(.put, "/api/v1/candidates/\(f.candidate.candidate.id)/attributes", [.lead, .administrator],
                  body: #"{"attributes":{"ethnicity":"Mixed","disability":"No"},"consentReference":"CF-0001"}"#),
            route(.get, "/api/v1/candidates/\(f.candidate.candidate.id)/attributes", [.lead, .administrator]),
            route(.delete, "/api/v1/candidates/\(f.candidate.candidate.id)/attributes", [.lead, .administrator]),
            route(.get, "/api/v1/observations", listReaders),
            route(.get, "/api/v1/observations/\(o)", recordingViewers),
            route(.get, "/api/v1/observations/\(o)/ratings", schemeReaders),
            route(.post, "/api/v1/observations/\(o)/ratings", [.assessor, .employer], body: #"{"score":4,"rationale":"Seen again."}"#),
            route(.post, "/api/v1/observations/\(o)/flags", [.assessor, .employer, .lead], body: #"{"reason":"Please look again."}"#),
            route(.get, "/api/v1/recordings", listReaders.union([.assignedModerator, .unassignedModerator])),
            route(.get, "/api/v1/recordings/\(r)", recordingViewers),
            route(.get, "/api/v1/recordings/\(r)/index", recordingViewers),
            // The original keeps the camera's personal tags: its uploader (the fixture's assessor) and the lead only.
            route(.get, "/api/v1/recordings/\(r)/media", [.assessor, .lead], headers: [.range: "bytes=0-99"]),
            route(.head, "/api/v1/recordings/\(r)/media", [.assessor, .lead]),
            route(.get, "/api/v1/recordings/\(r)/proxy", recordingViewers),
            route(.head, "/api/v1/recordings/\(r)/proxy", recordingViewers),
            // The segments of a proxy being made (decision 32): the proxy's rule (the matrix's fixture has one listed).
            route(.get, "/api/v1/recordings/\(r)/preview", recordingViewers),
            route(.get, "/api/v1/recordings/\(r)/preview/init.mp4", recordingViewers),
            route(.head, "/api/v1/recordings/\(r)/preview/init.mp4", recordingViewers),
            route(.get, "/api/v1/recordings/\(r)/thumbnails/0", recordingViewers),
            route(.put, "/api/v1/recordings/\(r)/captions", [.assessor, .lead], body: "WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n",
                  headers: [.contentType: "text/vtt"]),
            route(.get, "/api/v1/recordings/\(r)/captions", recordingViewers),
            // Allowed through to the domain (the uploader and the lead); a ready recording then answers 409.
            route(.post, "/api/v1/recordings/\(r)/reindex", [.assessor, .lead], body: #"{"reason":"transient failure"}"#),
            route(.get, "/recordings/\(r)", recordingViewers),
            // The pages: the same rules as the API calls they are made of.
            route(.get, "/", everyone),
            route(.get, "/upload", [.assessor, .lead]),
            route(.get, "/recordings", listReaders.union([.assignedModerator, .unassignedModerator])),
            route(.get, "/observations", listReaders),
            route(.get, "/observations/\(o)", schemeReaders),
            route(.get, "/cases", everyone.subtracting([.administrator])),
            route(.get, "/cases/\(c)", schemeReaders.union([.assignedModerator])),
            route(.get, "/cases/\(c)/review", [.assignedModerator]),
            // The lead's decision view (decision 27): the lead alone; moderators never (blind review), others read the case page.
            route(.get, "/cases/\(c)/decision", [.lead]),
            route(.get, "/board", [.lead]),
            route(.get, "/board?state=open&reason=flag&overdue=true&q=casey&sort=due&page=2", [.lead]),
            route(.get, "/statistics", [.lead, .auditor, .employer, .otherEmployer]),
            route(.get, "/api/v1/statistics", [.lead, .auditor, .employer, .otherEmployer]),
            route(.get, "/api/v1/statistics/tables", [.lead, .auditor, .employer, .otherEmployer]),
            route(.get, "/api/v1/statistics/tables/outcomes", [.lead, .auditor, .employer, .otherEmployer]),
            route(.get, "/audit", [.auditor, .lead, .administrator]),
            Route(method: .get, path: "/privacy", body: nil, extraHeaders: [:], allowed: everyone, isPublic: true),
            Route(method: .get, path: "/accessibility", body: nil, extraHeaders: [:], allowed: everyone, isPublic: true),
            Route(method: .get, path: "/reset", body: nil, extraHeaders: [:], allowed: everyone, isPublic: true),
            route(.get, "/api/v1/cases", everyone.subtracting([.administrator])),
            // Filtering by why a case exists would break blind review: refused to moderators (decision 26).
            route(.get, "/api/v1/cases?reason=straddle&q=casey&sort=candidate&employerId=\(f.employerA.id)",
                  everyone.subtracting([.administrator, .assignedModerator, .unassignedModerator])),
            // Due dates are the panel's: listed by them for the lead and the auditor only.
            route(.get, "/api/v1/cases?overdue=true&sort=due", [.lead, .auditor]),
            route(.post, "/api/v1/cases/moderation-requests", [.lead], body: #"{"caseIds":["00000000-0000-0000-0000-00000000abcd"]}"#),
            route(.get, "/api/v1/cases/\(c)", recordingViewers),
            // A moderator reviewing blind sees no flags (decision 35).
            route(.get, "/api/v1/cases/\(c)/flags", schemeReaders),
            route(.post, "/api/v1/cases/\(c)/transitions", [.assessor, .employer, .lead], body: #"{"action":"startLocalReview","expectedVersion":1}"#),
            route(.post, "/api/v1/cases/\(c)/assignments", [.lead], body: #"{"moderatorId":"\#(lay)"}"#),
            // Moderation. The assigned moderator's opinion decides the case (one moderator per case in the fixture)
            // and lifts blind review for them: the opinions and the thread open to them after it.
            route(.get, "/api/v1/cases/\(c)/assignments", [.lead, .auditor, .assignedModerator]),
            route(.post, "/api/v1/cases/\(c)/assignment/accept", [.assignedModerator]),
            route(.put, "/api/v1/cases/\(c)/note-drafts/\(r)", [.assignedModerator], body: #"{"notes":[{"start":1,"text":"Introduces herself."}]}"#),
            route(.get, "/api/v1/cases/\(c)/note-drafts/\(r)", [.assignedModerator]),
            route(.post, "/api/v1/cases/\(c)/opinions", [.assignedModerator], body: #"{"score":4,"rationale":"Seen in full.","annotations":[{"start":0.5,"text":"Introduces herself."}]}"#),
            route(.get, "/api/v1/cases/\(c)/opinions", [.lead, .auditor, .assignedModerator]),
            route(.get, "/api/v1/cases/\(c)/messages", [.lead, .auditor, .assignedModerator]),
            route(.post, "/api/v1/cases/\(c)/messages", [.lead, .assignedModerator], body: #"{"body":"At 0:30 she checks understanding.","atSeconds":30}"#),
            route(.get, "/api/v1/cases/\(c)/development-plan", [.lead, .auditor, .assessor, .employer]),
            route(.post, "/api/v1/cases/\(c)/development-plan/acknowledgement", [.employer], body: #"{"note":"Agreed with the candidate."}"#),
            route(.get, "/api/v1/moderation/policy", [.lead, .auditor]),
            route(.put, "/api/v1/moderation/policy", [.lead], body: #"{"moderatorsPerCase":1,"panel":["professional"]}"#),
            route(.get, "/api/v1/moderators", [.lead, .auditor, .administrator]),
            route(.put, "/api/v1/moderators/\(lay)/profile", [.lead, .administrator], body: #"{"practiceAreas":["childrens"],"capacity":5}"#),
            route(.get, "/api/v1/moderators/\(lay)/conflicts", [.lead, .auditor, .unassignedModerator]),
            route(.post, "/api/v1/moderators/\(lay)/conflicts", [.lead, .unassignedModerator], body: #"{"organisationId":"\#(f.employerA.id)","reason":"Worked there until 2025."}"#),
            // An id that is not one of the moderator's conflicts: whoever gets through gets 404 from the store, so the
            // route's access is proved in AdministrationPagesTests.withdrawConflict; here only the refusals (403) count.
            route(.delete, "/api/v1/moderators/\(lay)/conflicts/\(UUID())", [], body: #"{"reason":"Declared in error."}"#),
            route(.get, "/api/v1/assignments", [.lead, .auditor, .assignedModerator, .unassignedModerator]),
            route(.post, "/api/v1/routing", [.lead], body: "{}"),
            route(.post, "/api/v1/samples", [.lead], body: #"{"seed":1,"dryRun":true}"#),
            route(.get, "/api/v1/recordings/\(r)/consents", [.assessor, .lead, .auditor]),
            route(.put, "/api/v1/recordings/\(r)/consents", [.assessor, .lead], body: #"{"person":"candidate","purpose":"training","granted":true,"reference":"CF-7"}"#),
            route(.get, "/api/v1/candidates/\(f.candidate.candidate.id)/subject-export", [.lead, .administrator]),
            route(.get, "/api/v1/cases/\(c)/bundle", [.lead, .auditor]),
            route(.get, "/api/v1/samples/estimates", [.lead, .auditor]),
            route(.get, "/api/v1/calibration/seeds", [.lead, .auditor]),
            route(.post, "/api/v1/calibration/seeds", [.lead], body: #"{"observationId":"\#(o)","score":4,"reason":"Clear evidence throughout."}"#),
            route(.get, "/api/v1/calibration/results", [.lead, .auditor]),
            route(.get, "/api/v1/development-plans?acknowledged=false", [.lead, .auditor, .assessor, .employer, .otherEmployer]),
            route(.post, "/api/v1/cases/\(c)/assignment/decline", [.assignedModerator], body: #"{"reason":"I know the candidate."}"#),
            route(.get, "/api/v1/audit", [.auditor, .lead, .administrator]),
            // Data protection: the wrong registration number (422) keeps the fixture's candidate for the routes after.
            route(.post, "/api/v1/erasures", [.lead, .administrator],
                  body: #"{"candidateId":"\#(f.candidate.candidate.id)","registrationNumber":"not theirs"}"#),
            route(.get, "/api/v1/holds", [.lead, .administrator, .auditor]),
            route(.post, "/api/v1/holds", [.lead, .administrator], body: #"{"subjectType":"observation","subjectId":"\#(o)","reason":"Inquiry IQ-9"}"#),
            route(.delete, "/api/v1/holds/\(f.hold.id)", [.lead, .administrator]),
            route(.get, "/data-protection", [.lead, .administrator, .auditor]),
            // The administration pages (issue 20, item 4): users for administrators; running moderation for the lead, read
            // by the auditor; moderators' profiles for administrators too. The preview reads a dry run (changes nothing).
            route(.get, "/users", [.administrator]),
            route(.get, "/moderation", [.lead, .auditor, .administrator]),
            route(.get, "/moderation/policy", [.lead, .auditor]),
            route(.get, "/moderation/samples", [.lead, .auditor]),
            route(.get, "/moderation/samples?seed=7&rate=1", [.lead, .auditor]),
            route(.get, "/moderation/calibration", [.lead, .auditor]),
            // Notifications: everyone has their own notices and preferences, and no way to name another's.
            route(.get, "/api/v1/notices", everyone),
            route(.post, "/api/v1/notices/read", everyone, body: #"{"all":true}"#),
            route(.get, "/api/v1/me/notification-preferences", everyone),
            route(.put, "/api/v1/me/notification-preferences", everyone, body: #"{"email":"someone@example.org","delivery":"daily"}"#),
            route(.get, "/notices", everyone),
            route(.get, "/settings/notifications", everyone),
            route(.post, "/uploads", [.assessor, .lead], headers: [.tusResumable: "1.0.0", .uploadLength: "10", .uploadMetadata: metadata]),
            route(.delete, "/api/v1/session", everyone),
            // Only its owner revokes a token (the assessor's spare one: the token in use stays for the last route).
            route(.delete, "/api/v1/tokens/\(f.spareTokenID)", [.assessor]),
            // Last: signing out everywhere revokes the caller's own token.
            route(.delete, "/api/v1/sessions", everyone),
        ]
    }

    @Test("every route × every caller is allowed or denied as the access rules say", arguments: Caller.allCases)
    func matrix(caller: Caller) async throws {
        let fixture = try await APIFixture.make()
        try fixture.writePreviewSegments()
        let routes = Self.routes(fixture)
        try await fixture.withClient { client in
            for route in routes {
                var headers = fixture.headers(caller, json: route.body != nil)
                for field in route.extraHeaders { headers[field.name] = field.value }
                let response = try await client.execute(
                    uri: route.path, method: route.method, headers: headers, body: route.body.map { ByteBuffer(string: $0) })
                let denied = [403, 404].contains(response.status.code)
                if route.allowed.contains(caller) {
                    #expect(!denied && response.status.code != 401 && response.status.code < 500, "\(caller) should be allowed \(route): \(response.status) \(String(buffer: response.body))")
                } else {
                    #expect(denied, "\(caller) should be denied \(route): \(response.status) \(String(buffer: response.body))")
                }
            }
        }
    }

    @Test("every API route refuses an anonymous caller with 401 and the error envelope")
    func anonymous() async throws {
        let fixture = try await APIFixture.make()
        let routes = Self.routes(fixture).filter { $0.path.hasPrefix("/api/") }
        try await fixture.withClient { client in
            for route in routes {
                let response = try await client.execute(
                    uri: route.path, method: route.method, headers: route.body == nil ? [:] : [.contentType: "application/json"],
                    body: route.body.map { ByteBuffer(string: $0) })
                #expect(response.status == .unauthorized, "\(route): \(response.status)")
                if route.method != .head {
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: String]]
                    #expect(body?["error"]?["code"] == "unauthenticated", "\(route)")
                }
            }
            // The pages send a browser to sign in instead, and back afterwards.
            for route in Self.routes(fixture) where !route.path.hasPrefix("/api/") && !route.path.hasPrefix("/uploads") && !route.isPublic {
                let page = try await client.execute(uri: route.path, method: .get)
                #expect(page.status == .seeOther, "\(route)")
                let encoded = route.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                #expect(page.headers[.location] == "/signin?next=" + encoded, "\(route)")
            }
        }
    }

    @Test("an employer sees only its own staff; a moderator only assigned cases, and blind")
    func relationships() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.withClient { client in
            let own = try await client.execute(uri: "/api/v1/candidates", method: .get, headers: fixture.headers(.employer))
            #expect(String(buffer: own.body).contains(fixture.candidate.candidate.id.description))
            let other = try await client.execute(uri: "/api/v1/candidates", method: .get, headers: fixture.headers(.otherEmployer))
            #expect(!String(buffer: other.body).contains(fixture.candidate.candidate.id.description))
            let otherCases = try await client.execute(uri: "/api/v1/cases?employerId=\(fixture.employerA.id)", method: .get, headers: fixture.headers(.otherEmployer))
            #expect(!String(buffer: otherCases.body).contains(fixture.dispute.id.description))

            // The assigned moderator sees the case without any score; the lead sees the finding.
            let blind = try await client.execute(uri: "/api/v1/cases/\(fixture.dispute.id)", method: .get, headers: fixture.headers(.assignedModerator))
            let blindCase = try #require(try JSONSerialization.jsonObject(with: Data(buffer: blind.body)) as? [String: Any])
            #expect(blindCase["blind"] as? Bool == true)
            #expect(blindCase["finding"] == nil && blindCase["outcome"] == nil && blindCase["localAgreement"] == nil)
            let open = try await client.execute(uri: "/api/v1/cases/\(fixture.dispute.id)", method: .get, headers: fixture.headers(.lead))
            let openCase = try #require(try JSONSerialization.jsonObject(with: Data(buffer: open.body)) as? [String: Any])
            let finding = try #require(openCase["finding"] as? [String: Any])
            #expect(finding["assessorScore"] as? Int == 3 && finding["employerScore"] as? Int == 5)
            let list = try await client.execute(uri: "/api/v1/cases", method: .get, headers: fixture.headers(.unassignedModerator))
            #expect(!String(buffer: list.body).contains(fixture.dispute.id.description))
            // A moderator's recordings are those of the cases assigned to them.
            let assigned = try await client.execute(uri: "/api/v1/recordings", method: .get, headers: fixture.headers(.assignedModerator))
            #expect(String(buffer: assigned.body).contains(fixture.recording.id.description))
            let unassigned = try await client.execute(uri: "/api/v1/recordings", method: .get, headers: fixture.headers(.unassignedModerator))
            #expect(!String(buffer: unassigned.body).contains(fixture.recording.id.description))
        }
    }
}
