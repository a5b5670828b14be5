import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// A real SQLite store in a temporary directory with one of everything, an API token per caller, and the app
/// built as `serve` builds it (bcrypt at its minimum cost so that tests stay quick).
///
/// Employer A's candidate has an observation rated 3 by the assessor and 5 by employer A (a dispute case),
/// and a ready recording with its original, proxy, poster and index report on disk. The professional
/// moderator is assigned to that case; the lay moderator is not. Employer B is another employer.
struct APIFixture {
    enum Caller: String, CaseIterable, Sendable {
        case assessor, employer, otherEmployer, assignedModerator, unassignedModerator, lead, auditor, administrator
    }

    let directory: URL
    let store: ReviewStore
    let clock = TestClock()
    /// The list pages the app keeps (decision 44), to see whether a page was served kept or read.
    let listPages = ListPageCache()
    let tokens: [Caller: String]
    let users: [Caller: User]
    let employerA: Organisation
    let candidate: CandidateRecord
    let observation: ObservationRecord
    let dispute: Case
    let recording: Recording
    let originalBytes: [UInt8]
    let tokenIDs: [Caller: String]
    /// A legal hold on the dispute, placed by the lead (it stops the candidate's erasure until released).
    let hold: LegalHold
    /// A second token of the assessor's, for revoking without losing the one the tests use.
    let spareTokenID = "spare-assessor"

    static func make() async throws -> APIFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try ReviewStore(.sqlite(path: directory.appendingPathComponent("test.sqlite").path))
        try await store.migrate()
        let body = Organisation(name: "Accrediting Body", kind: .accreditingBody)
        let employerA = Organisation(name: "Employer A", kind: .employer)
        let employerB = Organisation(name: "Employer B", kind: .employer)
        let panel = Organisation(name: "Panel", kind: .moderationPanel)
        for organisation in [body, employerA, employerB, panel] { try await store.records.organisations.insert(organisation) }
        let roles: [Caller: (Role, Organisation)] = [
            .assessor: (.assessor, body), .employer: (.employer, employerA), .otherEmployer: (.employer, employerB),
            .assignedModerator: (.moderator(.professional), panel), .unassignedModerator: (.moderator(.lay), panel),
            .lead: (.lead, body), .auditor: (.auditor, body), .administrator: (.administrator, body),
        ]
        var users: [Caller: User] = [:]
        var tokens: [Caller: String] = [:]
        var tokenIDs: [Caller: String] = [:]
        for caller in Caller.allCases {
            let (role, organisation) = roles[caller]!
            let user = User(name: "Test \(caller.rawValue)", role: role, organisationID: organisation.id)
            try await store.records.users.insert(user)
            let secret = "token-\(caller.rawValue)-\(UUID().uuidString)"
            let record = try await store.accounts.createAPIToken(id: "id-\(caller.rawValue)", userID: user.id, name: "test", tokenHash: Secrets.hash(secret))
            users[caller] = user
            tokens[caller] = secret
            tokenIDs[caller] = record.id
        }
        _ = try await store.accounts.createAPIToken(id: "spare-assessor", userID: users[.assessor]!.id, name: "spare", tokenHash: Secrets.hash("spare-\(UUID())"))
        let candidate = CandidateRecord(candidate: Candidate(registrationNumber: "SW000001", employerID: employerA.id), name: "Casey Candidate")
        try await store.records.candidates.insert(candidate.candidate, name: candidate.name)
        let observation = ObservationRecord(
            observation: Observation(candidateID: candidate.candidate.id, date: Date(timeIntervalSince1970: 1_790_000_000), scenario: "Home visit", practiceArea: .childrens),
            ref: "OBS-T-1")
        try await store.records.observations.insert(observation.observation, ref: observation.ref)
        _ = try await store.workflow.recordRating(observationID: observation.observation.id, score: try Score(3), rationale: "Below the standard.",
                                         supersedes: nil, correctionReason: nil, by: users[.assessor]!.actor)
        let rated = try await store.workflow.recordRating(observationID: observation.observation.id, score: try Score(5), rationale: "Good practice.",
                                                 supersedes: nil, correctionReason: nil, by: users[.employer]!.actor)
        guard let opened = rated.openedCase else { throw TestFailure("the ratings 3 and 5 should open a dispute") }
        // One moderator per case, a professional: sending the dispute to moderation routes it to the assigned
        // (professional) moderator, never to the lay one.
        let lead = users[.lead]!.actor
        try await store.moderation.setModerationPolicy(try ModerationPolicy.default.with { $0.moderatorsPerCase = 1; $0.panel = [.professional] }, by: lead)
        let dispute = try await store.workflow.transition(opened.id, .requestModeration, expectedVersion: opened.version, reason: nil, by: lead)
        guard try await store.moderation.isAssigned(users[.assignedModerator]!.id, toCase: dispute.id), dispute.state == .inModeration else {
            throw TestFailure("routing should give the dispute to the professional moderator")
        }

