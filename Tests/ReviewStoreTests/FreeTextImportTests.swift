import Foundation
@testable import ReviewDomain
import ReviewStore
import Testing

/// Decision 37, item 1: the import obeys the domain's limit on free text even when handed rows the CSV check never saw
/// (a caller of the library, the CLI): the row is named, and nothing is written.
@Suite("Free text limit on import")
struct FreeTextImportTests {
    @Test(arguments: TestBackend.allCases)
    func anImportRowWithAnOverlongRationaleIsRefusedNamingTheRow(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let rows = try ImportAndConcurrencyTests.sampleRows()
            let r = rows[5]
            let long = RatingsCSV.Row(
                line: r.line, observationRef: r.observationRef, candidateRef: r.candidateRef, candidateName: r.candidateName,
                registrationNumber: r.registrationNumber, employer: r.employer, observationDate: r.observationDate, scenario: r.scenario,
                source: r.source, rater: r.rater, raterOrganisation: r.raterOrganisation, score: r.score,
                rationale: String(repeating: "x", count: 11_000), ratedAt: r.ratedAt)
            var changed = rows
            changed[5] = long
            let error = await #expect(throws: StoreError.self) {
                _ = try await store.imports.importRatings(changed, file: "ratings.csv", sha256: "abc")
            }
            #expect(error?.message.contains("line \(r.line)") == true, "\(String(describing: error?.message))")
            #expect(error?.message.contains("at most 10000") == true)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM ratings") == 0)
        }
    }

    /// The hostile test of decision 41: a row naming the accrediting body (or a panel) as the candidate's employer filed
    /// the candidate, the observation and the dispute under the assessors.
    @Test(arguments: TestBackend.allCases)
    func aCandidatesEmployerMustBeAnEmployer(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let rows = try ImportAndConcurrencyTests.sampleRows()
            let r = rows[0]
            let body = try #require(rows.first { $0.source == .assessor }?.raterOrganisation)
            let wrong = RatingsCSV.Row(
                line: r.line, observationRef: r.observationRef, candidateRef: r.candidateRef, candidateName: r.candidateName,
                registrationNumber: r.registrationNumber, employer: body, observationDate: r.observationDate, scenario: r.scenario,
                source: r.source, rater: r.rater, raterOrganisation: r.raterOrganisation, score: r.score, rationale: r.rationale, ratedAt: r.ratedAt)
            _ = try await store.imports.importRatings(Array(rows.dropFirst()), file: "ratings.csv", sha256: "abc")
            let before = try await store.count("SELECT COUNT(*) AS n FROM candidates")
            let error = await #expect(throws: StoreError.self) {
                _ = try await store.imports.importRatings([wrong], file: "again.csv", sha256: "def")
            }
            #expect(error?.message.contains("is not an employer") == true, "\(String(describing: error?.message))")
            #expect(try await store.count("SELECT COUNT(*) AS n FROM candidates") == before)
        }
    }
}
