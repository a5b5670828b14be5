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
            return try Self.renderer().render(SignInModel(next: next), layout: .anonymous(title: "Sign in"))
        }
        // Public, as the law expects them to be: what is held and why; how accessible the service is.
        router.get("privacy") { _, _ in try Self.renderer().render(PrivacyModel(), layout: .anonymous(title: "Privacy notice")) }
        router.get("accessibility") { _, _ in
            try Self.renderer().render(AccessibilityModel(), layout: .anonymous(title: "Accessibility statement"))
        }
        router.get("/") { request, context in try await page(request, context, home) }
        router.get("upload") { request, context in try await page(request, context, upload) }
        router.get("recordings") { request, context in try await page(request, context, recordings) }
        router.get("recordings/:recordingId") { request, context in try await page(request, context, recording) }
        router.get("observations") { request, context in try await page(request, context, observations) }
        router.get("observations/:observationId") { request, context in try await page(request, context, observation) }
        router.get("cases") { request, context in try await page(request, context, cases) }
        router.get("cases/:caseId") { request, context in
            // A moderator's case is their review screen (blind until their panel is complete).
            if context.identity?.role.isModerator == true { return try await page(request, context, review) }
            return try await page(request, context, casePage)
        }
        router.get("cases/:caseId/review") { request, context in try await page(request, context, review) }
        router.get("cases/:caseId/decision") { request, context in try await page(request, context, decision) }
        router.get("board") { request, context in try await page(request, context, board) }
        router.get("audit") { request, context in try await page(request, context, audit) }
        router.get("statistics") { request, context in try await page(request, context, statistics) }
        router.get("data-protection") { request, context in try await page(request, context, dataProtection) }
        addAdministrationRoutes(to: router)
        router.get("notices") { request, context in try await page(request, context, notices) }
        router.get("settings/notifications") { request, context in try await page(request, context, notificationSettings) }
    }

    static func renderer() throws -> PageRenderer {
        switch PageRenderer.shared {
        case .success(let renderer): return renderer
        case .failure(let error): throw APIError(.internalServerError, code: .internalError, message: error.message)
        }
    }

    /// What a page handler gives back: its title (for the layout) and its model.
    struct View<Model: PageTemplateModel> {
        let title: String
        let model: Model
    }

    /// Runs a page handler for a signed-in viewer: anonymous viewers go to sign-in and come back. Any error becomes the
    /// error page with the status the API would answer: what was wrong for what the viewer can fix (403, 404, 422), and
    /// for faults (a database that fails, 5xx) a plain message with the request's id, the details going to the log.
    func page<Model: PageTemplateModel>(
        _ request: Request, _ context: ReviewRequestContext, _ handler: (PageContext) async throws -> View<Model>
    ) async throws -> Response {
        let renderer = try Self.renderer()
        guard let actor = context.identity else {
            var next = request.uri.path
            if let query = request.uri.query, !query.isEmpty { next += "?" + query }
            let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"
            return Response(status: .seeOther, headers: [.location: "/signin?next=" + encoded])
        }
        let pageContext = PageContext(request: request, context: context, actor: actor, services: services)
        // The layout needs the store too: when it cannot be read, the error page goes without the viewer's navigation.
        var layout = LayoutModel.anonymous(title: "")
        do {
            layout = try await pageContext.layout()
            let view = try await handler(pageContext)
            return renderer.render(view.model, layout: layout.titled(view.title))
        } catch {
            let (status, message) = Self.errorPage(for: error, request: request, context: context)
            return renderer.render(ErrorModel(status: Int(status.code), message: message), layout: layout.titled(status.reasonPhrase), status: status)
        }
    }

    /// What a page at an address that does not exist says.
    static let noSuchPage = "There is no page at this address: it may be mistyped, or out of date. Start again from your home page."

    /// A refusal's words as a page shows them: the API's message (which names things by id for API clients) without
    /// the ids, in the reader's words. The one spelling for the pages and for the error middleware's HTML answers.
    static func refusal(_ message: String) -> String { Labels.plain(withoutIDs(message)) }

    /// "There is no case 6e64a3fb-…, or you may not see it." → "There is no case, or you may not see it."
    static func withoutIDs(_ message: String) -> String {
        message.replacing(try! Regex(#"\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#), with: "")
    }

    /// The status and message of the error page for `error`: the API's mapping; a fault is logged (with the request's
    /// id, which the message gives the viewer to quote) and described without its details.
    static func errorPage(for error: any Error, request: Request, context: ReviewRequestContext) -> (HTTPResponse.Status, String) {
        let mapped = (error as? APIError) ?? ErrorMiddleware<ReviewRequestContext>.apiError(for: error)
        // An address whose id part is not an id (`/cases/zzz`): no such page, in the reader's words.
        if mapped?.cause is NotAnID { return (.notFound, Self.noSuchPage) }
        // The API's message names things by id for API clients; a page's reader gets the words without them.
        if let mapped, mapped.status.code < 500 { return (mapped.status, Self.refusal(mapped.message)) }
        let status = mapped?.status ?? .internalServerError
        context.logger.error("Page failed", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status.code)",
            "error": "\(mapped?.debugDescription ?? String(reflecting: error))",
        ])
        let message = status == .serviceUnavailable
            ? "The service cannot read its records just now, so this page cannot be shown. Try again in a minute; if it goes on, tell the service's administrators (request \(context.id))."
            : "Something went wrong on the server while preparing this page; it has been logged (request \(context.id)). Try again, and if it happens again tell the service's administrators the request number."
        return (status, message)
    }
}

