import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request's head arrives, so that a client which
/// asks before sending a body (curl for bodies over 1 MiB, .NET's HttpClient, many tus clients) sends it at once
/// instead of waiting out its own timeout — curl waits a second per request, which was a second per PATCH of an
/// upload. The request goes on to the router unchanged; a refusal (401, 404, 413…) is still the final answer, and the
/// client may then stop sending (RFC 9110 §10.1.1). Placed after Hummingbird's HTTP codec, where the pipelining
/// handler has already held back any pipelined request until the one before it is answered.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data),
            head.headerFields[values: .expect].contains(where: { $0.lowercased() == "100-continue" })
        {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}
