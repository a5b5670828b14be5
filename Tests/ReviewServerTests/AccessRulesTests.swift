import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// The named access rules (`Access+Rules.swift`, decision 21) are the ones the API enforces and the pages follow: each
/// rule agrees with the routes of the access matrix it guards, and a page offers a form or a link exactly to those the
/// API would let use it.
@Suite struct AccessRulesTests {
    typealias Caller = APIFixture.Caller

    /// Each rule with the matrix's routes it decides (method and path template).
    static let guarded: [(rule: String, Access.Rule, [(HTTPRequest.Method, String)])] = [
        ("rate", .rate, [(.post, "/api/v1/observations/{o}/ratings")]),
        ("flag", .flag, [(.post, "/api/v1/observations/{o}/flags")]),
        ("upload", .upload, [(.post, "/uploads")]),
        ("addCaptions", .addCaptions, [(.put, "/api/v1/recordings/{r}/captions")]),
        ("reindex", .reindex, [(.post, "/api/v1/recordings/{r}/reindex")]),
        ("readConsents", .readConsents, [(.get, "/api/v1/recordings/{r}/consents")]),
        ("recordConsent", .recordConsent, [(.put, "/api/v1/recordings/{r}/consents")]),
        ("assignModerators", .assignModerators, [(.post, "/api/v1/cases/{c}/assignments")]),
        ("readAssignments", .readAssignments, [(.get, "/api/v1/cases/{c}/assignments")]),
        ("readPanelDiscussion", .readPanelDiscussion, [(.get, "/api/v1/cases/{c}/messages")]),
        ("postToPanelDiscussion", .postToPanelDiscussion, [(.post, "/api/v1/cases/{c}/messages")]),
        ("readDevelopmentPlan", .readDevelopmentPlan, [(.get, "/api/v1/cases/{c}/development-plan")]),
        ("acknowledgeDevelopmentPlan", .acknowledgeDevelopmentPlan, [(.post, "/api/v1/cases/{c}/development-plan/acknowledgement")]),
        ("keepNoteDrafts", .keepNoteDrafts, [(.get, "/api/v1/cases/{c}/note-drafts/{r}"), (.put, "/api/v1/cases/{c}/note-drafts/{r}")]),
        ("markSeeds", .markSeeds, [(.post, "/api/v1/calibration/seeds")]),
        ("exportBundle", .exportBundle, [(.get, "/api/v1/cases/{c}/bundle")]),
        ("exportSubjectAccess", .exportSubjectAccess, [(.get, "/api/v1/candidates/{x}/subject-export")]),
        ("listUsers", .listUsers, [(.get, "/api/v1/users")]),
        ("readAuditTrail", .readAuditTrail, [(.get, "/api/v1/audit"), (.get, "/audit")]),
        ("manageHolds", .manageHolds, [(.post, "/api/v1/holds"), (.delete, "/api/v1/holds/{h}"), (.post, "/api/v1/erasures")]),
        ("runBoard", .runBoard, [(.get, "/board")]),
        ("manageUsers", .manageUsers, [(.post, "/api/v1/users"), (.patch, "/api/v1/users/{u}"), (.post, "/api/v1/users/{u}/approval"),
                                        (.post, "/api/v1/users/{u}/reset"), (.post, "/api/v1/users/{u}/reset/approval"), (.post, "/api/v1/organisations"), (.get, "/users")]),
        ("readModeration", .readModeration, [(.get, "/api/v1/moderation/policy"), (.get, "/api/v1/calibration/seeds"), (.get, "/api/v1/samples/estimates"),
                                              (.get, "/moderation/policy"), (.get, "/moderation/samples"), (.get, "/moderation/calibration")]),
        ("setPolicy", .setPolicy, [(.put, "/api/v1/moderation/policy")]),
        ("drawSamples", .drawSamples, [(.post, "/api/v1/samples")]),
        ("listModerators", .listModerators, [(.get, "/api/v1/moderators"), (.get, "/moderation")]),
        ("setModeratorProfiles", .setModeratorProfiles, [(.put, "/api/v1/moderators/{u}/profile")]),
        ("review", .review, [(.get, "/cases/{c}/review")]),
        ("openObservationPages", .openObservationPages, [(.get, "/observations/{o}")]),
    ]

