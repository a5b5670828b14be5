import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// Issue 14's phantom moderators: an import names raters, it never creates people routing could choose. Raters are
/// matched to existing users by organisation and name (Unicode-normalised, case-insensitive); an unknown one becomes an
/// inactive identity with no moderator profile; a name two people share is an error naming the line.
@Suite("Import matches raters to people")
struct ImportMatchingTests {
    static let header = RatingsCSV.columns.joined(separator: ",")

    static func row(_ ref: String, source: String, rater: String, organisation: String, score: Int, at: String) -> String {
        "\(ref),CAND-1,Casey Candidate,SW000777,Eastgate City Council,2026-01-14,Home visit,\(source),\(rater),\(organisation),\(score),Seen.,\(at)"
    }

    static func rows(_ lines: [String]) throws -> [RatingsCSV.Row] {
        try RatingsCSV.parse(([header] + lines).joined(separator: "\n")).get()
    }

    @Test(arguments: TestBackend.allCases)
    func ratersAreMatchedNeverInvented(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let panel = Organisation(name: "Moderation Panel", kind: .moderationPanel)
            let body = Organisation(name: "National Accreditation Body", kind: .accreditingBody)
            let employer = Organisation(name: "Eastgate City Council", kind: .employer)
            for organisation in [panel, body, employer] { try await store.records.organisations.insert(organisation) }
            // The real lay moderator, written precomposed; the file names her in capitals with combining accents.
            let lay = User(name: "Ana Núñez", role: .moderator(.lay), organisationID: panel.id)
            let assessor = User(name: "Priya Vantongeren", role: .assessor, organisationID: body.id)
            try await store.records.users.insert(lay)
            try await store.records.users.insert(assessor)
            let before = try await store.count("SELECT COUNT(*) AS n FROM users")

            let summary = try await store.imports.importRatings(try Self.rows([
                Self.row("OBS-1", source: "assessor", rater: "priya  VANTONGEREN", organisation: "National Accreditation Body", score: 3,
                         at: "2026-01-16T10:00:00Z"),
                Self.row("OBS-1", source: "moderator", rater: "ANA NU\u{0301}N\u{0303}EZ", organisation: "Moderation Panel", score: 4,
                         at: "2026-01-17T10:00:00Z"),
                Self.row("OBS-1", source: "employer", rater: "Declan Hartsworth", organisation: "Eastgate City Council", score: 6,
                         at: "2026-01-18T10:00:00Z"),
            ]), file: "t.csv", sha256: "00")
            #expect(summary.ratingsRecorded == 3)
            // The moderator and the assessor are the people who exist; only the unknown employer rater is new.
            let raters = try await store.records.ratings.ratings(of: try #require(try await store.records.observations.find(ref: "OBS-1")).observation.id)
            #expect(raters.first { $0.source == .moderator }?.raterID == lay.id)
            #expect(raters.first { $0.source == .assessor }?.raterID == assessor.id)
            let declan = try #require(raters.first { $0.source == .employer }).raterID
            let created = try #require(try await store.records.users.find(declan))
            #expect(created.active == false && created.role == .employer)
            // New people: the employer rater and the import's own identity, both inactive; no new moderator at all.
            #expect(try await store.count("SELECT COUNT(*) AS n FROM users") == before + 2)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM users WHERE role LIKE 'moderator%'") == 1)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM users WHERE active = \(literal: backend == .postgres ? "TRUE" : "1") AND name LIKE 'Ratings import%'") == 0)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM moderator_profiles") == 0)
            // Routing: the real moderator rated the observation, so she is excluded; nobody phantom is chosen.
            let profiles = try await store.moderation.moderatorProfiles()
            #expect(profiles.filter { $0.profile.active }.map(\.profile.id) == [lay.id])

            // An unknown moderator named in a file is an inactive identity: never routed.
            _ = try await store.imports.importRatings(try Self.rows([
                Self.row("OBS-2", source: "moderator", rater: "Someone New", organisation: "Moderation Panel", score: 4, at: "2026-01-19T10:00:00Z"),
            ]), file: "t2.csv", sha256: "01")
            #expect(try await store.moderation.moderatorProfiles().filter { $0.profile.active }.map(\.profile.id) == [lay.id])

            // Two people of one organisation with the same name: the import refuses, naming the line and the column.
            try await store.records.users.insert(User(name: "ana núñez", role: .moderator(.professional), organisationID: panel.id))
            let ambiguous = await #expect(throws: StoreError.self) {
                _ = try await store.imports.importRatings(try Self.rows([
                    Self.row("OBS-3", source: "moderator", rater: "Ana Núñez", organisation: "Moderation Panel", score: 4, at: "2026-01-20T10:00:00Z"),
                ]), file: "t3.csv", sha256: "02")
            }
            #expect(ambiguous?.message.contains("line 2, column rater") == true, "\(ambiguous?.message ?? "")")
            #expect(try await store.records.observations.find(ref: "OBS-3") == nil)
        }
    }
}
