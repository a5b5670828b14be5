import Foundation
public import Hummingbird
import NIOFileSystem

/// Answers `GET` and `HEAD` for a file on disk with byte ranges and validators (RFC 9110 §13, §14), streaming
/// the bytes in chunks so that memory stays constant whatever the file's size.
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
    /// The body opens the file again when it is written; if the file is gone or shorter by then, the
    /// connection is closed before `Content-Length` bytes are sent, so the client cannot mistake it for the file.
    public static func response(to request: Request, file: StreamedFile, context: some RequestContext) async throws -> Response {
        let size: Int64
        let modified: Date
        switch file.source {
        case .file(let path):
            guard let info = try await FileSystem.shared.info(forFileAt: path), info.type == .regular else {
                throw APIError(.notFound, code: .notFound, message: "The file is not available.")
            }
            (size, modified) = (info.size, Date(timeIntervalSince1970: TimeInterval(info.lastDataModificationTime.seconds)))
        case .blob(let key, let store):
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
        headers[.lastModified] = Tus.httpDate(modified)
        headers[.contentType] = file.contentType
        if let disposition = file.contentDisposition {
            headers[.contentDisposition] = disposition
        }

        var status = HTTPResponse.Status.ok
        var range: ClosedRange<Int64>? = size > 0 ? 0...(size - 1) : nil
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
            headers[.contentRange] = "bytes \(selected.lowerBound)-\(selected.upperBound)/\(size)"
        }
        headers[.contentLength] = String(range?.count ?? 0)
        guard request.method != .head, let range else {
            return Response(status: status, headers: headers)
        }
        return Response(status: status, headers: headers, body: Self.body(of: file.source, range: range))
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

    /// Reads `range` of the file in ``chunkLength`` pieces (a blob: as its store hands them) as the client takes
    /// them (the writer applies back-pressure), so at most a chunk or two is in memory.
    static func body(of source: StreamedFile.Source, range: ClosedRange<Int64>) -> ResponseBody {
        let expected = Int64(range.count)
        return ResponseBody(contentLength: range.count) { writer in
            var sent: Int64 = 0
            switch source {
            case .file(let path):
                sent = try await FileSystem.shared.withFileHandle(forReadingAt: path) { handle in
                    var sent: Int64 = 0
                    for try await chunk in handle.readChunks(in: range, chunkLength: chunkLength) {
                        sent += Int64(chunk.readableBytes)
                        try await writer.write(chunk)
                    }
                    return sent
                }
            case .blob(let key, let store):
                try await store.read(key, range: range) { chunk in
                    sent += Int64(chunk.readableBytes)
                    try await writer.write(chunk)
                }
            }
            guard sent == expected else {
                // Throwing before `finish` aborts the response: a short body must not look complete.
                throw APIError(
                    .internalServerError,
                    code: .internalError,
                    message: "The file ended after \(sent) of \(expected) bytes while it was being sent."
                )
            }
            try await writer.finish(nil)
        }
    }
}
