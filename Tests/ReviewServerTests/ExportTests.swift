import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// The exports of personal data: the ZIP writer (read back by Python's zipfile and `unzip -t`), the evidence bundle
/// and its offline verification against every kind of tampering, the subject-access export (nobody else's data), and
/// who may ask for them through the API.
@Suite struct ExportTests {
    typealias Caller = APIFixture.Caller

    /// Runs a program; returns its exit status and output, or nil when it is not installed.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String)? {
        guard let path = ["/usr/bin/", "/bin/", "/usr/local/bin/"].map({ $0 + program }).first(where: FileManager.default.isExecutableFile) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let pythonCheck = """
        import sys, zipfile, hashlib, json
        z = zipfile.ZipFile(sys.argv[1])
        bad = z.testzip()
        assert bad is None, bad
        names = z.namelist()
        if "manifest.json" in names:
            m = json.loads(z.read("manifest.json"))
            for f in m["files"]:
                assert hashlib.sha256(z.read(f["path"])).hexdigest() == f["sha256"], f["path"]
        print(len(names), "\\n".join(names))
        """

    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-export-test-\(UUID().uuidString)-\(name)")
    }

    @Test("the ZIP writer's archives are read by our reader, Python's zipfile and unzip -t; names are checked; past 4 GiB is refused before reading")
    func zipWriter() throws {
        let url = Self.temporaryFile("a.zip")
        defer { try? FileManager.default.removeItem(at: url) }
        let source = Self.temporaryFile("source.bin")
        defer { try? FileManager.default.removeItem(at: source) }
        let big = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) })
        try big.write(to: source)
        let writer = try ZipWriter(url: url, modified: Date(timeIntervalSince1970: 1_790_000_000))
        try writer.add("empty.txt", data: Data())
        try writer.add("notes/Zoë – café.vtt", data: Data("WEBVTT\n".utf8))
        var seen = 0
        try writer.add("recordings/visit.mp4", contentsOf: source) { seen += $0.count }
        #expect(seen == big.count)
        #expect(throws: ZipArchiveError.self) { try writer.add("empty.txt", data: Data()) }
        #expect(throws: ZipArchiveError.self) { try writer.add("../escape", data: Data()) }
        #expect(throws: ZipArchiveError.self) { try writer.add("/etc/passwd", data: Data()) }
        try writer.finish()
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let entries = try ZipReader.entries(of: try Data(contentsOf: url))
        #expect(entries.map(\.name) == ["empty.txt", "notes/Zoë – café.vtt", "recordings/visit.mp4"])
        #expect(entries[2].data == big && entries[1].data == Data("WEBVTT\n".utf8))
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)  // the standard check value

        if let python = try Self.run("python3", ["-c", Self.pythonCheck, url.path]) {
            #expect(python.status == 0, "python zipfile: \(python.output)")
            #expect(python.output.contains("notes/Zoë – café.vtt"))
        }
        if let unzip = try Self.run("unzip", ["-t", url.path]) {
            #expect(unzip.status == 0 && unzip.output.contains("No errors"), "unzip -t: \(unzip.output)")
        }

        // A file past 4 GiB (sparse: nothing is written or read) is refused with a message that says what to do.
        let huge = Self.temporaryFile("huge.bin")
        defer { try? FileManager.default.removeItem(at: huge) }
        _ = FileManager.default.createFile(atPath: huge.path, contents: nil)
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: 0x1_0000_0001)
        try handle.close()
        let other = try ZipWriter(url: Self.temporaryFile("b.zip"), modified: Date())
        do {
            try other.add("big.mp4", contentsOf: huge)
            Issue.record("a file past 4 GiB was accepted")
        } catch {
            #expect(error.code == .tooLarge && error.message.contains("4 GiB") && error.message.contains("without the recordings"))
        }

        // Not a ZIP; a compressed entry; a damaged byte.
        #expect(throws: ZipArchiveError.self) { try ZipReader.entries(of: Data("not a zip at all, just text".utf8)) }
        var damaged = try Data(contentsOf: url)
        let at = damaged.range(of: Data("WEBVTT".utf8))!.lowerBound
        damaged[at] = UInt8(ascii: "X")
        do {
            _ = try ZipReader.entries(of: damaged)
            Issue.record("a damaged entry was read")
        } catch { #expect(error.code == .checksumMismatch) }
    }

    /// The fixture's dispute with an opinion carrying notes (one with characters WebVTT must escape), a viewing, and a
    /// second candidate of another employer whose data must never appear in the first's export.
    static func worldWithHistory(_ fixture: APIFixture) async throws -> (otherName: String, otherRationale: String) {
        let moderator = fixture.users[.assignedModerator]!.actor
        let notes = [
            try Annotation(start: 95.5, end: 101, text: "Checks understanding --> good <b>", tag: "PCF 6", recordingID: fixture.recording.id, duration: 120),
            try Annotation(start: 12, text: "Introduces herself\n\nto the family", recordingID: fixture.recording.id, duration: 120),
        ]
        _ = try await fixture.store.moderation.submitOpinion(on: fixture.dispute.id, score: try Score(4), rationale: "Clear and respectful.", annotations: notes,
                                                  correcting: nil, correctionReason: nil, by: moderator)
        try await fixture.store.workflow.recordViewing(of: fixture.recording.id, variant: "proxy", by: moderator)
        // Another candidate, another employer, their own dispute.
        let other = Organisation(name: "Employer Z", kind: .employer)
        try await fixture.store.records.organisations.insert(other)
        let rep = User(name: "Zed Rep", role: .employer, organisationID: other.id)
        try await fixture.store.records.users.insert(rep)
        let candidate = Candidate(registrationNumber: "SW999999", employerID: other.id)
        try await fixture.store.records.candidates.insert(candidate, name: "Olive Other")
        let observation = Observation(candidateID: candidate.id, date: Date(timeIntervalSince1970: 1_790_000_000), scenario: "Office", practiceArea: .adults)
        try await fixture.store.records.observations.insert(observation, ref: "OBS-OTHER")
        _ = try await fixture.store.workflow.recordRating(observationID: observation.id, score: try Score(2), rationale: "OTHER-SECRET rationale",
                                                 supersedes: nil, correctionReason: nil, by: fixture.users[.assessor]!.actor)
        _ = try await fixture.store.workflow.recordRating(observationID: observation.id, score: try Score(6), rationale: "Zed thinks well of her",
                                                 supersedes: nil, correctionReason: nil, by: rep.actor)
        return ("Olive Other", "OTHER-SECRET")
    }

    /// The archive rebuilt with `change` applied to its entries (manifest included), for tampering.
    static func rebuilt(_ archive: Data, _ change: (inout [String: Data], inout [String]) throws -> Void) throws -> Data {
        let entries = try ZipReader.entries(of: archive)
        var files = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.data) })
        var order = entries.map(\.name)
        try change(&files, &order)
        let url = temporaryFile("tampered.zip")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try ZipWriter(url: url, modified: Date())
        for name in order { if let data = files[name] { try writer.add(name, data: data) } }
        try writer.finish()
        return try Data(contentsOf: url)
    }

    /// `manifest.json` with `path`'s hash and size brought up to date, as a careful forger would.
    static func forgeManifest(_ files: inout [String: Data], for path: String) throws {
        var manifest = try #require(try JSONSerialization.jsonObject(with: files["manifest.json"]!) as? [String: Any])
        let data = files[path]!
        manifest["files"] = (manifest["files"] as! [[String: Any]]).map { file in
            guard file["path"] as? String == path else { return file }
            return file.merging(["sha256": ExportArchive.hex(SHA256.hash(data: data)), "bytes": data.count]) { $1 }
        }
        files["manifest.json"] = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
    }

    @Test("a case's evidence bundle verifies offline; each kind of tampering is caught and named; the export is audited with the manifest's hash")
    func evidenceBundle() async throws {
        let fixture = try await APIFixture.make()
        _ = try await Self.worldWithHistory(fixture)
        // The index report carries a phone's location: withheld in the bundle, as for everyone but the lead.
        let stored = try await fixture.store.ingest.storeUploadedRecording(
            uploadID: "phone", observationID: fixture.observation.observation.id, uploadedBy: fixture.users[.assessor]!.id, fileName: "phone.mov",
            sha256: String(repeating: "ab", count: 32), byteCount: 10)
        _ = try await fixture.store.ingest.beginIndexing(stored.recordingID)
        let phone = try await fixture.store.ingest.finishIndexing(stored.recordingID, report: #"{"file":"/srv/data/blobs/ab/cd/x","format":{"durationSeconds":120.0,"tags":{"location":"+51.5074-000.1278/","make":"Apple"},"personalDataTags":["location","make"]}}"#)
        let c = fixture.dispute.id
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/api/v1/cases/\(c)/bundle", method: .get, headers: fixture.headers(.lead))
            #expect(response.status == .ok && response.headers[.contentType] == "application/zip" && response.headers[.cacheControl] == "no-store")
            let archive = Data(buffer: response.body)
            let result = try BundleVerifier.verify(archive: archive)
            #expect(result.isIntact, "\(result.problems)")
            #expect(result.format == ExportManifest.evidenceBundle && result.subject == "case/\(c)" && result.events >= 5)
            let files = Dictionary(uniqueKeysWithValues: try ZipReader.entries(of: archive).map { ($0.name, $0.data) })
            let names = Set(files.keys)
            for expected in ["case.json", "observation.json", "ratings.json", "opinions.json", "outcome.json", "audit-events.json", "manifest.json",
                             "recordings/\(fixture.recording.id).json", "recordings/\(fixture.recording.id)-index.json"] {
                #expect(names.contains(expected), "\(expected) missing from \(names.sorted())")
            }
            let vtt = try #require(files.first { $0.key.hasSuffix(".vtt") }?.value).utf8String
            #expect(vtt.hasPrefix("WEBVTT") && vtt.contains("00:01:35.500 --> 00:01:41.000\n[PCF 6] Checks understanding --&gt; good &lt;b&gt;"))
            #expect(vtt.contains("00:00:12.000 --> 00:00:17.000\nIntroduces herself\nto the family"))
            let index = try #require(files["recordings/\(phone.id)-index.json"]).utf8String
            #expect(!index.contains("51.5074") && !index.contains("Apple") && index.contains("withheld") && !index.contains("/srv/data"))
            let events = files["audit-events.json"]!.utf8String
            #expect(events.contains("case.opened") && events.contains("rating.recorded") && events.contains("recording.viewed") && events.contains("opinion.submitted"))
            #expect(!names.contains { $0.contains("OTHER") } && !files.values.contains { $0.utf8String.contains("OTHER-SECRET") })

            // The export is audited, with the manifest's hash the verifier reports.
            let audit = try await fixture.store.audit.entries(about: .init(type: "case", id: c.description))
            let exported = try #require(audit.last { $0.event.action == "case.bundle_exported" })
            #expect(exported.event.details["manifestSHA256"] == result.manifestSHA256 && exported.event.actorID == fixture.users[.lead]!.id)

            // Tampering, each caught and named.
            func problems(_ change: (inout [String: Data], inout [String]) throws -> Void) throws -> Set<BundleVerification.Problem.Kind> {
                Set(try BundleVerifier.verify(archive: try Self.rebuilt(archive, change)).problems.map(\.kind))
            }
            // A rationale edited inside: the file no longer matches the manifest.
            #expect(try problems { files, _ in
                files["opinions.json"] = Data(files["opinions.json"]!.utf8String.replacingOccurrences(of: "Clear and respectful.", with: "Poor.").utf8)
            } == [.tamperedFile])
            // A file removed.
            #expect(try problems { files, _ in files["ratings.json"] = nil } == [.missingFile])
            // A file added.
            #expect(try problems { files, order in files["extra.txt"] = Data("x".utf8); order.append("extra.txt") } == [.unlistedFile])
            // Events reordered, the manifest forged to match: the order gives it away.
            #expect(try problems { files, _ in
                var list = try #require(try JSONSerialization.jsonObject(with: files["audit-events.json"]!) as? [Any])
                list.swapAt(0, 1)
                files["audit-events.json"] = try JSONSerialization.data(withJSONObject: list)
                try Self.forgeManifest(&files, for: "audit-events.json")
            }.contains(.eventsOutOfOrder))
            // An event edited (its reason), the manifest forged to match: it no longer hashes to its stored hash.
            #expect(try problems { files, _ in
                var list = try #require(try JSONSerialization.jsonObject(with: files["audit-events.json"]!) as? [[String: Any]])
                list[0]["actorId"] = UserID().description
                files["audit-events.json"] = try JSONSerialization.data(withJSONObject: list)
                try Self.forgeManifest(&files, for: "audit-events.json")
            } == [.editedEvent])
            // The manifest itself removed.
            #expect(try problems { files, _ in files["manifest.json"] = nil } == [.missingManifest])

            // Who may ask: other roles are refused, an unknown case is 404 even for the lead; nothing is audited for them.
            for caller in [Caller.assessor, .employer, .otherEmployer, .assignedModerator, .administrator] {
                let refused = try await client.execute(uri: "/api/v1/cases/\(c)/bundle", method: .get, headers: fixture.headers(caller))
                #expect([403, 404].contains(refused.status.code), "\(caller): \(refused.status)")
            }
            #expect(try await client.execute(uri: "/api/v1/cases/\(CaseID())/bundle", method: .get, headers: fixture.headers(.lead)).status == .notFound)
            let auditor = try await client.execute(uri: "/api/v1/cases/\(c)/bundle", method: .get, headers: fixture.headers(.auditor))
            #expect(auditor.status == .ok)
            let after = try await fixture.store.audit.entries(about: .init(type: "case", id: c.description)).filter { $0.event.action == "case.bundle_exported" }
            #expect(after.count == 2)
            #expect(try await fixture.store.audit.verify().isIntact)

            // Python's zipfile reads the bundle and its hashes agree.
            let url = Self.temporaryFile("bundle.zip")
            defer { try? FileManager.default.removeItem(at: url) }
            try archive.write(to: url)
            if let python = try Self.run("python3", ["-c", Self.pythonCheck, url.path]) { #expect(python.status == 0, "\(python.output)") }
        }
    }

    @Test("a subject-access export holds the candidate's own records, others by role and number only, and nobody else's data; with the recordings on request")
    func subjectAccessExport() async throws {
        let fixture = try await APIFixture.make()
        let (otherName, otherRationale) = try await Self.worldWithHistory(fixture)
        let candidateID = fixture.candidate.candidate.id
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/api/v1/candidates/\(candidateID)/subject-export", method: .get, headers: fixture.headers(.lead))
            #expect(response.status == .ok && response.headers[.contentType] == "application/zip")
            let archive = Data(buffer: response.body)
            #expect(try BundleVerifier.verify(archive: archive).isIntact)
            let files = Dictionary(uniqueKeysWithValues: try ZipReader.entries(of: archive).map { ($0.name, $0.data.utf8String) })
            let everything = files.values.joined(separator: "\n")
            #expect(files["candidate.json"]?.contains("Casey Candidate") == true && files["candidate.json"]?.contains("SW000001") == true)
            #expect(files["ratings.json"]?.contains("Below the standard.") == true && files["ratings.json"]?.contains("Good practice.") == true)
            #expect(files["opinions.json"]?.contains("Clear and respectful.") == true && files["opinions.json"]?.contains("Moderator 1") == true)
            #expect(files.keys.contains { $0.hasPrefix("notes/") && $0.hasSuffix(".vtt") })
            let log = try #require(files["viewing-log.json"])
            #expect(log.contains("Moderator 1") && log.contains("proxy"))
            // Nobody else's data, and no staff member by name or id.
            for secret in [otherName, otherRationale, "SW999999", "Employer Z", "Zed"] { #expect(!everything.contains(secret), "\(secret) leaked") }
            for (caller, user) in fixture.users {
                #expect(!everything.contains(user.name), "\(caller)'s name leaked")
                #expect(!everything.contains(user.id.description), "\(caller)'s id leaked")
            }
            let audit = try await fixture.store.audit.entries(about: .init(type: "candidate", id: candidateID.description))
            #expect(audit.contains { $0.event.action == "candidate.subject_exported" && $0.event.details["withRecordings"] == "false" })

            // Refused to other roles; an unknown candidate is 404.
            for caller in [Caller.assessor, .employer, .otherEmployer, .assignedModerator, .auditor] {
                let refused = try await client.execute(uri: "/api/v1/candidates/\(candidateID)/subject-export", method: .get, headers: fixture.headers(caller))
                #expect(refused.status == .forbidden, "\(caller): \(refused.status)")
            }
            #expect(try await client.execute(uri: "/api/v1/candidates/\(CandidateID())/subject-export", method: .get, headers: fixture.headers(.lead)).status == .notFound)

            // With the recordings (the CLI's path): the original's bytes, readable by Python.
            let url = Self.temporaryFile("subject.zip")
            defer { try? FileManager.default.removeItem(at: url) }
            let exports = Exports(store: fixture.store, data: DataLayout(fixture.directory.path))
            let found = try #require(try await exports.candidate("SW000001"))
            let summary = try await exports.subjectAccessExport(of: found.candidate.id, withRecordings: true, to: url, by: .system)
            let entries = try ZipReader.entries(of: try Data(contentsOf: url))
            #expect(entries.first { $0.name == "recordings/\(fixture.recording.id)/visit.mp4" }?.data == Data(fixture.originalBytes))
            #expect(summary.files == entries.count - 1)
            if let python = try Self.run("python3", ["-c", Self.pythonCheck, url.path]) { #expect(python.status == 0, "\(python.output)") }
        }
    }

    @Test("consent: the lead withdraws moderation and the assigned moderator loses the recording at once; other roles cannot record consent")
    func consentWithdrawalTakesEffect() async throws {
        let fixture = try await APIFixture.make()
        let r = fixture.recording.id
        try await fixture.withClient { client in
            func put(_ body: String, as caller: Caller) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/recordings/\(r)/consents", method: .put, headers: fixture.headers(caller, json: true), body: ByteBuffer(string: body))
            }
            #expect(try await client.execute(uri: "/api/v1/recordings/\(r)/proxy", method: .get, headers: fixture.headers(.assignedModerator)).status == .ok)
            for caller in [Caller.employer, .otherEmployer, .assignedModerator, .unassignedModerator, .auditor, .administrator] {
                let refused = try await put(#"{"person":"candidate","purpose":"moderation","granted":false}"#, as: caller)
                #expect([403, 404].contains(refused.status.code), "\(caller): \(refused.status)")
            }
            #expect(try await put(#"{"person":"actor-0","purpose":"moderation","granted":false}"#, as: .lead).status == .unprocessableContent)
            #expect(try await put(#"{"person":"candidate","purpose":"assessment","granted":false}"#, as: .lead).status == .unprocessableContent)
            let withdrawn = try await put(#"{"person":"actor-1","purpose":"moderation","granted":false,"reference":"Letter 7"}"#, as: .lead)
            #expect(withdrawn.status == .ok)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: withdrawn.body)) as? [String: Any])
            let uses = try #require(body["uses"] as? [[String: Any]])
            #expect(uses.first { $0["purpose"] as? String == "moderation" }?["permitted"] as? Bool == false)
            #expect(uses.first { $0["purpose"] as? String == "assessment" }?["permitted"] as? Bool == true)
            // Twice, the same answer: idempotent.
            #expect(try await put(#"{"person":"actor-1","purpose":"moderation","granted":false,"reference":"Letter 7"}"#, as: .lead).status == .ok)
            for path in ["", "/proxy", "/index", "/thumbnails/0", "/captions"] {
                let response = try await client.execute(uri: "/api/v1/recordings/\(r)\(path)", method: .get, headers: fixture.headers(.assignedModerator))
                // The assignment was cancelled, so the recording is not theirs to see any more (404); a moderator who had
                // submitted keeps the case but is refused the recording (403, by the consent check).
                #expect([403, 404].contains(response.status.code), "\(path): \(response.status)")
            }
            let list = try await client.execute(uri: "/api/v1/recordings", method: .get, headers: fixture.headers(.assignedModerator))
            #expect(!String(buffer: list.body).contains(r.description))
            // The assessor still assesses it; the assignment is gone.
            #expect(try await client.execute(uri: "/api/v1/recordings/\(r)/proxy", method: .get, headers: fixture.headers(.assessor)).status == .ok)
            #expect(try await fixture.store.moderation.assignments(ofCase: fixture.dispute.id).allSatisfy { $0.state == .cancelled })
        }
    }
}

extension Data {
    fileprivate var utf8String: String { String(decoding: self, as: UTF8.self) }
}
