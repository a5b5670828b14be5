import Foundation
import ReviewDomain
import ReviewStore
import Testing

/// Random sequences of everything that can happen to cases in moderation — opinions (agreeing or not),
/// corrections, declines, expiries, routing passes, the lead deciding, reopening and withdrawing — against the
/// real store, checking after every step that no opinion is ever lost, every case is in a valid state with a
/// valid panel, no routing broke an exclusion, and the audit chain holds. Seeded: a failure names its seed.
@Suite("Moderation random walks")
struct ModerationRandomWalkTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func noSequenceLosesAnOpinionOrBreaksARule(seed: UInt64) async throws {
        try await withStore(.sqlite) { store in
            let world = try await ModerationWorld.make(in: store)
            var random = SplitMix64(seed: seed)
            // Three more disputed observations, so that routing has choices and workload to balance.
            var caseIDs = [world.dispute.id]
            for n in 0..<3 {
                let observation = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Walk \(n)", practiceArea: .adults)
                try await store.records.observations.insert(observation, ref: "OBS-W-\(n)")
                _ = try await store.workflow.recordRating(observationID: observation.id, score: try Score(6), rationale: "Good.", supersedes: nil,
                                                 correctionReason: nil, by: world.employerRep.actor)
                let opened = try #require(try await store.workflow.recordRating(
                    observationID: observation.id, score: try Score(3), rationale: "Not yet.", supersedes: nil, correctionReason: nil,
                    by: world.assessor.actor).openedCase)
                caseIDs.append(opened.id)
            }
            for id in caseIDs {
                let value = try #require(try await store.records.cases.find(id))
                _ = try await store.workflow.transition(id, .requestModeration, expectedVersion: value.version, reason: nil, by: world.lead.actor)
            }
            var time = ModerationWorld.start + 3600
            var opinionsSeen = 0
            var statesSeen = Set<Case.State>()
            for step in 0..<80 {
                time += Double(random.below(5 * 86_400))
                let id = caseIDs[random.below(caseIDs.count)]
                let value = try #require(try await store.records.cases.find(id))
                let assignments = try await store.moderation.assignments(ofCase: id)
                let open = assignments.filter { $0.state.isOpen && $0.round == value.round }
                let mine = try await store.moderation.opinions(ofCase: id)
                do {
                    switch random.below(8) {
                    case 0, 1, 2:  // an opinion from someone on the panel
                        guard let assignment = open.randomElement(using: &random) else { continue }
                        _ = try await store.moderation.submitOpinion(on: id, score: try Score(1 + random.below(7)), rationale: "Step \(step).",
                                                          annotations: [try Annotation(start: Double(random.below(600)), text: "note", duration: nil)],
                                                          correcting: nil, correctionReason: nil, by: world.user(assignment.moderatorID).actor, at: time)
                    case 3:  // a correction of a current opinion in this round
                        guard let original = SecondOpinion.current(mine).filter({ $0.round == value.round }).last else { continue }
                        // Sealed panels: no opinion changes after its author could see another's (decision 10).
                        let couldSee = try await store.moderation.unsealedRound(original.moderatorID, on: id) == value.round
                        _ = try await store.moderation.submitOpinion(on: id, score: try Score(1 + random.below(7)), rationale: "Corrected.", annotations: [],
                                                          correcting: original.id, correctionReason: "On reflection.",
                                                          by: world.user(original.moderatorID).actor, at: time)
                        #expect(!couldSee, "seed \(seed) step \(step): an opinion was corrected after its author could see the panel's")
                    case 4:  // a decline with a conflict
                        guard let assignment = open.randomElement(using: &random) else { continue }
                        _ = try await store.moderation.declineAssignment(of: id, reason: "Conflict found.", conflictWith: nil,
                                                              by: world.user(assignment.moderatorID).actor, at: time)
                    case 5:  // time passes: a routing pass expires what is overdue
                        time += 15 * 86_400
                        _ = try await store.moderation.route(trigger: "walk", at: time)
                    case 6:  // the lead decides an escalation, or reopens a decided case
                        if value.state == .escalated {
                            _ = try await store.workflow.transition(id, .decide(Outcome(score: try Score(1 + random.below(7)), basis: .person(world.lead.id),
                                                                               reason: "Walk decision.")),
                                                           expectedVersion: value.version, reason: "Walk decision.", by: world.lead.actor, at: time)
                        } else if value.state == .decided {
                            _ = try await store.workflow.transition(id, .reopen(random.below(2) == 0 ? .materialFlaw : .newInformation),
                                                           expectedVersion: value.version, reason: "Walk reopen.", by: world.lead.actor, at: time)
                        }
                    default:  // rarely, the lead withdraws
                        if random.below(6) == 0, value.state.isActive {
                            _ = try await store.workflow.transition(id, .withdraw, expectedVersion: value.version, reason: "Walk withdraw.",
                                                           by: world.lead.actor, at: time)
                        }
                    }
                } catch let error as StoreError where [.conflict, .notFound, .invalidArgument].contains(error.code) {
                    // A refusal is fine (e.g. correcting on a decided case); it must change nothing — checked below.
                } catch is CaseTransitionError {
                }
                try await checkInvariants(store, world: world, caseIDs: caseIDs, opinionsSeen: &opinionsSeen, seed: seed, step: step)
                for id in caseIDs { if let state = try await store.records.cases.find(id)?.state { statesSeen.insert(state) } }
            }
            // The walk did reach the interesting places (so the invariants were tested there).
            #expect(opinionsSeen >= 8, "seed \(seed): only \(opinionsSeen) opinions")
            #expect(statesSeen.contains(.inModeration) && !statesSeen.isDisjoint(with: [.decided, .escalated]), "seed \(seed): states \(statesSeen)")
            let events = try await store.audit.listEntries(after: 0, subject: nil, page: PageRequest(number: 1, size: 500)).map(\.event.action.rawValue)
            #expect(events.contains("assignment.expired") || events.contains("assignment.declined"), "seed \(seed)")
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }

    private func checkInvariants(
        _ store: ReviewStore, world: ModerationWorld, caseIDs: [CaseID], opinionsSeen: inout Int, seed: UInt64, step: Int
    ) async throws {
        let policy = try await store.moderation.moderationPolicy()
        var total = 0
        for id in caseIDs {
            let value = try #require(try await store.records.cases.find(id))
            let opinions = try await store.moderation.opinions(ofCase: id)
            total += opinions.count
            let assignments = try await store.moderation.assignments(ofCase: id)
            let active = assignments.filter { $0.round == value.round && [.offered, .accepted, .submitted].contains($0.state) }
            let context = "seed \(seed) step \(step) case \(id) \(value.state)"
            // A panel never has more than its places.
            let places = policy.moderatorsPerCase + (value.state == .escalated ? policy.escalationModerators : 0)
            if value.state.isActive {
                #expect(active.count <= places, "\(context): \(active.count) on a panel of \(places)")
            }
            // No routing ever broke an exclusion: nobody from the employer, no rater.
            #expect(!assignments.contains { $0.moderatorID == world.colleague.id }, "\(context): the employer's own moderator")
            // Outcome exactly when decided or closed; decided by the median only of this round's opinions.
            #expect((value.outcome != nil) == value.state.hasOutcome, "\(context)")
            if let outcome = value.outcome, case .rule(.median) = outcome.basis {
                let basedOn = opinions.filter { outcome.basedOn.contains($0.id) }
                #expect(basedOn.count == outcome.basedOn.count && basedOn.allSatisfy { $0.round == value.round }, "\(context)")
            }
            // Sealed panels: nobody of the current round can see the others' views while the round's panel is still
            // being filled (a complete panel is always reconciled at once: decided, or escalated).
            for assignment in assignments where assignment.round == value.round {
                if try await store.moderation.unsealedRound(assignment.moderatorID, on: id) == value.round {
                    #expect(![.open, .localReview, .awaitingModeration, .inModeration].contains(value.state),
                            "\(context): \(assignment.moderatorID) unsealed before the panel was complete")
                }
            }
            // Open assignments only on active cases; every submitted assignment has its opinion.
            if !value.state.isActive { #expect(!assignments.contains { $0.state.isOpen }, "\(context): open assignment on an ended case") }
            for assignment in assignments where assignment.state == .submitted {
                #expect(opinions.contains { $0.moderatorID == assignment.moderatorID && $0.round == assignment.round }, "\(context)")
            }
        }
        // Opinions are never lost: the count only grows.
        #expect(total >= opinionsSeen, "seed \(seed) step \(step): opinions went from \(opinionsSeen) to \(total)")
        opinionsSeen = total
    }
}
