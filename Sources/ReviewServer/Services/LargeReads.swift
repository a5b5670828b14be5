import NIOCore

/// Lets a connection read up to ``maximum`` bytes at a time when its peer sends that fast (an upload's body), instead
/// of NIO's default 64 KiB: each read becomes one body part handed through Hummingbird's request stream to the
/// handler's task, and a PATCH of 64 MiB in 64 KiB parts was a thousand hand-offs between the event loop and the task.
/// NIO's adaptive allocator grows a connection's reads only while they fill the buffer and shrinks them again, so
/// connections that send small requests keep small buffers. The maximum bounds what one connection can make the server
/// hold: NIOAsyncChannel buffers up to ten reads ahead of the handler (a refused request's body is drained through it),
/// so 10 × 256 KiB per connection. The hostile test of decision 42 found 1 MiB let 1,000 unauthenticated connections
/// push the server to 4.3 GB; 256 KiB keeps most of the gain (docs/benchmarks.md, issue 21's run: a 2 GiB tus upload
/// over loopback 8.2 s with 64 KiB reads, 4.5 s with 1 MiB, 4.8 s with 256 KiB, against `sha256sum`'s 6.0 s).
final class LargeReads: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    static let maximum = 256 << 10

    func handlerAdded(context: ChannelHandlerContext) {
        context.channel.setOption(
            ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maximum)
        ).whenFailure { _ in }
    }
}
