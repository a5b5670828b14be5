import Foundation
public import Hummingbird
import ReviewDomain

/// tus 1.0.0 resumable uploads at `/uploads/` (core, creation, creation-with-upload, creation-defer-length,
/// termination, expiration, checksum with sha1 and sha256).
///
/// `Upload-Metadata` must name the observation (`observation`: its UUID) and the file (`filename` or `name`),
/// and may carry the whole file's SHA-256 (`sha256`: base64 of either the 64 hex digits or the 32 raw bytes);
/// a completed file that does not match is answered 460 and nothing is kept.
/// A completed upload's final PATCH (or POST) answers with `Upload-Recording-Id`, `Upload-Sha256` and
/// `Upload-Duplicate`. Uploads are private to the user who created them (anyone else gets 404).
public struct UploadController: Sendable {
    let store: UploadStore
    /// Prefix for `Location` (e.g. `https://review.example.org`); `nil` gives a path-only `Location`,
    /// which tus 1.0.0 allows and which keeps the Host header out of the answer.
    let publicBaseURL: String?

    public init(store: UploadStore, publicBaseURL: String? = nil) {
        self.store = store
        self.publicBaseURL = publicBaseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// Adds the routes to a group mounted at `/uploads` (which should run ``TusProtocolMiddleware`` and
    /// ``AuthenticationMiddleware``).
    public func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.on("", method: .options, use: options)
        group.post("", use: create)
        group.on(":id", method: .options, use: options)
        group.head(":id", use: head)
        group.patch(":id", use: patch)
        group.delete(":id", use: terminate)
    }

    // MARK: Handlers

    /// Capability discovery; needs no identity and no `Tus-Resumable`.
    @Sendable func options(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        Response(
            status: .noContent,
            headers: [
                .tusVersion: Tus.version,
                .tusExtension: Tus.extensions.joined(separator: ","),
                .tusMaxSize: String(store.configuration.maxUploadBytes),
                .tusChecksumAlgorithm: ChecksumAlgorithm.allCases.map(\.rawValue).joined(separator: ","),
            ]
        )
    }

    /// Creation (with upload and deferred length).
    @Sendable func create(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        if request.headers[.uploadConcat] != nil {
            throw APIError(.badRequest, code: .invalidHeader, message: "The concatenation extension is not supported.")
        }
        let length = try Tus.nonNegativeInteger(request.headers[.uploadLength], header: .uploadLength)
        switch (length, request.headers[.uploadDeferLength]) {
        case (.some, nil), (nil, "1"):
            break
        case (.some, .some):
            throw APIError(
                .badRequest,
                code: .invalidHeader,
                message: "Send either Upload-Length or Upload-Defer-Length, not both."
            )
        case (nil, nil):
            throw APIError(
                .badRequest,
                code: .invalidHeader,
                message: "Send Upload-Length with the file's size, or Upload-Defer-Length: 1 if it is not known yet."
            )
        case (nil, .some(let value)):
            throw APIError(.badRequest, code: .invalidHeader, message: "Upload-Defer-Length must be 1, not \"\(value)\".")
        }
        let metadata = try UploadMetadata(header: request.headers[.uploadMetadata])
        try await store.completionHandler.authorizeUpload(observationID: metadata.observationID, by: actor)
        let contentLength = try Tus.nonNegativeInteger(request.headers[.contentLength], header: .contentLength)
        let carriesBody = Self.isOffsetOctetStream(request.headers[.contentType])
        if !carriesBody, let contentLength, contentLength > 0 {
            throw APIError(
                .unsupportedMediaType,
                code: .unsupportedMediaType,
                message: "A body sent with the creation request must have Content-Type: \(Tus.offsetOctetStream)."
            )
        }
        let checksum = carriesBody ? try Tus.requestChecksum(request.headers[.uploadChecksum]) : nil
        var info = try await store.create(
            NewUpload(
                owner: actor,
                observationID: metadata.observationID,
                fileName: metadata.fileName,
                length: length,
                expectedSHA256: metadata.sha256,
                metadataHeader: request.headers[.uploadMetadata]
            )
        )
        let location = self.location(of: info.id)
        var headers: HTTPFields = [.location: location]
        if carriesBody && contentLength != 0 {
            do {
                info = try await store.append(
                    to: info.id,
                    for: actor,
                    at: 0,
                    contentLength: contentLength,
                    checksum: checksum,
                    body: request.body
                )
            } catch {
                // The upload exists: tell the client where, so it can resume.
                throw ErrorWithHeaders(base: error, headers: [.location: location])
            }
            headers[.uploadOffset] = String(info.offset)
        }
        Self.addState(of: info, to: &headers)
        return Response(status: .created, headers: headers)
    }

    /// The upload's offset and length (core).
    @Sendable func head(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        let info = try await store.info(try Self.uploadID(context), for: actor)
        var headers: HTTPFields = [
            .uploadOffset: String(info.offset),
            .cacheControl: "no-store",
        ]
        if let length = info.length {
            headers[.uploadLength] = String(length)
        } else {
            headers[.uploadDeferLength] = "1"
        }
        if let metadata = info.record.metadataHeader {
            headers[.uploadMetadata] = metadata
        }
        Self.addState(of: info, to: &headers)
        return Response(status: .ok, headers: headers)
    }

