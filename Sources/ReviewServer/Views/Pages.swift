import Foundation
import HTTPTypes
import Hummingbird
import ReviewDomain
import ReviewStore

/// The HTML pages, one per task: sign-in, each role's home, upload, recordings, observations, cases, the
/// moderator's review screen, the lead's board and the audit trail.
///
/// A page is rendered on the server (``PageRenderer``) from the JSON API's own handlers, called in-process as
/// the viewer (``PageContext/read(_:query:_:)``): a page can show nothing that its viewer could not get from
/// the API, and the access rules live in one place. Changes go through the JSON API from the pages' small
/// scripts (`Views/Static/app.js`), with the session's CSRF token, so they are checked and audited like any
/// other call.
struct Pages: Sendable {
    let services: APIServices
    /// The tus uploads, for the upload page's list of the viewer's unfinished uploads.
    var uploads: UploadStore? = nil

    func addRoutes(to router: RouterGroup<ReviewRequestContext>) {
        StaticAssets.shared.addRoutes(to: router)
        router.get("signin") { request, context in
            // Only a path on this site, checked here; the page's script goes nowhere else (`SafeRedirect`).
            let next = SafeRedirect.path(request.uri.queryParameters.get("next"))
            if context.identity != nil { return Response(status: .seeOther, headers: [.location: next]) }
            return try Self.renderer().render("signin", ["title": "Sign in", "next": next])
        }
        // Public, as the law expects them to be: what is held and why; how accessible the service is.
        router.get("privacy") { _, _ in try Self.renderer().render("privacy", ["title": "Privacy notice"]) }
        router.get("accessibility") { _, _ in try Self.renderer().render("accessibility", ["title": "Accessibility statement"]) }
        router.get("/") { request, context in try await page(request, context, home) }
        router.get("upload") { request, context in try await page(request, context, upload) }
        router.get("recordings") { request, context in try await page(request, context, recordings) }
        router.get("recordings/:recordingId") { request, context in try await page(request, context, recording) }
        router.get("observations") { request, context in try await page(request, context, observations) }
        router.get("observations/:observationId") { request, context in try await page(request, context, observation) }
        router.get("cases") { request, context in try await page(request, context, cases) }
        router.get("cases/:caseId") { request, context in try await page(request, context, casePage) }
        router.get("cases/:caseId/review") { request, context in try await page(request, context, review) }
        router.get("board") { request, context in try await page(request, context, board) }
        router.get("audit") { request, context in try await page(request, context, audit) }
        router.get("statistics") { request, context in try await page(request, context, statistics) }
        router.get("data-protection") { request, context in try await page(request, context, dataProtection) }
        router.get("notices") { request, context in try await page(request, context, notices) }
        router.get("settings/notifications") { request, context in try await page(request, context, notificationSettings) }
    }

    static func renderer() throws -> PageRenderer {
        switch PageRenderer.shared {
        case .success(let renderer): return renderer
        case .failure(let error): throw APIError(.internalServerError, code: .internalError, message: error.message)
        }
    }

    /// What a page handler gives back: its template and values (the layout's are added).
    struct View {
        let template: String
        let title: String
        var values: [String: Any]
    }

    /// Runs a page handler for a signed-in viewer: anonymous viewers go to sign-in and come back; an API error
    /// (403, 404, 422) becomes an error page that says what was wrong, with the API's status.
    func page(
        _ request: Request, _ context: ReviewRequestContext, _ handler: (PageContext) async throws -> View
    ) async throws -> Response {
        let renderer = try Self.renderer()
        guard let actor = context.identity else {
            var next = request.uri.path
            if let query = request.uri.query, !query.isEmpty { next += "?" + query }
            let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"
            return Response(status: .seeOther, headers: [.location: "/signin?next=" + encoded])
        }
        let pageContext = PageContext(request: request, context: context, actor: actor, services: services)
        let layout = try await pageContext.layout()
        do {
            let view = try await handler(pageContext)
            return renderer.render(view.template, layout.merging(view.values) { $1 }.merging(["title": view.title]) { $1 })
        } catch {
            // The same mapping as the JSON API's errors; faults (500) go on to the error middleware and its log.
            guard let error = (error as? APIError) ?? ErrorMiddleware<ReviewRequestContext>.apiError(for: error), error.status.code < 500 else {
                throw error
            }
            let values: [String: Any] = ["title": error.status.reasonPhrase, "status": Int(error.status.code), "message": error.message]
            return renderer.render("error", layout.merging(values) { $1 }, status: error.status)
        }
    }
}

