import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ReviewDomain
import ReviewStore
@testable import ReviewServer
import Testing

/// A temporary file of known pseudo-random bytes, served by a one-route app through ``FileStreamer``.
struct StreamingFixture {
    /// Larger than two read chunks (256 KiB), so bodies are streamed in several pieces.
    static let size = 600_001
    static let etag = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    static let modified = Date(timeIntervalSince1970: 1_800_000_000)
    static let lastModified = "Fri, 15 Jan 2027 08:00:00 GMT"
    static let blobKey = BlobKey(etag)!

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-range-\(UUID().uuidString)")
    let bytes = Tus.bytes(Self.size, seed: 7)

    var path: String { directory.appendingPathComponent("media.mp4").path }
    var emptyPath: String { directory.appendingPathComponent("empty.webm").path }

    /// Writes the files, runs `test` against the app (through the router, or `.live` over a socket), then
    /// deletes them.
    func withClient(
        _ setup: TestingSetup = .router,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Self.modified], ofItemAtPath: path)
        try Data().write(to: URL(fileURLWithPath: emptyPath))
        // The same bytes as a blob in a folder store: streamed through the BlobStore, as originals are.
        let blobs = FolderBlobStore(root: .init(directory.appendingPathComponent("blobs").path))
        let blobFile = blobs.localFile(Self.blobKey)
        try FileManager.default.createDirectory(atPath: blobFile.removingLastComponent().string, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: blobFile.string))
        try FileManager.default.setAttributes([.modificationDate: Self.modified], ofItemAtPath: blobFile.string)

        let router = Router(context: StreamingTestContext.self)
        router.middlewares.add(ErrorMiddleware<StreamingTestContext>())
        let files: [String: StreamedFile] = [
            "media": StreamedFile(
                path: .init(path),
                etag: Self.etag,
                contentType: "video/mp4",
                fileName: "Séance 1 \"final\".mp4",
                cacheControl: "private, max-age=60"
            ),
            "empty": StreamedFile(path: .init(emptyPath), etag: "e3b0c442", contentType: "video/webm"),
            "missing": StreamedFile(
                path: .init(directory.appendingPathComponent("gone.mp4").path),
                etag: "00",
                contentType: "video/mp4"
            ),
            "directory": StreamedFile(path: .init(directory.path), etag: "00", contentType: "video/mp4"),
            "blob": StreamedFile(
                source: .blob(Self.blobKey, in: blobs), etag: Self.etag, contentType: "video/mp4", fileName: "Séance 1 \"final\".mp4",
                cacheControl: "private, max-age=60"),
            "missing-blob": StreamedFile(source: .blob(BlobKey(String(repeating: "0", count: 64))!, in: blobs), etag: "00", contentType: "video/mp4"),
        ]
        let stream: @Sendable (Request, StreamingTestContext) async throws -> Response = { request, context in
            let name = context.parameters.get("name") ?? ""
            guard let file = files[name] else { throw HTTPError(.notFound) }
            return try await FileStreamer.response(to: request, file: file, context: context)
        }
        router.get("/files/:name", use: stream)
        router.head("/files/:name", use: stream)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(setup) { client in try await test(client) }
    }
}

/// A context that knows its connection, as the server's does: over a socket (`.live`) bodies go out with `sendfile`;
/// through the router (no HTTP/1 pipeline) they are read into buffers.
struct StreamingTestContext: RequestContext, ChannelRequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: (any Channel)?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

extension TestClientProtocol {
    func fetch(_ headers: HTTPFields = [:], name: String = "media", method: HTTPRequest.Method = .get) async throws -> TestResponse {
        try await execute(uri: "/files/\(name)", method: method, headers: headers)
    }
}

@Suite("HTTP Range streaming of files")
struct RangeStreamingTests {
    let fixture = StreamingFixture()
    var size: Int { StreamingFixture.size }
    var quotedETag: String { "\"\(StreamingFixture.etag)\"" }

