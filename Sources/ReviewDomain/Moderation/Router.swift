import Foundation

/// One case that needs moderators, with everything routing must respect.
public struct RoutingRequest: Hashable, Sendable {
    /// Why a moderator is kept off this case regardless of the scheme-wide rules.
    public enum CaseExclusion: String, Hashable, Sendable, Codable {
        /// Already on the case in this round.
        case alreadyOnCase = "already_on_case"
        /// Declined the case (a conflict they declared when offered it).
        case declinedCase = "declined_case"
        /// Sat on an earlier round of this case (reopening needs new moderators) or let an assignment on it expire.
        case earlierRound = "earlier_round"
        /// Has already reviewed this calibration seed.
        case reviewedSeed = "reviewed_seed"
        /// Sat on another (earlier) case of the same observation: each case gets independent eyes.
        case reviewedObservation = "reviewed_observation"
    }

    /// The case.
    public let caseID: CaseID
    /// The candidate observed.
    public let candidateID: CandidateID
    /// The candidate's employer.
    public let employerID: OrganisationID
    /// The observation's practice area.
    public let practiceArea: Observation.PracticeArea
    /// Everyone who rated the observation (any source).
    public let raters: Set<UserID>
    /// Moderators kept off this case, and why.
    public let caseExclusions: [UserID: CaseExclusion]
    /// The kinds of the moderators already on the case in this round (they fill panel places).
    public let panelSoFar: [ModeratorKind]
    /// How many more moderators the case needs.
    public let places: Int

    public init(
        caseID: CaseID, candidateID: CandidateID, employerID: OrganisationID, practiceArea: Observation.PracticeArea,
        raters: Set<UserID> = [], caseExclusions: [UserID: CaseExclusion] = [:], panelSoFar: [ModeratorKind] = [], places: Int
    ) {
        self.caseID = caseID
        self.candidateID = candidateID
        self.employerID = employerID
        self.practiceArea = practiceArea
        self.raters = raters
        self.caseExclusions = caseExclusions
        self.panelSoFar = panelSoFar
        self.places = places
    }
}

/// Why a moderator could not be chosen for a case; the first rule that applies, in this order.
public enum RoutingExclusion: String, Hashable, Sendable, Codable, CaseIterable {
    case inactive
    case sameEmployer = "same_employer"
    case ratedObservation = "rated_observation"
    case declaredConflict = "declared_conflict"
    case alreadyOnCase = "already_on_case"
    case declinedCase = "declined_case"
    case earlierRound = "earlier_round"
    case reviewedSeed = "reviewed_seed"
    case reviewedObservation = "reviewed_observation"
    case atCapacity = "at_capacity"

    /// How a lead reads it, e.g. "from the candidate's employer".
    public var explanation: String {
        switch self {
        case .inactive: "inactive"
        case .sameEmployer: "from the candidate's employer"
        case .ratedObservation: "rated this observation"
        case .declaredConflict: "declared a conflict"
        case .alreadyOnCase: "already on the case"
        case .declinedCase: "declined the case"
        case .earlierRound: "sat on an earlier round or let it expire"
        case .reviewedSeed: "already reviewed this seed"
        case .reviewedObservation: "reviewed this observation before"
        case .atCapacity: "at capacity"
        }
    }
}

/// Routing's answer for one case: whom it chose and why, and what it could not fill.
public struct RoutingDecision: Hashable, Sendable {
    /// One moderator chosen, with the reasons in the order they counted.
    public struct Choice: Hashable, Sendable, Codable {
        public let moderatorID: UserID
        public let kind: ModeratorKind
        /// e.g. `["panel place: lay", "practice area matches (childrens)", "open workload 2 of 6, the lowest eligible"]`.
        public let reasons: [String]
    }

    public let caseID: CaseID
    /// The moderators chosen, in place order; always distinct.
    public let chosen: [Choice]
    /// Places no eligible moderator could fill.
    public let shortfall: Int
    /// How many moderators each rule kept off the case (the first rule that applied to each).
    public let exclusions: [RoutingExclusion: Int]
    /// How many active moderators were eligible before choosing.
    public let eligible: Int

    /// A plain sentence for the lead when places are unfilled, e.g. "1 of 2 places unfilled: 1 of 9 moderators
    /// eligible (3 from the candidate's employer, 5 at capacity). Add moderators, …"
    public var problem: String? {
        guard shortfall > 0 else { return nil }
        let total = exclusions.values.reduce(eligible, +)
        let parts = RoutingExclusion.allCases.compactMap { reason in
            exclusions[reason].map { "\($0) \(reason.explanation)" }
        }
        let places = chosen.count + shortfall
        return "\(shortfall) of \(places) place\(places == 1 ? "" : "s") unfilled: \(eligible) of \(total) moderators eligible"
            + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")") + ". Add moderators, raise capacities or review conflicts."
    }
}

