import Foundation
import Logging
import ReviewDomain
import ReviewStore

extension BenchRoutingCommand {
    /// The store's whole routing pass at scale: `cases` disputes waiting in `awaiting_moderation` (none could be
    /// routed while every moderator's capacity was 0), then capacity returns and one `route` call reads every case
    /// in moderation, routes them and writes the assignments, transitions and audit events in one transaction.
    /// Baseline in the same run: the next pass, with nothing left to route (reading the same state, writing nothing).
    func routeThroughTheStore() async throws {
        var rng = SplitMix64(seed: seed ^ 0x5702E)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("obsreview-bench-routing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var logger = Logger(label: "obsreview.bench")
        logger.logLevel = .warning
        let store = try ReviewStore(.sqlite(path: folder.appendingPathComponent("bench.sqlite").path), logger: logger)
        try await store.run { try await measure(store, random: &rng) }
    }

    private func measure(_ store: ReviewStore, random rng: inout SplitMix64) async throws {
        try await store.migrate()

        // Disputes: employer 5 and assessor 3 on every observation, by 40 employers' raters and 100 assessors.
        var csv = "observation_ref,candidate_ref,candidate_name,registration_number,employer,observation_date,scenario,source,rater,rater_organisation,score,rationale,rated_at\n"
        for n in 0..<cases {
            let employer = "Authority \(n % 40)"
            let base = "OBS-\(n),CAND-\(n),Candidate \(n),SW\(100_000 + n),\(employer),2026-03-01,Visit"
            csv += "\(base),employer,\(employer) rater,\(employer),5,Endorsed.,2026-03-02T10:00:00Z\n"
            csv += "\(base),assessor,Assessor \(rng.below(100)),National Accreditation Body,3,Not yet.,2026-03-03T10:00:00Z\n"
        }
        guard case .success(let rows) = RatingsCSV.parse(csv) else { throw ValidationErrorText("the benchmark's CSV did not parse") }
        _ = try await store.imports.importRatings(rows, file: "bench.csv", sha256: String(repeating: "0", count: 64))
        let lead = User(name: "Bench Lead", role: .lead, organisationID: OrganisationID.system)
        try await store.records.users.insert(lead)
        let employers = try await store.records.organisations.all().filter { $0.kind == .employer }
        let panels = (0..<8).map { Organisation(name: "Panel \($0)", kind: .moderationPanel) }
        for panel in panels { try await store.records.organisations.insert(panel) }
        var moderators: [User] = []
        for n in 0..<self.moderators {
            let organisation = rng.below(10) == 0 ? employers[rng.below(employers.count)].id : panels[rng.below(panels.count)].id
            let user = User(name: "Moderator \(n)", role: .moderator(n % 5 < 2 ? .lay : .professional), organisationID: organisation)
            try await store.records.users.insert(user)
            try await store.moderation.setModeratorProfile(of: user.id, practiceAreas: [], capacity: 0, by: lead.actor)
            moderators.append(user)
        }
        let open = try await store.records.cases.cases(in: .open, limit: cases)
        let candidates = try await store.withRawDatabase { db in
            try await db.raw("SELECT id FROM candidates").all().map { UUID(uuidString: try $0.decode(column: "id", as: String.self))! }
        }
        for moderator in moderators {
            for _ in 0..<3 {
                try await store.moderation.declareConflict(try DeclaredConflict(moderatorID: moderator.id, subject: .candidate(CandidateID(rawValue: candidates[rng.below(candidates.count)])),
                                                                     reason: "knows them"), by: moderator.actor)
            }
        }
        for value in open {
            _ = try await store.workflow.transition(value.id, .requestModeration, expectedVersion: value.version, reason: nil, by: lead.actor)
        }
        for moderator in moderators {
            try await store.moderation.setModeratorProfile(of: moderator.id, practiceAreas: [], capacity: 60, by: lead.actor)
        }
        let start = ContinuousClock.now
        let report = try await store.moderation.route(trigger: "bench")
        let pass = ContinuousClock.now - start
        let baselineStart = ContinuousClock.now
        let idle = try await store.moderation.route(trigger: "bench")
        let baseline = ContinuousClock.now - baselineStart
        let assigned = report.routed.reduce(0) { $0 + $1.assigned.count }
        print(String(format: "store routing pass (SQLite): %d cases in moderation, %d assignments written in one transaction: %.2f s | baseline: the next pass with nothing to route %.2f s | ratio %.1f | left short %d",
                     open.count, assigned, pass.seconds, baseline.seconds, pass.seconds / baseline.seconds,
                     idle.routed.filter { $0.problem != nil }.count))
    }
}
