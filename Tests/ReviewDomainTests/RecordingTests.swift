import ReviewDomain
import Testing

@Suite("Recording ingest")
struct RecordingTests {
    typealias Status = Recording.IngestStatus
    static let statuses: [Status] = [.uploading, .stored, .indexing, .ready, .rejected(reason: "bad")]
    static let allowed: Set<[String]> = [
        ["uploading", "stored"], ["stored", "indexing"], ["indexing", "ready"],
        ["uploading", "rejected"], ["stored", "rejected"], ["indexing", "rejected"],
    ]

    @Test("The ingest graph", arguments: statuses, statuses)
    func graph(from: Status, to: Status) {
        let expected = Self.allowed.contains([from.name, to.name])
        #expect(from.canMove(to: to) == expected)
        do {
            #expect(try from.moving(to: to) == to)
            #expect(expected)
        } catch {
            #expect(!expected)
            #expect(error.code == .ingestTransition)
            #expect(error.message.contains(from.name))
        }
    }

    @Test("A recording goes from upload to ready")
    func happyPath() throws {
        var recording = Recording(observationID: Fixture.observation, uploadedBy: Fixture.assessor.userID, fileName: "obs.mp4")
        #expect(recording.status == .uploading)
        try recording.markStored(sha256: String(repeating: "AB", count: 32), byteCount: 1024)
        #expect(recording.sha256 == String(repeating: "ab", count: 32) && recording.byteCount == 1024)
        try recording.beginIndexing()
        try recording.markReady()
        #expect(recording.status == .ready && recording.status.isFinal)
        #expect(throws: DomainError.self) { try recording.reject(reason: "late") }
    }

    @Test("Rejection needs a reason and is final")
    func rejection() throws {
        var recording = Recording(observationID: Fixture.observation, uploadedBy: Fixture.assessor.userID, fileName: "x.mov")
        let blank = #expect(throws: DomainError.self) { try recording.reject(reason: "  ") }
        #expect(blank?.code == .reasonRequired)
        try recording.reject(reason: " checksum mismatch ")
        #expect(recording.status == .rejected(reason: "checksum mismatch"))
        #expect(throws: DomainError.self) { try recording.markStored(sha256: String(repeating: "0", count: 64), byteCount: 1) }
    }

    @Test("Malformed checksums and empty files are refused", arguments: [
        ("abc", 10), (String(repeating: "g", count: 64), 10), (String(repeating: "0", count: 64), 0),
    ] as [(String, Int64)])
    func invalidContent(sha256: String, byteCount: Int64) {
        var recording = Recording(observationID: Fixture.observation, uploadedBy: Fixture.assessor.userID, fileName: "x")
        let error = #expect(throws: DomainError.self) { try recording.markStored(sha256: sha256, byteCount: byteCount) }
        #expect(error?.code == .invalidContent)
        #expect(recording.status == .uploading)
    }
}