    /// Appends bytes at `Upload-Offset` (core, checksum, creation-defer-length).
    @Sendable func patch(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        guard Self.isOffsetOctetStream(request.headers[.contentType]) else {
            throw APIError(
                .unsupportedMediaType,
                code: .unsupportedMediaType,
                message: "A PATCH body must have Content-Type: \(Tus.offsetOctetStream)."
            )
        }
        let id = try Self.uploadID(context)
        guard let offset = try Tus.nonNegativeInteger(request.headers[.uploadOffset], header: .uploadOffset) else {
            throw APIError(.badRequest, code: .invalidHeader, message: "A PATCH must say where its bytes go: send Upload-Offset.")
        }
        let info = try await store.append(
            to: id,
            for: actor,
            at: offset,
            declaredLength: try Tus.nonNegativeInteger(request.headers[.uploadLength], header: .uploadLength),
            contentLength: try Tus.nonNegativeInteger(request.headers[.contentLength], header: .contentLength),
            checksum: try Tus.requestChecksum(request.headers[.uploadChecksum]),
            body: request.body
        )
        var headers: HTTPFields = [.uploadOffset: String(info.offset)]
        Self.addState(of: info, to: &headers)
        return Response(status: .noContent, headers: headers)
    }

    /// Deletes the upload (termination).
    @Sendable func terminate(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        try await store.terminate(try Self.uploadID(context), for: actor)
        return Response(status: .noContent)
    }

    // MARK: Helpers

    func location(of id: UploadID) -> String {
        "\(publicBaseURL ?? "")/uploads/\(id)"
    }

    /// `Upload-Expires` while incomplete; the recording headers once complete.
    static func addState(of info: UploadInfo, to headers: inout HTTPFields) {
        if let expiresAt = info.expiresAt {
            headers[.uploadExpires] = Tus.httpDate(expiresAt)
        }
        if let recordingID = info.recordingID {
            headers[.uploadRecordingID] = recordingID.description
        }
        if info.record.state == .completed || info.record.state == .completing, let sha256 = info.record.sha256 {
            headers[.uploadSHA256] = sha256
            headers[.uploadDuplicate] = (info.record.isDuplicate ?? false) ? "true" : "false"
            headers[.uploadAlreadyUploaded] = (info.record.alreadyUploaded ?? false) ? "true" : "false"
        }
    }

    static func uploadID(_ context: ReviewRequestContext) throws(UploadError) -> UploadID {
        guard let raw = context.parameters.get("id"), let id = UploadID(raw) else {
            throw UploadError(.notFound, "There is no such upload.")
        }
        return id
    }

    static func isOffsetOctetStream(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() }
        return mediaType == Tus.offsetOctetStream
    }
}

/// The `Upload-Metadata` keys we use.
struct UploadMetadata {
    /// The longest file name taken, in UTF-8 bytes: what file systems hold, and short enough to travel in a header.
    static let maximumFileNameBytes = 255

    var observationID: ObservationID
    var fileName: String
    /// Lower-case hex, if the client sent the whole file's SHA-256.
    var sha256: String?

    init(header: String?) throws(APIError) {
        let pairs = try Tus.metadata(header)
        func text(_ key: String) -> String? {
            pairs[key].flatMap { String(data: $0, encoding: .utf8) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let observation = text("observation") else {
            throw APIError(
                .badRequest,
                code: .invalidMetadata,
                message: "Upload-Metadata must name the observation: key \"observation\", value its id (base64 of the UUID)."
            )
        }
        guard let uuid = UUID(uuidString: observation) else {
            throw APIError(.badRequest, code: .invalidMetadata, message: "The observation \"\(observation)\" is not a UUID.")
        }
        observationID = ObservationID(rawValue: uuid)
        guard let fileName = text("filename") ?? text("name") else {
            throw APIError(
                .badRequest,
                code: .invalidMetadata,
                message: "Upload-Metadata must give the file name: key \"filename\" (or \"name\")."
            )
        }
        // Kept as a name, never a path, without control or format characters (a NUL, a line break, a right-to-left override
        // that disguises the extension): what the pages, the API and the download offer (decision 41).
        guard let clean = StreamedFile.offeredName(fileName) else {
            throw APIError(.badRequest, code: .invalidMetadata, message: "The file name has no visible characters: rename the file and upload it again.")
        }
        guard clean.utf8.count <= Self.maximumFileNameBytes else {
            throw APIError(
                .badRequest, code: .invalidMetadata,
                message: "The file name is \(clean.utf8.count) bytes long; at most \(Self.maximumFileNameBytes) are taken. Rename the file with a shorter name and upload it again.")
        }
        self.fileName = clean
        if let raw = pairs["sha256"] {
            sha256 = try Self.sha256(raw)
        }
    }

    /// Accepts the 32 raw digest bytes or the 64 hex digits (either case).
    static func sha256(_ raw: Data) throws(APIError) -> String {
        if raw.count == 32 { return raw.hexString }
        if raw.count == 64, let text = String(data: raw, encoding: .ascii)?.lowercased(),
            text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        {
            return text
        }
        throw APIError(
            .badRequest,
            code: .invalidMetadata,
            message: "The sha256 metadata must be the base64 of the file's SHA-256: its 64 hex digits or its 32 bytes."
        )
    }
}