/// One page request: the viewer, and reads through the JSON API's handlers as that viewer.
struct PageContext {
    let request: Request
    let context: ReviewRequestContext
    let actor: ActingUser
    let services: APIServices

    var role: Role { actor.role }

    /// The answer of an API handler: called with `parameters` as its path parameters and `query` as its query string,
    /// with the viewer's identity. Throws the API's error.
    func read<T>(
        _ handler: (Request, ReviewRequestContext) async throws -> T, query: String = "", _ parameters: [String: String] = [:]
    ) async throws -> T {
        var inner = context
        inner.coreContext.parameters = Parameters(parameters.map { (Substring($0.key), Substring($0.value)) })
        let head = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/api/v1/page" + (query.isEmpty ? "" : "?" + query))
        return try await handler(Request(head: head, body: RequestBody(buffer: ByteBuffer())), inner)
    }

    /// As ``read(_:query:_:)``, or `nil` when the viewer may not see it (403, 404) or it does not exist yet.
    func readIfAllowed<T>(
        _ handler: (Request, ReviewRequestContext) async throws -> T, query: String = "", _ parameters: [String: String] = [:]
    ) async throws -> T? {
        do {
            return try await read(handler, query: query, parameters)
        } catch let error as APIError where error.status == .forbidden || error.status == .notFound {
            return nil
        }
    }

    /// The items of a page of a list.
    func items<Item>(
        _ handler: (Request, ReviewRequestContext) async throws -> Page<Item>, query: String = "", _ parameters: [String: String] = [:]
    ) async throws -> [Item] {
        try await read(handler, query: query, parameters).items
    }

    /// The items of a whole list.
    func items<Item>(
        _ handler: (Request, ReviewRequestContext) async throws -> ItemList<Item>, query: String = "", _ parameters: [String: String] = [:]
    ) async throws -> [Item] {
        try await read(handler, query: query, parameters).items
    }

    /// The layout's values: the viewer, their navigation, the CSRF token for scripts (the title is the page's).
    func layout() async throws -> LayoutModel {
        var session: SessionRecord?
        if let token = context.sessionToken { session = try await services.store.accounts.session(tokenHash: Secrets.hash(token)) }
        var name = session?.user.name
        if name == nil { name = try await services.store.records.users.find(actor.userID)?.name }
        let unread = try await services.store.notifications.unreadCount(of: actor.userID)
        let viewer = LayoutModel.Viewer(
            name: name ?? "Signed in", roleText: Labels.role(actor.role), nav: LayoutModel.navigation(for: actor.role, path: request.uri.path),
            unreadNotices: unread, hasUnreadNotices: unread > 0)
        return LayoutModel(title: "", csrfToken: session?.csrfToken ?? "", user: viewer)
    }
}
