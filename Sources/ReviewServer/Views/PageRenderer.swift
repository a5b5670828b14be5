import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ReviewDomain

/// Renders the HTML pages from the Mustache templates in `Views/Templates` (bundled with the target).
///
/// Every page extends `layout.mustache` (template inheritance): the layout holds the skip link, the header with
/// the viewer's navigation, the CSRF token for the page's scripts and the stylesheet. Values reach templates as
/// plain dictionaries, arrays, strings, numbers and booleans, plus ``Timestamp`` for times; Mustache escapes
/// every `{{value}}` for HTML.
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

    /// The page `template` with `values`, as a complete response with the pages' security headers.
    func render(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        guard let html = library.render(values, withTemplate: template) else {
            return Self.response(status: .internalServerError, html: "<!doctype html><title>Error</title><p>Page template \(template) is missing.</p>")
        }
        return Self.response(status: status, html: html)
    }

    /// HTML with the headers every page carries: no inline scripts or styles, no framing, no caching of
    /// what one viewer may see.
    static func response(status: HTTPResponse.Status = .ok, html: String) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
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

/// A template value for an optional: `NSNull` (which Mustache treats as absent) for `nil`. An `Optional` stored
/// in `Any` would render as "nil" and open its section as if present.
func orNull(_ value: Any?) -> Any {
    guard let value else { return NSNull() }
    if case Optional<Any>.none = value { return NSNull() }
    return value
}

/// A point in time for templates: `{{at}}` renders it for people ("3 Dec 2026, 14:05 UTC"), `{{at.iso}}` for
/// `<time datetime>` and scripts.
struct Timestamp: MustacheCustomRenderable, MustacheParent {
    let date: Date

    var renderText: String { Self.display.string(from: date) }
    var isNull: Bool { false }

    func child(named name: String) -> Any? {
        switch name {
        case "iso": ISO8601DateFormatter.string(from: date, timeZone: .gmt, formatOptions: .withInternetDateTime)
        case "day": Self.day.string(from: date)
        case "text": renderText
        default: nil
        }
    }

    private static let display: DateFormatter = formatter("d MMM yyyy, HH:mm 'UTC'")
    private static let day: DateFormatter = formatter("d MMM yyyy")

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = .gmt
        formatter.dateFormat = format
        return formatter
    }
}

/// The JSON API's answers as template values: what a page shows is exactly what its viewer gets from the API.
enum TemplateValue {
    /// `value` encoded as the API encodes it, then turned into dictionaries, arrays and scalars; ISO 8601
    /// strings become ``Timestamp``s.
    static func from(_ value: some Encodable, encoder: JSONEncoder) throws -> Any {
        let data = try encoder.encode(value)
        return convert(try JSONDecoder().decode(JSONValue.self, from: data))
    }

    static func convert(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let bool): return bool
        case .int(let int): return int
        case .double(let double): return double
        case .string(let string):
            if string.count >= 20, string.dropFirst(4).first == "-", string.dropFirst(10).first == "T",
                let date = plain.date(from: string) ?? fractional.date(from: string)
            {
                return Timestamp(date: date)
            }
            return string
        case .array(let items): return items.map(convert)
        case .object(let fields): return fields.mapValues(convert)
        }
    }

    // ISO8601DateFormatter is documented as thread-safe; it is not marked Sendable.
    nonisolated(unsafe) private static let plain = ISO8601DateFormatter()
    nonisolated(unsafe) private static let fractional: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

/// Any JSON document, decoded without losing the difference between booleans, whole numbers and others.
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let int = try? container.decode(Int.self) {
            self = .int(int)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}
