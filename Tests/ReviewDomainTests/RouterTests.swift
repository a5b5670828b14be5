import Foundation
import PropertyBased
import ReviewDomain
import Testing

/// A random routing world: moderators (kind, organisation, practice areas, capacity, active, workload), declared
/// conflicts, cases and a policy, built from a seed (ids included) so that a failing example is reproducible from
/// its printed seed.
struct RoutingWorld: Sendable, CustomStringConvertible {
    let seed: UInt64
    let organisations: [OrganisationID]
    let candidates: [CandidateID]
    let moderators: [ModeratorProfile]
    let conflicts: [DeclaredConflict]
    let workload: [UserID: Int]
    let requests: [RoutingRequest]
    /// A random policy: panel make-up and practice-area weight vary (the router reads nothing else).
    let policy: ModerationPolicy

    var description: String {
        "RoutingWorld(seed: \(seed), \(moderators.count) moderators, \(requests.count) cases, panel \(policy.panel.map(\.rawValue)), "
            + "practiceAreaWeight \(policy.practiceAreaWeight))"
    }

    static let panels: [[ModeratorKind]] = [
        [.professional, .lay], [.professional, .lay], [], [.professional], [.lay], [.lay, .professional], [.lay, .lay, .professional],
    ]

    init(seed: UInt64, moderators count: Int, cases: Int, places: ClosedRange<Int> = 1...3) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        let organisations = (0..<5).map { _ in random.id(OrganisationID.self) }
        let candidates = (0..<8).map { _ in random.id(CandidateID.self) }
        let areas = Observation.PracticeArea.allCases
        let moderators = (0..<count).map { _ in
            try! ModeratorProfile(
                id: random.id(), kind: random.below(2) == 0 ? .lay : .professional, organisationID: organisations[random.below(organisations.count)],
                practiceAreas: Set((0..<random.below(3)).map { _ in areas[random.below(areas.count)] }),
                capacity: random.below(5), active: random.below(8) != 0)
        }
        var conflicts: [DeclaredConflict] = []
        for moderator in moderators where random.below(3) == 0 {
            let subject: DeclaredConflict.Subject = random.below(2) == 0
                ? .candidate(candidates[random.below(candidates.count)]) : .organisation(organisations[random.below(organisations.count)])
            conflicts.append(try! DeclaredConflict(moderatorID: moderator.id, subject: subject, reason: "declared"))
        }
        workload = Dictionary(uniqueKeysWithValues: moderators.map { ($0.id, random.below(3)) })
        let exclusions: [RoutingRequest.CaseExclusion] = [.alreadyOnCase, .declinedCase, .earlierRound, .reviewedSeed, .reviewedObservation]
        let panelsSoFar: [[ModeratorKind]] = [[], [], [], [.professional], [.lay], [.professional, .lay]]
        requests = (0..<cases).map { _ in
            var raters: Set<UserID> = [random.id()]
            var caseExclusions: [UserID: RoutingRequest.CaseExclusion] = [:]
            for moderator in moderators {
                if random.below(10) == 0 { raters.insert(moderator.id) }
                if random.below(10) == 0 { caseExclusions[moderator.id] = exclusions[random.below(exclusions.count)] }
            }
            return RoutingRequest(
                caseID: random.id(), candidateID: candidates[random.below(candidates.count)], employerID: organisations[random.below(organisations.count)],
                practiceArea: areas[random.below(areas.count)], raters: raters, caseExclusions: caseExclusions,
                panelSoFar: panelsSoFar[random.below(panelsSoFar.count)], places: places.lowerBound + random.below(places.count))
        }
        let panel = Self.panels[random.below(Self.panels.count)]
        let weight = random.below(11)
        policy = try! ModerationPolicy.default.with { $0.panel = panel; $0.practiceAreaWeight = weight }
        self.organisations = organisations
        self.candidates = candidates
        self.moderators = moderators
        self.conflicts = conflicts
    }

    /// The first rule that keeps `moderator` off `request`, by brute force from the inputs and in the documented
    /// order; capacity only when `load` is given.
    func exclusion(_ moderator: ModeratorProfile, _ request: RoutingRequest, load: Int? = nil) -> RoutingExclusion? {
        if !moderator.active { return .inactive }
        if moderator.organisationID == request.employerID { return .sameEmployer }
        if request.raters.contains(moderator.id) { return .ratedObservation }
        if conflicts.contains(where: {
            $0.moderatorID == moderator.id && ($0.subject == .candidate(request.candidateID) || $0.subject == .organisation(request.employerID))
        }) {
            return .declaredConflict
        }
        switch request.caseExclusions[moderator.id] {
        case .alreadyOnCase?: return .alreadyOnCase
        case .declinedCase?: return .declinedCase
        case .earlierRound?: return .earlierRound
        case .reviewedSeed?: return .reviewedSeed
        case .reviewedObservation?: return .reviewedObservation
        case nil: break
        }
        if let load, load >= moderator.capacity { return .atCapacity }
        return nil
    }

    /// The places' asked kinds: the policy's panel, less the kinds already on the case.
    func wanted(_ request: RoutingRequest) -> [ModeratorKind] {
        var wanted = Array(policy.panel.prefix(policy.moderatorsPerCase))  // entries beyond k are not used
        for kind in request.panelSoFar { if let at = wanted.firstIndex(of: kind) { wanted.remove(at: at) } }
        return wanted
    }

    /// The cost routing minimises: open workload, plus the practice-area weight when the areas do not match.
    func cost(_ moderator: ModeratorProfile, _ request: RoutingRequest, load: Int) -> Int {
        load + (moderator.practiceAreas.contains(request.practiceArea) ? 0 : policy.practiceAreaWeight)
    }

    static let generator = zip(Gen.int(in: 0...Int.max), Gen.int(in: 0...24), Gen.int(in: 1...30))
        .map { seed, moderators, cases in RoutingWorld(seed: UInt64(seed), moderators: moderators, cases: cases) }
}

