import Foundation
import HTTPTypes
import NIOHTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOFileSystem
@testable import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Ranges of a recording being watched, answered on the connection's event loop (decision 45): over a socket, as
/// `serve` runs. Serialized: the count of answers made there is the process's.
@Suite("Hot ranges answered on the event loop", .serialized)
struct HotRangeTests {
    /// The proxy's bytes in the fixture.
    static let proxyBytes = Tus.bytes(50_000, seed: 8)

    @Test("each rule refuses on its own: the answer needs the credential, the decision, the viewing, the file and a plain GET")
    func eachRuleRefuses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-hot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = FilePath(directory.appendingPathComponent("proxy.mp4").path)
        try Data(Self.proxyBytes).write(to: URL(fileURLWithPath: file.string))
        let info = try #require(try await OpenFileCache.shared.info(file))

        let clock = TestClock()
        let credentials = AuthenticationCache(lifetime: .seconds(60))
        let decisions = RecordingAccessCache(lifetime: .seconds(60))
        let viewings = ViewingTracker(idleGap: 60)
        let hot = HotRanges(credentials: credentials, decisions: decisions, viewings: viewings, now: clock.function)
        let organisation = OrganisationID()
        let lead = ActingUser(userID: UserID(), role: .lead, organisationID: organisation)
        let employer = ActingUser(userID: UserID(), role: .employer, organisationID: organisation)
        var recording = Recording(observationID: ObservationID(), uploadedBy: UserID(), fileName: "visit.mp4")
        recording.status = .ready
        let path = "/api/v1/recordings/\(recording.id)/proxy"
        let media = "/api/v1/recordings/\(recording.id)/media"
        for (address, original) in [(path, false), (media, true)] {
            hot.offer(address, recording: recording.id, original: original, file: file, info: info, etag: "e1")
            hot.headWritten(address, HTTPResponse(status: .partialContent, headerFields: [
                .eTag: "\"e1\"", .contentType: "video/mp4", .contentRange: "bytes 0-0/50000", .contentLength: "1"]))
        }
        for (token, actor) in [("lead-token", lead), ("employer-token", employer)] {
            credentials.remember("bearer:" + Secrets.hash(token), actor: actor, csrfToken: nil)
            _ = viewings.noteRequest(by: actor.userID, of: recording.id, original: false, at: clock.now)
            _ = viewings.noteRequest(by: actor.userID, of: recording.id, original: true, at: clock.now)
        }
        func request(_ address: String = path, token: String = "lead-token", _ extra: HTTPFields = [:]) -> HTTPRequest {
            var fields: HTTPFields = [.authorization: "Bearer \(token)", .range: "bytes=10-19"]
            for field in extra { fields[field.name] = field.value }
            return HTTPRequest(method: .get, scheme: "http", authority: "x", path: address, headerFields: fields)
        }
        // The decision is remembered afresh before each ask: other tests' requests advance the process's epoch.
        // The file is checked against its path again too (a lease is refused once a second has passed since its check).
        func answer(_ request: HTTPRequest, as actors: [ActingUser] = [lead, employer]) async -> HotRanges.Answer? {
            for _ in 0..<50 {
                _ = try? await OpenFileCache.shared.info(file)
                for actor in actors { decisions.remember(recording, allowedFor: actor, decidedAt: AccessEpoch.current) }
                if let answer = hot.answer(request) { return answer }
            }
            return nil
        }
        let allowed = try #require(await answer(request()))
        #expect(allowed.status == .partialContent && allowed.range == 10...19)
        #expect(allowed.fields[.contentRange] == "bytes 10-19/50000" && allowed.fields[.contentLength] == "10" && allowed.fields[.eTag] == "\"e1\"")
        allowed.lease.end()
        #expect(await answer(request(media))?.lease.end() != nil, "the lead fetches the original")
        #expect(await answer(request(media, token: "employer-token")) == nil, "an employer who did not upload it does not")
        #expect(await answer(request(token: "employer-token"))?.lease.end() != nil)
        #expect(await answer(request(token: "nobody")) == nil, "a token not remembered")
        AccessEpoch.advance()  // the decisions remembered so far no longer count
        #expect(await answer(request(), as: [employer]) == nil, "a decision remembered for someone else")
        for extra: HTTPFields in [[.ifNoneMatch: "\"e1\""], [.ifRange: "\"e1\""], [.contentLength: "0"], [.expect: "100-continue"],
                                  [.connection: "close"], [.range: "bytes=60000-"], [.authorization: "Basic abc"]] {
            #expect(await answer(request(token: "lead-token", extra)) == nil, "\(extra)")
        }
        #expect(await answer(request(path + "?x=1")) == nil)
        #expect(await answer(request("/api/v1/recordings/\(recording.id)/index")) == nil)
        // A decision from an earlier epoch does not count.
        decisions.remember(recording, allowedFor: lead, decidedAt: AccessEpoch.current)
        AccessEpoch.advance()
        #expect(hot.answer(request()) == nil)
        // A moderator, even with a credential and a decision, goes to the route (consent).
        let moderator = ActingUser(userID: UserID(), role: .moderator(.professional), organisationID: organisation)
        credentials.remember("bearer:" + Secrets.hash("moderator-token"), actor: moderator, csrfToken: nil)
        _ = viewings.noteRequest(by: moderator.userID, of: recording.id, original: false, at: clock.now)
        #expect(await answer(request(token: "moderator-token"), as: [moderator]) == nil)
        // After the viewing's idle gap, the request starts a viewing: the route's, which audits it.
        clock.advance(by: 61)
        #expect(await answer(request()) == nil)
        _ = viewings.noteRequest(by: lead.userID, of: recording.id, original: false, at: clock.now)
        #expect(await answer(request())?.lease.end() != nil)
        // A file forgotten (deleted by an erasure) is not answered, and its head is dropped.
        OpenFileCache.shared.forget(file)
        #expect(hot.answer(request()) == nil)
        _ = try await OpenFileCache.shared.info(file)
        decisions.remember(recording, allowedFor: lead, decidedAt: AccessEpoch.current)
        #expect(hot.answer(request()) == nil, "the head went with the file: the route answers, and offers it again")
        #expect(hot.keptFields(path) == nil)
    }

    @Test("after the first range, the next ones are answered on the event loop with the router's head and the file's bytes")
    func sameAnswers() async throws {
        let fixture = try await APIFixture.make()
        let proxy = "/api/v1/recordings/\(fixture.recording.id)/proxy"
        let media = "/api/v1/recordings/\(fixture.recording.id)/media"
        try await fixture.withClient(.live) { client async throws in
            var headers = fixture.headers(.lead)
            headers[.range] = "bytes=0-99"
            let routed = try await client.execute(uri: proxy, method: .get, headers: headers)
            #expect(routed.status == .partialContent)
            let before = HotRanges.answeredCount
            var random = SplitMix64(seed: 45)
            for _ in 0..<20 {
                let first = random.below(49_000)
                let last = first + random.below(50_000 - first)
                headers[.range] = "bytes=\(first)-\(last)"
                let hot = try await client.execute(uri: proxy, method: .get, headers: headers)
                #expect(hot.status == .partialContent)
                #expect(hot.headers[.contentRange] == "bytes \(first)-\(last)/50000")
                #expect(Array(buffer: hot.body) == Array(Self.proxyBytes[first...last]), "bytes \(first)-\(last)")
                for name in [HTTPField.Name.eTag, .lastModified, .contentType, .cacheControl, .acceptRanges, HTTPField.Name("X-Content-Type-Options")!, .server] {
                    #expect(hot.headers[name] == routed.headers[name], "\(name)")
                }
                #expect(hot.headers[HTTPField.Name("X-Request-Id")!] != routed.headers[HTTPField.Name("X-Request-Id")!])
            }
            // Without Range: the whole file, 200. Large ranges of the original (a region: sendfile) as well.
            headers[.range] = nil
            let whole = try await client.execute(uri: proxy, method: .get, headers: headers)
            #expect(whole.status == .ok && Array(buffer: whole.body) == Self.proxyBytes)
            headers[.range] = "bytes=0-0"
            _ = try await client.execute(uri: media, method: .get, headers: headers)
            headers[.range] = "bytes=1000-299999"
            let large = try await client.execute(uri: media, method: .get, headers: headers)
            #expect(large.status == .partialContent && Array(buffer: large.body) == Array(fixture.originalBytes[1000...]))
            // Other suites' requests advance the process's access epoch and make the route's decisions stale, so under the
            // whole suite's load some of these went to the route: at least one range is answered on the event loop,
            // warmed again until it is (almost always at once).
            var attempts = 0
            while HotRanges.answeredCount == before, attempts < 500 {
                attempts += 1
                headers[.range] = "bytes=\(attempts)-\(attempts + 10)"
                let response = try await client.execute(uri: proxy, method: .get, headers: headers)
                #expect(response.status == .partialContent && Array(buffer: response.body) == Array(Self.proxyBytes[attempts...(attempts + 10)]))
            }
            #expect(HotRanges.answeredCount > before, "ranges after the first are answered on the event loop")

            // What the route answers differently goes to it: an unsatisfiable range, a condition, a HEAD.
            headers[.range] = "bytes=90000-"
            #expect(try await client.execute(uri: proxy, method: .get, headers: headers).status == .rangeNotSatisfiable)
            headers[.range] = nil
            headers[.ifNoneMatch] = routed.headers[.eTag]
            #expect(try await client.execute(uri: proxy, method: .get, headers: headers).status == .notModified)
            headers[.ifNoneMatch] = nil
            let head = try await client.execute(uri: proxy, method: .head, headers: headers)
            #expect(head.status == .ok && head.body.readableBytes == 0 && head.headers[.contentLength] == "50000")
        }
    }

    @Test("another caller, a revoked token, a deactivated user, an erased recording: each answered by the route's rules")
    func rulesHold() async throws {
        let fixture = try await APIFixture.make()
        let id = fixture.recording.id
        let proxy = "/api/v1/recordings/\(id)/proxy"
        let media = "/api/v1/recordings/\(id)/media"
        try await fixture.withClient(.live) { client async throws in
            func get(_ uri: String, as caller: APIFixture.Caller?, range: String = "bytes=0-9", extra: HTTPFields = [:]) async throws -> HTTPResponse.Status {
                var headers = fixture.headers(caller)
                headers[.range] = range
                for field in extra { headers[field.name] = field.value }
                return try await client.execute(uri: uri, method: .get, headers: headers).status
            }
            // The lead warms both addresses.
            for _ in 0..<3 {
                #expect(try await get(proxy, as: .lead) == .partialContent)
                #expect(try await get(media, as: .lead) == .partialContent)
            }
            // Others on the same addresses get what the route gives them.
            #expect(try await get(proxy, as: .otherEmployer) == .notFound)
            #expect(try await get(proxy, as: .unassignedModerator) == .notFound)
            #expect(try await get(proxy, as: .administrator) == .forbidden)
            #expect(try await get(proxy, as: nil) == .unauthorized)
            #expect(try await get(media, as: .employer) == .forbidden, "only the uploader and the lead fetch the original")
            #expect(try await get(proxy, as: .employer) == .partialContent)
            #expect(try await get(proxy, as: .employer) == .partialContent)
            #expect(try await get(media, as: .employer) == .forbidden)
            // A token that is not a bearer token, a mistyped one, a cookie that names nobody.
            #expect(try await get(proxy, as: nil, extra: [.authorization: "Bearer\u{301} \(fixture.tokens[.lead]!)"]) == .unauthorized)
            #expect(try await get(proxy, as: nil, extra: [.authorization: "Bearer \(fixture.tokens[.lead]!)x"]) == .unauthorized)
            #expect(try await get(proxy, as: nil, extra: [.cookie: "obsreview_session=nobody"]) == .unauthorized)

            // The employer's token revoked by its owner: refused at once, though the address was hot for it.
            let revoke = try await client.execute(uri: "/api/v1/tokens/\(fixture.tokenIDs[.employer]!)", method: .delete, headers: fixture.headers(.employer))
            #expect(revoke.status == .noContent || revoke.status == .ok)
            #expect(try await get(proxy, as: .employer) == .unauthorized)

            // The assessor deactivated by the administrator: refused at once.
            #expect(try await get(proxy, as: .assessor) == .partialContent)
            #expect(try await get(proxy, as: .assessor) == .partialContent)
            let deactivate = try await client.execute(
                uri: "/api/v1/users/\(fixture.users[.assessor]!.id)", method: .patch, headers: fixture.headers(.administrator, json: true),
                body: ByteBuffer(string: #"{"active":false}"#))
            #expect(deactivate.status == .ok)
            #expect(try await get(proxy, as: .assessor) == .unauthorized)

            // The candidate erased: the lead's hot addresses answer 404 at once.
            #expect(try await get(proxy, as: .lead) == .partialContent)
            try await fixture.eraseCandidate(through: client)
            #expect(try await get(proxy, as: .lead) == .notFound)
            #expect(try await get(media, as: .lead) == .notFound)
        }
    }

    @Test("a browser's session cookie: ranges answered on the event loop until the session ends, then 401 at once")
    func sessionCookies() async throws {
        let fixture = try await APIFixture.make()
        let proxy = "/api/v1/recordings/\(fixture.recording.id)/proxy"
        try await fixture.store.accounts.setCredentials(of: fixture.users[.lead]!.id, username: "lena", passwordHash: try await PasswordHasher(cost: 4).hash("correct horse battery"))
        try await fixture.withClient(.live) { client async throws in
            let signedIn = try await SecurityHardeningTests.signIn(client, "lena", "correct horse battery")
            #expect(signedIn.status == .ok)
            var headers = try SecurityHardeningTests.session(signedIn)
            headers[.contentType] = nil
            let before = HotRanges.answeredCount
            var attempts = 0
            repeat {
                attempts += 1
                headers[.range] = "bytes=\(attempts)-\(attempts + 99)"
                let response = try await client.execute(uri: proxy, method: .get, headers: headers)
                #expect(response.status == .partialContent && Array(buffer: response.body) == Array(Self.proxyBytes[attempts...(attempts + 99)]))
            } while HotRanges.answeredCount == before && attempts < 500
            #expect(HotRanges.answeredCount > before, "a session's ranges are answered on the event loop")
            // A second session cookie in the header, or a bearer header beside the cookie, is read as the middleware reads it.
            var twice = headers
            twice[.cookie] = "obsreview_session=nobody; " + (headers[.cookie] ?? "")
            #expect(try await client.execute(uri: proxy, method: .get, headers: twice).status == .unauthorized)
            var both = headers
            both[.authorization] = "Bearer nobody"
            #expect(try await client.execute(uri: proxy, method: .get, headers: both).status == .unauthorized)
            // Signing out ends the session: the next range is refused.
            var signOut = headers
            signOut[.range] = nil
            #expect(try await client.execute(uri: "/api/v1/session", method: .delete, headers: signOut).status == .noContent)
            #expect(try await client.execute(uri: proxy, method: .get, headers: headers).status == .unauthorized)
        }
    }

    @Test("a download answered on the event loop outlasts the idle timeout, and later requests on its connection wait for it")
    func idleTimeoutWaitsForTheBody() async throws {
        let fixture = try await APIFixture.make()
        let proxy = "/api/v1/recordings/\(fixture.recording.id)/proxy"
        let big = Tus.bytes(6_000_000, seed: 3)
        try Data(big).write(to: fixture.directory.appendingPathComponent("media/\(fixture.recording.id)/\(fixture.recording.sha256!)/proxy.mp4"))
        var configuration = fixture.configuration
        configuration.idleTimeout = .seconds(1)
        let token = fixture.tokens[.lead]!
        try await fixture.withClient(.live, configuration: configuration) { client async throws in
            var headers = fixture.headers(.lead)
            headers[.range] = "bytes=0-0"
            for _ in 0..<2 { #expect(try await client.execute(uri: proxy, method: .get, headers: headers).status == .partialContent) }
            let port = try #require(client.port)
            let before = HotRanges.answeredCount
            // The whole file, read slowly (about 3 s), then a small range pipelined behind it on the same connection.
            let request = "GET \(proxy) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n"
                + "GET \(proxy) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nRange: bytes=10-19\r\nConnection: close\r\n\r\n"
            let responses = try RawHTTP.exchange(port: port, request, slowly: true)
            #expect(responses.count == 2)
            #expect(responses.first?.status == 200 && responses.first?.body == big, "the whole file arrives, not cut by the 1 s idle timeout")
            #expect(responses.last?.status == 206 && responses.last?.body == Array(big[10...19]))
            if HotRanges.answeredCount == before { Issue.record("the whole file was not answered on the event loop (another suite advanced the epoch?)") }
        }
    }

    @Test("the heads of pipelined requests to the router are kept for their own addresses, in order (found by the hostile test)")
    func headsKeptInOrder() throws {
        let hot = HotRanges(credentials: AuthenticationCache(), decisions: RecordingAccessCache(), viewings: ViewingTracker(idleGap: 60), now: { Date() })
        let first = "/api/v1/recordings/\(RecordingID())/media"
        let second = "/api/v1/recordings/\(RecordingID())/media"
        for address in [first, second] {
            hot.offer(address, recording: RecordingID(), original: true, file: "/nowhere/blob", info: OpenFileCache.Info(stat()), etag: "same")
        }
        let channel = EmbeddedChannel(handler: HotRangeHandler(hot: hot, logger: Logger(label: "test")))
        // Both requests read before either response goes out (no file-region outlet here: both go to the router).
        for address in [first, second] {
            try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "http", authority: "x", path: address)))
            try channel.writeInbound(HTTPRequestPart.end(nil))
        }
        for type in ["video/mp4", "video/quicktime"] {
            try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .partialContent, headerFields: [.eTag: "\"same\"", .contentType: type])))
            try channel.writeOutbound(HTTPResponsePart.end(nil))
        }
        #expect(hot.keptFields(first)?[.contentType] == "video/mp4")
        #expect(hot.keptFields(second)?[.contentType] == "video/quicktime")
        _ = try channel.finish()
    }

    @Test("pipelined requests for two recordings of the same file keep each one's own head (its name and type)")
    func headsStayWithTheirAddress() async throws {
        let fixture = try await APIFixture.make()
        let first = "/api/v1/recordings/\(fixture.recording.id)/media"
        let token = fixture.tokens[.lead]!
        try await fixture.withClient(.live) { client async throws in
            // The same bytes uploaded again under another name: another recording, the same blob and entity tag.
            let observation = Observation(candidateID: fixture.candidate.candidate.id, date: Date(timeIntervalSince1970: 1_790_100_000),
                                          scenario: "Office visit", practiceArea: .childrens)
            try await fixture.store.records.observations.insert(observation, ref: "OBS-T-2")
            let stored = try await fixture.store.ingest.storeUploadedRecording(
                uploadID: "again", observationID: observation.id, uploadedBy: fixture.users[.assessor]!.id,
                fileName: "Jane-Doe-disciplinary.mov", sha256: fixture.recording.sha256!, byteCount: Int64(fixture.originalBytes.count))
            _ = try? await fixture.store.ingest.beginIndexing(stored.recordingID)
            _ = try? await fixture.store.ingest.finishIndexing(stored.recordingID, report: #"{"file":"x.mov","format":{"durationSeconds":120.0}}"#)
            let second = "/api/v1/recordings/\(stored.recordingID)/media"
            var headers = fixture.headers(.lead)
            headers[.range] = "bytes=0-3"
            for address in [first, second] { _ = try await client.execute(uri: address, method: .get, headers: headers) }
            // Both to the router (a condition), pipelined: each head must be kept for its own address.
            let port = try #require(client.port)
            let request = [second, first].map {
                "GET \($0) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nRange: bytes=0-3\r\nIf-None-Match: \"zzz\"\r\n\r\n"
            }.joined() + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            #expect(try RawHTTP.exchange(port: port, request).map(\.status) == [206, 206, 200])
            let before = HotRanges.answeredCount
            for _ in 0..<5 {
                let response = try await client.execute(uri: first, method: .get, headers: headers)
                #expect(response.headers[.contentType] == "video/mp4")
                #expect(response.headers[.contentDisposition]?.contains("visit.mp4") == true, "\(response.headers[.contentDisposition] ?? "")")
                let other = try await client.execute(uri: second, method: .get, headers: headers)
                #expect(other.headers[.contentType] == "video/quicktime")
                #expect(other.headers[.contentDisposition]?.contains("Jane-Doe-disciplinary.mov") == true)
            }
            #expect(HotRanges.answeredCount - before >= 1)
        }
    }

    @Test("a moderator is always answered by the route: consent withdrawn takes effect on the next range")
    func moderatorsGoToTheRoute() async throws {
        let fixture = try await APIFixture.make()
        let proxy = "/api/v1/recordings/\(fixture.recording.id)/proxy"
        try await fixture.withClient(.live) { client async throws in
            var headers = fixture.headers(.assignedModerator)
            headers[.range] = "bytes=0-9"
            for _ in 0..<3 { #expect(try await client.execute(uri: proxy, method: .get, headers: headers).status == .partialContent) }
            _ = try await fixture.store.dataProtection.recordConsent(
                recording: fixture.recording.id, person: .candidate, purpose: .moderation, granted: false, reference: "W-1", by: fixture.users[.lead]!.actor)
            let status = try await client.execute(uri: proxy, method: .get, headers: headers).status
            #expect(status == .forbidden || status == .notFound)
        }
    }

    @Test("a viewing is one audit event however many ranges are answered on the event loop; a pause starts another")
    func viewingsAudited() async throws {
        let fixture = try await APIFixture.make()
        let id = fixture.recording.id
        let proxy = "/api/v1/recordings/\(id)/proxy"
        try await fixture.withClient(.live) { client async throws in
            var headers = fixture.headers(.lead)
            func viewings() async throws -> Int {
                try await fixture.store.audit.listEntries(after: 0, subject: .init(type: "recording", id: id.description), page: PageRequest(size: 500))
                    .filter { $0.event.action == "recording.viewed" }.count
            }
            for start in stride(from: 0, to: 50_000, by: 5_000) {
                headers[.range] = "bytes=\(start)-\(start + 4_999)"
                #expect(try await client.execute(uri: proxy, method: .get, headers: headers).status == .partialContent)
            }
            #expect(try await viewings() == 1)
            fixture.clock.advance(by: 31 * 60)
            for _ in 0..<3 { #expect(try await client.execute(uri: proxy, method: .get, headers: headers).status == .partialContent) }
            #expect(try await viewings() == 2, "the first range after the pause is a new viewing, written by the route")
        }
    }

    @Test("pipelined requests are answered in order when some are answered on the event loop and some by the router")
    func pipelinedInOrder() async throws {
        let fixture = try await APIFixture.make()
        let proxy = "/api/v1/recordings/\(fixture.recording.id)/proxy"
        let token = fixture.tokens[.lead]!
        try await fixture.withClient(.live) { client async throws in
            var headers = fixture.headers(.lead)
            headers[.range] = "bytes=0-0"
            _ = try await client.execute(uri: proxy, method: .get, headers: headers)
            _ = try await client.execute(uri: proxy, method: .get, headers: headers)
            let port = try #require(client.port)
            let ranges = [(0, 9), (100, 109), (200, 209), (300, 30_309)]
            let requests = ranges.enumerated().map { index, range in
                let close = index == ranges.count - 1 ? "Connection: close\r\n" : ""
                let between = index == 1 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" : ""
                return "GET \(proxy) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nRange: bytes=\(range.0)-\(range.1)\r\n\(close)\r\n" + between
            }.joined()
            let responses = try RawHTTP.exchange(port: port, requests)
            #expect(responses.count == ranges.count + 1)
            // The ranges in the order asked, with /healthz's answer after the second.
            let answers = responses.enumerated().filter { $0.offset != 2 }.map(\.element)
            for (index, range) in ranges.enumerated() where index < answers.count {
                #expect(answers[index].status == 206)
                #expect(answers[index].body == Array(Self.proxyBytes[range.0...range.1]), "response \(index) is the range asked \(index)th")
            }
            #expect(responses.count > 2 && responses[2].status == 200 && responses[2].headers["content-type"]?.contains("json") == true)
        }
    }
}

/// HTTP/1.1 over a plain socket: several requests written at once (pipelined), responses read to the connection's end.
enum RawHTTP {
    struct Response {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
    }

    /// `slowly`: a small receive buffer, read 64 KiB at a time with a pause between reads (a slow client).
    static func exchange(port: Int, _ text: String, slowly: Bool = false) throws -> [Response] {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestFailure("socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        if slowly {
            var size: CInt = 65_536
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect") }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, 0) }) == bytes.count else { throw TestFailure("send") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if slowly { usleep(30_000) }
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        return try parse(received)
    }

    static func parse(_ bytes: [UInt8]) throws -> [Response] {
        var responses: [Response] = []
        var index = 0
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while index < bytes.count {
            guard let end = (index...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else {
                throw TestFailure("a response head without its end")
            }
            let lines = String(decoding: bytes[index..<end], as: UTF8.self).components(separatedBy: "\r\n")
            let status = Int(lines[0].split(separator: " ")[1]) ?? 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let start = end + 4
            guard start + length <= bytes.count else { throw TestFailure("a body shorter than its Content-Length") }
            responses.append(Response(status: status, headers: headers, body: Array(bytes[start..<(start + length)])))
            index = start + length
        }
        return responses
    }
}