/// One page request: the viewer, and reads through the JSON API's handlers as that viewer.
struct PageContext {
    let request: Request
    let context: ReviewRequestContext
    let actor: ReviewDomain.Actor
    let services: APIServices

    var role: Role { actor.role }
    var isLead: Bool { actor.role == .lead }
    var isModerator: Bool { actor.role.isModerator }

    /// The answer of an API handler, as template values: called with `parameters` as its path parameters and
    /// `query` as its query string, with the viewer's identity. Throws the API's error.
    func read<T: Encodable>(
        _ handler: (Request, ReviewRequestContext) async throws -> T, query: String = "", _ parameters: [String: String] = [:]
    ) async throws -> [String: Any] {
        var inner = context
        inner.coreContext.parameters = Parameters(parameters.map { (Substring($0.key), Substring($0.value)) })
        let head = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/api/v1/page" + (query.isEmpty ? "" : "?" + query))
        let answer = try await handler(Request(head: head, body: RequestBody(buffer: ByteBuffer())), inner)
        return try TemplateValue.from(answer, encoder: context.responseEncoder) as? [String: Any] ?? [:]
    }

    /// As ``read(_:query:_:)``, or `nil` when the viewer may not see it (403, 404) or it does not exist yet.
    func readIfAllowed<T: Encodable>(
        _ handler: (Request, ReviewRequestContext) async throws -> T, query: String = "", _ parameters: [String: String] = [:]
    ) async throws -> [String: Any]? {
        do {
            return try await read(handler, query: query, parameters)
        } catch let error as APIError where error.status == .forbidden || error.status == .notFound {
            return nil
        }
    }

    /// The items of a list answer.
    func items<T: Encodable>(
        _ handler: (Request, ReviewRequestContext) async throws -> T, query: String = "", _ parameters: [String: String] = [:]
    ) async throws -> [[String: Any]] {
        try await read(handler, query: query, parameters)["items"] as? [[String: Any]] ?? []
    }

    /// The values every page's layout needs: the viewer, their navigation, the CSRF token for scripts.
    func layout() async throws -> [String: Any] {
        var session: SessionRecord?
        if let token = context.sessionToken { session = try await services.store.session(tokenHash: Secrets.hash(token)) }
        var name = session?.user.name
        if name == nil { name = try await services.store.users.find(actor.userID)?.name }
        let path = request.uri.path
        let nav = Self.navigation(for: actor.role).map { item -> [String: Any] in
            let current = item.href == "/" ? path == "/" : path.hasPrefix(item.href)
            return ["href": item.href, "label": item.label, "current": current]
        }
        let unread = try await services.store.notifications.unreadCount(of: actor.userID)
        return [
            "csrfToken": session?.csrfToken ?? "",
            "user": ["name": name ?? "Signed in", "roleText": Self.roleName(actor.role), "nav": nav,
                     "unreadNotices": unread, "hasUnreadNotices": unread > 0] as [String: Any],
        ]
    }

    static func navigation(for role: Role) -> [(href: String, label: String)] {
        switch role {
        case .assessor:
            [("/", "Home"), ("/upload", "Upload"), ("/observations", "Observations"), ("/recordings", "Recordings"), ("/cases", "Cases")]
        case .employer:
            [("/", "Home"), ("/observations", "Our observations"), ("/cases", "Cases"), ("/recordings", "Recordings"), ("/statistics", "Statistics")]
        case .moderator: [("/", "My reviews")]
        case .lead:
            [("/", "Home"), ("/board", "Board"), ("/cases", "Cases"), ("/observations", "Observations"), ("/recordings", "Recordings"),
             ("/upload", "Upload"), ("/statistics", "Statistics"), ("/audit", "Audit trail"), ("/data-protection", "Data protection")]
        case .auditor:
            [("/", "Home"), ("/cases", "Cases"), ("/observations", "Observations"), ("/recordings", "Recordings"), ("/statistics", "Statistics"),
             ("/audit", "Audit trail"), ("/data-protection", "Legal holds")]
        case .administrator: [("/", "Home"), ("/audit", "Audit trail"), ("/data-protection", "Data protection")]
        }
    }

    static func roleName(_ role: Role) -> String {
        switch role {
        case .assessor: "Assessor"
        case .employer: "Employer"
        case .moderator(.professional): "Practitioner moderator"
        case .moderator(.lay): "Lay panel moderator"
        case .lead: "Moderation lead"
        case .auditor: "Auditor"
        case .administrator: "Administrator"
        }
    }
}
