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