/// Chooses moderators for cases: never breaking an exclusion, filling the panel's make-up where it can,
/// preferring a matching practice area, balancing open workload, and deterministic for the same inputs.
///
/// Each place goes to the eligible moderator with the lowest *cost* — open workload, plus
/// ``ModerationPolicy/practiceAreaWeight`` when their practice areas do not include the observation's —
/// of the kind the panel place asks for if anyone of that kind is eligible, else of any kind. Ties go to a
/// fixed pseudo-random order derived from the case and moderator ids (no favourite by name). Workload
/// counts the assignments made as routing goes, so one call spreads a batch. Cost is O(moderators) per
/// place after O(1) exclusion marks per case.
public struct Router: Sendable {
    private let ids: [UserID]
    private let kinds: [ModeratorKind]
    private let organisations: [OrganisationID]
    private let areas: [UInt8]
    private let capacities: [Int]
    private let active: [Bool]
    private let idHashes: [UInt64]
    private let indexByID: [UserID: Int]
    private let byOrganisation: [OrganisationID: [Int]]
    private let conflictsByCandidate: [CandidateID: [Int]]
    private let conflictsByOrganisation: [OrganisationID: [Int]]
    private var loads: [Int]
    private var marks: [Int]
    private var markReasons: [RoutingExclusion]
    private var generation = 0
    /// The policy in force.
    public let policy: ModerationPolicy

    /// A router over `moderators` (any order; duplicates by id keep the first) with their declared conflicts
    /// and open workload (assignments offered or accepted and not yet submitted).
    public init(moderators: [ModeratorProfile], conflicts: [DeclaredConflict], openWorkload: [UserID: Int], policy: ModerationPolicy) {
        var seen = Set<UserID>()
        let sorted = moderators.filter { seen.insert($0.id).inserted }.sorted { $0.id.rawValue.uuidString < $1.id.rawValue.uuidString }
        ids = sorted.map(\.id)
        kinds = sorted.map(\.kind)
        organisations = sorted.map(\.organisationID)
        areas = sorted.map { $0.practiceAreas.reduce(UInt8(0)) { $0 | Self.bit($1) } }
        capacities = sorted.map(\.capacity)
        active = sorted.map(\.active)
        idHashes = sorted.map { Self.hash($0.id.rawValue) }
        var index: [UserID: Int] = [:]
        var byOrganisation: [OrganisationID: [Int]] = [:]
        for (i, id) in ids.enumerated() {
            index[id] = i
            byOrganisation[organisations[i], default: []].append(i)
        }
        indexByID = index
        self.byOrganisation = byOrganisation
        var byCandidate: [CandidateID: [Int]] = [:], byConflictOrganisation: [OrganisationID: [Int]] = [:]
        for conflict in conflicts {
            guard let i = index[conflict.moderatorID] else { continue }
            switch conflict.subject {
            case .candidate(let candidate): byCandidate[candidate, default: []].append(i)
            case .organisation(let organisation): byConflictOrganisation[organisation, default: []].append(i)
            }
        }
        conflictsByCandidate = byCandidate
        conflictsByOrganisation = byConflictOrganisation
        loads = ids.map { openWorkload[$0] ?? 0 }
        marks = Array(repeating: -1, count: ids.count)
        markReasons = Array(repeating: .inactive, count: ids.count)
        self.policy = policy
    }

    /// Open workload per moderator, including what this router has assigned so far.
    public var workload: [UserID: Int] {
        Dictionary(uniqueKeysWithValues: zip(ids, loads))
    }

    /// Routes `requests` in the order given, counting each choice into the workload before the next case.
    public mutating func route(_ requests: [RoutingRequest]) -> [RoutingDecision] {
        requests.map { route($0) }
    }

