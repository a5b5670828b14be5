import Foundation
public import Hummingbird
import NIOCore
import NIOFileSystem
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Answers `GET` and `HEAD` for a file on disk with byte ranges and validators (RFC 9110 §13, §14), sending the
/// bytes with `sendfile` (or in chunks) so that memory stays constant whatever the file's size.
///
/// - Every 200 and 206 carries `Accept-Ranges: bytes`, `ETag`, `Last-Modified`, `Content-Type`,
///   `Content-Length`, and `Content-Disposition` / `Cache-Control` when the ``StreamedFile`` asks for them.
/// - `If-None-Match` (`*` or a list, weak comparison) that matches: 304 with `ETag` (and `Cache-Control`).
/// - `Range: bytes=…` on a GET: 206 with `Content-Range: bytes first-last/size` for **the first satisfiable
///   range only** (several ranges are coalesced, never `multipart/byteranges`; see ``ByteRangeSet/covering(size:)``).
///   A last position past the end is clamped; `bytes=-n` is the last n bytes.
/// - No satisfiable range (every start at or past the end, an empty file, `bytes=-0`): 416 `range_not_satisfiable`
///   with `Content-Range: bytes */size`, as an ``APIError``.
/// - A `Range` that is malformed or in another unit, on a HEAD, or with an `If-Range` that is not our strong
///   `ETag` (another tag, a weak tag, a date): ignored, 200 with the whole file.
/// - A missing file (or a directory): 404 `not_found`.
///
/// `If-Match`, `If-Unmodified-Since` and `If-Modified-Since` are not evaluated: clients that validate with
/// dates also send the `ETag`, which takes precedence.
public enum FileStreamer {
    /// How much is read from disk, and held in memory, at a time.
    static let chunkLength: ByteCount = .kibibytes(256)

    /// The response to a GET or HEAD of `file` (any other method is answered as a GET).
    ///
    /// Throws ``APIError`` 404 if there is no regular file at the file's path (or no such blob in its store), and 416 for an unsatisfiable range.
    /// A local file (a path, or a blob of a ``FolderBlobStore``) is opened once and kept open for the requests that
    /// follow (``OpenFileCache``); its body goes out with `sendfile` where the connection allows. If the file was replaced
    /// or deleted between the headers and the body, the connection is closed before `Content-Length` bytes are sent, so
    /// the client cannot mistake it for the file. Blobs in other stores stream as their store hands them over.
    public static func response(to request: Request, file: StreamedFile, context: some RequestContext) async throws -> Response {
        try await response(to: request, file: file, context: context, local: nil)
    }