    static func route(_ routes: [AccessMatrixTests.Route], _ method: HTTPRequest.Method, _ template: String) -> AccessMatrixTests.Route? {
        routes.first { $0.method == method && RouteCoverageTests.matches($0.path, template) }
    }

    @Test("every named rule agrees with the access matrix: whoever the API lets through, the rule allows; whoever the rule refuses, the API refuses with 403")
    func rulesAgreeWithTheMatrix() async throws {
        let fixture = try await APIFixture.make()
        let routes = AccessMatrixTests.routes(fixture)
        try await fixture.withClient { client in
            for (name, rule, picks) in Self.guarded {
                for (method, suffix) in picks {
                    guard let route = Self.route(routes, method, suffix) else {
                        Issue.record("rule \(name): no \(method) …\(suffix) in AccessMatrixTests.routes")
                        continue
                    }
                    for caller in Caller.allCases {
                        let actor = fixture.users[caller]!.actor
                        if route.allowed.contains(caller) {
                            #expect(rule.allows(actor), "rule \(name) refuses \(caller), whom the API lets through \(route)")
                        }
                        guard !rule.allows(actor) else { continue }
                        var headers = fixture.headers(caller, json: route.body != nil)
                        for field in route.extraHeaders { headers[field.name] = field.value }
                        let response = try await client.execute(uri: route.path, method: route.method, headers: headers,
                                                                body: route.body.map { ByteBuffer(string: $0) })
                        #expect(response.status == .forbidden, "rule \(name) refuses \(caller) but \(route) answered \(response.status)")
                    }
                }
            }
        }
    }

