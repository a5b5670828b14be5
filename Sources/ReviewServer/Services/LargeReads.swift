import NIOCore

/// Lets a connection read up to ``maximum`` bytes at a time when its peer sends that fast (an upload's body), instead
/// of NIO's default 64 KiB: each read becomes one body part handed through Hummingbird's request stream to the
/// handler's task, and a PATCH of 64 MiB in 64 KiB parts was a thousand hand-offs between the event loop and the task.
/// NIO's adaptive allocator grows a connection's reads only while they fill the buffer and shrinks them again, so
/// connections that send small requests keep small buffers; an upload holds at most Hummingbird's four buffered body
/// parts (4 MiB) beside ``UploadBodyWriter``'s two batches. Measured in docs/benchmarks.md (issue 21's last run):
/// a 2 GiB tus upload over loopback went from 8.2 s to 4.5 s (`sha256sum` of the file: 6.0 s), peak RSS 115 → 136 MB.
final class LargeReads: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    static let maximum = 1 << 20

    func handlerAdded(context: ChannelHandlerContext) {
        context.channel.setOption(
            ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maximum)
        ).whenFailure { _ in }
    }
}
