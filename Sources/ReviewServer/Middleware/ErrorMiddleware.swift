import Foundation
public import Hummingbird
import Logging
import ReviewDomain
import ReviewStore

/// The one place errors become HTTP responses: `{"error": {"code": …, "message": …}}` with the right status.
///
/// - ``APIError``: its status, code, message and headers; the cause is logged.
/// - Hummingbird's own `HTTPResponseError`s (unknown route 404, body too large 413…): their status with a code
///   derived from it.
/// - Anything else: a bare 500 `internal` and an error log line with the request id, never the details.
///
/// Responses to `HEAD` carry no body. ``ErrorWithHeaders`` adds headers to whatever its base maps to.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            // A NUL in a query parameter cannot be searched for or stored (SQLite ends a text there, so `q=a%00b` searched
            // for "a"); refused in words for every route, as it is in JSON bodies and CSV fields.
            if let query = request.uri.query, query.contains("%00") || query.utf8.contains(0) {
                throw APIError(.badRequest, code: .badRequest,
                               message: "The address contains a NUL character (%00), which no search or filter can use. Remove it and try again.")
            }
            return try await next(request, context)
        } catch {
            return try Self.response(for: error, request: request, context: context)
        }
    }

    static func response(for error: any Error, request: Request, context: Context) throws -> Response {
        var extraHeaders: HTTPFields = [:]
        var error = error
        while let wrapped = error as? ErrorWithHeaders {
            extraHeaders.append(contentsOf: wrapped.headers)
            error = wrapped.base
        }
        let status: HTTPResponse.Status
        let code: String
        let message: String
        if let uploadError = error as? UploadError {
            error = uploadError.apiError
        } else if let mapped = Self.apiError(for: error) {
            error = mapped
        }
        switch error {
        case let apiError as APIError:
            status = apiError.status
            code = apiError.code.rawValue
            message = apiError.message
            extraHeaders.append(contentsOf: apiError.headers)
            let level: Logger.Level = status.kind == .serverError ? .error : .debug
            context.logger.log(level: level, "\(request.method) \(request.uri.path): \(apiError.debugDescription)")
        case let httpError as any HTTPResponseError:
            status = httpError.status
            code = APIError.Code(status: status).rawValue
            message = (httpError as? HTTPError)?.body ?? status.reasonPhrase
            context.logger.debug("\(request.method) \(request.uri.path): \(httpError)")
        default:
            status = .internalServerError
            code = APIError.Code.internalError.rawValue
            message = "Something went wrong on the server; it has been logged (request \(context.id))."
            context.logger.error(
                "Unhandled error",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(String(reflecting: error))"]
            )
        }
        if let page = Self.htmlPage(status: status, message: message, request: request) { return page }
        var response: Response
        if request.method == .head {
            response = Response(status: status)
        } else {
            response = try errorEncoder.encode(
                Envelope(error: .init(code: code, message: message)),
                from: request,
                context: context
            )
            response.status = status
        }
        for field in extraHeaders {
            response.headers[field.name] = field.value
        }
        return response
    }

    /// The error as a page, for a browser asking for a page (GET of an address outside the API and the uploads that
    /// accepts HTML): an unknown address is "no such page" rather than the API's JSON. `nil` for everyone else.
    static func htmlPage(status: HTTPResponse.Status, message: String, request: Request) -> Response? {
        let path = request.uri.path
        guard request.method == .get,
            !path.hasPrefix("/api/"), !path.hasPrefix("/uploads"), !path.hasPrefix("/static/"),
            request.headers[.accept]?.contains("text/html") == true,
            let renderer = try? Pages.renderer()
        else { return nil }
        let words = status == .notFound ? Pages.noSuchPage : Pages.refusal(message)
        return renderer.render(ErrorModel(status: Int(status.code), message: words),
                               layout: LayoutModel.anonymous(title: "").titled(status.reasonPhrase), status: status)
    }

    /// Errors of the layers below, as the API reports them: the message is theirs (written for people), the
    /// status says whose move it is.
    static func apiError(for error: any Error) -> APIError? {
        switch error {
        case let error as StoreError:
            guard let code = APIError.Code(error.code) else { return nil }
            let status: HTTPResponse.Status = switch error.code {
            case .notFound: .notFound
            case .conflict, .duplicate: .conflict
            case .unavailable: .serviceUnavailable
            // As a full disk during an upload answers: 507, the same code.
            case .storageFull: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
            default: .unprocessableContent
            }
            if let cause = error.cause, let inner = apiError(for: cause), error.code == .invalidArgument || error.code == .constraintViolation {
                return inner
            }
            // A domain refusal that is about what is stored already (a second rating: decision 27) keeps the domain's code.
            if error.code == .conflict, let cause = error.cause as? DomainError {
                return APIError(status, code: APIError.Code(cause.code), message: error.message, cause: error)
            }
            return APIError(status, code: code, message: error.message, cause: error)
        case let error as CaseTransitionError:
            let status: HTTPResponse.Status = switch error.code {
            case .notPermitted: .forbidden
            case .missingReason, .reasonTooLong: .unprocessableContent
            default: .conflict
            }
            return APIError(status, code: APIError.Code(error.code), message: error.message, cause: error)
        case let error as DomainError:
            let status: HTTPResponse.Status = error.code == .notPermitted ? .forbidden : .unprocessableContent
            return APIError(status, code: APIError.Code(error.code), message: error.message, cause: error)
        default:
            return nil
        }
    }

    struct Envelope: Encodable {
        struct Body: Encodable {
            let code: String
            let message: String
        }
        let error: Body
    }
}

/// Error bodies: keys sorted, slashes unescaped (messages quote paths).
private let errorEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
}()