@Suite("Router")
struct RouterTests {
    // MARK: Properties

    @Test("no routing ever breaks an exclusion or capacity; chosen moderators are distinct; a shortfall means nobody was left")
    func exclusionsAndCapacity() async {
        await propertyCheck(count: 300, input: RoutingWorld.generator) { world in
            var router = Router(moderators: world.moderators, conflicts: world.conflicts, openWorkload: world.workload, policy: world.policy)
            var load = world.workload
            let byID = Dictionary(uniqueKeysWithValues: world.moderators.map { ($0.id, $0) })
            for request in world.requests {
                let decision = router.route(request)
                #expect(decision.caseID == request.caseID)
                let chosen = decision.chosen.map(\.moderatorID)
                #expect(Set(chosen).count == chosen.count, "\(world): the same moderator twice")
                #expect(chosen.count + decision.shortfall == request.places, "\(world)")
                for choice in decision.chosen {
                    let moderator = byID[choice.moderatorID]!
                    // Inactive, same employer, rater, declared conflict (candidate or organisation), case exclusion.
                    #expect(world.exclusion(moderator, request) == nil, "\(world): chose someone excluded (\(world.exclusion(moderator, request)!))")
                    #expect(load[moderator.id]! < moderator.capacity, "\(world): chose someone at capacity")
                    #expect(choice.kind == moderator.kind && !choice.reasons.isEmpty)
                    load[moderator.id]! += 1
                }
                // A shortfall only when no eligible moderator remained unchosen (brute force over the pool).
                if decision.shortfall > 0 {
                    let left = world.moderators.filter {
                        !chosen.contains($0.id) && world.exclusion($0, request, load: load[$0.id]!) == nil
                    }
                    #expect(left.isEmpty, "\(world): shortfall with \(left.count) eligible left")
                }
            }
            #expect(router.workload == load, "\(world): the router's workload drifted from the assignments it made")
        }
    }

    @Test("exclusion counts match a brute-force count, and the problem is there exactly when places are unfilled and names them")
    func exclusionCountsAndProblem() async {
        await propertyCheck(count: 200, input: RoutingWorld.generator) { world in
            var router = Router(moderators: world.moderators, conflicts: world.conflicts, openWorkload: world.workload, policy: world.policy)
            var load = world.workload
            for request in world.requests {
                var expected: [RoutingExclusion: Int] = [:]
                var eligible = 0
                for moderator in world.moderators {
                    let rule = world.exclusion(moderator, request, load: load[moderator.id]!)
                    if let rule { expected[rule, default: 0] += 1 } else { eligible += 1 }
                    // A lead's hand assignment is checked against the same rules, and checking changes nothing.
                    #expect(router.exclusion(of: moderator.id, for: request) == rule, "\(world)")
                }
                #expect(router.workload == load)
                let decision = router.route(request)
                for choice in decision.chosen { load[choice.moderatorID]! += 1 }
                #expect(decision.exclusions == expected, "\(world)")
                #expect(decision.eligible == eligible && decision.eligible >= decision.chosen.count, "\(world)")
                guard decision.shortfall > 0 else {
                    #expect(decision.problem == nil, "\(world)")
                    continue
                }
                // Unfilled places mean everyone eligible was chosen.
                #expect(decision.eligible == decision.chosen.count, "\(world)")
                let problem = try #require(decision.problem)
                #expect(problem.hasPrefix("\(decision.shortfall) of \(request.places) place"), "\(problem)")
                #expect(problem.contains("\(eligible) of \(world.moderators.count) moderators eligible"), "\(problem)")
                for (rule, count) in expected {
                    #expect(problem.contains("\(count) \(rule.explanation)"), "\(problem) does not name \(count) \(rule)")
                }
                #expect(problem.hasSuffix("Add moderators, raise capacities or review conflicts."))
            }
        }
    }

