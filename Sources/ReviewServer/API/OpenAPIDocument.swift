import Foundation

/// The OpenAPI 3.1 description of the JSON API, served at `/openapi.json`: the contract's one source
/// ([decision 18](../../../docs/decisions/0018-one-source-for-the-api-contract.md)).
///
/// The document is `API/openapi.json`, a resource of this target, edited by hand and reviewed in diffs. What keeps
/// the Swift representations true to it is the contract check of the tests: every JSON response the API tests
/// receive is validated against the schema of its operation and status (`ContractCheck` in the test support),
/// `RouteCoverageTests` checks that it names exactly the served routes, and the error envelope's codes are the
/// document's `Error.code` enum (`APIError.Code.catalogue`).
enum OpenAPIDocument {
    /// The document's bytes, read once from the bundle.
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            // A build without its resources cannot describe itself; the tests read this too, so it never ships so.
            preconditionFailure("openapi.json is missing from the ReviewServer bundle")
        }
        return data
    }()
}

extension OpenAPIDocument {
    /// An operation whose JSON request body is closed (`additionalProperties: false` in the document): its method, its
    /// path template's segments (`{x}` matches any one segment) and the body's top-level fields.
    struct ClosedBody: Sendable {
        let method: String
        let segments: [Substring]
        let fields: Set<String>
    }

    /// Every closed request body the document describes, read from it once: the document says which bodies take no
    /// other field, and the common body decoding (`Request.json`) refuses one that does.
    static let closedBodies: [ClosedBody] = {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let paths = document["paths"] as? [String: [String: Any]]
        else { return [] }
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        var closed: [ClosedBody] = []
        for (path, operations) in paths {
            for (method, operation) in operations {
                guard let body = (operation as? [String: Any])?["requestBody"] as? [String: Any],
                    var schema = ((body["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                else { continue }
                if let reference = schema["$ref"] as? String, let named = schemas[String(reference.split(separator: "/").last ?? "")] as? [String: Any] {
                    schema = named
                }
                guard schema["additionalProperties"] as? Bool == false, let properties = schema["properties"] as? [String: Any] else { continue }
                closed.append(ClosedBody(method: method.uppercased(), segments: path.split(separator: "/"), fields: Set(properties.keys)))
            }
        }
        return closed
    }()

    /// The fields a request to `path` with `method` may send, when the document closes its body; `nil` otherwise.
    static func closedFields(method: String, path: String) -> Set<String>? {
        let segments = path.split(separator: "/")
        return closedBodies.first { body in
            body.method == method && body.segments.count == segments.count
                && zip(body.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }?.fields
    }
}
