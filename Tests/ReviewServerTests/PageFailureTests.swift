import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import SQLKit
import Synchronization
import Testing

/// A page whose reads fail shows the error page — never an empty list standing in for what could not be read — with a
/// message for people and the request's id, and the fault is logged with its details.
@Suite struct PageFailureTests {
    /// Keeps what is logged, for the test to read.
    final class LogRecorder: Sendable {
        let lines = Mutex<[String]>([])

        var text: String { lines.withLock { $0.joined(separator: "\n") } }

        func handler(label: String) -> some LogHandler { Handler(recorder: self) }

        struct Handler: LogHandler {
            let recorder: LogRecorder
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace

            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }

            func log(event: LogEvent) {
                let all = metadata.merging(event.metadata ?? [:]) { $1 }
                let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                recorder.lines.withLock { $0.append("\(event.level) \(event.message) \(fields)") }
            }
        }
    }

    static func withLoggedClient(_ fixture: APIFixture, _ recorder: LogRecorder, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = try await buildApplication(
            configuration: fixture.configuration,
            dependencies: ServerDependencies(store: fixture.store, completionHandler: StoreUploadCompletion(store: fixture.store), now: fixture.clock.function),
            logger: Logger(label: "test") { recorder.handler(label: $0) })
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        do {
            try await app.test(.router) { client in try await test(client) }
        } catch {
            await fixture.store.shutdown()
            throw error
        }
        await fixture.store.shutdown()
    }

    @Test("a database error on the observation page shows the error page with the request id, logged; not an observation without its case")
    func databaseErrorShowsTheErrorPage() async throws {
        let fixture = try await APIFixture.make()
        let recorder = LogRecorder()
        let path = "/observations/\(fixture.observation.observation.id)"
        try await Self.withLoggedClient(fixture, recorder) { client in
            let before = try await client.execute(uri: path, method: .get, headers: fixture.headers(.employer))
            #expect(before.status == .ok && String(buffer: before.body).contains("This observation has a case"))
            // The cases cannot be read any more (as when the database fails mid-request); the rest of the page still can.
            try await fixture.store.withRawDatabase { db in try await db.raw("ALTER TABLE cases RENAME TO cases_unreadable").run() }
            let response = try await client.execute(uri: path, method: .get, headers: fixture.headers(.employer))
            let html = String(buffer: response.body)
            #expect(response.status.code >= 500, "\(response.status)")
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, "the error page, not the API's JSON")
            #expect(html.contains("<h1>") && html.contains(#"role="alert""#) && html.contains("Go to your home page"))
            #expect(html.contains("it has been logged (request "), "the message names the request for the viewer to quote")
            #expect(!html.contains("This observation has a case") && !html.contains("No ratings yet"), "no partial page")
            for detail in ["cases_unreadable", "SQL", "StoreError", "sqlite", fixture.directory.path] {
                #expect(!html.contains(detail), "the page shows \(detail)")
            }
            #expect(recorder.text.contains("Page failed") && recorder.text.contains("path=\(path)") && recorder.text.contains("cases"),
                    "the fault is logged with its details:\n\(recorder.text)")
        }
    }

    @Test("a store that cannot be read at all gives the error page too, without the viewer's navigation")
    func closedStoreShowsTheErrorPage() async throws {
        let fixture = try await APIFixture.make()
        let recorder = LogRecorder()
        try await Self.withLoggedClient(fixture, recorder) { client in
            // The viewer is signed in (their token checked and remembered for a few seconds), then every table the
            // page and its layout read is gone.
            let first = try await client.execute(uri: "/cases", method: .get, headers: fixture.headers(.lead))
            #expect(first.status == .ok)
            try await fixture.store.withRawDatabase { db in
                for table in ["users", "cases", "observations"] { try await db.raw("ALTER TABLE \(unsafeRaw: table) RENAME TO \(unsafeRaw: table)_gone").run() }
            }
            let response = try await client.execute(uri: "/cases", method: .get, headers: fixture.headers(.lead))
            let html = String(buffer: response.body)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(response.status.code >= 500 && html.contains(#"role="alert""#) && !html.contains("No cases to show."))
            #expect(!html.contains(#"aria-label="Main""#), "the layout could not be read: no navigation")
            #expect(recorder.text.contains("Page failed"))
        }
    }

    @Test("what the viewer can fix stays as it was: a missing case is a 404 page with the API's words, and is not logged as a fault")
    func notFoundIsNotAFault() async throws {
        let fixture = try await APIFixture.make()
        let recorder = LogRecorder()
        try await Self.withLoggedClient(fixture, recorder) { client in
            let response = try await client.execute(uri: "/cases/\(UUID())", method: .get, headers: fixture.headers(.lead))
            #expect(response.status == .notFound && String(buffer: response.body).contains("There is no case"))
            #expect(!recorder.text.contains("Page failed"))
        }
    }
}
