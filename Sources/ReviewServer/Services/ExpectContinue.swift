import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request's head arrives, so that a client which
/// asks before sending a body (curl for bodies over 1 MiB, .NET's HttpClient, many tus clients) sends it at once
/// instead of waiting out its own timeout — curl waits a second per request, which was a second per PATCH of an
/// upload. The request goes on to the router unchanged; a refusal (401, 404, 413…) is still the final answer, and the
/// client may then stop sending (RFC 9110 §10.1.1).
///
/// Pipelined requests: Hummingbird runs without NIO's pipelining assistance, so a second request's head can arrive
/// while the first one's response is still unwritten. A `100` then would come out ahead of that response, where the
/// client takes it for the first request's (the hostile test of decision 42), so a request that arrives while another
/// is unanswered gets no `100`: its client sends the body after its own timeout, as before this handler (a `100` is
/// never required). The version is not known here (NIOHTTPTypes drops it), so an HTTP/1.0 client that asks gets its
/// `100` too, which RFC 9110 says to ignore; HTTP/1.0 clients do not send `Expect`.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Requests whose response has not ended.
    private var unanswered = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            if unanswered == 0, head.headerFields[values: .expect].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
            unanswered += 1
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), unanswered > 0 { unanswered -= 1 }
        context.write(data, promise: promise)
    }
}
