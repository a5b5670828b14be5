import Foundation
import ReviewDomain
@testable import ReviewStore
import Testing

@Suite("Configuration and schema constants")
struct ConfigurationTests {
    @Test func urlsParse() throws {
        #expect(try DatabaseConfiguration(url: "sqlite:///var/lib/obsreview/db.sqlite") == .sqlite(path: "/var/lib/obsreview/db.sqlite"))
        #expect(try DatabaseConfiguration(url: "sqlite:data/db.sqlite") == .sqlite(path: "data/db.sqlite"))
        #expect(try DatabaseConfiguration(url: "./data/x.sqlite") == .sqlite(path: "./data/x.sqlite"))
        #expect(try DatabaseConfiguration(url: "postgres://app@db:5433/obsreview") == .postgres(url: "postgres://app@db:5433/obsreview"))
        #expect(DatabaseConfiguration.default == .sqlite(path: "./data/obsreview.sqlite"))
        let parsed = try PostgresURL("postgresql://app:secret@db/obsreview?sslmode=disable")
        #expect(parsed.port == 5432)
        #expect(parsed.password == "secret")
        #expect(parsed.tls == .disable)
        #expect(!DatabaseConfiguration.postgres(url: "postgres://app:secret@db/obsreview").description.contains("secret"))
        // Found by the hostile tester: a password given as a query parameter was printed at start-up.
        for url in ["postgres://app@db/x?password=hunter2", "postgres://app@db/x?sslmode=require&PassWord=hunter2&sslpassword=hunter2",
                    "postgres://app:hunter2@db/x?sslkey=hunter2"] {
            let shown = DatabaseConfiguration.postgres(url: url).description
            #expect(!shown.contains("hunter2"), "\(shown)")
        }
        #expect(DatabaseConfiguration.postgres(url: "postgres://app@db/x?password=hunter2&sslmode=require").description
            == "postgres://app@db/x?password=***&sslmode=require")
    }

    @Test(arguments: ["postgres://db/obsreview", "postgres://app@db", "mysql://app@db/x", "sqlite://", "postgres://app@db/x?sslmode=maybe"])
    func badURLsAreRefused(_ url: String) {
        #expect(throws: StoreError.self) { try DatabaseConfiguration(url: url) }
    }

    @Test func theDefaultSQLiteFolderIsCreated() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-\(UUID().uuidString)/nested")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let store = try ReviewStore(.sqlite(path: folder.appendingPathComponent("db.sqlite").path))
        #expect(try await store.migrate() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 23, 24, 27])
        await store.shutdown()
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("db.sqlite").path))
    }

    /// The migration's frozen CHECK lists still match the domain; a new domain value needs a new migration.
    @Test func checkListsMatchTheDomain() {
        typealias M = Migration0001Initial
        #expect(M.organisationKinds == Organisation.Kind.allCases.map(\.rawValue))
        #expect(M.roles == Role.allCases.map(\.rawValue))
        #expect(M.practiceAreas == Observation.PracticeArea.allCases.map(\.rawValue))
        #expect(M.ratingSources == RatingSource.allCases.map(\.rawValue))
        #expect(M.caseKinds == Case.Kind.allCases.map(\.rawValue))
        #expect(M.caseStates == Case.State.allCases.map(\.rawValue))
        #expect(M.jobStates == Job.State.allCases.map(\.rawValue))
        #expect(Migration0006Moderation.assignmentStates == Assignment.State.allCases.map(\.rawValue))
        #expect(Migration0006Moderation.moderatorKinds == ModeratorKind.allCases.map(\.rawValue))
    }

    @Test func backOffDoublesAndIsCapped() {
        #expect(JobBackoff.delay(afterAttempt: 1) == 30)
        #expect(JobBackoff.delay(afterAttempt: 2) == 60)
        #expect(JobBackoff.delay(afterAttempt: 5) == 480)
        #expect(JobBackoff.delay(afterAttempt: 50) == 3600)
    }

    @Test func theChainHashIsSHA256OfPreviousHexAndCanonicalBytes() {
        let event = AuditEvent(id: AuditEventID(rawValue: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))), sequence: 1,
                               at: Date(timeIntervalSince1970: 0), actorID: UserID(rawValue: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2))),
                               action: "case.opened", subject: .init(type: "case", id: "c1"))
        // Independent reference: printf '%s%s' "$(printf '0%.0s' {1..64})" "$CANONICAL" | sha256sum
        #expect(String(decoding: event.canonicalBytes(), as: UTF8.self) == #"{"action":"case.opened","actorID":"00000000-0000-0000-0000-000000000002","at":"1970-01-01T00:00:00.000Z","details":{},"id":"00000000-0000-0000-0000-000000000001","reason":null,"sequence":1,"subject":{"id":"c1","type":"case"}}"#)
        #expect(AuditChain.hash(of: event, previousHash: AuditChain.genesisHash) == "bf37e8254998d61480d2612303b241f86e33ce5273ab2863f725f811430c5be7")
    }
}