    @Test("each page offers a form or link exactly to the callers the API lets use it")
    func pagesOfferWhatTheAPIAllows() async throws {
        let fixture = try await APIFixture.make()
        let routes = AccessMatrixTests.routes(fixture)
        let o = fixture.observation.observation.id, r = fixture.recording.id, c = fixture.dispute.id
        let lay = fixture.users[.unassignedModerator]!.id
        // (page, what on the page stands for the action, the API route that does it)
        let offers: [(page: String, marker: String, method: HTTPRequest.Method, route: String)] = [
            ("/observations/\(o)", "/api/v1/observations/\(o)/ratings\"", .post, "/api/v1/observations/{o}/ratings"),
            ("/observations/\(o)", "/api/v1/observations/\(o)/flags\"", .post, "/api/v1/observations/{o}/flags"),
            ("/observations/\(o)", "href=\"/upload?observation=\(o)\"", .post, "/uploads"),
            ("/recordings", "class=\"button primary\" href=\"/upload\"", .post, "/uploads"),
            ("/recordings/\(r)", "data-put-file=\"/api/v1/recordings/\(r)/captions\"", .put, "/api/v1/recordings/{r}/captions"),
            ("/recordings/\(r)", "data-api=\"/api/v1/recordings/\(r)/consents\"", .put, "/api/v1/recordings/{r}/consents"),
            ("/recordings/\(r)", "id=\"consent-heading\"", .get, "/api/v1/recordings/{r}/consents"),
            ("/cases/\(c)", "data-api=\"/api/v1/cases/\(c)/assignments\"", .post, "/api/v1/cases/{c}/assignments"),
            ("/cases/\(c)", "href=\"/api/v1/cases/\(c)/bundle\"", .get, "/api/v1/cases/{c}/bundle"),
            ("/cases/\(c)", "History (audit trail)", .get, "/api/v1/audit"),
            ("/users", "data-api=\"/api/v1/users\"", .post, "/api/v1/users"),
            ("/users", "data-api=\"/api/v1/organisations\"", .post, "/api/v1/organisations"),
            ("/moderation", "data-api=\"/api/v1/moderators/\(lay)/profile\"", .put, "/api/v1/moderators/{u}/profile"),
            ("/moderation", "data-api=\"/api/v1/moderators/\(lay)/conflicts\"", .post, "/api/v1/moderators/{u}/conflicts"),
            ("/moderation/policy", "data-api=\"/api/v1/moderation/policy\"", .put, "/api/v1/moderation/policy"),
            ("/moderation/samples", "action=\"/moderation/samples\"", .post, "/api/v1/samples"),
            ("/moderation/calibration", "data-api=\"/api/v1/calibration/seeds\"", .post, "/api/v1/calibration/seeds"),
        ]
        try await fixture.withClient { client in
            for caller in Caller.allCases {
                for offer in offers {
                    let response = try await client.execute(uri: offer.page, method: .get, headers: fixture.headers(caller))
                    // A page the caller cannot open offers nothing; moderators' case page is their review screen.
                    guard response.status == .ok, !(offer.page.hasPrefix("/cases/") && caller.isModerator) else { continue }
                    let route = try #require(Self.route(routes, offer.method, offer.route))
                    let offered = String(buffer: response.body).contains(offer.marker)
                    #expect(offered == route.allowed.contains(caller),
                            "\(offer.page) as \(caller): offers \(offer.marker) \(offered), the API allows \(route): \(route.allowed.contains(caller))")
                }
            }
        }
    }

    @Test("case actions: the page offers what the domain's table allows now; the API refuses a role the table does not name (403) and a state it does not allow (409)")
    func caseActions() async throws {
        let fixture = try await APIFixture.make()
        let dispute = fixture.dispute
        for caller in Caller.allCases {
            let actor = fixture.users[caller]!.actor
            for action in CaseAction.allCases where Access.can(action, case: dispute, viewer: actor) {
                #expect(Access.mayAsk(action, as: actor), "\(caller) can \(action) now but may not ask for it")
            }
            #expect(Access.canDecide(case: dispute, viewer: actor) == Access.actions(on: dispute, for: actor).contains(.decide))
        }
        let lead = fixture.users[.lead]!.actor, employer = fixture.users[.employer]!.actor
        #expect(dispute.state == .inModeration)
        #expect(Access.canDecide(case: dispute, viewer: lead) && !Access.canDecide(case: dispute, viewer: employer))
        #expect(Access.can(.withdraw, case: dispute, viewer: lead) && !Access.can(.withdraw, case: dispute, viewer: employer))
        // Not in this state: a case in moderation is not closed (it has no outcome yet).
        #expect(Access.mayAsk(.close, as: lead) && !Access.can(.close, case: dispute, viewer: lead))
        try await fixture.withClient { client in
            // An unknown version: the API answers after its access check, and changes nothing.
            let body = #"{"action":"decide","expectedVersion":999,"score":4}"#
            for caller in [Caller.employer, .lead] {
                let response = try await client.execute(uri: "/api/v1/cases/\(dispute.id)/transitions", method: .post,
                                                        headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
                #expect((response.status == .forbidden) == (caller == .employer), "decide as \(caller): \(response.status)")
            }
            let (_, page, _) = try await PagesTests.page(client, fixture, "/cases/\(dispute.id)", as: .lead)
            #expect(page.contains("Withdraw the case") && page.contains("Decide the outcome") && !page.contains("Close the case"))
            let (_, employerPage, _) = try await PagesTests.page(client, fixture, "/cases/\(dispute.id)", as: .employer)
            #expect(!employerPage.contains("Decide the outcome") && !employerPage.contains("Withdraw the case"))
        }
    }
}

extension APIFixture.Caller {
    var isModerator: Bool { self == .assignedModerator || self == .unassignedModerator }
}
