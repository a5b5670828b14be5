import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOFileSystem
import NIOHTTP1
import NIOHTTPTypes
import ReviewDomain
import Synchronization

/// The next range requests of a recording being watched, answered on the connection's event loop (decision 45).
///
/// A player asks for a recording in many ranges. The first request of a file on a route goes through the router as
/// any other; it tells this object which file it was answered from (``offer(_:recording:original:file:info:etag:)``),
/// and ``HotRangeHandler`` keeps the head the router wrote (every header but the range's own), so the same address can
/// be answered again without the hops between the event loop and Swift's tasks that a routed request costs.
///
/// A request is answered here only when **every** rule the route applies gives the same answer from what this process
/// already remembers, checked afresh for each request:
/// - the bearer token or the session cookie is in ``AuthenticationCache`` (the same lookup as ``StoreAuthenticator``;
///   forgotten when it is revoked or the session ends, and good for 5 s at most);
/// - the caller may see the recording by ``RecordingAccessCache`` (the route's own remembered decision: the same epoch,
///   the same lifetime), is not a moderator (consent is checked on every request, in the database) nor an
///   administrator, and for an original is its uploader or the lead (``RecordingController/mayFetchOriginal(_:as:)``);
/// - the request continues a viewing under way (``ViewingTracker/continueViewing(by:of:original:at:)``): one that would
///   start a viewing goes to the route, which writes its audit event;
/// - the file is still open here and is the one the head describes (``OpenFileCache/lease(_:)``: not due for its check
///   against the path);
/// - the request is a plain GET: no query, no body, no conditional header, no `Expect`, no
///   `Connection: close`, and a `Range` that is absent or satisfiable.
/// Anything else, and any doubt, goes to the router unchanged.
final class HotRanges: Sendable {
    /// What the router answered for one address, and from which file.
    struct Template: Sendable {
        let recording: RecordingID
        let original: Bool
        let file: FilePath
        let info: OpenFileCache.Info
        let etag: String
        /// The router's head without `Content-Range`, `Content-Length`, `X-Request-Id` and `Date`; `nil` until the head
        /// has been seen going out.
        var fields: HTTPFields?
    }

    let credentials: AuthenticationCache
    let decisions: RecordingAccessCache
    let viewings: ViewingTracker
    let now: @Sendable () -> Date
    let capacity: Int
    private let templates = Mutex<[String: Template]>([:])
    private static let answered = Atomic<Int>(0)

    init(credentials: AuthenticationCache, decisions: RecordingAccessCache, viewings: ViewingTracker, now: @escaping @Sendable () -> Date,
         capacity: Int = 1_000) {
        self.credentials = credentials
        self.decisions = decisions
        self.viewings = viewings
        self.now = now
        self.capacity = capacity
    }

    /// How many requests this process answered here (the tests see whether a request was).
    static var answeredCount: Int { answered.load(ordering: .relaxed) }

    /// The route answered a GET of `path` with 200 or 206 from `file` as `info` describes it, with this entity tag.
    func offer(_ path: String, recording: RecordingID, original: Bool, file: FilePath, info: OpenFileCache.Info, etag: String) {
        templates.withLock { templates in
            if let known = templates[path], known.info == info, known.etag == etag, known.file == file { return }
            if templates.count >= capacity { templates.removeAll(keepingCapacity: true) }
            templates[path] = Template(recording: recording, original: original, file: file, info: info, etag: etag, fields: nil)
        }
    }

    /// The head the route wrote for `path` went out: kept as the template's fields if it describes the offered file.
    func headWritten(_ path: String, _ response: HTTPResponse) {
        guard response.status == .ok || response.status == .partialContent else { return }
        var fields = response.headerFields
        for name in [HTTPField.Name.contentRange, .contentLength, .date, RequestLogMiddleware<ReviewRequestContext>.requestIDHeader] {
            fields[name] = nil
        }
        templates.withLock { templates in
            guard var template = templates[path], fields[.eTag] == EntityTag(template.etag).headerValue else { return }
            template.fields = fields
            templates[path] = template
        }
    }

    /// The head kept for `path`, if any (for the tests).
    func keptFields(_ path: String) -> HTTPFields? {
        templates.withLock { $0[path]?.fields }
    }

    /// Forgets every template: an erasure or a retention pass deleted files (a head names its recording's file).
    func removeAll() {
        templates.withLock { $0.removeAll() }
    }