    /// Routes one case.
    public mutating func route(_ request: RoutingRequest) -> RoutingDecision {
        generation += 1
        func mark(_ i: Int, _ reason: RoutingExclusion) {
            if marks[i] != generation { marks[i] = generation; markReasons[i] = reason }
        }
        for i in byOrganisation[request.employerID] ?? [] { mark(i, .sameEmployer) }
        for rater in request.raters { if let i = indexByID[rater] { mark(i, .ratedObservation) } }
        for i in conflictsByCandidate[request.candidateID] ?? [] { mark(i, .declaredConflict) }
        for i in conflictsByOrganisation[request.employerID] ?? [] { mark(i, .declaredConflict) }
        for (moderator, reason) in request.caseExclusions {
            guard let i = indexByID[moderator] else { continue }
            switch reason {
            case .alreadyOnCase: mark(i, .alreadyOnCase)
            case .declinedCase: mark(i, .declinedCase)
            case .earlierRound: mark(i, .earlierRound)
            case .reviewedSeed: mark(i, .reviewedSeed)
            case .reviewedObservation: mark(i, .reviewedObservation)
            }
        }
        var exclusions: [RoutingExclusion: Int] = [:]
        var eligible = 0
        for i in ids.indices {
            if let reason = exclusion(i) { exclusions[reason, default: 0] += 1 } else { eligible += 1 }
        }
        var wanted = Array(policy.panel.prefix(policy.moderatorsPerCase))  // entries beyond k are not used
        for kind in request.panelSoFar { if let at = wanted.firstIndex(of: kind) { wanted.remove(at: at) } }
        let area = Self.bit(request.practiceArea)
        let caseHash = Self.hash(request.caseID.rawValue)
        var chosen: [RoutingDecision.Choice] = []
        for place in 0..<max(0, request.places) {
            let wantedKind: ModeratorKind? = place < wanted.count ? wanted[place] : nil
            var bestOfKind: (cost: Int, tie: UInt64, i: Int)?
            var bestAny: (cost: Int, tie: UInt64, i: Int)?
            // How many candidates share the best cost so far (the reasons say when the tie-break decided).
            var tiedOfKind = 0, tiedAny = 0
            for i in ids.indices where exclusion(i) == nil {
                let cost = loads[i] + (areas[i] & area == 0 ? policy.practiceAreaWeight : 0)
                let ofKind = kinds[i] == wantedKind
                // The tie-break is computed only when the cost could win (most candidates lose on cost alone).
                guard cost <= bestAny?.cost ?? .max || (ofKind && cost <= bestOfKind?.cost ?? .max) else { continue }
                let tie = Self.mix(caseHash ^ idHashes[i])
                if let any = bestAny, cost == any.cost { tiedAny += 1 } else if cost < bestAny?.cost ?? .max { tiedAny = 1 }
                if bestAny.map({ (cost, tie) < ($0.cost, $0.tie) }) ?? true { bestAny = (cost, tie, i) }
                if ofKind {
                    if let best = bestOfKind, cost == best.cost { tiedOfKind += 1 } else if cost < bestOfKind?.cost ?? .max { tiedOfKind = 1 }
                    if bestOfKind.map({ (cost, tie) < ($0.cost, $0.tie) }) ?? true { bestOfKind = (cost, tie, i) }
                }
            }
            guard let best = bestOfKind ?? bestAny else { break }
            let i = best.i
            let tied = bestOfKind != nil ? tiedOfKind : tiedAny
            var reasons: [String] = []
            if let wantedKind {
                reasons.append(bestOfKind != nil
                    ? "panel place: \(wantedKind.rawValue)"
                    : "panel place: \(wantedKind.rawValue), but no eligible \(wantedKind.rawValue) moderator; \(kinds[i].rawValue) instead")
            } else {
                reasons.append("further place: any kind")
            }
            reasons.append(areas[i] & area != 0
                ? "practice area matches (\(request.practiceArea.rawValue))"
                : "practice area differs (case: \(request.practiceArea.rawValue))")
            // The comparison actually made: cost within the pool the place drew from (issue 14: "the lowest cost among
            // eligible" was untrue when an eligible moderator of the other kind cost less).
            let differs = areas[i] & area == 0 && policy.practiceAreaWeight > 0
            let pool = bestOfKind != nil ? "eligible \(kinds[i].rawValue) moderators" : "eligible moderators of any kind"
            reasons.append("cost \(best.cost): open workload \(loads[i]) of \(capacities[i])"
                + (differs ? " + \(policy.practiceAreaWeight) for a different practice area" : "")
                + ", the lowest among \(pool)"
                + (tied > 1 ? " (tied with \(tied - 1) other\(tied == 2 ? "" : "s"); the fixed tie-break order chose)" : ""))
            reasons.append("not from the candidate's employer, did not rate the observation, no declared conflict")
            chosen.append(.init(moderatorID: ids[i], kind: kinds[i], reasons: reasons))
            loads[i] += 1
            marks[i] = generation
            markReasons[i] = .alreadyOnCase
        }
        return RoutingDecision(
            caseID: request.caseID, chosen: chosen, shortfall: max(0, request.places) - chosen.count,
            exclusions: exclusions, eligible: eligible)
    }

    /// Whether moderator `ids[i]` may take one of `request`'s places, given `mark`s of this generation.
    private func exclusion(_ i: Int) -> RoutingExclusion? {
        if !active[i] { return .inactive }
        if marks[i] == generation { return markReasons[i] }
        if loads[i] >= capacities[i] { return .atCapacity }
        return nil
    }

    /// Whether `moderator` may be put on `request` by hand (a lead's assignment): the same exclusions.
    public mutating func exclusion(of moderator: UserID, for request: RoutingRequest) -> RoutingExclusion? {
        guard let i = indexByID[moderator] else { return .inactive }
        let decision = RoutingRequest(
            caseID: request.caseID, candidateID: request.candidateID, employerID: request.employerID,
            practiceArea: request.practiceArea, raters: request.raters, caseExclusions: request.caseExclusions,
            panelSoFar: request.panelSoFar, places: 0)
        _ = route(decision)  // marks this generation's exclusions without choosing anyone
        return exclusion(i)
    }

    private static func bit(_ area: Observation.PracticeArea) -> UInt8 {
        switch area {
        case .childrens: 1
        case .adults: 2
        case .mentalHealth: 4
        case .other: 8
        }
    }

    private static func hash(_ uuid: UUID) -> UInt64 {
        withUnsafeBytes(of: uuid.uuid) { bytes in
            bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self) ^ mix(bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }

    /// A fixed, well-mixed permutation of 64-bit values (SplitMix64's step and finaliser).
    static func mix(_ value: UInt64) -> UInt64 {
        SplitMix64.mix(value &+ 0x9E37_79B9_7F4A_7C15)
    }
}
