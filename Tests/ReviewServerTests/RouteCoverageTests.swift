import Foundation
import HTTPTypes
import Hummingbird
import Logging
@testable import ReviewServer
import Testing

/// Keeps the route × role matrix and the OpenAPI document true: every route the router has is walked by the
/// matrix, and every API route is described by the document (and the document describes no other).
@Suite struct RouteCoverageTests {
    /// `/api/v1/cases/:caseId` → `/api/v1/cases/{caseId}` (OpenAPI's spelling).
    static func template(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .reduce("") { $0 + "/" + $1 }
            .nonEmpty ?? "/"
    }

    static func registeredRoutes() async throws -> (routes: [(method: String, path: String)], fixture: APIFixture) {
        let fixture = try await APIFixture.make()
        let (router, _, _) = try await buildRouter(
            configuration: fixture.configuration,
            dependencies: ServerDependencies(store: fixture.store, completionHandler: StoreUploadCompletion(store: fixture.store)),
            logger: Logger(label: "test"))
        let routes = router.routes.map { (method: $0.method.rawValue, path: template($0.path.description)) }
        return (routes, fixture)
    }

    /// Whether a concrete path is an instance of a template (`{x}` matches one segment).
    static func matches(_ concrete: String, _ template: String) -> Bool {
        let a = concrete.split(separator: "?")[0].split(separator: "/"), b = template.split(separator: "/")
        return a.count == b.count && zip(a, b).allSatisfy { $1.hasPrefix("{") || $0 == $1 }
    }

    @Test("the access matrix walks every route of the API and the pages")
    func matrixCoversEveryRoute() async throws {
        let (routes, fixture) = try await Self.registeredRoutes()
        let walked = AccessMatrixTests.routes(fixture)
        // Public routes and the tus protocol's own requests (tested by the tus suites) are not in the matrix.
        let exempt: Set<String> = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/signin", "/static/{file}", "POST /api/v1/session",
                                     "POST /api/v1/session/second-factor", "POST /api/v1/password-resets"]
        let missing = routes.filter { route in
            !exempt.contains(route.path) && !exempt.contains("\(route.method) \(route.path)") && !(route.path.hasPrefix("/uploads") && route.method != "POST")
                && !walked.contains { $0.method.rawValue == route.method && Self.matches($0.path, route.path) }
        }.map { "\($0.method) \($0.path)" }
        #expect(missing == [], "not in AccessMatrixTests.routes: add each with who may call it")
        await fixture.store.shutdown()
    }

    @Test("the OpenAPI document describes exactly the API's routes")
    func openAPIMatchesTheRouter() async throws {
        let (routes, fixture) = try await Self.registeredRoutes()
        await fixture.store.shutdown()
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        let documented = Set(paths.flatMap { path, operations in operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
        // The HTML pages and their static files are not part of the JSON API; the tus routes are (decision 37).
        let served = Set(routes.filter { $0.path.hasPrefix("/api/") || $0.path.hasPrefix("/uploads") || ["/healthz", "/readyz", "/metrics", "/openapi.json"].contains($0.path) }
            .map { "\($0.method) \($0.path)" })
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