    /// The headers every 200 and 206 of the media file carries, whatever the range.
    func expectRepresentationHeaders(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.headers[.acceptRanges] == "bytes", sourceLocation: sourceLocation)
        #expect(response.headers[.eTag] == quotedETag, sourceLocation: sourceLocation)
        #expect(response.headers[.lastModified] == StreamingFixture.lastModified, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "video/mp4", sourceLocation: sourceLocation)
        #expect(response.headers[.cacheControl] == "private, max-age=60", sourceLocation: sourceLocation)
        #expect(
            response.headers[.contentDisposition]
                == #"inline; filename="S_ance 1 _final_.mp4"; filename*=UTF-8''S%C3%A9ance%201%20%22final%22.mp4"#,
            sourceLocation: sourceLocation
        )
    }

    /// A 206 for `range`, with exactly those bytes.
    func expectPartial(
        _ response: TestResponse,
        _ range: ClosedRange<Int>,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == .partialContent, sourceLocation: sourceLocation)
        expectRepresentationHeaders(response, sourceLocation: sourceLocation)
        #expect(
            response.headers[.contentRange] == "bytes \(range.lowerBound)-\(range.upperBound)/\(size)",
            sourceLocation: sourceLocation
        )
        #expect(response.headers[.contentLength] == String(range.count), sourceLocation: sourceLocation)
        #expect(Array(response.body.readableBytesView) == Array(fixture.bytes[range]), sourceLocation: sourceLocation)
    }

    /// A 200 with the whole file.
    func expectWhole(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        expectRepresentationHeaders(response, sourceLocation: sourceLocation)
        #expect(response.headers[.contentRange] == nil, sourceLocation: sourceLocation)
        #expect(response.headers[.contentLength] == String(size), sourceLocation: sourceLocation)
        #expect(Array(response.body.readableBytesView) == fixture.bytes, sourceLocation: sourceLocation)
    }

    @Test("A blob from a BlobStore streams like a file: ranges, the whole, 416 and 404")
    func blobSource() async throws {
        try await fixture.withClient { client in
            expectPartial(try await client.fetch([.range: "bytes=300000-400000"], name: "blob"), 300_000...400_000)
            expectPartial(try await client.fetch([.range: "bytes=-10"], name: "blob"), (size - 10)...(size - 1))
            expectWhole(try await client.fetch(name: "blob"))
            let beyond = try await client.fetch([.range: "bytes=\(size)-"], name: "blob")
            #expect(beyond.status == .rangeNotSatisfiable && beyond.headers[.contentRange] == "bytes */\(size)")
            #expect(try await client.fetch([.ifNoneMatch: quotedETag], name: "blob").status == .notModified)
            #expect(try await client.fetch(name: "missing-blob").status == .notFound)
        }
    }

    @Test("The fast path for the usual name offers what the general one does, and the extension is read as NSString reads it (without its trap on \"//ß\"), on 20,000 random names")
    func fastPathsForUsualNames() {
        var random = SplitMix64(seed: 21)
        let pieces = ["a", "B", "z", "0", "9", ".", " ", "..", "/", "\\", "-", "_", "%", "\"", "é", "\u{202E}", "\u{0}", "mp4", "MOV", "WebM",
                      "m2ts", "tar.gz", "x.MP4", "ß", "\t", "~"]
        for _ in 0..<20_000 {
            var name = ""
            for _ in 0..<random.below(12) { name += pieces[random.below(pieces.count)] }
            if random.below(10) == 0 { name = String(repeating: "n", count: 190 + random.below(20)) + ".mp4" }
            #expect(StreamedFile.offeredName(name) == StreamedFile.offeredNameByScalars(name), "\(name.debugDescription)")
            let file = StreamedFile(path: "/nowhere", etag: "e", contentType: "video/mp4", fileName: name, disposition: .inline)
            #expect(file.contentDisposition == Self.dispositionAsBefore(name), "\(name.debugDescription)")
            // NSString traps on two slashes followed by a multi-byte character: compared where it does not.
            if !name.contains("/") {
                #expect(RecordingController.fileExtension(name) == (name as NSString).pathExtension.lowercased(), "\(name.debugDescription)")
            }
        }
        for (name, type) in [("clip.MP4", "video/mp4"), ("a/b.mov", "video/quicktime"), (".mp4", "application/octet-stream"),
                             ("//ß", "application/octet-stream"), ("% //ß.webm", "video/webm"), ("clip.mp4/", "video/mp4"), ("ü.MKV", "video/x-matroska"),
                             ("x.tar.gz", "application/octet-stream"), ("x", "application/octet-stream")] {
            #expect(RecordingController.contentType(of: name) == type, "\(name)")
        }
    }

    /// `Content-Disposition` as it was written before it was written as bytes (issue 21): the reference for the test above.
    static func dispositionAsBefore(_ name: String) -> String? {
        guard let fileName = StreamedFile.offeredNameByScalars(name) else { return nil }
        let fallback = String(String.UnicodeScalarView(fileName.unicodeScalars.map { scalar in
            (0x20...0x7E).contains(scalar.value) && scalar != "\"" && scalar != "\\" && scalar != "%" ? scalar : "_"
        }))
        let attrChars = Set("!#$&+-.^_`|~".utf8)
        var encoded = ""
        for byte in fileName.utf8 {
            let isAlphanumeric = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            if isAlphanumeric || attrChars.contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return "inline; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }

    @Test("A path id is read as Foundation reads a canonical UUID: either case, hyphens in place, nothing else")
    func pathIDs() {
        var random = SplitMix64(seed: 45)
        let alphabet = Array("0123456789abcdefABCDEFgG-xz {}".unicodeScalars)
        for round in 0..<20_000 {
            var text = UUID().uuidString
            if round % 2 == 0 { text = text.lowercased() }
            // Change one to three characters, or none (a third of the time), or cut or lengthen it.
            var scalars = Array(text.unicodeScalars)
            for _ in 0..<random.below(4) { scalars[random.below(scalars.count)] = alphabet[random.below(alphabet.count)] }
            if random.below(20) == 0 { scalars.removeLast() }
            if random.below(20) == 0 { scalars.append("0") }
            text = String(String.UnicodeScalarView(scalars))
            // Foundation reads digits with `sscanf`, which also takes a space or a sign before some of them, and text after
            // the last digit; a path id is the canonical form only, which both read alike.
            let characters = Array(text)
            let canonical = characters.count == 36 && characters.indices.allSatisfy { [8, 13, 18, 23].contains($0) ? characters[$0] == "-" : characters[$0].isHexDigit }
            if canonical {
                #expect(UUID(canonical: text) != nil && UUID(canonical: text) == UUID(uuidString: text), "\(text)")
            } else {
                #expect(UUID(canonical: text) == nil, "\(text)")
            }
        }
        for text in ["", "é", String(repeating: "0", count: 36), "00000000-0000-0000-0000-00000000000é", "00000000-0000-0000-0000-000000000000 "] {
            #expect(UUID(canonical: text) == nil, "\(text)")
        }
    }

    @Test("The offered file name is a name, not a path: no directories, control or format characters, leading dots", arguments: [
        ("../../.bashrc", "bashrc"), ("..\\..\\Windows\\evil.exe", "evil.exe"), ("/etc/passwd", "passwd"),
        ("clip\u{0}\r\nSet-Cookie: x.mp4", "clipSet-Cookie: x.mp4"), ("movie\u{202E}4pm.exe", "movie4pm.exe"),
        ("Séance 1.mp4", "Séance 1.mp4"), ("../", nil), ("...", nil),
    ] as [(String, String?)])
    func offeredName(name: String, offered: String?) {
        #expect(StreamedFile.offeredName(name) == offered)
        let file = StreamedFile(path: "/nowhere", etag: "e", contentType: "video/mp4", fileName: name, disposition: .attachment)
        if let offered {
            #expect(file.contentDisposition?.hasPrefix("attachment; filename=\"") == true)
            #expect(file.contentDisposition?.contains("/") == false)
            #expect(file.contentDisposition?.contains("\\") == false)
            #expect(file.contentDisposition?.contains(".." ) == (offered.contains("..")))
        } else {
            #expect(file.contentDisposition == nil)
        }
    }

    @Test("GET without Range is 200 with the whole file and its headers")
    func wholeFile() async throws {
        try await fixture.withClient { client in
            expectWhole(try await client.fetch())
        }
    }

    @Test("HEAD has the GET headers and no body, and ignores Range")
    func head() async throws {
        try await fixture.withClient { client in
            for headers: HTTPFields in [[:], [.range: "bytes=0-99"]] {
                let response = try await client.fetch(headers, method: .head)
                #expect(response.status == .ok)
                expectRepresentationHeaders(response)
                #expect(response.headers[.contentLength] == String(size))
                #expect(response.headers[.contentRange] == nil)
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    @Test("bytes=a-b, a-, -n and ranges across read chunks are 206 with exactly those bytes")
    func ranges() async throws {
        try await fixture.withClient { client in
            expectPartial(try await client.fetch([.range: "bytes=0-99"]), 0...99)
            expectPartial(try await client.fetch([.range: "bytes=100-"]), 100...(size - 1))
            expectPartial(try await client.fetch([.range: "bytes=-10"]), (size - 10)...(size - 1))
            expectPartial(try await client.fetch([.range: "bytes=262000-524500"]), 262_000...524_500)
            expectPartial(try await client.fetch([.range: "bytes=0-0"]), 0...0)
            expectPartial(try await client.fetch([.range: "bytes=\(size - 1)-"]), (size - 1)...(size - 1))
            expectPartial(try await client.fetch([.range: "bytes=0-"]), 0...(size - 1))
        }
    }

    @Test("A last position past the end, or a suffix longer than the file, is clamped to the file")
    func clamped() async throws {
        try await fixture.withClient { client in
            expectPartial(try await client.fetch([.range: "bytes=599990-700000"]), 599_990...(size - 1))
            expectPartial(try await client.fetch([.range: "bytes=5-99999999999999999999999"]), 5...(size - 1))
            expectPartial(try await client.fetch([.range: "bytes=-700000"]), 0...(size - 1))
        }
    }

    @Test("Several ranges are coalesced into one part that holds every requested byte")
    func severalRanges() async throws {
        try await fixture.withClient { client in
            expectPartial(try await client.fetch([.range: "bytes=10-19, 50-59"]), 10...59)
            expectPartial(try await client.fetch([.range: "bytes=50-59, 10-19"]), 10...59)
            expectPartial(try await client.fetch([.range: "bytes=700000-, -5"]), (size - 5)...(size - 1))
        }
    }

    @Test("No satisfiable range is 416 with Content-Range */size and a JSON error")
    func unsatisfiable() async throws {
        try await fixture.withClient { client in
            for range in ["bytes=\(size)-", "bytes=700000-800000", "bytes=-0", "bytes=700000-, 600001-600002"] {
                let response = try await client.fetch([.range: range])
                #expect(response.status == .rangeNotSatisfiable, "\(range)")
                #expect(response.headers[.contentRange] == "bytes */\(size)", "\(range)")
                #expect(response.headers[.contentType] == "application/json; charset=utf-8", "\(range)")
                #expect(errorCode(response) == "range_not_satisfiable", "\(range)")
            }
        }
    }

    @Test("An empty file: 200 with no bytes, and any range is 416 bytes */0")
    func emptyFile() async throws {
        try await fixture.withClient { client in
            let whole = try await client.fetch(name: "empty")
            #expect(whole.status == .ok)
            #expect(whole.headers[.contentLength] == "0")
            #expect(whole.headers[.contentType] == "video/webm")
            #expect(whole.headers[.contentDisposition] == nil)
            #expect(whole.body.readableBytes == 0)
            for range in ["bytes=0-", "bytes=-1", "bytes=0-0"] {
                let response = try await client.fetch([.range: range], name: "empty")
                #expect(response.status == .rangeNotSatisfiable, "\(range)")
                #expect(response.headers[.contentRange] == "bytes */0", "\(range)")
                #expect(errorCode(response) == "range_not_satisfiable", "\(range)")
            }
        }
    }

    @Test("A malformed Range or another unit is ignored: 200 with the whole file")
    func malformedRange() async throws {
        try await fixture.withClient { client in
            for range in ["bytes=abc", "items=0-99", "bytes=99-10", "bytes=", "bytes 0-99", "bytes=0-99,x", "bytes=0 - 99"] {
                expectWhole(try await client.fetch([.range: range]))
            }
        }
    }

    @Test("If-Range with our strong ETag honours Range; any other tag, a weak tag or a date sends the whole file")
    func ifRange() async throws {
        try await fixture.withClient { client in
            expectPartial(try await client.fetch([.range: "bytes=0-99", .ifRange: quotedETag]), 0...99)
            for ifRange in ["\"0123\"", "W/\(quotedETag)", StreamingFixture.lastModified, StreamingFixture.etag] {
                expectWhole(try await client.fetch([.range: "bytes=0-99", .ifRange: ifRange]))
            }
        }
    }

    @Test("If-None-Match with our ETag (in a list, weak, or *) is 304 with the ETag and no body")
    func ifNoneMatch() async throws {
        try await fixture.withClient { client in
            for value in [quotedETag, "W/\(quotedETag)", "\"other\", \(quotedETag)", "*"] {
                for method in [HTTPRequest.Method.get, .head] {
                    let response = try await client.fetch([.ifNoneMatch: value, .range: "bytes=0-9"], method: method)
                    #expect(response.status == .notModified, "\(value) \(method)")
                    #expect(response.headers[.eTag] == quotedETag)
                    #expect(response.headers[.cacheControl] == "private, max-age=60")
                    #expect(response.headers[.contentRange] == nil)
                    #expect(response.body.readableBytes == 0)
                }
            }
            expectWhole(try await client.fetch([.ifNoneMatch: "\"other\""]))
            expectPartial(try await client.fetch([.ifNoneMatch: "\"other\"", .range: "bytes=0-9"]), 0...9)
        }
    }

    @Test("Over a socket, HEAD keeps its Content-Length and ranges stream in full")
    func live() async throws {
        try await fixture.withClient(.live) { client in
            let head = try await client.fetch(method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(size))
            #expect(head.body.readableBytes == 0)
            expectWhole(try await client.fetch())
            expectPartial(try await client.fetch([.range: "bytes=1000-590000"]), 1000...590_000)
        }
    }

    @Test("Over a socket, bodies go out with sendfile: seeded random ranges on concurrent connections, the whole file; small ones with the head")
    func sendfileOverSocket() async throws {
        let before = FileRegionBody.regionsWritten
        try await fixture.withClient(.live) { client in
            var generator = SeededGenerator(seed: 21)
            let ranges = (0..<48).map { _ -> ClosedRange<Int> in
                // Past the small-body limit, which is sent with the head instead.
                let first = Int.random(in: 0..<(size - 100_000), using: &generator)
                return first...min(size - 1, first + FileStreamer.smallBodyLength + Int.random(in: 0..<250_000, using: &generator))
            }
            // Eight connections at once share the one descriptor the cache keeps for the file.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<8 {
                    group.addTask {
                        for range in ranges[(lane * 6)..<(lane * 6 + 6)] {
                            let name = range.lowerBound % 2 == 0 ? "media" : "blob"
                            expectPartial(try await client.fetch([.range: "bytes=\(range.lowerBound)-\(range.upperBound)"], name: name), range)
                        }
                    }
                }
                try await group.waitForAll()
            }
            expectWhole(try await client.fetch(name: "blob"))
            expectPartial(try await client.fetch([.range: "bytes=0-0"]), 0...0)
            expectPartial(try await client.fetch([.range: "bytes=-1"]), (size - 1)...(size - 1))
        }
        #expect(FileRegionBody.regionsWritten - before >= 49, "every large body over the socket is a file region")
    }

    @Test("A missing file, or a directory, is 404 with a JSON error")
    func missingFile() async throws {
        try await fixture.withClient { client in
            for name in ["missing", "directory"] {
                let response = try await client.fetch(name: name)
                #expect(response.status == .notFound, "\(name)")
                #expect(errorCode(response) == "not_found", "\(name)")
                let head = try await client.fetch(name: name, method: .head)
                #expect(head.status == .notFound, "\(name)")
                #expect(head.body.readableBytes == 0)
            }
        }
    }
}

@Suite("Range and entity-tag header parsing")
struct RangeHeaderParsingTests {
    typealias Spec = ByteRangeSet.Spec

    static let validHeaders: [(String, [Spec])] = [
        ("bytes=0-99", [.interval(first: 0, last: 99)]),
        ("bytes=100-", [.interval(first: 100, last: nil)]),
        ("bytes=-10", [.suffix(length: 10)]),
        ("bytes=-0", [.suffix(length: 0)]),
        ("BYTES=0-0", [.interval(first: 0, last: 0)]),
        ("bytes=0-1,5-6", [.interval(first: 0, last: 1), .interval(first: 5, last: 6)]),
        ("bytes= 0-1 ,\t-5 ", [.interval(first: 0, last: 1), .suffix(length: 5)]),
        ("bytes=0-1,,5-", [.interval(first: 0, last: 1), .interval(first: 5, last: nil)]),
        ("bytes=,0-1,", [.interval(first: 0, last: 1)]),
        ("bytes=5-1000, 0-3", [.interval(first: 5, last: 1000), .interval(first: 0, last: 3)]),
        ("bytes=007-010", [.interval(first: 7, last: 10)]),
        ("bytes=9223372036854775807-", [.interval(first: .max, last: nil)]),
        // Overflowing digits saturate.
        ("bytes=99999999999999999999-", [.interval(first: .max, last: nil)]),
        ("bytes=9223372036854775808-", [.interval(first: .max, last: nil)]),
        ("bytes=0-99999999999999999999999999999999", [.interval(first: 0, last: .max)]),
        ("bytes=-99999999999999999999", [.suffix(length: .max)]),
    ]

    @Test("Valid byte range sets", arguments: validHeaders)
    func valid(header: String, specs: [Spec]) {
        #expect(ByteRangeSet(header: header) == ByteRangeSet(specs))
    }

    @Test(
        "Malformed or foreign range headers are nil",
        arguments: [
            "", "bytes", "bytes=", "bytes=,", "bytes=-", "bytes=--1", "bytes=1--", "bytes=a-b", "bytes=1-a", "bytes=0 - 1",
            "bytes=0- 1", "bytes=+1-2", "bytes=1-+2", "bytes=0x10-", "bytes=5-1", "bytes=0-1,x", "bytes=0-1;2-3",
            "items=0-1", "bytes 0-1", "bytes=٣-٤", "bytes=1.5-2", "bytes=99999999999999999999-1",
        ]
    )
    func malformed(header: String) {
        #expect(ByteRangeSet(header: header) == nil)
    }

    @Test("Specs resolve against the file size: clamped, or nil when they select nothing")
    func resolution() {
        #expect(Spec.interval(first: 0, last: 99).resolved(size: 1000) == 0...99)
        #expect(Spec.interval(first: 990, last: nil).resolved(size: 1000) == 990...999)
        #expect(Spec.interval(first: 999, last: 5000).resolved(size: 1000) == 999...999)
        #expect(Spec.interval(first: 0, last: .max).resolved(size: 1000) == 0...999)
        #expect(Spec.interval(first: 1000, last: nil).resolved(size: 1000) == nil)
        #expect(Spec.interval(first: .max, last: nil).resolved(size: 1000) == nil)
        #expect(Spec.suffix(length: 10).resolved(size: 1000) == 990...999)
        #expect(Spec.suffix(length: .max).resolved(size: 1000) == 0...999)
        #expect(Spec.suffix(length: 0).resolved(size: 1000) == nil)
        #expect(Spec.interval(first: 0, last: nil).resolved(size: 0) == nil)
        #expect(Spec.suffix(length: 1).resolved(size: 0) == nil)
        let set = ByteRangeSet([.interval(first: 2000, last: nil), .suffix(length: 0), .suffix(length: 1), .interval(first: 0, last: 0)])
        #expect(set.covering(size: 1000) == 0...999)
        #expect(set.covering(size: 0) == nil)
    }

    @Test("Entity-tag lists and If-Range tags")
    func entityTags() {
        #expect(EntityTag.list(#""a""#) == [EntityTag("a")])
        #expect(EntityTag.list(#" "a" , W/"b",,"c,d""#) == [EntityTag("a"), EntityTag("b", weak: true), EntityTag("c,d")])
        #expect(EntityTag.list(#""""#) == [EntityTag("")])
        for bad in [#"a"#, #""a"#, #""a"x"#, #"w/"a""#, #""a" "b""#, #""a b""#] {
            #expect(EntityTag.list(bad) == nil, "\(bad)")
        }
        #expect(EntityTag(header: #" "a" "#) == EntityTag("a"))
        #expect(EntityTag(header: #"W/"a""#) == EntityTag("a", weak: true))
        for bad in [#""a","b""#, #""a","#, "Fri, 15 Jan 2027 08:00:00 GMT", "*"] {
            #expect(EntityTag(header: bad) == nil, "\(bad)")
        }
        let ours = EntityTag("a")
        #expect(FileStreamer.ifRangeHolds(nil, etag: ours))
        #expect(FileStreamer.ifRangeHolds(#""a""#, etag: ours))
        #expect(!FileStreamer.ifRangeHolds(#"W/"a""#, etag: ours))
        #expect(!FileStreamer.ifRangeHolds(#""b""#, etag: ours))
        #expect(FileStreamer.noneMatchFails([#""b", W/"a""#], etag: ours))
        #expect(FileStreamer.noneMatchFails(["\"b\"", " * "], etag: ours))
        #expect(!FileStreamer.noneMatchFails([], etag: ours))
        #expect(!FileStreamer.noneMatchFails([#""b""#, "garbage"], etag: ours))
    }
}
