import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// Every façade of the store throws ``StoreError`` (typed throws, decision 20): these tests check what the
/// caller then holds when the database fails underneath — the code a caller acts on, a message a person can read,
/// and the driver's error kept as the cause for the log.
@Suite("Store façades report database failures as StoreErrors", .timeLimit(.minutes(2)))
struct StoreFacadeErrorTests {
    /// One call through each façade.
    static let oneCallPerFacade: [(facade: String, call: @Sendable (ReviewStore) async throws(StoreError) -> Void)] = [
        ("records", { store throws(StoreError) in _ = try await store.records.listCases(CaseFilter(), page: PageRequest()) }),
        ("accounts", { store throws(StoreError) in _ = try await store.accounts.pendingApprovals() }),
        ("workflow", { store throws(StoreError) in
            try await store.workflow.recordViewing(of: RecordingID(), variant: "original", by: .system, at: Seed.start)
        }),
        ("moderation", { store throws(StoreError) in _ = try await store.moderation.moderationPolicy() }),
        ("ingest", { store throws(StoreError) in _ = try await store.ingest.recordingBlobKeys() }),
        ("insight", { store throws(StoreError) in _ = try await store.insight.earliestObservationDate() }),
        ("imports", { store throws(StoreError) in _ = try await store.imports.exportCases() }),
        ("dataProtection", { store throws(StoreError) in _ = try await store.dataProtection.holds() }),
        ("audit", { store throws(StoreError) in _ = try await store.audit.verify() }),
        ("jobs", { store throws(StoreError) in _ = try await store.jobs.jobCounts() }),
    ]

    @Test("a store that was shut down: every façade says the database is unavailable", arguments: TestBackend.allCases)
    func closedStore(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            // A second store on the same database, closed the way every store closes now (decision 19): its run ended.
            let closed = try ReviewStore(store.configuration)
            _ = try await closed.run { try await closed.moderation.moderationPolicy() }
            for (facade, call) in Self.oneCallPerFacade {
                do throws(StoreError) {
                    try await call(closed)
                    Issue.record("store.\(facade) answered after shutdown")
                } catch {
                    // `error` is a StoreError by the call's type; what matters is that it says what to do.
                    #expect(error.code == .unavailable, "store.\(facade): \(String(reflecting: error))")
                    #expect(!error.message.isEmpty && !error.message.contains("SQL"), "store.\(facade): \(error.message)")
                }
            }
        }
    }

    @Test("the audit trail's table gone: every audited write fails as a database error, nothing half-written",
          arguments: TestBackend.allCases)
    func auditTableGone(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let (opened, event) = try seed.openCase()
            try await store.raw("ALTER TABLE audit_events RENAME TO audit_events_gone")
            let writes: [(facade: String, call: @Sendable (ReviewStore) async throws(StoreError) -> Void)] = [
                ("records", { store throws(StoreError) in _ = try await store.records.cases.create(opened, event: event) }),
                ("accounts", { store throws(StoreError) in
                    try await store.accounts.setUserActive(seed.moderator.id, false, by: seed.lead.id, at: Seed.start)
                }),
                ("workflow", { store throws(StoreError) in
                    try await store.workflow.recordViewing(of: RecordingID(), variant: "original", by: seed.lead.actor, at: Seed.start)
                }),
                ("moderation", { store throws(StoreError) in
                    try await store.moderation.setModerationPolicy(.default, by: seed.lead.actor, at: Seed.start)
                }),
                ("imports", { store throws(StoreError) in
                    _ = try await store.imports.importRatings([], file: "empty.csv", sha256: String(repeating: "0", count: 64), at: Seed.start)
                }),
                ("audit", { store throws(StoreError) in
                    _ = try await store.audit.append(AuditEvent(
                        at: Seed.start, actorID: seed.lead.id, action: "test.event", subject: .init(type: "test", id: "1")))
                }),
            ]
            for (facade, call) in writes {
                do throws(StoreError) {
                    try await call(store)
                    Issue.record("store.\(facade) wrote without an audit trail")
                } catch {
                    #expect(error.code == .database, "store.\(facade): \(String(reflecting: error))")
                    #expect(error.message == "The database operation failed.", "store.\(facade)")
                    // The driver's own words stay out of the message and go to the log through the cause.
                    #expect(error.cause != nil && String(reflecting: error).contains("audit_events"), "store.\(facade)")
                }
            }
            // Each write was one transaction: the case and the deactivation rolled back with their missing events.
            #expect(try await store.records.cases.find(opened.id) == nil)
            #expect(try await store.records.users.find(seed.moderator.id)?.active == true)
        }
    }

    @Test("a violated rule reaches the caller with the rule's own code", arguments: TestBackend.allCases)
    func violatedRule(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            await expectStoreError(.duplicate) { try await store.records.organisations.insert(seed.employer) }
            // Credentials for a user who does not exist: the foreign key refuses them.
            await expectStoreError(.constraintViolation) {
                try await store.accounts.setCredentials(of: UserID(), username: "nobody", passwordHash: "x", at: Seed.start)
            }
            // A domain refusal (a sample rate out of range) keeps its own error as the cause.
            do throws(StoreError) {
                _ = try await store.moderation.drawSample(rate: 2, seed: 1, dryRun: true, by: seed.lead.actor, at: Seed.start)
                Issue.record("a sample rate of 2 was accepted")
            } catch {
                #expect(error.code == .invalidArgument && (error.cause as? DomainError)?.code == .policyOutOfRange)
                #expect(error.message.contains("between 0 and 1"))
            }
        }
    }
}
