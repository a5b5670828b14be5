public import Hummingbird

/// The tus version handshake: every request but OPTIONS must send `Tus-Resumable: 1.0.0` (otherwise 412 with
/// `Tus-Version`), and every response, errors included, carries `Tus-Resumable`.
public struct TusProtocolMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            if request.method != .options, request.headers[.tusResumable] != Tus.version {
                throw APIError(
                    .preconditionFailed,
                    code: .unsupportedTusVersion,
                    message: request.headers[.tusResumable].map { "tus \($0) is not supported: use \(Tus.version)." }
                        ?? "Send Tus-Resumable: \(Tus.version).",
                    headers: [.tusVersion: Tus.version]
                )
            }
            var response = try await next(request, context)
            response.headers[.tusResumable] = Tus.version
            return response
        } catch {
            throw ErrorWithHeaders(base: error, headers: [.tusResumable: Tus.version])
        }
    }
}
