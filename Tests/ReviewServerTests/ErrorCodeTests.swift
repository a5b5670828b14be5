import Foundation
import HTTPTypes
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// One spelling of error codes on the wire (decision 18): every code the server can send is snake_case, listed once in
/// `APIError.Code.catalogue` (or `IndexFailureCode.catalogue`), in the OpenAPI document's `Error.code` enum, and in
/// docs/api.md; the codes of the layers below are each mapped to one of them.
@Suite struct ErrorCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let snakeCase = #"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"#

    static func read(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }

    /// The codes declared as `Code(rawValue: "…")` (or `Self(rawValue: "…")`) in a source file.
    static func declaredCodes(in path: String) throws -> [String] {
        let source = try read(path)
        let expression = try NSRegularExpression(pattern: #"(?:Code|Self)\(rawValue: "([^"]+)"\)"#)
        return expression.matches(in: source, range: NSRange(source.startIndex..., in: source)).map {
            String(source[Range($0.range(at: 1), in: source)!])
        }
    }

    static func sourceFiles(under folder: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
        return (enumerator?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }.map { "\(folder)/\($0)" }
    }

    @Test("every code is snake_case, listed once, in the document's enum and in docs/api.md")
    func everyCodeIsSnakeCaseAndDocumented() throws {
        let codes = APIError.Code.catalogue.map(\.code.rawValue)
        #expect(codes.filter { $0.range(of: Self.snakeCase, options: .regularExpression) == nil } == [])
        #expect(Set(codes).count == codes.count, "a code listed twice")
        let enumeration = ContractCheck.shared.document["components"]?["schemas"]?["Error"]?["properties"]?["error"]?["properties"]?["code"]?["enum"]
        #expect(enumeration?.array?.compactMap(\.string) == codes, "openapi.json's Error.code enum is not APIError.Code.catalogue")
        let guide = try Self.read("docs/api.md")
        let indexCodes = IndexFailureCode.catalogue.map(\.code)
        #expect(indexCodes.filter { $0.range(of: Self.snakeCase, options: .regularExpression) == nil } == [])
        #expect((codes + indexCodes).filter { !guide.contains("| `\($0)` |") } == [], "codes docs/api.md does not list")
    }

    @Test("every code the server's sources declare is in the catalogue")
    func everyDeclaredCodeIsCatalogued() throws {
        let catalogued = Set(APIError.Code.catalogue.map(\.code.rawValue))
        var declared: [String] = []
        for file in try Self.sourceFiles(under: "Sources/ReviewServer") { declared += try Self.declaredCodes(in: file) }
        #expect(declared.count >= catalogued.count)
        #expect(Set(declared).subtracting(catalogued).sorted() == [], "codes the server declares but the catalogue does not list")
    }

    @Test("every code of the store, the domain and the indexer has its own wire spelling")
    func everyLowerLayerCodeIsMapped() throws {
        let catalogued = Set(APIError.Code.catalogue.map(\.code.rawValue))
        for raw in try Self.declaredCodes(in: "Sources/ReviewDomain/DomainError.swift") {
            let wire = APIError.Code(DomainError.Code(rawValue: raw)).rawValue
            #expect(wire == raw.replacingOccurrences(of: ".", with: "_") && catalogued.contains(wire), "DomainError \(raw) → \(wire)")
        }
        for raw in try Self.declaredCodes(in: "Sources/ReviewDomain/CaseTransitionError.swift") {
            let wire = APIError.Code(CaseTransitionError.Code(rawValue: raw)).rawValue
            #expect(wire == raw.replacingOccurrences(of: ".", with: "_") && catalogued.contains(wire), "CaseTransitionError \(raw) → \(wire)")
        }
        // The store's faults (a lost lease, corrupt data, a driver error) are the server's: 500 `internal`, no code of theirs.
        let faults: Set<String> = ["store.lease_lost", "store.invalid_configuration", "store.corrupt_data", "store.database"]
        for raw in try Self.declaredCodes(in: "Sources/ReviewStore/StoreError.swift") {
            let wire = APIError.Code(StoreError.Code(rawValue: raw))
            #expect(faults.contains(raw) ? wire == nil : wire.map { catalogued.contains($0.rawValue) } == true, "StoreError \(raw) → \(String(describing: wire))")
        }
        let indexCodes = IndexFailureCode.catalogue
        for raw in try Self.declaredCodes(in: "Sources/MediaIndex/MediaIndexError.swift") {
            #expect(indexCodes.contains { $0.source == raw && $0.code == IndexFailureCode.wire(raw) }, "MediaIndexError \(raw) has no wire spelling")
        }
        #expect(IndexFailureCode.wire("indexingFailed") == "indexing_failed" && IndexFailureCode.wire("not_media") == "not_media")
        // The codes the worker and the store write into rejections' audit details themselves.
        let rejections = try NSRegularExpression(pattern: #"code: "([^"]+)""#)
        for file in ["Sources/ReviewWorker/IndexingWorker.swift", "Sources/ReviewStore/Ingest/ReviewStore+Ingest.swift"] {
            let source = try Self.read(file)
            let literals = rejections.matches(in: source, range: NSRange(source.startIndex..., in: source)).map {
                String(source[Range($0.range(at: 1), in: source)!])
            }
            #expect(literals.filter { code in !indexCodes.contains { $0.code == code } } == [], "\(file) writes codes docs/api.md does not list")
        }
    }

    @Test("errors of the layers below reach the wire in the API's spelling")
    func lowerLayerErrorsReachTheWireSnakeCased() {
        let notFound = ErrorMiddleware<ReviewRequestContext>.apiError(for: StoreError(.notFound, "No such case."))
        #expect(notFound?.code == .notFound && notFound?.status == .notFound)
        let full = ErrorMiddleware<ReviewRequestContext>.apiError(for: StoreError(.storageFull, "The disk is full."))
        #expect(full?.code == .insufficientStorage && full?.status.code == 507)
        #expect(ErrorMiddleware<ReviewRequestContext>.apiError(for: StoreError(.leaseLost, "lease")) == nil)
        let domain = ErrorMiddleware<ReviewRequestContext>.apiError(for: DomainError(code: .ratingDuplicate, message: "You rated this already."))
        #expect(domain?.code == .ratingDuplicate && domain?.status == .unprocessableContent)
        #expect(APIError.Code(status: .init(code: 416)) == .rangeNotSatisfiable)
        #expect(APIError.Code(status: .init(code: 418)) == .badRequest)
        #expect(APIError.Code(status: .init(code: 502)) == .internalError)
    }

    /// A recording whose proxy could not be made keeps the indexer's error in its report: the API shows its code
    /// in the API's spelling, not MediaIndex's `outputFailed`.
    @Test("the index report's error code is snake_case")
    func indexReportCodesAreSnakeCase() async throws {
        let fixture = try await APIFixture.make()
        let report = #"{"file":"second.mp4","format":{"durationSeconds":1.0},"error":{"code":"outputFailed","message":"The proxy could not be written.","stage":"proxy"}}"#
        let recording = try await IngestAPITests.rejectedRecording(fixture, report: report)
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/api/v1/recordings/\(recording)/index", method: .get, headers: fixture.headers(.lead))
            #expect(response.status == .ok)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect((body["error"] as? [String: Any])?["code"] as? String == "output_failed", "\(body)")
        }
    }
}