    /// The response to `request` if every rule allows answering it here, with the file's lease; `nil` otherwise.
    func answer(_ request: HTTPRequest) -> Answer? {
        guard request.method == .get, let path = request.path, Self.isCandidate(path) else { return nil }
        let headers = request.headerFields
        for name in Self.refused where headers[name] != nil { return nil }
        if let connection = headers[.connection], connection.lowercased().contains("close") { return nil }
        guard let template = templates.withLock({ $0[path] }), let fields = template.fields, let credential = credential(headers) else { return nil }
        let actor = credential.actor
        guard !actor.role.isModerator, actor.role != .administrator,
            let recording = decisions.allowed(template.recording, for: actor),
            !template.original || RecordingController.mayFetchOriginal(recording, as: actor),
            let lease = OpenFileCache.shared.lease(template.file)
        else {
            // A file no longer open here was deleted (an erasure, retention) or not streamed lately: its head goes too.
            if !OpenFileCache.shared.isOpen(template.file) { templates.withLock { _ = $0.removeValue(forKey: path) } }
            return nil
        }
        guard lease.info == template.info else {
            lease.end()
            return nil
        }
        let size = template.info.size
        var range = FileStreamer.whole(size: size)
        var status = HTTPResponse.Status.ok
        var head = fields
        if let rangeHeader = headers[.range], let rangeSet = ByteRangeSet(header: rangeHeader) {
            guard let selected = rangeSet.covering(size: size) else {
                lease.end()
                return nil
            }
            range = selected
            status = .partialContent
            head[.contentRange] = FileStreamer.contentRange(selected, size: size)
        }
        // Last: a request answered here continues the viewing; one that would start it goes to the route.
        guard viewings.continueViewing(by: actor.userID, of: recording.id, original: template.original, at: now()) else {
            lease.end()
            return nil
        }
        head[.contentLength] = String(range?.count ?? 0)
        head[.date] = HTTPDate.format(Date())
        _ = Self.answered.wrappingAdd(1, ordering: .relaxed)
        return Answer(status: status, fields: head, range: range, lease: lease,
                      route: template.original ? "/api/v1/recordings/{recordingId}/media" : "/api/v1/recordings/{recordingId}/proxy")
    }

    /// The caller's remembered credential, read as ``AuthenticationMiddleware`` reads it: the `Authorization` header if
    /// there is one (a bearer token, else nothing), otherwise the session cookie (parsed by Hummingbird's own `Cookies`),
    /// looked up as ``StoreAuthenticator`` looks it up (a session needs its CSRF token). Not remembered: `nil`.
    func credential(_ headers: HTTPFields) -> AuthenticationCache.Entry? {
        if let header = headers[.authorization] {
            guard let token = AuthenticationMiddleware.bearerToken(header), !token.isEmpty else { return nil }
            return credentials.lookup("bearer:" + Secrets.hash(token))
        }
        guard let cookie = Cookies(from: headers[values: .cookie])[AuthenticationMiddleware.sessionCookie]?.value, !cookie.isEmpty,
            let entry = credentials.lookup("session:" + Secrets.hash(cookie)), entry.csrfToken != nil
        else { return nil }
        return entry
    }

    struct Answer {
        let status: HTTPResponse.Status
        var fields: HTTPFields
        let range: ClosedRange<Int64>?
        let lease: OpenFileCache.Lease
        let route: String
    }

    /// Headers that make a request the route's: conditions, a body, an expectation, another credential's precedence.
    static let refused: [HTTPField.Name] = [.ifNoneMatch, .ifRange, .ifMatch, .ifModifiedSince, .ifUnmodifiedSince, .expect,
                                             .contentLength, .transferEncoding, .upgrade]

    /// `/api/v1/recordings/<36 characters>/media` or `/proxy`, with no query.
    static func isCandidate(_ path: String) -> Bool {
        let prefix = "/api/v1/recordings/"
        let utf8 = path.utf8
        guard utf8.count == prefix.utf8.count + 36 + 6, path.hasPrefix(prefix) else { return false }
        return path.hasSuffix("/media") || path.hasSuffix("/proxy")
    }

}

