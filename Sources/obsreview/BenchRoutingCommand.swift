import ArgumentParser
import Foundation
import ReviewDomain

/// `obsreview bench-routing` (hidden; run by `scripts/bench-routing`): routes N open cases among M moderators
/// with realistic conflicts in one call, against a named baseline measured in the same run — one pass that only
/// checks every moderator's exclusions for every case (the work any exact router must do) without choosing.
struct BenchRoutingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-routing", abstract: "Benchmark routing (synthetic data, seeded).", shouldDisplay: false)

    @Option var cases = 10_000
    @Option var moderators = 500
    @Option var runs = 7
    @Option var seed: UInt64 = 20_261_122
    @Flag(help: "Also time the store's whole routing pass on a fresh SQLite database of that size.") var store = false

    func run() async throws {
        try routeInOneCall()
        if store { try await routeThroughTheStore() }
    }

    func routeInOneCall() throws {
        var rng = SplitMix64(seed: seed)
        let employers = (0..<40).map { _ in OrganisationID() }
        let panels = (0..<8).map { _ in OrganisationID() }
        let areas = Observation.PracticeArea.allCases
        let candidates = (0..<cases).map { _ in (CandidateID(), employers[rng.below(employers.count)]) }
        // 40% lay; one in ten moderators works for an employer (excluded from its staff's cases); 1–2 practice areas.
        let profiles = try (0..<moderators).map { n -> ModeratorProfile in
            let organisation = rng.below(10) == 0 ? employers[rng.below(employers.count)] : panels[rng.below(panels.count)]
            var practice: Set<Observation.PracticeArea> = [areas[rng.below(3)]]
            if rng.below(3) == 0 { practice.insert(areas[rng.below(areas.count)]) }
            return try ModeratorProfile(id: UserID(), kind: n % 5 < 2 ? .lay : .professional, organisationID: organisation,
                                        practiceAreas: practice, capacity: 60, active: rng.below(50) != 0)
        }
        // Each moderator declares three candidates and, one in four, an organisation.
        var conflicts: [DeclaredConflict] = []
        for profile in profiles {
            for _ in 0..<3 {
                conflicts.append(try DeclaredConflict(moderatorID: profile.id, subject: .candidate(candidates[rng.below(cases)].0), reason: "knows them"))
            }
            if rng.below(4) == 0 {
                conflicts.append(try DeclaredConflict(moderatorID: profile.id, subject: .organisation(employers[rng.below(employers.count)]), reason: "worked there"))
            }
        }
        let workload = Dictionary(uniqueKeysWithValues: profiles.map { ($0.id, rng.below(5)) })
        let requests = candidates.map { candidate, employer in
            var raters: Set<UserID> = [UserID(), UserID()]
            if rng.below(20) == 0 { raters.insert(profiles[rng.below(moderators)].id) }
            return RoutingRequest(caseID: CaseID(), candidateID: candidate, employerID: employer, practiceArea: areas[rng.below(areas.count)],
                                  raters: raters, places: 2)
        }

        var routerTimes: [Double] = [], baselineTimes: [Double] = []
        var checksum = 0
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            var router = Router(moderators: profiles, conflicts: conflicts, openWorkload: workload, policy: .default)
            let decisions = router.route(requests)
            routerTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            checksum &+= decisions.reduce(0) { $0 + $1.chosen.count }

            let baselineStart = DispatchTime.now().uptimeNanoseconds
            checksum &+= Self.eligibilityScan(profiles: profiles, conflicts: conflicts, requests: requests)
            baselineTimes.append(Double(DispatchTime.now().uptimeNanoseconds - baselineStart) / 1e6)
        }
        let router = routerTimes.sorted()[runs / 2], baseline = baselineTimes.sorted()[runs / 2]
        print(String(format: "routing %d cases among %d moderators (%d conflicts): median %.1f ms (min %.1f) | baseline eligibility scan %.1f ms | ratio %.2f | checksum %d",
                     cases, moderators, conflicts.count, router, routerTimes.min()!, baseline, router / baseline, checksum))
    }

    /// The baseline: for every case, every moderator's exclusions checked with plain set look-ups; nothing chosen.
    static func eligibilityScan(profiles: [ModeratorProfile], conflicts: [DeclaredConflict], requests: [RoutingRequest]) -> Int {
        var byModerator: [UserID: (candidates: Set<CandidateID>, organisations: Set<OrganisationID>)] = [:]
        for conflict in conflicts {
            switch conflict.subject {
            case .candidate(let id): byModerator[conflict.moderatorID, default: ([], [])].candidates.insert(id)
            case .organisation(let id): byModerator[conflict.moderatorID, default: ([], [])].organisations.insert(id)
            }
        }
        var eligible = 0
        for request in requests {
            for profile in profiles where profile.active && profile.organisationID != request.employerID && !request.raters.contains(profile.id) {
                if let mine = byModerator[profile.id], mine.candidates.contains(request.candidateID) || mine.organisations.contains(request.employerID) { continue }
                eligible += 1
            }
        }
        return eligible
    }
}