        // A ready recording with its files on disk.
        let bytes = Tus.bytes(300_000, seed: 7)
        let sha256 = Tus.sha256Hex(bytes)
        let blob = directory.appendingPathComponent("blobs/\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256)")
        try FileManager.default.createDirectory(at: blob.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: blob)
        let stored = try await store.ingest.storeUploadedRecording(
            uploadID: "fixture", observationID: observation.observation.id, uploadedBy: users[.assessor]!.id, fileName: "visit.mp4",
            sha256: sha256, byteCount: Int64(bytes.count))
        _ = try await store.ingest.beginIndexing(stored.recordingID)
        let recording = try await store.ingest.finishIndexing(stored.recordingID, report: #"{"file":"visit.mp4","format":{"durationSeconds":120.0}}"#)
        let media = directory.appendingPathComponent("media/\(recording.id)/\(sha256)")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try Data(Tus.bytes(50_000, seed: 8)).write(to: media.appendingPathComponent("proxy.mp4"))
        try Data(Tus.bytes(2_000, seed: 9)).write(to: media.appendingPathComponent("poster.jpg"))
        try Data("WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n".utf8).write(to: media.appendingPathComponent("captions.vtt"))

        let hold = try await store.dataProtection.placeHold(on: .case, id: dispute.id.rawValue, reason: "Appeal AP-1 lodged", by: lead)
        return APIFixture(
            directory: directory, store: store, tokens: tokens, users: users, employerA: employerA, candidate: candidate,
            observation: observation, dispute: dispute, recording: recording, originalBytes: bytes, tokenIDs: tokenIDs, hold: hold)
    }

    /// The segments of a proxy being made again for the fixture's recording (a re-index): an init segment listed
    /// by the playlist (``SegmentedProxy``).
    func writePreviewSegments() throws {
        let live = directory.appendingPathComponent("media/\(recording.id)/\(recording.sha256!)/live")
        try FileManager.default.createDirectory(at: live, withIntermediateDirectories: true)
        try Data(#"{"codecs":"avc1.64001f,mp4a.40.2","durationSeconds":120}"#.utf8).write(to: live.appendingPathComponent("stream.json"))
        try Data("#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4.0,\nseg-00000.m4s\n".utf8).write(to: live.appendingPathComponent("index.m3u8"))
        try Data(Tus.bytes(1_000, seed: 12)).write(to: live.appendingPathComponent("init.mp4"))
        try Data(Tus.bytes(4_000, seed: 13)).write(to: live.appendingPathComponent("seg-00000.m4s"))
    }

    /// The lead releases the fixture's hold and erases its candidate (recordings' files and names go with it).
    func eraseCandidate(through client: some TestClientProtocol) async throws {
        let release = try await client.execute(uri: "/api/v1/holds/\(hold.id)", method: .delete, headers: headers(.lead, json: true),
                                               body: ByteBuffer(string: #"{"reason":"Appeal withdrawn"}"#))
        #expect(release.status == .ok)
        let erased = try await client.execute(
            uri: "/api/v1/erasures", method: .post, headers: headers(.lead, json: true),
            body: ByteBuffer(string: #"{"candidateId":"\#(candidate.candidate.id)","registrationNumber":"\#(candidate.candidate.registrationNumber)","reason":"ER-2"}"#))
        #expect(erased.status == .ok, "\(String(buffer: erased.body))")
    }

    var configuration: ServerConfiguration {
        ServerConfiguration(hostname: "127.0.0.1", port: 0, dataDirectory: directory.path, maxUploadBytes: 10 * 1024 * 1024,
                            uploadCleanupInterval: .seconds(3600), bcryptCost: 4)
    }

    func application(_ configuration: ServerConfiguration? = nil) async throws -> some ApplicationProtocol {
        var dependencies = ServerDependencies(store: store, completionHandler: StoreUploadCompletion(store: store), now: clock.function)
        dependencies.listPages = listPages
        return try await buildApplication(configuration: configuration ?? self.configuration, dependencies: dependencies)
    }

    /// Runs `test` against the app through the router (or `.live`, over a socket, as `serve` runs it), then shuts the
    /// store and removes the directory.
    func withClient(_ setup: TestingSetup = .router, configuration: ServerConfiguration? = nil,
                    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        do {
            try await application(configuration).test(setup) { client in try await test(ContractCheckingClient(base: client)) }
        } catch {
            await store.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        await store.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `test` with the fixture's store, then shuts it and removes the directory (as ``withClient(_:)`` does).
    static func withStore(_ test: (APIFixture) async throws -> Void) async throws {
        let fixture = try await make()
        do {
            try await test(fixture)
        } catch {
            await fixture.store.shutdown()
            try? FileManager.default.removeItem(at: fixture.directory)
            throw error
        }
        await fixture.store.shutdown()
        try? FileManager.default.removeItem(at: fixture.directory)
    }

    func headers(_ caller: Caller?, json: Bool = false) -> HTTPFields {
        var fields: HTTPFields = [:]
        if let caller { fields[.authorization] = "Bearer \(tokens[caller]!)" }
        if json { fields[.contentType] = "application/json" }
        return fields
    }
}
