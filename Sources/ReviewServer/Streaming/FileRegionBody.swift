public import Hummingbird
public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request context that knows the connection its request came on, so that ``FileStreamer`` can send file bodies
/// with `sendfile(2)`: the bytes go from the page cache to the socket without being read into the process.
public protocol ChannelRequestContext: RequestContext {
    /// The request's connection (`nil` where there is none, as in tests through the router).
    var channel: (any Channel)? { get }
}

/// Writes file bytes as a response body with NIO's `FileRegion`, which the socket channel sends with `sendfile`.
///
/// Hummingbird's ``ResponseBodyWriter`` carries `ByteBuffer`s only (`HTTPResponsePart`), and so do the handlers above
/// NIOHTTP1's `HTTPResponseEncoder`, which takes `IOData` (buffers or file regions). So the region is written from a
/// small pass-through handler placed right above that encoder (``FileRegionOutlet``, added to a connection the first
/// time it sends a file). Order: the response head went through Hummingbird's writer before the body closure runs, and
/// NIO's async writer hands each write to the event loop before `write` returns (in order, from one task), so the
/// region, submitted to the same event loop afterwards, follows the head; the body's end is written only once the
/// region is on the wire.
enum FileRegionBody {
    private static let written = Atomic<Int>(0)
    /// How many file regions this process has written (tests check that bodies over a socket use `sendfile`).
    static var regionsWritten: Int { written.load(ordering: .relaxed) }

    /// Sends bytes `range` of the open file `descriptor` on `channel` as the body of the response under way, and
    /// returns once they are written. Returns `false`, having written nothing, when the connection is not a plain
    /// HTTP/1 socket (the testing router, HTTP/2): the caller then writes buffers. `obsreview serve` speaks plain
    /// HTTP/1 (TLS ends at the reverse proxy); a TLS handler would refuse a file region.
    ///
    /// The descriptor stays the caller's: it is lent to NIO for the write and taken back, never closed here.
    static func write(_ range: ClosedRange<Int64>, of descriptor: CInt, on channel: any Channel) async throws -> Bool {
        let eventLoop = channel.eventLoop
        return try await eventLoop.flatSubmit { () -> EventLoopFuture<Bool> in
            let outlet: ChannelHandlerContext
            do {
                guard let found = try FileRegionOutlet.context(in: channel.pipeline.syncOperations) else {
                    return eventLoop.makeSucceededFuture(false)
                }
                outlet = found
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
            return writeRegion(range, of: descriptor, through: outlet).map { true }
        }.get()
    }

    /// Writes bytes `range` of `descriptor` as a body part through `outlet` (``FileRegionOutlet``'s context) and flushes;
    /// the future completes once NIO is done with the region (written, or failed with the connection) and has given the
    /// descriptor back, which stays the caller's. Call on the channel's event loop.
    static func writeRegion(_ range: ClosedRange<Int64>, of descriptor: CInt, through outlet: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
        let region = FileRegion(fileHandle: handle, readerIndex: Int(range.lowerBound), endIndex: Int(range.upperBound) + 1)
        return outlet.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.fileRegion(region))))
            .always { _ in _ = try? handle.takeDescriptorOwnership() }
            .map { _ = written.wrappingAdd(1, ordering: .relaxed) }
    }
}

/// Passes every write through unchanged; its context is where file regions enter an HTTP/1 pipeline, right above
/// NIOHTTP1's `HTTPResponseEncoder`.
final class FileRegionOutlet: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The outlet's context in `pipeline`, adding the outlet above the response encoder the first time; `nil` when the
    /// pipeline has no HTTP/1 response encoder. Call on the channel's event loop.
    static func context(in pipeline: ChannelPipeline.SynchronousOperations) throws -> ChannelHandlerContext? {
        if let context = try? pipeline.context(handlerType: FileRegionOutlet.self) { return context }
        guard let encoder = try? pipeline.handler(type: HTTPResponseEncoder.self) else { return nil }
        try pipeline.addHandler(FileRegionOutlet(), position: .after(encoder))
        return try pipeline.context(handlerType: FileRegionOutlet.self)
    }
}
