import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ReviewDomain
import ReviewServer
import Synchronization

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let date = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { date.withLock { $0 } }
    func advance(by seconds: TimeInterval) { date.withLock { $0 += seconds } }
    var function: @Sendable () -> Date { { self.now } }
}

/// A fresh data directory, the in-memory recording registry, and the app built the way `serve` builds it.
struct TestServer {
    static let assessor = ActingUser(userID: UserID(), role: .assessor, organisationID: OrganisationID())
    static let otherAssessor = ActingUser(userID: UserID(), role: .assessor, organisationID: OrganisationID())
    static let authenticator = StaticTokenAuthenticator(["test-assessor": assessor, "other-assessor": otherAssessor])

    let directory: URL
    let clock = TestClock()
    let registry = InMemoryRecordingRegistry()
    var configuration: ServerConfiguration

    init(maxUploadBytes: Int64 = 10 * 1024 * 1024, expiry: TimeInterval = 3600) {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-server-\(UUID().uuidString)")
        configuration = ServerConfiguration(
            hostname: "127.0.0.1",
            port: 0,
            dataDirectory: directory.path,
            maxUploadBytes: maxUploadBytes,
            uploadExpiry: expiry,
            uploadCleanupInterval: .seconds(3600)
        )
    }

    func application() async throws -> some ApplicationProtocol {
        try await buildApplication(
            configuration: configuration,
            dependencies: ServerDependencies(
                authenticator: Self.authenticator,
                completionHandler: registry,
                now: clock.function
            )
        )
    }

    /// A second store over the same directory and clock, for calling cleanup directly.
    func uploadStore() -> UploadStore {
        UploadStore(
            configuration: .init(
                directory: .init(directory.appendingPathComponent("uploads").path),
                maxUploadBytes: configuration.maxUploadBytes,
                expiry: configuration.uploadExpiry,
                now: clock.function
            ),
            blobs: FolderBlobStore(root: .init(directory.appendingPathComponent("blobs").path)),
            completionHandler: registry,
            logger: Logger(label: "test.uploads")
        )
    }

    func blobURL(sha256: String) -> URL {
        let hex = Array(sha256)
        return directory.appendingPathComponent("blobs/\(String(hex[0..<2]))/\(String(hex[2..<4]))/\(sha256)")
    }

    func partURL(location: String) -> URL {
        directory.appendingPathComponent("uploads/\(location.split(separator: "/").last!).part")
    }

    func removeDirectory() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `test` against the app through the router (no sockets), then deletes the directory.
    func withRouterClient(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer { removeDirectory() }
        try await application().test(.router) { client in try await test(ContractCheckingClient(base: client)) }
    }
}

/// Request-building helpers for the tus tests.
enum Tus {
    static let observation = ObservationID()

    static func headers(token: String? = "test-assessor", _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields: HTTPFields = [.tusResumable: "1.0.0"]
        if let token { fields[.authorization] = "Bearer \(token)" }
        fields.append(contentsOf: extra)
        return fields
    }

    static func metadata(
        observation: ObservationID = Tus.observation,
        fileName: String = "session.mp4",
        extra: [(String, String)] = []
    ) -> String {
        ([("observation", observation.description), ("filename", fileName)] + extra)
            .map { "\($0.0) \(Data($0.1.utf8).base64EncodedString())" }
            .joined(separator: ",")
    }

    static func bytes(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
        var state = UInt32(seed) &* 2_654_435_761 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    static func base64Digest<H: HashFunction>(_ type: H.Type, _ bytes: [UInt8]) -> String {
        Data(H.hash(data: bytes)).base64EncodedString()
    }

    /// POSTs a new upload and returns its Location.
    static func create(
        _ client: some TestClientProtocol,
        length: Int?,
        metadata: String = Tus.metadata(),
        token: String = "test-assessor"
    ) async throws -> String {
        var extra: HTTPFields = [.uploadMetadata: metadata]
        if let length { extra[.uploadLength] = String(length) } else { extra[.uploadDeferLength] = "1" }
        let response = try await client.execute(uri: "/uploads", method: .post, headers: headers(token: token, extra))
        guard response.status == .created, let location = response.headers[.location] else {
            throw TestFailure("create failed: \(response.status) \(String(buffer: response.body))")
        }
        return location
    }

    static func patch(
        _ client: some TestClientProtocol,
        _ location: String,
        offset: Int,
        _ bytes: some Sequence<UInt8>,
        extra: HTTPFields = [:],
        token: String = "test-assessor"
    ) async throws -> TestResponse {
        var fields: HTTPFields = [.contentType: "application/offset+octet-stream", .uploadOffset: String(offset)]
        fields.append(contentsOf: extra)
        return try await client.execute(
            uri: location,
            method: .patch,
            headers: headers(token: token, fields),
            body: ByteBuffer(bytes: Array(bytes))
        )
    }

    static func head(_ client: some TestClientProtocol, _ location: String, token: String = "test-assessor") async throws -> TestResponse {
        try await client.execute(uri: location, method: .head, headers: headers(token: token))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The `{"error": {"code": …}}` code of a response.
func errorCode(_ response: TestResponse) -> String? {
    struct Envelope: Decodable {
        struct Body: Decodable { let code: String; let message: String }
        let error: Body
    }
    return try? JSONDecoder().decode(Envelope.self, from: Data(response.body.readableBytesView)).error.code
}
