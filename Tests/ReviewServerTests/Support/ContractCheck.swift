import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import ReviewServer
import Synchronization
import Testing

/// A JSON value as the contract check reads it: booleans stay apart from numbers (JSONSerialization would not keep them
/// apart on every platform).
indirect enum JSONValue: Decodable, Equatable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    static func parse(_ data: some DataProtocol) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(data)) }

    subscript(key: String) -> JSONValue? { if case .object(let members) = self { members[key] } else { nil } }
    var object: [String: JSONValue]? { if case .object(let members) = self { members } else { nil } }
    var array: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    var string: String? { if case .string(let text) = self { text } else { nil } }
    var number: Double? { if case .number(let value) = self { value } else { nil } }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
        case .string(let text): "\"\(text)\""
        case .array(let items): "[\(items.count) items]"
        case .object(let members): "{\(members.keys.sorted().joined(separator: ", "))}"
        }
    }
}

/// Validates JSON against the JSON Schema subset the OpenAPI document uses: `$ref`, `type`, `properties`, `required`,
/// `additionalProperties` (false or a schema), `items`, `enum`, `const`, `format` (`date-time`, `date`, `uuid`),
/// `oneOf`/`anyOf`/`allOf`, numeric bounds, string and array lengths, `pattern`, `minProperties`, `propertyNames`.
/// Each problem names where it is (`$.items[0].state`) and what was wrong.
struct SchemaValidator {
    let document: JSONValue

    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        guard let schema = schema.object else { return [] }
        if let reference = schema["$ref"]?.string {
            guard let target = resolve(reference) else { return ["\(path): the schema's $ref \(reference) names nothing"] }
            return problems(value, target, at: path)
        }
        var found: [String] = []
        if let type = schema["type"] {
            let allowed = type.array?.compactMap(\.string) ?? [type.string].compactMap { $0 }
            if !allowed.contains(where: { Self.isOfType(value, $0) }) {
                return ["\(path): \(value) is not of type \(allowed.joined(separator: " or "))"]
            }
        }
        if let options = schema["enum"]?.array, !options.contains(value) {
            found.append("\(path): \(value) is not one of \(options.map(\.description).joined(separator: ", "))")
        }
        if let constant = schema["const"], constant != value { found.append("\(path): \(value) is not \(constant)") }
        if let all = schema["allOf"]?.array { found += all.flatMap { problems(value, $0, at: path) } }
        if let any = schema["anyOf"]?.array, !any.contains(where: { problems(value, $0, at: path).isEmpty }) {
            found.append("\(path): \(value) matches none of anyOf")
        }
        if let one = schema["oneOf"]?.array {
            let matching = one.filter { problems(value, $0, at: path).isEmpty }.count
            if matching != 1 { found.append("\(path): \(value) matches \(matching) of oneOf's \(one.count) schemas, not exactly one") }
        }
        switch value {
        case .object(let members): found += objectProblems(members, schema, at: path)
        case .array(let items):
            if let minimum = schema["minItems"]?.number, Double(items.count) < minimum { found.append("\(path): fewer than \(Int(minimum)) items") }
            if let maximum = schema["maxItems"]?.number, Double(items.count) > maximum { found.append("\(path): more than \(Int(maximum)) items") }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
            }
        case .string(let text): found += stringProblems(text, schema, at: path)
        case .number(let number):
            if let minimum = schema["minimum"]?.number, number < minimum { found.append("\(path): \(value) is below the minimum \(minimum)") }
            if let maximum = schema["maximum"]?.number, number > maximum { found.append("\(path): \(value) is above the maximum \(maximum)") }
            if let bound = schema["exclusiveMinimum"]?.number, number <= bound { found.append("\(path): \(value) is not above \(bound)") }
            if let bound = schema["exclusiveMaximum"]?.number, number >= bound { found.append("\(path): \(value) is not below \(bound)") }
        default: break
        }
        return found
    }

    private func objectProblems(_ members: [String: JSONValue], _ schema: [String: JSONValue], at path: String) -> [String] {
        var found: [String] = []
        let properties = schema["properties"]?.object ?? [:]
        for name in schema["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil {
            found.append("\(path): the required member \"\(name)\" is missing")
        }
        if let minimum = schema["minProperties"]?.number, Double(members.count) < minimum { found.append("\(path): fewer than \(Int(minimum)) members") }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let names = schema["propertyNames"] { found += problems(.string(name), names, at: "\(path) key \"\(name)\"") }
            if let propertySchema = properties[name] {
                found += problems(member, propertySchema, at: "\(path).\(name)")
            } else if let additional = schema["additionalProperties"] {
                if additional == .bool(false) {
                    found.append("\(path): the member \"\(name)\" is not in the schema, which allows no others")
                } else {
                    found += problems(member, additional, at: "\(path).\(name)")
                }
            }
        }
        return found
    }

    private func stringProblems(_ text: String, _ schema: [String: JSONValue], at path: String) -> [String] {
        var found: [String] = []
        if let minimum = schema["minLength"]?.number, Double(text.count) < minimum { found.append("\(path): shorter than \(Int(minimum))") }
        if let maximum = schema["maxLength"]?.number, Double(text.count) > maximum { found.append("\(path): longer than \(Int(maximum))") }
        if let pattern = schema["pattern"]?.string, text.range(of: pattern, options: .regularExpression) == nil {
            found.append("\(path): \"\(text)\" does not match \(pattern)")
        }
        switch schema["format"]?.string {
        case "uuid" where UUID(uuidString: text) == nil || text != text.lowercased():
            found.append("\(path): \"\(text)\" is not a lower-case UUID")
        case "date-time" where !Self.isDateTime(text): found.append("\(path): \"\(text)\" is not an RFC 3339 date-time")
        case "date" where text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil:
            found.append("\(path): \"\(text)\" is not a date (YYYY-MM-DD)")
        default: break
        }
        return found
    }

    static func isDateTime(_ text: String) -> Bool {
        let formatter = ISO8601DateFormatter()
        if formatter.date(from: text) != nil { return true }
        formatter.formatOptions.insert(.withFractionalSeconds)
        return formatter.date(from: text) != nil
    }

    static func isOfType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .number(let number)): number == number.rounded()
        default: false
        }
    }

    /// `#/components/schemas/Case` → that schema.
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        return reference.dropFirst(2).split(separator: "/").reduce(Optional(document)) { $0?[String($1)] }
    }
}

