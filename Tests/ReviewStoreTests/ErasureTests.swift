import Foundation
import ReviewDomain
import ReviewStore
import Testing

/// Deleted personal data leaves no trace in the SQLite files: not in free pages (`secure_delete`), not in the
/// write-ahead log (checkpointed and truncated after the deletion).
@Suite struct ErasureTests {
    /// Reproduces the finding: after `DELETE …/attributes` the value was still readable in `obsreview.sqlite-wal`.
    @Test func withdrawnAttributesAreGoneFromTheDatabaseFilesAndTheLog() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-erasure-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("obsreview.sqlite").path
        let store = try ReviewStore(.sqlite(path: path))
        try await store.migrate()
        let seed = try await Seed.insert(into: store)
        let marker = "Zyxwvut-Unrepeatable-Heritage-\(UUID().uuidString.prefix(8))"
        _ = try await store.insight.recordAttributes(of: seed.candidate.id, ["ethnicity": marker], consentReference: "CF-1",
                                             consentedAt: Seed.start, by: seed.lead.actor)
        func traces() throws -> [String] {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("obsreview.sqlite") }
            return try names.filter { name in
                let bytes = try Data(contentsOf: folder.appendingPathComponent(name))
                return bytes.range(of: Data(marker.utf8)) != nil
            }
        }
        #expect(try !traces().isEmpty, "the marker should be stored before it is withdrawn")
        #expect(try await store.insight.withdrawAttributes(of: seed.candidate.id, by: seed.lead.actor))
        let left = try traces()
        #expect(left.isEmpty, "the withdrawn value is still in \(left)")
        #expect(try await store.insight.attributes(of: seed.candidate.id) == nil)
        #expect(try await store.audit.verify().firstBreak == nil)
        await store.shutdown()
    }
}

/// A full disk is a state of the machine, not a fault of the request: the store says so (`storageFull`), and the API
/// answers 507 with what to do, not 500 "internal" (issue 19). SQLite's `max_page_count` makes the database file
/// full for real on one connection.
@Suite struct FullDiskTests {
    @Test func aFullDatabaseIsStorageFullWithWhatToDo() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-full-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ReviewStore(.sqlite(path: folder.appendingPathComponent("obsreview.sqlite").path))
        try await store.migrate()
        do {
            try await store.withRawDatabase { db in
                _ = try await db.raw("CREATE TEMP TABLE filler (bytes BLOB)").all()
                let pages = try await db.raw("PRAGMA page_count").first(decodingColumn: "page_count", as: Int.self) ?? 1
                _ = try await db.raw("PRAGMA max_page_count = \(unsafeRaw: String(pages))").all()
                _ = try await db.raw("CREATE TABLE filler_main (bytes BLOB)").all()
                _ = try await db.raw("INSERT INTO filler_main VALUES (zeroblob(1000000))").all()
            }
            Issue.record("a write past max_page_count succeeded")
        } catch let error as StoreError {
            #expect(error.code == .storageFull)
            #expect(error.message.contains("disk is full") && error.message.contains("try again later"))
        }
        await store.shutdown()
    }
}
