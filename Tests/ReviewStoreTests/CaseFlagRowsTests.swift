import Foundation
import ReviewDomain
import SQLKit
import Testing

@testable import ReviewStore

/// Flags in rows of their own (issue 21 item 1, migration 23, decision 35): a case's stored document stays the same
/// size however many flags are raised on it, every flag can still be read (paged), and flags stored in documents before
/// the migration move into rows — on SQLite and PostgreSQL.
@Suite("Case flags in rows")
struct CaseFlagRowsTests {
    static let flags = 2_000

    /// The stored document's length in characters.
    static func documentLength(_ store: ReviewStore) async throws -> Int {
        try await store.count("SELECT length(CAST(document AS TEXT)) AS n FROM cases")
    }

    @Test("a case flagged 2,000 times keeps a document of bounded size, still transitions, and pages through every flag",
          arguments: TestBackend.allCases)
    func thousandsOfFlags(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let o = seed.observation.id
            var sizes: [Int: Int] = [:]
            var value: Case? = nil
            for n in 1...Self.flags {
                value = try await store.workflow.flag(observationID: o, reason: "Reason \(n): the timing of the visit looks wrong.",
                                                      by: n.isMultiple(of: 2) ? seed.assessor.actor : seed.employerRep.actor)
                if [10, 100, 1_000, Self.flags].contains(n) { sizes[n] = try await Self.documentLength(store) }
            }
            let flagged = try #require(value)
            #expect(flagged.flagCount == Self.flags)
            // The document grows by the digits of the count and of the version, and its times may gain fractional digits
            // (a flaky bound of 8 met 10 on PostgreSQL once) — not by a flag's worth (~60 characters) per flag.
            let growth = try #require(sizes[Self.flags]) - (try #require(sizes[10]))
            #expect(growth <= 40, "\(backend): the document grew by \(growth) characters from 10 to \(Self.flags) flags (\(sizes))")
            #expect(try await store.count("SELECT COUNT(*) AS n FROM case_flags") == Self.flags)
            // Read back in pages, oldest first, the last page as the first.
            let last = try await store.records.cases.flags(of: flagged.id, offset: Self.flags - 5, limit: 50)
            #expect(last.map(\.reason) == (Self.flags - 4...Self.flags).map { "Reason \($0): the timing of the visit looks wrong." })
            let first = try await store.records.cases.flags(of: flagged.id, offset: 0, limit: 3)
            #expect(first.map(\.raisedBy) == [seed.employerRep.id, seed.assessor.id, seed.employerRep.id])
            // The same reason again (spelt differently) by the same person is not stored again; the case moves on.
            let again = try await store.workflow.flag(observationID: o, reason: "  reason 2: THE timing of the visit looks wrong.", by: seed.assessor.actor)
            #expect(again.flagCount == Self.flags && again.version == flagged.version)
            let moved = try await store.workflow.transition(flagged.id, .startLocalReview, expectedVersion: flagged.version,
                                                            reason: "Talk it over first.", by: seed.assessor.actor)
            #expect(moved.state == .localReview && moved.flagCount == Self.flags)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM case_flags") == Self.flags)
            #expect(try await Self.documentLength(store) <= (try #require(sizes[Self.flags])) + 40)
        }
    }

    @Test("the migration moves flags stored in documents into rows, a repeated one once, and the case reads as before",
          arguments: TestBackend.allCases)
    func backfill(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let o = seed.observation.id
            let reasons = ["The scores look wrong.", "The recording cuts off early.", "Audio is missing."]
            var value = try await store.workflow.flag(observationID: o, reason: reasons[0], by: seed.assessor.actor)
            for reason in reasons.dropFirst() { value = try await store.workflow.flag(observationID: o, reason: reason, by: seed.employerRep.actor) }
            let stored = try await store.records.cases.flags(of: value.id, offset: 0, limit: 10)
            #expect(stored.count == 3)
            // The document as it was written before decision 35: every flag in it (one of them twice), no count.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var object = try #require(try JSONSerialization.jsonObject(with: try encoder.encode(value)) as? [String: Any])
            object["flagCount"] = nil
            object["lastFlag"] = nil
            object["flags"] = try JSONSerialization.jsonObject(with: try encoder.encode(stored + [stored[1]]))
            let earlier = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            #expect(!earlier.contains("flagCount") && earlier.contains("\"flags\""))
            let cast = backend == .postgres ? "::jsonb" : ""
            try await store.raw("UPDATE cases SET document = \(bind: earlier)\(unsafeRaw: cast)")
            try await store.raw("DROP TABLE case_flags")
            try await store.raw("DROP INDEX case_summaries_counts")  // the migration's other statement
            try await store.raw("DELETE FROM schema_migrations WHERE version = 23")
            #expect(try await store.migrate() == [23])
            let migrated = try #require(try await store.records.cases.find(value.id))
            #expect(migrated.flagCount == 3 && migrated.lastFlag?.reason == reasons[2])
            #expect(try await store.records.cases.flags(of: value.id, offset: 0, limit: 10) == stored)
            let document = try await store.withRawDatabase { db in
                try await db.raw("SELECT CAST(document AS TEXT) AS d FROM cases").first(decodingColumn: "d", as: String.self)
            }
            #expect(document?.contains("\"flags\"") == false, "\(backend): the flags stayed in the document")
            // Flags go on as before: a repeat is refused quietly, a new one is number 4.
            _ = try await store.workflow.flag(observationID: o, reason: reasons[0], by: seed.assessor.actor)
            let next = try await store.workflow.flag(observationID: o, reason: "One more thing.", by: seed.assessor.actor)
            #expect(next.flagCount == 4)
            #expect(try await store.records.cases.flags(of: value.id, offset: 3, limit: 10).map(\.reason) == ["One more thing."])
            // Erasing the candidate blanks every flag's reason, in the rows and in the document's newest flag.
            _ = try await store.dataProtection.eraseCandidate(seed.candidate.id, reason: "Request granted.", by: seed.lead.actor)
            let erased = try await store.records.cases.flags(of: value.id, offset: 0, limit: 10)
            #expect(erased.count == 4 && erased.allSatisfy { $0.reason == ErasureMarker.text }, "\(backend): \(erased.map(\.reason))")
            #expect(try await store.records.cases.find(value.id)?.lastFlag?.reason == ErasureMarker.text)
        }
    }
}