/// Answers what ``HotRanges`` allows on the connection's event loop, and passes everything else to the router.
///
/// Placed right after Hummingbird's `HTTPConnectionStateHandler` (``HotRangeInstaller`` puts it there on the
/// connection's first read), so that handler sees every request and every response end, answered here or not: its
/// idle timeout and its graceful shutdown wait for a response being sent here as for one of the router's (the hostile
/// test of decision 45 found a download cut when they did not).
///
/// A request is answered here only when the connection has no request of the router's still unanswered (responses stay
/// in order) and is writable. A response whose body is a file region ends (`end`) only once the region is written, as
/// the router's does; meanwhile the connection's further requests are held, and no more is read from it, so that
/// nothing overtakes it. The rest of an answered request (its end) is swallowed; the router never sees it.
final class HotRangeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let hot: HotRanges
    let logger: Logger
    /// Requests passed to the router whose response has not ended.
    private var unanswered = 0
    /// For each request passed to the router whose response head has not gone out, in order: its candidate address
    /// (whose head is to be kept) or `nil`. A queue, not one slot: pipelined requests are answered in order, and the
    /// hostile test kept one recording's head for another's address when only the last was remembered.
    private var watching: [String?] = []
    /// The request being answered here: its remaining parts are not the router's.
    private var swallowing = false
    /// A response of this handler whose body is still being written: later requests wait in ``held``.
    private var sending = false
    private var held: [NIOAny] = []
    /// A read asked for while ``sending``: issued once the response has ended.
    private var readWanted = false
    /// Where file regions enter this connection's pipeline (found on the first request).
    private var outlet: ChannelHandlerContext?

    init(hot: HotRanges, logger: Logger) {
        self.hot = hot
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if sending {
            held.append(data)
            return
        }
        handle(data, context: context)
    }

    private func handle(_ data: NIOAny, context: ChannelHandlerContext) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            let start = NIODeadline.now()
            if unanswered == 0, context.channel.isWritable, let path = request.path, HotRanges.isCandidate(path) {
                if outlet == nil { outlet = try? FileRegionOutlet.context(in: context.pipeline.syncOperations) }
                if let outlet, let answer = hot.answer(request) {
                    swallowing = true
                    write(answer, context: context, outlet: outlet, start: start)
                    return
                }
            }
            swallowing = false
            unanswered += 1
            watching.append(request.path.flatMap { HotRanges.isCandidate($0) && request.method == .get ? $0 : nil })
            context.fireChannelRead(data)
        case .body, .end:
            if swallowing { return }
            context.fireChannelRead(data)
        }
    }

    func read(context: ChannelHandlerContext) {
        if sending {
            readWanted = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response) where response.status.kind != .informational:
            if !watching.isEmpty, let path = watching.removeFirst() {
                hot.headWritten(path, response)
            }
        case .end:
            if unanswered > 0 { unanswered -= 1 }
        default:
            break
        }
        context.write(data, promise: promise)
    }

    /// The response's body is written: it ends, and what waited meanwhile goes on in order.
    private func ended(context: ChannelHandlerContext, written: Bool) {
        sending = false
        guard written else {
            // As the router's: a body that could not be sent in full ends the connection, never a short response.
            held.removeAll()
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        let waited = !held.isEmpty
        while !sending, !held.isEmpty {
            handle(held.removeFirst(), context: context)
        }
        if waited { context.fireChannelReadComplete() }
        if !sending, readWanted {
            readWanted = false
            context.read()
        }
    }

    private func write(_ answer: HotRanges.Answer, context: ChannelHandlerContext, outlet: ChannelHandlerContext, start: NIODeadline) {
        let requestID = RequestID().description
        var fields = answer.fields
        fields[RequestLogMiddleware<ReviewRequestContext>.requestIDHeader] = requestID
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: fields))), promise: nil)
        let lease = answer.lease
        if let range = answer.range {
            if range.count <= FileStreamer.smallBodyLength, let bytes = FileStreamer.readIfCached(range, from: lease.descriptor) {
                context.write(wrapOutboundOut(.body(bytes)), promise: nil)
                lease.end()
            } else {
                // The lease keeps the descriptor open until NIO has given it back.
                sending = true
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                FileRegionBody.writeRegion(range, of: lease.descriptor, through: outlet).whenComplete { result in
                    lease.end()
                    let (handler, context) = loopBound.value
                    if case .failure = result { handler.ended(context: context, written: false) } else { handler.ended(context: context, written: true) }
                }
            }
        } else {
            lease.end()
        }
        if !sending { context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil) }
        let elapsed = NIODeadline.now() - start
        RequestMetrics.shared.record(route: answer.route, method: .get, status: answer.status, nanoseconds: elapsed.nanoseconds)
        var logger = logger
        logger[metadataKey: "hb.request.id"] = .string(requestID)  // as Hummingbird's request logger carries it
        RequestLogMiddleware<ReviewRequestContext>.log(logger, method: .get, route: answer.route, status: answer.status,
                                                       elapsed: .nanoseconds(elapsed.nanoseconds))
    }
}

/// Puts a ``HotRangeHandler`` right after Hummingbird's `HTTPConnectionStateHandler` on the connection's first read
/// (Hummingbird adds that handler after the additional ones), then passes everything through.
final class HotRangeInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private var handler: HotRangeHandler?

    init(_ handler: HotRangeHandler) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let handler {
            self.handler = nil
            let pipeline = context.pipeline.syncOperations
            if let state = try? pipeline.handler(type: HTTPConnectionStateHandler.self) {
                try? pipeline.addHandler(handler, position: .after(state))
            }
        }
        context.fireChannelRead(data)
    }
}
