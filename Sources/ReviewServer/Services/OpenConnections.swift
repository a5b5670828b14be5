public import Logging
import NIOCore
public import ServiceLifecycle
import Synchronization

/// The server's open connections, so that a shutdown can end the ones that outstay it.
///
/// On SIGTERM the HTTP server stops accepting and waits for the requests under way. A client can make that wait
/// endless: an upload whose body stalls just under the idle timeout, a reader that takes a byte a second of a
/// recording. ``BoundedShutdown`` gives them `shutdown_grace_seconds` and then closes what is still open here.
public final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    public init() {}

    /// How many connections are open.
    public var count: Int { channels.withLock { $0.count } }

    /// Closes every open connection (a request under way on one fails, and its handler ends).
    /// Returns how many were closed.
    @discardableResult
    public func closeAll() -> Int {
        let open = channels.withLock { Array($0.values) }
        for channel in open { channel.close(promise: nil) }
        return open.count
    }

    /// A handler for a new connection's pipeline that keeps it in this list while it is open.
    func tracker() -> any RemovableChannelHandler { Tracker(self) }

    fileprivate func add(_ channel: any Channel) {
        channels.withLock { $0[ObjectIdentifier(channel)] = channel }
    }

    fileprivate func remove(_ channel: any Channel) {
        _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Passes everything through; notes the channel when added and forgets it when the channel closes.
    private final class Tracker: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        let connections: OpenConnections

        init(_ connections: OpenConnections) { self.connections = connections }

        func handlerAdded(context: ChannelHandlerContext) {
            let channel = context.channel
            connections.add(channel)
            // The close future covers every way a connection ends, including removal of this handler.
            channel.closeFuture.whenComplete { [connections] _ in connections.remove(channel) }
        }
    }
}

/// Runs the application and bounds its graceful shutdown: once the shutdown has begun, requests still under way
/// have `grace` to finish; then their connections are closed, so the HTTP server ends and the services behind it
/// (the worker, the database) stop in order. Without it a stalled upload or a slow reader held `serve` for minutes.
public struct BoundedShutdown: Service, CustomStringConvertible {
    let application: any Service
    let connections: OpenConnections
    let grace: Duration
    let logger: Logger

    public init(_ application: any Service, connections: OpenConnections, grace: Duration, logger: Logger) {
        self.application = application
        self.connections = connections
        self.grace = grace
        self.logger = logger
    }

    public var description: String { "application" }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            group.addTask {
                // Ends with the application (cancelled below) or, after a shutdown began and the grace ran out,
                // closes what is left open and waits to be cancelled.
                try await gracefulShutdown()
                try await Task.sleep(for: grace)
                let closed = connections.closeAll()
                if closed > 0 {
                    logger.warning("shutdown: requests still under way after the grace period were cut off", metadata: [
                        "connections": "\(closed)", "grace_seconds": "\(grace.components.seconds)",
                    ])
                }
                try await Task.sleep(for: .seconds(1_000_000_000))
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}
