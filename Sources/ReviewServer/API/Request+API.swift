import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Reading requests the same way everywhere: ids, query parameters, pages and JSON bodies, each with a clear
/// 400 / 413 / 415 / 422 when the caller sent something we cannot use.
extension Request {
    /// The largest JSON body the API reads.
    static let maximumJSONBytes = 1 << 20

    /// A query parameter converted with `convert`; 400 naming the parameter if present but unusable.
    /// `blankIsAbsent`: a field a form sent empty (a page's filter left blank) counts as not given.
    /// `expected` is only worked out when it is said (the lists name every choice: building that text on each request
    /// was 4% of a list page's fixed cost).
    func query<T>(_ name: String, _ expected: @autoclosure () -> String, blankIsAbsent: Bool = false, _ convert: (String) -> T?) throws(APIError) -> T? {
        guard let text = uri.queryParameters[Substring(name)], !(blankIsAbsent && text.isEmpty) else { return nil }
        guard let value = convert(String(text)) else {
            throw APIError(.badRequest, code: .badRequest, message: "The query parameter \(name)=\"\(text)\" is not \(expected()).")
        }
        return value
    }

    func queryID<T: DomainIdentifier>(_ name: String, as type: T.Type = T.self) throws(APIError) -> T? where T.RawValue == UUID {
        try query(name, "an id (a UUID)") { UUID(uuidString: $0).map(T.init(rawValue:)) }
    }

    /// `?page=&pageSize=`.
    func page() throws(APIError) -> PageRequest {
        let number = try query("page", "a page number from 1 to \(PageRequest.maximumNumber)") {
            Int($0).flatMap { (1...PageRequest.maximumNumber).contains($0) ? $0 : nil }
        } ?? 1
        let size = try query("pageSize", "a page size from 1 to \(PageRequest.maximumSize)") {
            Int($0).flatMap { (1...PageRequest.maximumSize).contains($0) ? $0 : nil }
        } ?? 50
        return PageRequest(number: number, size: size)
    }

    /// The JSON body as `T`: 415 unless `Content-Type: application/json`, 413 beyond 1 MiB, 400 if it is not
    /// JSON, 422 if it is JSON of the wrong shape (naming the field).
    func json<T: Decodable>(_ type: T.Type, context: ReviewRequestContext) async throws -> T {
        // The media type before any parameters (`; charset=utf-8`), exactly: `application/jsonp` is not JSON.
        let mediaType = (headers[.contentType] ?? "").split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard mediaType == "application/json" else {
            throw APIError(.unsupportedMediaType, code: .unsupportedMediaType,
                           message: "Send the body as JSON with Content-Type: application/json.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: Self.maximumJSONBytes)
        } catch {
            throw APIError(.contentTooLarge, code: .contentTooLarge, message: "The JSON body is larger than 1 MiB.")
        }
        let bytes = Array(buffer.readableBytesView)
        let keys: [String]?
        do {
            keys = try JSONBodyCheck.topLevelKeys(of: bytes)
        } catch {
            throw APIError(.badRequest, code: .badRequest, message: Self.describe(error))
        }
        // Where the contract closes the body (`additionalProperties: false`), a field it does not name is refused, not
        // ignored: a misspelt optional field ("resaon") would otherwise be dropped without a word.
        if let keys, let fields = OpenAPIDocument.closedFields(method: method.rawValue, path: uri.path),
            let unknown = keys.sorted().first(where: { !fields.contains($0) })
        {
            throw APIError(.badRequest, code: .badRequest,
                           message: "\(Self.named(unknown)) is not a field of this request; it takes \(fields.sorted().map { "'\($0)'" }.joined(separator: ", ")).")
        }
        let data = Data(bytes)
        do {
            return try context.requestDecoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError(.unprocessableContent, code: .invalid, message: Self.describe(error))
        }
    }

    /// What was wrong with a body that is not JSON we can take, in words.
    private static func describe(_ problem: JSONBodyCheck.Problem) -> String {
        switch problem {
        case .notJSON: "The body is not valid JSON."
        case .tooDeep: "The body nests more than \(JSONBodyCheck.maximumDepth) levels deep; no request needs that."
        // A NUL character cannot be stored: SQLite ends a text at it, so what was hashed into the audit trail and what
        // was kept would differ and the chain would read as tampered with. Refused here, for every body.
        case .nul: "A text in the body contains a NUL character (\\u0000), which cannot be stored. Remove it and send again."
        // A decoder keeps one of the two values silently: what the sender meant and what was stored could differ.
        case .duplicateKey(let key): "\(named(key)) is given twice in one object; give each field once."
        }
    }

    /// A field's name quoted for a message, cut to 64 characters (an unknown 100,000-character key is not echoed back).
    private static func named(_ key: String) -> String {
        "'" + (key.count > 64 ? String(key.prefix(64)) + "…" : key) + "'"
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the body" : "\"" + codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") + "\""
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is required."
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context.codingPath)) has the wrong type."
        case .dataCorrupted(let context):
            // The decoder's own words ("Attempted to decode UUID from invalid UUID string", "The given data was not valid
            // JSON" for a number too large for its field) are not the reader's: say what kind of value was wanted.
            let words = context.debugDescription.lowercased()
            if words.contains("uuid") { return "\(path(context.codingPath)) is not an id." }
            if words.contains("number") || words.contains("not valid json") || words.contains("fit") {
                return "\(path(context.codingPath)) holds a number out of range, or a value of the wrong kind."
            }
            if words.contains("date") { return "\(path(context.codingPath)) is not a date and time (e.g. 2026-12-06T09:30:00Z)." }
            return "\(path(context.codingPath)) is not valid."
        @unknown default: return "The body does not have the expected shape."
        }
    }
}

extension ReviewRequestContext {
    /// A path parameter that is an id; 400 if it is not a UUID.
    func id<T: DomainIdentifier>(_ name: String, as type: T.Type = T.self) throws(APIError) -> T where T.RawValue == UUID {
        guard let text = parameters.get(name), let uuid = UUID(canonical: text) else {
            throw APIError(.badRequest, code: .badRequest, message: "\"\(parameters.get(name) ?? "")\" is not an id (a UUID).",
                           cause: NotAnID())
        }
        return T(rawValue: uuid)
    }
}

/// The cause of an API error for a path parameter that is not an id: a page at such an address does not exist (the
/// pages answer 404 "no such page" rather than the API's words about UUIDs).
struct NotAnID: Error, Sendable {}

/// A response with a status other than 200 around an encodable body.
struct Created<Body: ResponseEncodable & Sendable>: ResponseGenerator {
    let body: Body
    var status: HTTPResponse.Status = .created

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try body.response(from: request, context: context)
        response.status = status
        return response
    }
}
