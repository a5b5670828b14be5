import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ReviewDomain

/// Renders the HTML pages from the Mustache templates in `Views/Templates` (bundled with the target).
///
/// Every page extends `layout.mustache` (template inheritance): the layout holds the skip link, the header with
/// the viewer's navigation, the CSRF token for the page's scripts and the stylesheet. Values reach templates as typed
/// models (``PageModel``: one struct per page and per shared part, `Views/Models/`), rendered through `Mirror`;
/// Mustache escapes every `{{value}}` for HTML.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// The templates, loaded once from the bundle. Missing templates are a packaging fault: the pages then
    /// answer 500 with the reason, the JSON API goes on working.
    static let shared: Result<PageRenderer, PageRendererError> = {
        do throws(PageRendererError) {
            return .success(try PageRenderer(directory: templatesDirectory()))
        } catch {
            return .failure(error)
        }
    }()

    static func templatesDirectory() throws(PageRendererError) -> URL {
        guard let url = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw PageRendererError(message: "The page templates are missing from the installation (ReviewServer's Templates resource).")
        }
        return url
    }

    init(directory: URL) throws(PageRendererError) {
        var library = MustacheLibrary()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".mustache") }
        } catch {
            throw PageRendererError(message: "Cannot list the page templates in \(directory.path): \(error)")
        }
        for name in names.sorted() {
            do {
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch {
                throw PageRendererError(message: "Template \(name) does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// The page of `model` (its template) in `layout`, as a complete response with the pages' security headers.
    func render<Model: PageTemplateModel>(_ model: Model, layout: LayoutModel, status: HTTPResponse.Status = .ok) -> Response {
        guard let html = html(model, layout: layout) else {
            return Self.response(status: .internalServerError, html: "<!doctype html><title>Error</title><p>Page template \(Model.template) is missing.</p>")
        }
        return Self.response(status: status, html: html)
    }

    /// The HTML of `model`'s page in `layout`, or `nil` when its template is missing.
    func html<Model: PageTemplateModel>(_ model: Model, layout: LayoutModel) -> String? {
        library.render(PageDocument(layout: layout, page: model), withTemplate: Model.template)
    }

    /// HTML with the headers every page carries: no inline scripts or styles, no framing, no caching of
    /// what one viewer may see.
    static func response(status: HTTPResponse.Status = .ok, html: String) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
                    + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                HTTPField.Name("Referrer-Policy")!: "same-origin",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

struct PageRendererError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