    @Test("each place goes to the lowest-cost eligible moderator of the kind it asks for, or of any kind when there is none")
    func lowestCostOfAskedKind() async {
        await propertyCheck(count: 200, input: RoutingWorld.generator) { world in
            var router = Router(moderators: world.moderators, conflicts: world.conflicts, openWorkload: world.workload, policy: world.policy)
            var load = world.workload
            let byID = Dictionary(uniqueKeysWithValues: world.moderators.map { ($0.id, $0) })
            for request in world.requests {
                let decision = router.route(request)
                let wanted = world.wanted(request)
                var taken = Set<UserID>()
                for (place, choice) in decision.chosen.enumerated() {
                    let pool = world.moderators.filter {
                        !taken.contains($0.id) && world.exclusion($0, request, load: load[$0.id]!) == nil
                    }
                    let kind = place < wanted.count ? wanted[place] : nil
                    let ofKind = pool.filter { $0.kind == kind }
                    let candidates = ofKind.isEmpty ? pool : ofKind
                    let moderator = byID[choice.moderatorID]!
                    let best = candidates.map { world.cost($0, request, load: load[$0.id]!) }.min()
                    #expect(candidates.contains { $0.id == moderator.id }, "\(world): place \(place) went outside the asked kind")
                    #expect(world.cost(moderator, request, load: load[moderator.id]!) == best, "\(world): place \(place) not the lowest cost")
                    // The reasons say which place it was and whether the area matched.
                    switch (kind, ofKind.isEmpty) {
                    case (let kind?, false): #expect(choice.reasons.first == "panel place: \(kind.rawValue)")
                    case (let kind?, true):
                        #expect(choice.reasons.first == "panel place: \(kind.rawValue), but no eligible \(kind.rawValue) moderator; \(moderator.kind.rawValue) instead")
                    case (nil, _): #expect(choice.reasons.first == "further place: any kind")
                    }
                    let matches = moderator.practiceAreas.contains(request.practiceArea)
                    #expect(choice.reasons.contains(matches
                        ? "practice area matches (\(request.practiceArea.rawValue))" : "practice area differs (case: \(request.practiceArea.rawValue))"))
                    taken.insert(moderator.id)
                    load[moderator.id]! += 1
                }
            }
        }
    }

    @Test("every stated reason is true: cost, workload, capacity, the pool compared and any tie, recomputed by brute force")
    func reasonsAreTrue() async {
        await propertyCheck(count: 300, input: RoutingWorld.generator) { world in
            var router = Router(moderators: world.moderators, conflicts: world.conflicts, openWorkload: world.workload, policy: world.policy)
            var load = world.workload
            let byID = Dictionary(uniqueKeysWithValues: world.moderators.map { ($0.id, $0) })
            for request in world.requests {
                let decision = router.route(request)
                let wanted = world.wanted(request)
                var taken = Set<UserID>()
                for (place, choice) in decision.chosen.enumerated() {
                    let moderator = byID[choice.moderatorID]!
                    let pool = world.moderators.filter { !taken.contains($0.id) && world.exclusion($0, request, load: load[$0.id]!) == nil }
                    let kind = place < wanted.count ? wanted[place] : nil
                    let ofKind = pool.filter { $0.kind == kind }
                    let compared = ofKind.isEmpty ? pool : ofKind
                    let costs = compared.map { world.cost($0, request, load: load[$0.id]!) }
                    let best = costs.min()!
                    let tied = costs.filter { $0 == best }.count
                    let cost = world.cost(moderator, request, load: load[moderator.id]!)
                    let differs = !moderator.practiceAreas.contains(request.practiceArea) && world.policy.practiceAreaWeight > 0
                    let poolText = ofKind.isEmpty ? "eligible moderators of any kind" : "eligible \(moderator.kind.rawValue) moderators"
                    let expected = "cost \(cost): open workload \(load[moderator.id]!) of \(moderator.capacity)"
                        + (differs ? " + \(world.policy.practiceAreaWeight) for a different practice area" : "")
                        + ", the lowest among \(poolText)"
                        + (tied > 1 ? " (tied with \(tied - 1) other\(tied == 2 ? "" : "s"); the fixed tie-break order chose)" : "")
                    #expect(cost == best, "\(world): the stated lowest is not the lowest")
                    #expect(choice.reasons.contains(expected), "\(world): reasons \(choice.reasons), expected \(expected)")
                    // And no eligible moderator outside the stated pool is claimed to cost more or less: the pool is exact.
                    if !ofKind.isEmpty { #expect(moderator.kind == kind) }
                    #expect(choice.reasons.last == "not from the candidate's employer, did not rate the observation, no declared conflict")
                    taken.insert(moderator.id)
                    load[moderator.id]! += 1
                }
            }
        }
    }

    @Test("the same inputs give the same decisions, in whatever order the moderators and conflicts come")
    func deterministic() async {
        await propertyCheck(count: 100, input: RoutingWorld.generator) { world in
            var first = Router(moderators: world.moderators, conflicts: world.conflicts, openWorkload: world.workload, policy: world.policy)
            var shuffled = SplitMix64(seed: world.seed ^ 0xFFFF)
            var second = Router(moderators: world.moderators.shuffled(using: &shuffled), conflicts: world.conflicts.shuffled(using: &shuffled),
                                openWorkload: world.workload, policy: world.policy)
            var oneByOne = Router(moderators: world.moderators.reversed(), conflicts: world.conflicts, openWorkload: world.workload,
                                  policy: world.policy)
            let decisions = first.route(world.requests)
            #expect(decisions == second.route(world.requests), "\(world)")
            // A batch is the same as its cases routed one after another.
            #expect(decisions == world.requests.map { oneByOne.route($0) }, "\(world)")
            #expect(first.workload == second.workload && first.workload == oneByOne.workload)
        }
    }

    @Test("with one kind, one practice area, no conflicts, no workload, no panel and capacity to spare, workload stays within one")
    func balanced() async {
        await propertyCheck(
            count: 200, input: Gen.int(in: 1...40), Gen.int(in: 0...200), Gen.int(in: 1...3), Gen<ModeratorKind>.case,
            Gen<Observation.PracticeArea>.case
        ) { count, cases, places, kind, area in
            let organisation = OrganisationID()
            let moderators = (0..<max(count, places)).map { _ in
                try! ModeratorProfile(id: UserID(), kind: kind, organisationID: organisation, practiceAreas: [area], capacity: 100)
            }
            var router = Router(moderators: moderators, conflicts: [], openWorkload: [:], policy: try ModerationPolicy.default.with { $0.panel = [] })
            let cases = min(cases, 100 * moderators.count / places)  // capacity to spare: at most 100 each
            let requests = (0..<cases).map { n in
                // Whether the case's area matches costs every moderator the same.
                RoutingRequest(caseID: CaseID(), candidateID: CandidateID(), employerID: OrganisationID(),
                               practiceArea: Observation.PracticeArea.allCases[n % 4], places: places)
            }
            let decisions = router.route(requests)
            #expect(decisions.allSatisfy { $0.shortfall == 0 })
            let loads = moderators.map { router.workload[$0.id]! }
            #expect(loads.max()! - loads.min()! <= 1, "loads \(loads)")
            #expect(loads.reduce(0, +) == cases * places)
        }
    }

    @Test("the default panel takes one professional and one lay whenever both are eligible")
    func panelMakeUp() async {
        await propertyCheck(count: 200, input: RoutingWorld.generator) { world in
            var router = Router(moderators: world.moderators, conflicts: world.conflicts, openWorkload: world.workload, policy: .default)
            var load = world.workload
            for request in world.requests {
                let eligible = world.moderators.filter { world.exclusion($0, request, load: load[$0.id]!) == nil }
                let decision = router.route(request)
                for choice in decision.chosen { load[choice.moderatorID]! += 1 }
                guard request.panelSoFar.isEmpty, request.places >= 2,
                    eligible.contains(where: { $0.kind == .professional }), eligible.contains(where: { $0.kind == .lay })
                else { continue }
                #expect(decision.chosen[0].kind == .professional && decision.chosen[1].kind == .lay, "\(world)")
            }
        }
    }

    @Test("at equal workload a moderator whose practice area matches is chosen over one whose does not")
    func practiceAreaPreferred() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max), Gen.int(in: 1...12), Gen.int(in: 0...5)) { seed, count, workload in
            let (moderators, request) = Self.preferenceWorld(seed: UInt64(seed), count: count)
            var router = Router(moderators: moderators, conflicts: [], openWorkload: Dictionary(uniqueKeysWithValues: moderators.map { ($0.id, workload) }),
                                policy: try ModerationPolicy.default.with { $0.panel = [] })
            let choice = try #require(router.route(request).chosen.first)
            let matching = moderators.filter { $0.practiceAreas.contains(request.practiceArea) }
            #expect(matching.contains { $0.id == choice.moderatorID } == !matching.isEmpty, "seed \(seed)")
        }
    }

    /// `count` lay moderators of one panel with random practice areas (none, one or two), and a one-place case.
    static func preferenceWorld(seed: UInt64, count: Int) -> ([ModeratorProfile], RoutingRequest) {
        var random = SplitMix64(seed: seed)
        let areas = Observation.PracticeArea.allCases
        let panel = random.id(OrganisationID.self)
        var moderators: [ModeratorProfile] = []
        for _ in 0..<count {
            var known = Set<Observation.PracticeArea>()
            for _ in 0..<random.below(3) { known.insert(areas[random.below(areas.count)]) }
            moderators.append(try! ModeratorProfile(id: random.id(), kind: .lay, organisationID: panel, practiceAreas: known))
        }
        let request = RoutingRequest(caseID: random.id(), candidateID: random.id(), employerID: random.id(),
                                     practiceArea: areas[random.below(areas.count)], places: 1)
        return (moderators, request)
    }

    // MARK: Tables

    /// One way a single moderator can be kept off a case.
    enum Rule: String, CaseIterable, Sendable {
        case inactive, sameEmployer, rater, candidateConflict, organisationConflict, alreadyOnCase, declinedCase, earlierRound,
            reviewedSeed, reviewedObservation, fullByWorkload, zeroCapacity

        var expected: RoutingExclusion {
            switch self {
            case .inactive: .inactive
            case .sameEmployer: .sameEmployer
            case .rater: .ratedObservation
            case .candidateConflict, .organisationConflict: .declaredConflict
            case .alreadyOnCase: .alreadyOnCase
            case .declinedCase: .declinedCase
            case .earlierRound: .earlierRound
            case .reviewedSeed: .reviewedSeed
            case .reviewedObservation: .reviewedObservation
            case .fullByWorkload, .zeroCapacity: .atCapacity
            }
        }
    }

    @Test("each rule on its own keeps a moderator off, is counted, and is named in the problem", arguments: Rule.allCases)
    func singleRule(rule: Rule) throws {
        let employer = OrganisationID(), panel = OrganisationID(), candidate = CandidateID()
        let id = UserID()
        let moderator = try ModeratorProfile(id: id, kind: .professional, organisationID: rule == .sameEmployer ? employer : panel,
                                             capacity: rule == .zeroCapacity ? 0 : 3, active: rule != .inactive)
        let conflicts: [DeclaredConflict] = switch rule {
        case .candidateConflict: [try DeclaredConflict(moderatorID: id, subject: .candidate(candidate), reason: "former colleague")]
        case .organisationConflict: [try DeclaredConflict(moderatorID: id, subject: .organisation(employer), reason: "worked there until 2025")]
        default: [try DeclaredConflict(moderatorID: id, subject: .candidate(CandidateID()), reason: "someone else")]
        }
        let caseExclusion: RoutingRequest.CaseExclusion? = switch rule {
        case .alreadyOnCase: .alreadyOnCase
        case .declinedCase: .declinedCase
        case .earlierRound: .earlierRound
        case .reviewedSeed: .reviewedSeed
        case .reviewedObservation: .reviewedObservation
        default: nil
        }
        let request = RoutingRequest(caseID: CaseID(), candidateID: candidate, employerID: employer, practiceArea: .adults,
                                     raters: rule == .rater ? [id] : [UserID()], caseExclusions: caseExclusion.map { [id: $0] } ?? [:], places: 1)
        let workload = rule == .fullByWorkload ? [id: 3] : [:]

        var alone = Router(moderators: [moderator], conflicts: conflicts, openWorkload: workload, policy: .default)
        #expect(alone.exclusion(of: id, for: request) == rule.expected)
        let decision = alone.route(request)
        #expect(decision.chosen.isEmpty && decision.shortfall == 1 && decision.eligible == 0)
        #expect(decision.exclusions == [rule.expected: 1])
        #expect(decision.problem == "1 of 1 place unfilled: 0 of 1 moderators eligible (1 \(rule.expected.explanation)). "
            + "Add moderators, raise capacities or review conflicts.")
        #expect(alone.workload == [id: workload[id] ?? 0])

        // With someone free beside them, the free one takes the place and nothing is left unfilled.
        let free = try ModeratorProfile(id: UserID(), kind: .lay, organisationID: panel)
        var pair = Router(moderators: [moderator, free], conflicts: conflicts, openWorkload: workload, policy: .default)
        let filled = pair.route(request)
        #expect(filled.chosen.map(\.moderatorID) == [free.id] && filled.shortfall == 0 && filled.problem == nil)
        #expect(filled.exclusions == [rule.expected: 1] && filled.eligible == 1)
    }

    @Test("when several rules apply, the first in the documented order is the one counted")
    func precedence() throws {
        let caseExclusions: [RoutingRequest.CaseExclusion?] = [nil, .alreadyOnCase, .declinedCase, .earlierRound, .reviewedSeed, .reviewedObservation]
        let bools = [false, true]
        var combinations = 0
        for inactive in bools { for sameEmployer in bools { for rater in bools { for candidateConflict in bools {
            for organisationConflict in bools { for caseExclusion in caseExclusions { for full in bools {
                let employer = OrganisationID(), panel = OrganisationID(), candidate = CandidateID(), id = UserID()
                let moderator = try ModeratorProfile(id: id, kind: .lay, organisationID: sameEmployer ? employer : panel, capacity: 2, active: !inactive)
                var conflicts: [DeclaredConflict] = []
                if candidateConflict { conflicts.append(try DeclaredConflict(moderatorID: id, subject: .candidate(candidate), reason: "x")) }
                if organisationConflict { conflicts.append(try DeclaredConflict(moderatorID: id, subject: .organisation(employer), reason: "y")) }
                let request = RoutingRequest(caseID: CaseID(), candidateID: candidate, employerID: employer, practiceArea: .other,
                                             raters: rater ? [id] : [], caseExclusions: caseExclusion.map { [id: $0] } ?? [:], places: 1)
                // Written out independently of the router: the documented order of the rules.
                let expected: RoutingExclusion? =
                    if inactive { .inactive }
                    else if sameEmployer { .sameEmployer }
                    else if rater { .ratedObservation }
                    else if candidateConflict || organisationConflict { .declaredConflict }
                    else if let caseExclusion { RoutingExclusion(rawValue: caseExclusion.rawValue)! }
                    else if full { .atCapacity }
                    else { nil }
                var router = Router(moderators: [moderator], conflicts: conflicts, openWorkload: full ? [id: 2] : [:], policy: .default)
                let label = "inactive \(inactive), same employer \(sameEmployer), rater \(rater), conflicts \(candidateConflict)/\(organisationConflict), "
                    + "case exclusion \(caseExclusion?.rawValue ?? "none"), full \(full)"
                #expect(router.exclusion(of: id, for: request) == expected, "\(label)")
                let decision = router.route(request)
                if let expected {
                    #expect(decision.exclusions == [expected: 1] && decision.chosen.isEmpty, "\(label)")
                } else {
                    #expect(decision.exclusions.isEmpty && decision.chosen.map(\.moderatorID) == [id], "\(label)")
                }
                combinations += 1
            } } }
        } } } }
        #expect(combinations == 384)
    }

    @Test("panel make-up", arguments: [
        // (policy panel, kinds already on the case, places, kinds in the pool) → kinds chosen, in place order, and the first reason
        PanelCase(panel: [.professional, .lay], soFar: [], places: 2, pool: [.lay, .professional, .lay], chosen: [.professional, .lay],
                  firstReason: "panel place: professional"),
        PanelCase(panel: [.professional, .lay], soFar: [.professional], places: 1, pool: [.professional, .lay], chosen: [.lay],
                  firstReason: "panel place: lay"),
        PanelCase(panel: [.professional, .lay], soFar: [.lay], places: 1, pool: [.lay, .professional], chosen: [.professional],
                  firstReason: "panel place: professional"),
        PanelCase(panel: [.professional, .lay], soFar: [.professional, .lay], places: 1, pool: [.lay], chosen: [.lay],
                  firstReason: "further place: any kind"),
        PanelCase(panel: [.professional, .lay], soFar: [], places: 2, pool: [.lay, .lay], chosen: [.lay, .lay],
                  firstReason: "panel place: professional, but no eligible professional moderator; lay instead"),
        PanelCase(panel: [.professional, .lay], soFar: [], places: 3, pool: [.professional, .lay, .professional], chosen: [.professional, .lay, .professional],
                  firstReason: "panel place: professional"),
        PanelCase(panel: [.lay, .lay], soFar: [], places: 2, pool: [.professional, .lay, .professional, .lay], chosen: [.lay, .lay],
                  firstReason: "panel place: lay"),
        PanelCase(panel: [], soFar: [], places: 1, pool: [.professional], chosen: [.professional], firstReason: "further place: any kind"),
    ])
    func panel(_ example: PanelCase) throws {
        let panel = OrganisationID()
        let moderators = try example.pool.map { try ModeratorProfile(id: UserID(), kind: $0, organisationID: panel, practiceAreas: [.childrens]) }
        var router = Router(moderators: moderators, conflicts: [], openWorkload: [:], policy: try ModerationPolicy.default.with { $0.panel = example.panel })
        let decision = router.route(RoutingRequest(caseID: CaseID(), candidateID: CandidateID(), employerID: OrganisationID(), practiceArea: .childrens,
                                                   panelSoFar: example.soFar, places: example.places))
        #expect(decision.chosen.map(\.kind) == example.chosen)
        #expect(decision.chosen.first?.reasons.first == example.firstReason)
        #expect(decision.shortfall == 0)
    }

    struct PanelCase: Sendable, CustomTestStringConvertible {
        let panel: [ModeratorKind], soFar: [ModeratorKind], places: Int, pool: [ModeratorKind], chosen: [ModeratorKind], firstReason: String
        var testDescription: String { "panel \(panel.map(\.rawValue)), on the case \(soFar.map(\.rawValue)), \(places) place(s) from \(pool.map(\.rawValue))" }
    }

    @Test("panel entries beyond moderatorsPerCase are not used: an escalation place beyond the panel takes any kind")
    func panelBeyondModeratorsPerCase() throws {
        // ModerationPolicy.panel documents that "entries beyond moderatorsPerCase are not used". With k = 1 the default
        // panel's second entry (lay) should therefore not shape the escalation place of a case whose one place a
        // professional already holds: that place is a further place of any kind, and goes to the lowest cost.
        let panel = OrganisationID()
        let professional = try ModeratorProfile(id: UserID(), kind: .professional, organisationID: panel, practiceAreas: [.adults])
        let lay = try ModeratorProfile(id: UserID(), kind: .lay, organisationID: panel, practiceAreas: [.childrens])
        let policy = try ModerationPolicy.default.with { $0.moderatorsPerCase = 1 }
        #expect(policy.panel == [.professional, .lay])
        var router = Router(moderators: [lay, professional], conflicts: [], openWorkload: [:], policy: policy)
        let escalation = RoutingRequest(caseID: CaseID(), candidateID: CandidateID(), employerID: OrganisationID(), practiceArea: .adults,
                                        panelSoFar: [.professional], places: 1)
        let choice = try #require(router.route(escalation).chosen.first)
        #expect(choice.reasons.first == "further place: any kind")
        #expect(choice.moderatorID == professional.id)
    }

    @Test("the practice-area weight against workload", arguments: [
        // (weight, open cases of the matching moderator, of the other) → whether the matching one wins
        (2, 0, 0, true), (2, 1, 0, true), (2, 0, 3, true), (2, 3, 0, false), (2, 5, 1, false),
        (0, 1, 0, false), (0, 0, 1, true), (10, 9, 0, true), (10, 11, 0, false),
    ] as [(Int, Int, Int, Bool)])
    func practiceAreaWeight(weight: Int, matchingLoad: Int, otherLoad: Int, matchingWins: Bool) throws {
        let panel = OrganisationID()
        let matching = try ModeratorProfile(id: UserID(), kind: .professional, organisationID: panel, practiceAreas: [.mentalHealth, .adults], capacity: 20)
        let other = try ModeratorProfile(id: UserID(), kind: .professional, organisationID: panel, practiceAreas: [.childrens], capacity: 20)
        let policy = try ModerationPolicy.default.with { $0.panel = []; $0.practiceAreaWeight = weight }
        var router = Router(moderators: [other, matching], conflicts: [], openWorkload: [matching.id: matchingLoad, other.id: otherLoad], policy: policy)
        let choice = try #require(router.route(RoutingRequest(caseID: CaseID(), candidateID: CandidateID(), employerID: OrganisationID(),
                                                              practiceArea: .mentalHealth, places: 1)).chosen.first)
        #expect(choice.moderatorID == (matchingWins ? matching.id : other.id))
        #expect(choice.reasons.contains(matchingWins ? "practice area matches (mental_health)" : "practice area differs (case: mental_health)"))
        let load = matchingWins ? matchingLoad : otherLoad
        #expect(choice.reasons.contains { $0.hasPrefix("cost ") && $0.contains("open workload \(load) of 20") && $0.contains("the lowest among eligible moderators of any kind") })
    }

    @Test("a matching practice area wins at equal workload; a much lighter workload wins over it")
    func practiceAreaPreference() throws {
        let panel = OrganisationID()
        let children = try ModeratorProfile(id: UserID(), kind: .professional, organisationID: panel, practiceAreas: [.childrens])
        let adults = try ModeratorProfile(id: UserID(), kind: .professional, organisationID: panel, practiceAreas: [.adults])
        let request = RoutingRequest(caseID: CaseID(), candidateID: CandidateID(), employerID: OrganisationID(), practiceArea: .childrens, places: 1)
        let policy = try ModerationPolicy.default.with { $0.moderatorsPerCase = 1; $0.panel = [] }
        for workload in [[:], [children.id: 1]] as [[UserID: Int]] {
            var router = Router(moderators: [adults, children], conflicts: [], openWorkload: workload, policy: policy)
            let choice = try #require(router.route(request).chosen.first)
            #expect(choice.moderatorID == children.id)
            #expect(choice.reasons.contains("practice area matches (childrens)"))
        }
        // Two more open cases than the other outweigh the match (practiceAreaWeight 2); the tie then goes by the
        // fixed pseudo-random order, so either may win — but at three more, the lighter one always does.
        var router = Router(moderators: [adults, children], conflicts: [], openWorkload: [children.id: 3], policy: policy)
        #expect(router.route(request).chosen.first?.moderatorID == adults.id)
    }

    @Test("workload counts the cases a batch assigns: capacity runs out within one routing pass")
    func capacityWithinABatch() throws {
        let panel = OrganisationID()
        let only = try ModeratorProfile(id: UserID(), kind: .lay, organisationID: panel, capacity: 2)
        var router = Router(moderators: [only], conflicts: [], openWorkload: [only.id: 1], policy: .default)
        let requests = (0..<3).map { _ in
            RoutingRequest(caseID: CaseID(), candidateID: CandidateID(), employerID: OrganisationID(), practiceArea: .adults, places: 1)
        }
        let decisions = router.route(requests)
        #expect(decisions.map(\.chosen.count) == [1, 0, 0])
        #expect(decisions[0].chosen[0].reasons.contains { $0.hasPrefix("cost ") && $0.contains("open workload 1 of 2") })
        #expect(decisions[1].exclusions == [.atCapacity: 1] && decisions[2].shortfall == 1)
        #expect(router.workload == [only.id: 2])
        // Never on the same case twice, even with places to spare.
        var spare = Router(moderators: [try ModeratorProfile(id: UserID(), kind: .lay, organisationID: panel)], conflicts: [], openWorkload: [:],
                           policy: .default)
        let decision = spare.route(RoutingRequest(caseID: CaseID(), candidateID: CandidateID(), employerID: OrganisationID(), practiceArea: .adults, places: 3))
        #expect(decision.chosen.count == 1 && decision.shortfall == 2 && decision.problem?.hasPrefix("2 of 3 places unfilled: 1 of 1 moderators eligible.") == true)
    }

    @Test("moderators and conflicts the router does not know are ignored; a duplicate profile keeps the first")
    func unknownsAndDuplicates() throws {
        let panel = OrganisationID(), stranger = UserID(), candidate = CandidateID()
        let first = try ModeratorProfile(id: UserID(), kind: .lay, organisationID: panel)
        let duplicate = try ModeratorProfile(id: first.id, kind: .professional, organisationID: panel, active: false)
        var router = Router(
            moderators: [first, duplicate],
            conflicts: [try DeclaredConflict(moderatorID: stranger, subject: .candidate(candidate), reason: "not a moderator here")],
            openWorkload: [stranger: 4], policy: .default)
        #expect(router.workload == [first.id: 0])
        let request = RoutingRequest(caseID: CaseID(), candidateID: candidate, employerID: OrganisationID(), practiceArea: .adults,
                                     raters: [stranger], caseExclusions: [stranger: .declinedCase], places: 1)
        let decision = router.route(request)
        #expect(decision.chosen.map(\.moderatorID) == [first.id] && decision.chosen[0].kind == .lay)
        #expect(decision.exclusions.isEmpty && decision.eligible == 1)
        // Someone who is not a moderator cannot be put on a case by hand.
        #expect(router.exclusion(of: stranger, for: request) == .inactive)
    }

    @Test("exclusions are counted and explained when a case cannot be filled")
    func unfilledCaseSaysWhy() throws {
        let employer = OrganisationID(), panel = OrganisationID(), candidate = CandidateID()
        let colleague = try ModeratorProfile(id: UserID(), kind: .professional, organisationID: employer)
        let rater = try ModeratorProfile(id: UserID(), kind: .lay, organisationID: panel)
        let conflicted = try ModeratorProfile(id: UserID(), kind: .lay, organisationID: panel)
        let full = try ModeratorProfile(id: UserID(), kind: .professional, organisationID: panel, capacity: 1)
        let free = try ModeratorProfile(id: UserID(), kind: .lay, organisationID: panel)
        var router = Router(
            moderators: [colleague, rater, conflicted, full, free],
            conflicts: [try DeclaredConflict(moderatorID: conflicted.id, subject: .candidate(candidate), reason: "former colleague")],
            openWorkload: [full.id: 1], policy: .default)
        let decision = router.route(RoutingRequest(caseID: CaseID(), candidateID: candidate, employerID: employer, practiceArea: .adults,
                                                   raters: [rater.id], places: 2))
        #expect(decision.chosen.map(\.moderatorID) == [free.id] && decision.shortfall == 1)
        #expect(decision.exclusions == [.sameEmployer: 1, .ratedObservation: 1, .declaredConflict: 1, .atCapacity: 1])
        #expect(decision.problem == "1 of 2 places unfilled: 1 of 5 moderators eligible (1 from the candidate's employer, 1 rated this observation, "
            + "1 declared a conflict, 1 at capacity). Add moderators, raise capacities or review conflicts.")
        // The professional place went to a lay moderator, and the reasons say so.
        #expect(decision.chosen[0].reasons[0] == "panel place: professional, but no eligible professional moderator; lay instead")
        // A lead's hand assignment meets the same rules.
        #expect(router.exclusion(of: colleague.id, for: RoutingRequest(caseID: CaseID(), candidateID: candidate, employerID: employer,
                                                                       practiceArea: .adults, places: 1)) == .sameEmployer)
    }

    @Test("a moderator's capacity is checked when the profile is made")
    func capacityRange() throws {
        for capacity in [-1, 101] {
            let error = #expect(throws: DomainError.self) {
                try ModeratorProfile(id: UserID(), kind: .lay, organisationID: OrganisationID(), capacity: capacity)
            }
            #expect(error?.code == .policyOutOfRange && error?.message.contains("\(capacity)") == true)
        }
        #expect(try ModeratorProfile(id: UserID(), kind: .lay, organisationID: OrganisationID(), capacity: 0).capacity == 0)
        #expect(try ModeratorProfile(id: UserID(), kind: .lay, organisationID: OrganisationID(), capacity: 100).capacity == 100)
        #expect(try ModeratorProfile(id: UserID(), kind: .lay, organisationID: OrganisationID()).capacity == ModeratorProfile.defaultCapacity)
        let conflict = #expect(throws: DomainError.self) {
            try DeclaredConflict(moderatorID: UserID(), subject: .candidate(CandidateID()), reason: " \n ")
        }
        #expect(conflict?.code == .reasonRequired)
        #expect(try DeclaredConflict(moderatorID: UserID(), subject: .organisation(OrganisationID()), reason: "  my employer until May ").reason
            == "my employer until May")
    }
}