/// Checks real responses against the OpenAPI document: the operation of the method and path, the response of the
/// status (its `$ref` resolved), and, for a JSON body, the schema. Counts which operations were checked.
final class ContractCheck: Sendable {
    static let shared = ContractCheck()

    let document: JSONValue
    let validator: SchemaValidator
    /// `GET /api/v1/cases/{caseId}` of every operation the document has.
    let operations: Set<String>
    private let checked = Mutex<[String: Set<Int>]>([:])  // operation → the statuses its responses had
    /// The operations of which at least one JSON body was validated against its schema.
    private let bodiesValidated = Mutex<Set<String>>([])

    private init() {
        // A document that does not parse fails every API test (below) rather than crashing the test process.
        document = (try? JSONValue.parse(OpenAPIDocument.data)) ?? .null
        validator = SchemaValidator(document: document)
        var operations: Set<String> = []
        for (path, item) in document["paths"]?.object ?? [:] {
            for method in (item.object ?? [:]).keys where ["get", "put", "post", "patch", "delete", "head", "options"].contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        self.operations = operations
        // The figure of what the run covered, on the test run's standard error when the process ends.
        atexit { ContractCheck.shared.printCoverage() }
    }

    /// The document's path template for a concrete path: `/api/v1/cases/4c…` → `/api/v1/cases/{caseId}`; literal
    /// segments win over parameters.
    func template(for path: String) -> String? {
        let segments = path.split(separator: "?")[0].split(separator: "/")
        return (document["paths"]?.object ?? [:]).keys.filter { template in
            let parts = template.split(separator: "/")
            return parts.count == segments.count && zip(segments, parts).allSatisfy { $1.hasPrefix("{") || $0 == $1 }
        }.min { $0.filter { $0 == "{" }.count < $1.filter { $0 == "{" }.count }
    }

    /// What is wrong with a response, against the document; empty when it keeps the contract (or when the path is not
    /// the JSON API's: pages, static files, tus).
    func problems(method: HTTPRequest.Method, uri: String, status: Int, contentType: String?, body: ByteBuffer) -> [String] {
        guard document != .null else { return ["Sources/ReviewServer/API/openapi.json is not valid JSON"] }
        guard let path = template(for: uri) else { return [] }
        let name = "\(method.rawValue) \(path)"
        guard let operation = document["paths"]?[path]?[method.rawValue.lowercased()] else {
            // A method the path does not have: the router's 405 or 404, the same envelope as any error.
            return status == 404 || status == 405 ? envelopeProblems(body, contentType, name, status) : ["\(name) is not in the document but answered \(status)"]
        }
        checked.withLock { _ = $0[name, default: []].insert(status) }
        guard var response = operation["responses"]?[String(status)] ?? operation["responses"]?["default"] else {
            return ["\(name) answered \(status), which the document does not list for it"]
        }
        if let reference = response["$ref"]?.string, let target = validator.resolve(reference) { response = target }
        guard method != .head, body.readableBytes > 0 else { return [] }
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let content = response["content"]?.object else { return ["\(name) \(status): the document says no body, the response has \(body.readableBytes) bytes"] }
        guard let described = content[mediaType] else {
            return ["\(name) \(status): Content-Type \(mediaType) is not among \(content.keys.sorted().joined(separator: ", "))"]
        }
        guard mediaType == "application/json", let schema = described["schema"] else { return [] }
        guard let value = try? JSONValue.parse(body.readableBytesView) else { return ["\(name) \(status): the body is not JSON"] }
        bodiesValidated.withLock { _ = $0.insert(name) }
        return validator.problems(value, schema).map { "\(name) \(status): \($0)" }
    }

    /// What is wrong with a JSON request body the server accepted (answered 2xx), against the operation's request
    /// schema: a body the server takes must be one the document allows, or clients built from it cannot send it.
    func requestProblems(method: HTTPRequest.Method, uri: String, contentType: String?, body: ByteBuffer) -> [String] {
        guard let path = template(for: uri), contentType?.hasPrefix("application/json") == true, body.readableBytes > 0,
            let schema = document["paths"]?[path]?[method.rawValue.lowercased()]?["requestBody"]?["content"]?["application/json"]?["schema"]
        else { return [] }
        guard let value = try? JSONValue.parse(body.readableBytesView) else { return [] }
        return validator.problems(value, schema).map { "\(method.rawValue) \(path) request body the server accepted: \($0)" }
    }

    private func envelopeProblems(_ body: ByteBuffer, _ contentType: String?, _ name: String, _ status: Int) -> [String] {
        guard body.readableBytes > 0, contentType?.hasPrefix("application/json") == true else { return [] }
        guard let value = try? JSONValue.parse(body.readableBytesView) else { return ["\(name) \(status): the body is not JSON"] }
        return validator.problems(value, .object(["$ref": .string("#/components/schemas/Error")])).map { "\(name) \(status): \($0)" }
    }

    /// Which operations the run's responses exercised, and which it never did.
    func coverage() -> (checked: Set<String>, never: [String]) {
        let checked = Set(checked.withLock { $0.keys })
        return (checked, operations.subtracting(checked).sorted())
    }

    func printCoverage() {
        let (checked, never) = coverage()
        guard !checked.isEmpty else { return }
        let bodies = bodiesValidated.withLock { $0.count }
        // Responses: each documented status of each operation, and how many of them some test met.
        let statuses = self.checked.withLock { $0 }
        var documented = 0, met = 0
        for name in operations {
            let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
            let codes = (document["paths"]?[parts[1]]?[parts[0].lowercased()]?["responses"]?.object ?? [:]).keys.compactMap(Int.init)
            documented += codes.count
            met += codes.filter { statuses[name]?.contains($0) == true }.count
        }
        var text = "contract check: \(checked.count) of \(operations.count) operations checked against the OpenAPI document (status and "
            + "Content-Type), \(bodies) with a JSON body validated against its schema; \(met) of the \(documented) documented responses "
            + "(operation and status) met\n"
        if !never.isEmpty { text += "  never exercised by this run: \(never.joined(separator: ", "))\n" }
        let withoutBody = checked.subtracting(bodiesValidated.withLock { $0 }).sorted()
        if !withoutBody.isEmpty { text += "  checked, but no JSON body among their responses: \(withoutBody.joined(separator: ", "))\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// The API tests' client: every response passes through ``ContractCheck``, and so does every JSON body the server
/// accepted; a broken contract fails the test.
struct ContractCheckingClient: TestClientProtocol {
    let base: any TestClientProtocol

    func executeRequest(uri: String, method sent: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await base.executeRequest(uri: uri, method: sent, headers: headers, body: body)
        // tus lets a POST stand for PATCH, HEAD or DELETE (X-HTTP-Method-Override): checked as the operation it stands for.
        let method = HTTPField.Name("X-HTTP-Method-Override").flatMap { headers[$0] }.flatMap { HTTPRequest.Method($0) } ?? sent
        for problem in ContractCheck.shared.problems(
            method: method, uri: uri, status: Int(response.status.code), contentType: response.headers[.contentType], body: response.body)
        {
            Issue.record(Comment(rawValue: "the response breaks the OpenAPI document: \(problem)"))
        }
        if (200..<300).contains(response.status.code), let body {
            for problem in ContractCheck.shared.requestProblems(method: method, uri: uri, contentType: headers[.contentType], body: body) {
                Issue.record(Comment(rawValue: "the request breaks the OpenAPI document: \(problem)"))
            }
        }
        return response
    }

    var port: Int? { base.port }
}
