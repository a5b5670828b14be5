import Crypto
import Foundation
import NIOFileSystem
import ReviewDomain
import ReviewServer
import ReviewStore
import ReviewWorker
import Testing

/// The repository's root (for `samples/`).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The `obsreview` binary built next to these tests (`swift build --build-tests` builds both), or $OBSREVIEW_BINARY.
func builtBinary() throws -> URL {
    if let given = ProcessInfo.processInfo.environment["OBSREVIEW_BINARY"] { return URL(fileURLWithPath: given) }
    let folder = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).deletingLastPathComponent()
    for candidate in [folder, folder.deletingLastPathComponent()] {
        let binary = candidate.appendingPathComponent("obsreview")
        if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
    }
    throw TestFailure("no obsreview binary next to the tests in \(folder.path): run `swift build --build-tests` (or set OBSREVIEW_BINARY)")
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A scratch folder with a real SQLite store (migrated), a data layout and one observation to hang recordings on.
struct WorkerFixture {
    let folder: URL
    let store: ReviewStore
    let data: DataLayout
    let observation: ObservationID
    let uploader: UserID

    static func make() async throws -> WorkerFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-worker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try ReviewStore(.sqlite(path: folder.appendingPathComponent("obsreview.sqlite").path))
        try await store.migrate()
        let body = Organisation(name: "Accrediting Body", kind: .accreditingBody)
        let employer = Organisation(name: "Employer", kind: .employer)
        try await store.records.organisations.insert(body)
        try await store.records.organisations.insert(employer)
        let assessor = User(name: "Assessor", role: .assessor, organisationID: body.id)
        try await store.records.users.insert(assessor)
        let candidate = Candidate(registrationNumber: "SW000001", employerID: employer.id)
        try await store.records.candidates.insert(candidate, name: "Casey Candidate")
        let observation = Observation(candidateID: candidate.id, date: Date(timeIntervalSince1970: 1_790_000_000), scenario: "Home visit", practiceArea: .childrens)
        try await store.records.observations.insert(observation, ref: "OBS-W-1")
        let data = DataLayout(folder.appendingPathComponent("data").path)
        return WorkerFixture(folder: folder, store: store, data: data, observation: observation.id, uploader: assessor.id)
    }

    /// `file` stored as a blob and a recording of the observation, with its indexing job.
    func ingest(_ file: URL) async throws -> (recording: RecordingID, job: JobID) {
        let bytes = try Data(contentsOf: file)
        let key = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        try FileManager.default.createDirectory(atPath: data.uploads.string, withIntermediateDirectories: true)
        let partial = data.uploads.appending("ingest-\(UUID().uuidString).partial")
        try bytes.write(to: URL(fileURLWithPath: partial.string))
        _ = try await data.blobs.adopt(file: partial, key: BlobKey(key)!)
        let stored = try await store.ingest.storeUploadedRecording(
            uploadID: "test:\(key)", observationID: observation, uploadedBy: uploader, fileName: file.lastPathComponent, sha256: key,
            byteCount: Int64(bytes.count))
        guard let job = stored.job else { throw TestFailure("the recording got no indexing job") }
        return (stored.recordingID, job)
    }

    /// A stand-in indexer: a shell script that runs `body` (it gets the `index …` arguments; `$$` is its pid).
    func script(_ name: String, _ body: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try "#!/bin/sh\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        return url
    }

    func hangingIndexer() throws -> HangingIndexer { try HangingIndexer(in: folder) }

    func worker(indexer: URL, timeoutCap: Double = 1800) -> IndexingWorker {
        IndexingWorker(store: store, data: data, limits: IndexingLimits(timeoutCap: timeoutCap), indexer: indexer)
    }

    func job(_ id: JobID) async throws -> Job {
        guard let job = try await store.jobs.find(id) else { throw TestFailure("job \(id) is gone") }
        return job
    }

    /// Runs `body` with a fresh fixture, removed afterwards.
    static func with(_ body: (WorkerFixture) async throws -> Void) async throws {
        let fixture = try await make()
        do {
            try await body(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }

    func tearDown() async {
        await store.shutdown()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Whether process `pid` still runs (a zombie does not count).
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    return !(stat.split(separator: ")").last?.split(separator: " ").first == "Z")
}

/// Waits up to `seconds` for `condition`.
func eventually(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// A stand-in indexer that writes its pid to a file and hangs: a child certainly still running when the test acts.
struct HangingIndexer {
    let executable: URL
    let pidFile: URL

    init(in folder: URL) throws {
        executable = folder.appendingPathComponent("hanging-indexer")
        pidFile = folder.appendingPathComponent("hanging-indexer.pid")
        try "#!/bin/sh\necho $$ > '\(pidFile.path)'\nexec sleep 300\n".write(to: executable, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: executable.path)
    }

    var hasStarted: Bool { FileManager.default.fileExists(atPath: pidFile.path) }

    /// The child's pid, once it has started.
    func pid() throws -> Int32 {
        guard let pid = Int32(try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("the stand-in indexer wrote no pid")
        }
        return pid
    }
}
