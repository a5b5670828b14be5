import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// The counts per state the board and the home page read (migration 24, decision 38): kept by triggers on the case
/// summaries, they must equal a full count of the summaries after every kind of write — the random walk of
/// `CaseSummaryStoreTests` checks them at each step — and after transitions running at the same time, on SQLite and
/// PostgreSQL; the migration fills them from the summaries already stored.
@Suite("Case counts per state")
struct CaseStateCountsTests {
    /// The board's counts (`caseCounts` of every case) against a count of every summary, at `now`.
    static func expectCountsMatch(_ store: ReviewStore, now: Date, _ context: String) async throws {
        let summaries = try await store.records.listCaseSummaries(CaseFilter(), page: PageRequest(size: 500))
        var byState: [Case.State: Int] = [:]
        for summary in summaries { byState[summary.state, default: 0] += 1 }
        let overdue = summaries.filter { $0.isOverdue(at: now) }.count
        let counts = try await store.records.caseCounts(CaseFilter(), now: now)
        #expect(counts.byState == byState, "\(context): kept \(counts.byState), counted \(byState)")
        #expect(counts.overdue == overdue, "\(context): overdue kept \(counts.overdue), counted \(overdue)")
        // The same through the filtered query, which counts the summaries themselves.
        let scanned = try await store.records.caseCounts(CaseFilter(caseIDs: summaries.map(\.caseID)), now: now)
        #expect(scanned.byState == byState && scanned.overdue == overdue, "\(context): the scan disagrees")
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentTransitionsKeepTheCountsEqualToAFullCount(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            var opened: [Case] = []
            for n in 0..<16 {
                let observation = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Count \(n)",
                                              practiceArea: .adults)
                try await store.records.observations.insert(observation, ref: "OBS-C-\(n)")
                opened.append(try await store.workflow.flag(observationID: observation.id, reason: "Count \(n).", by: world.assessor.actor,
                                                            at: ModerationWorld.start + Double(n)))
            }
            try await Self.expectCountsMatch(store, now: ModerationWorld.start, "\(backend) opened")
            #expect(try await store.records.caseCounts(CaseFilter(), now: ModerationWorld.start).byState[.open] == 17)
            // Sixteen transitions at once, in opposite directions through the same states: to moderation, withdrawn,
            // and (for those sent) withdrawn again from moderation.
            let lead = world.lead.actor
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (n, value) in opened.enumerated() {
                    group.addTask {
                        let at = ModerationWorld.start + 3_600 + Double(n)
                        if n % 2 == 0 {
                            let sent = try await store.workflow.transition(value.id, .requestModeration, expectedVersion: value.version,
                                                                           reason: nil, by: lead, at: at)
                            if n % 4 == 0 {
                                _ = try await store.workflow.transition(sent.id, .withdraw, expectedVersion: sent.version, reason: "Back out.",
                                                                        by: lead, at: at + 1)
                            }
                        } else {
                            _ = try await store.workflow.transition(value.id, .withdraw, expectedVersion: value.version, reason: "Entered in error.",
                                                                    by: lead, at: at)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await Self.expectCountsMatch(store, now: ModerationWorld.start + 100 * 86_400, "\(backend) after the concurrent transitions")
            let counts = try await store.records.caseCounts(CaseFilter(), now: ModerationWorld.start)
            #expect(counts.byState[.withdrawn] == 12, "\(backend): \(counts.byState)")
        }
    }

    @Test(arguments: TestBackend.allCases)
    func theMigrationCountsTheStoredSummaries(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            _ = try await world.sendToModeration(store)
            let before = try await store.records.caseCounts(CaseFilter(), now: ModerationWorld.start)
            #expect(before.byState[.inModeration] == 1)
            try await store.raw("DROP TABLE case_state_counts")
            if backend == .postgres {
                try await store.raw("DROP TRIGGER case_summaries_counted ON case_summaries")
            } else {
                for operation in ["insert", "update", "delete"] { try await store.raw("DROP TRIGGER case_summaries_counted_\(unsafeRaw: operation)") }
            }
            try await store.raw("DELETE FROM schema_migrations WHERE version = 24")
            #expect(try await store.migrate() == [24])
            #expect(try await store.records.caseCounts(CaseFilter(), now: ModerationWorld.start) == before)
            try await Self.expectCountsMatch(store, now: ModerationWorld.start + 100 * 86_400, "\(backend) after the backfill")
        }
    }
}