    /// ``response(to:file:context:)``, telling `local` the local file and what it was, when the response is a GET's
    /// 200 or 206 from one.
    static func response(
        to request: Request, file: StreamedFile, context: some RequestContext, local: ((FilePath, OpenFileCache.Info) -> Void)?
    ) async throws -> Response {
        let size: Int64
        let modified: Date
        let origin: Origin
        switch file.source {
        case .file(let path):
            origin = .local(path)
        case .blob(let key, let store as FolderBlobStore):
            origin = .local(store.localFile(key))
        case .blob(let key, let store):
            origin = .remote(key, store)
        }
        var opened: OpenFileCache.Info?
        switch origin {
        case .local(let path):
            // Opened once and kept open for the requests that follow (a player's many ranges): no thread-pool hop.
            guard let info = try await OpenFileCache.shared.info(path) else {
                throw APIError(.notFound, code: .notFound, message: "The file is not available.")
            }
            (size, modified) = (info.size, info.modified)
            opened = info
        case .remote(let key, let store):
            guard let info = try await store.info(key) else {
                throw APIError(.notFound, code: .notFound, message: "The file is not available.")
            }
            (size, modified) = (info.size, info.storedAt)
        }
        let etag = EntityTag(file.etag)
        var headers: HTTPFields = [.eTag: etag.headerValue, .acceptRanges: "bytes"]
        if let cacheControl = file.cacheControl {
            headers[.cacheControl] = cacheControl
        }
        if Self.noneMatchFails(request.headers[values: .ifNoneMatch], etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.lastModified] = HTTPDate.format(modified)
        headers[.contentType] = file.contentType
        if let disposition = file.contentDisposition {
            headers[.contentDisposition] = disposition
        }

        var status = HTTPResponse.Status.ok
        var range = Self.whole(size: size)
        // Range is defined for GET only (RFC 9110 §14.2): a HEAD describes the whole file.
        if request.method != .head,
            let rangeHeader = request.headers[.range],
            let rangeSet = ByteRangeSet(header: rangeHeader),
            Self.ifRangeHolds(request.headers[.ifRange], etag: etag)
        {
            guard let selected = rangeSet.covering(size: size) else {
                throw APIError(
                    .rangeNotSatisfiable,
                    code: .rangeNotSatisfiable,
                    message: "The range \"\(rangeHeader)\" is outside the file, which is \(size) bytes long.",
                    headers: [.contentRange: "bytes */\(size)", .acceptRanges: "bytes"]
                )
            }
            status = .partialContent
            range = selected
            headers[.contentRange] = Self.contentRange(selected, size: size)
        }
        headers[.contentLength] = String(range?.count ?? 0)
        guard request.method != .head, let range else {
            return Response(status: status, headers: headers)
        }
        let channel = (context as? any ChannelRequestContext)?.channel
        if let local, case .local(let path) = origin, let opened { local(path, opened) }
        switch origin {
        case .local(let path) where range.count <= Self.smallBodyLength:
            // A small body already in the page cache is read here and sent with the head in one write: the fixed cost of
            // a request is what counts for it, and a streamed body costs two more trips to the event loop.
            if let bytes = try await OpenFileCache.shared.withFile(path, { descriptor, info in
                info == opened ? Self.readIfCached(range, from: descriptor) : nil
            }) ?? nil {
                return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: bytes))
            }
            return Response(status: status, headers: headers, body: Self.body(of: path, opened: opened, range: range, channel: channel))
        case .local(let path):
            return Response(status: status, headers: headers, body: Self.body(of: path, opened: opened, range: range, channel: channel))
        case .remote(let key, let store):
            return Response(status: status, headers: headers, body: Self.body(of: key, in: store, range: range))
        }
    }

    /// All of a file of `size` bytes; `nil` for an empty file.
    static func whole(size: Int64) -> ClosedRange<Int64>? {
        size > 0 ? 0...(size - 1) : nil
    }

    /// `Content-Range` for `selected` of a file of `size` bytes.
    static func contentRange(_ selected: ClosedRange<Int64>, size: Int64) -> String {
        "bytes \(selected.lowerBound)-\(selected.upperBound)/\(size)"
    }

    /// Where the bytes come from: a local file (read with `sendfile` or `pread` from a kept descriptor), or a store
    /// that hands them over (a bucket, streamed as before: decision 16).
    private enum Origin {
        case local(FilePath)
        case remote(BlobKey, any BlobStore)
    }

    /// Whether `If-None-Match` stops the request: `*` (the file exists) or one of its tags is ours, compared
    /// weakly. Fields that are not entity-tag lists are ignored.
    static func noneMatchFails(_ fields: [String], etag: EntityTag) -> Bool {
        fields.contains { field in
            field.trimmingSpaces == "*" || (EntityTag.list(field)?.contains { $0.weakMatches(etag) } ?? false)
        }
    }

    /// Whether a `Range` may be honoured: there is no `If-Range`, or it is exactly our strong tag.
    /// A date never holds: our validator is the tag, and a date is only a weak one.
    static func ifRangeHolds(_ field: String?, etag: EntityTag) -> Bool {
        guard let field else { return true }
        return EntityTag(header: field)?.strongMatches(etag) ?? false
    }

    /// Sends `range` of a local file from its kept descriptor: with `sendfile` where the connection allows
    /// (``FileRegionBody``), else in ``chunkLength`` pieces read with `pread` on the blocking pool as the client takes
    /// them. The file must still be the one the headers described (`opened`): one replaced or deleted meanwhile ends the
    /// response before `Content-Length` bytes.
    static func body(of path: FilePath, opened: OpenFileCache.Info?, range: ClosedRange<Int64>, channel: (any Channel)?) -> ResponseBody {
        let expected = Int64(range.count)
        return ResponseBody(contentLength: range.count) { writer in
            let sent = try await OpenFileCache.shared.withFile(path) { descriptor, info -> Int64 in
                guard info == opened else { return 0 }
                if let channel, try await FileRegionBody.write(range, of: descriptor, on: channel) {
                    return expected
                }
                var sent: Int64 = 0
                while sent < expected {
                    let offset = range.lowerBound + sent
                    let length = Int(min(Int64(chunkLength.bytes), expected - sent))
                    let chunk = try await NIOThreadPool.singleton.runIfActive { try Self.read(length, at: offset, from: descriptor) }
                    guard chunk.readableBytes > 0 else { break }
                    sent += Int64(chunk.readableBytes)
                    try await writer.write(chunk)
                }
                return sent
            } ?? 0
            try Self.check(sent: sent, expected: expected)
            try await writer.finish(nil)
        }
    }

    /// Streams `range` of a blob as its store hands it over (a chunk or two in memory).
    static func body(of key: BlobKey, in store: any BlobStore, range: ClosedRange<Int64>) -> ResponseBody {
        let expected = Int64(range.count)
        return ResponseBody(contentLength: range.count) { writer in
            var sent: Int64 = 0
            try await store.read(key, range: range) { chunk in
                sent += Int64(chunk.readableBytes)
                try await writer.write(chunk)
            }
            try Self.check(sent: sent, expected: expected)
            try await writer.finish(nil)
        }
    }

    /// Throwing before `finish` aborts the response: a short body must not look complete.
    private static func check(sent: Int64, expected: Int64) throws {
        guard sent == expected else {
            throw APIError(
                .internalServerError,
                code: .internalError,
                message: "The file ended after \(sent) of \(expected) bytes while it was being sent."
            )
        }
    }

    /// Bodies up to this long are sent with the head when the page cache holds them.
    static let smallBodyLength = 64 * 1024

    /// `range` of the file if the page cache holds all of it (`preadv2` with `RWF_NOWAIT`, which never waits for the
    /// disk), else `nil`. Never blocks, so it runs on the caller's thread.
    static func readIfCached(_ range: ClosedRange<Int64>, from descriptor: CInt) -> ByteBuffer? {
        guard let preadv2 = NonBlockingRead.preadv2 else { return nil }
        let length = Int(range.count)
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        var result = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { bytes in
            var vector = iovec(iov_base: bytes.baseAddress, iov_len: length)
            result = preadv2(descriptor, &vector, 1, off_t(range.lowerBound), NonBlockingRead.noWait)
            return max(result, 0)
        }
        return result == length ? buffer : nil
    }

    /// Up to `length` bytes at `offset` (fewer at the end of the file). Blocking.
    static func read(_ length: Int, at offset: Int64, from descriptor: CInt) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        var filled = 0
        while filled < length {
            let wanted = length - filled
            let position = off_t(offset) + off_t(filled)
            var result = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { bytes in
                result = pread(descriptor, bytes.baseAddress, wanted, position)
                return max(result, 0)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw IOError(errnoCode: errno, reason: "pread")
            }
            if result == 0 { break }
            filled += result
        }
        return buffer
    }
}

/// `preadv2(2)` and its `RWF_NOWAIT` flag, which Swift's Glibc module does not import (they need `_GNU_SOURCE`): looked
/// up once in the C library. Linux 4.14 and later; `nil` elsewhere, and then small bodies are streamed like any other.
enum NonBlockingRead {
    typealias Function = @convention(c) (CInt, UnsafePointer<iovec>?, CInt, off_t, CInt) -> Int
    /// `RWF_NOWAIT` from `<bits/uio-ext.h>`: fail with `EAGAIN` rather than wait for the disk.
    static let noWait: CInt = 0x0000_0008
    private static let address: Int = dlsym(nil, "preadv2").map { Int(bitPattern: $0) } ?? 0
    static var preadv2: Function? {
        address == 0 ? nil : unsafeBitCast(UnsafeRawPointer(bitPattern: address)!, to: Function.self)
    }
}
