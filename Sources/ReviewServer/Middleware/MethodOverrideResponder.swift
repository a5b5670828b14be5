public import Hummingbird

/// Honours `X-HTTP-Method-Override` on POST requests (for clients that cannot send PATCH, DELETE or HEAD),
/// as tus 1.0.0 requires. It wraps the router's responder because routes are chosen by method before any
/// router middleware runs.
public struct MethodOverrideResponder<Base: HTTPResponder>: HTTPResponder {
    public typealias Context = Base.Context
    let base: Base
    static var allowed: Set<HTTPRequest.Method> { [.patch, .delete, .head] }

    public init(_ base: Base) {
        self.base = base
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .post,
            let value = request.headers[.xHTTPMethodOverride],
            let method = HTTPRequest.Method(value.trimmingSpaces.uppercased()),
            Self.allowed.contains(method)
        else {
            return try await base.respond(to: request, context: context)
        }
        var head = request.head
        head.method = method
        head.headerFields[.xHTTPMethodOverride] = nil
        return try await base.respond(to: Request(head: head, body: request.body), context: context)
    }
}
