import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// A world for moderation: two employers, a panel of three professional and two lay moderators (and a
/// professional who works for the candidate's employer), a disputed observation of a children's social worker.
struct ModerationWorld {
    let body = Organisation(name: "National Accreditation Body", kind: .accreditingBody)
    let employer = Organisation(name: "Eastgate City Council", kind: .employer)
    let otherEmployer = Organisation(name: "Westmoor Borough", kind: .employer)
    let panel = Organisation(name: "Moderation Panel", kind: .moderationPanel)
    let assessor: User, employerRep: User, lead: User
    let professionals: [User], lays: [User], colleague: User
    let candidate: Candidate
    let observation: Observation
    let dispute: Case

    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    var moderators: [User] { professionals + lays + [colleague] }

    static func make(in store: ReviewStore) async throws -> ModerationWorld {
        try await ModerationWorld(store: store)
    }

    private init(store: ReviewStore) async throws {
        assessor = User(name: "Asha Assessor", role: .assessor, organisationID: body.id)
        employerRep = User(name: "Eddie Employer", role: .employer, organisationID: employer.id)
        lead = User(name: "Lena Lead", role: .lead, organisationID: body.id)
        let panelID = panel.id
        professionals = (1...3).map { User(name: "Pro \($0)", role: .moderator(.professional), organisationID: panelID) }
        lays = (1...2).map { User(name: "Lay \($0)", role: .moderator(.lay), organisationID: panelID) }
        colleague = User(name: "Colleague Pro", role: .moderator(.professional), organisationID: employer.id)
        candidate = Candidate(registrationNumber: "SW100001", employerID: employer.id)
        observation = Observation(candidateID: candidate.id, date: Self.start, scenario: "Child protection visit", practiceArea: .childrens)
        for organisation in [body, employer, otherEmployer, panel] { try await store.records.organisations.insert(organisation) }
        for user in [assessor, employerRep, lead] + professionals + lays + [colleague] { try await store.records.users.insert(user) }
        try await store.records.candidates.insert(candidate, name: "Casey Candidate")
        try await store.records.observations.insert(observation, ref: "OBS-M-1")
        _ = try await store.workflow.recordRating(observationID: observation.id, score: try Score(5), rationale: "Endorsed.", supersedes: nil,
                                         correctionReason: nil, by: employerRep.actor, at: Self.start)
        let rated = try await store.workflow.recordRating(observationID: observation.id, score: try Score(3), rationale: "Near miss.", supersedes: nil,
                                                 correctionReason: nil, by: assessor.actor, at: Self.start + 60)
        dispute = try #require(rated.openedCase)
    }

    /// Sends the dispute to moderation (which routes it) and returns it with its assignments.
    func sendToModeration(_ store: ReviewStore, at time: Date = start + 600) async throws -> (Case, [Assignment]) {
        let moved = try await store.workflow.transition(dispute.id, .requestModeration, expectedVersion: dispute.version, reason: nil, by: lead.actor, at: time)
        return (moved, try await store.moderation.assignments(ofCase: dispute.id))
    }

    func user(_ id: UserID) -> User { moderators.first { $0.id == id }! }

    func submit(_ store: ReviewStore, _ moderator: UserID, score value: Int, at time: Date = start + 3600,
                notes: [Annotation] = []) async throws -> SubmittedOpinion {
        try await store.moderation.submitOpinion(on: dispute.id, score: try Score(value), rationale: "Watched it all.", annotations: notes,
                                      correcting: nil, correctionReason: nil, by: user(moderator).actor, at: time)
    }
}

/// Moderation through the store, on SQLite and PostgreSQL: routing with its exclusions and reasons, declines,
/// expiry, blind opinions, reconciliation and escalation, the lead's decision, reopening, sampling and
/// calibration — each step in one transaction with its audit events.
@Suite("Moderation workflow")
struct ModerationStoreTests {
    @Test(arguments: TestBackend.allCases)
    func routingRespectsExclusionsFillsThePanelAndSaysWhy(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            // Pro 1 declared a conflict with the candidate; the colleague works for the candidate's employer.
            try await store.moderation.declareConflict(try DeclaredConflict(moderatorID: world.professionals[0].id, subject: .candidate(world.candidate.id),
                                                                 reason: "Supervised the candidate in 2024."), by: world.professionals[0].actor)
            let (moved, assignments) = try await world.sendToModeration(store)
            #expect(moved.state == .inModeration)
            #expect(assignments.count == 2 && Set(assignments.map(\.moderatorID)).count == 2)
            #expect(Set(assignments.map(\.kind)) == [.professional, .lay])
            let chosen = Set(assignments.map(\.moderatorID))
            #expect(!chosen.contains(world.professionals[0].id) && !chosen.contains(world.colleague.id))
            #expect(assignments.allSatisfy { $0.state == .offered && $0.assignedBy == UserID.system && !$0.reasons.isEmpty })
            #expect(assignments.allSatisfy { $0.dueAt == $0.assignedAt.addingTimeInterval(14 * 86_400) })
            #expect(try await store.moderation.routingProblem(ofCase: world.dispute.id) == nil)
            // A lead cannot put an excluded moderator on the case by hand either, and is told why.
            do {
                _ = try await store.moderation.assign(moderator: world.colleague.id, to: world.dispute.id, by: world.lead.actor)
                Issue.record("the colleague should be refused")
            } catch let error as StoreError {
                #expect(error.code == .invalidArgument && error.message.contains("from the candidate's employer"))
            }
            let events = try await store.audit.entries(about: .init(type: "case", id: world.dispute.id.description))
            #expect(events.filter { $0.event.action == "case.moderator_assigned" }.count == 2)
            #expect(events.contains { $0.event.action == "case.moderation_started" && $0.event.actorID == UserID.system })
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }

    @Test("a rating correction after the decision is refused (decision 27): no new case, nothing changed; the lead may reopen",
          arguments: TestBackend.allCases)
    func aCorrectionAfterTheDecisionIsRefused(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let (moved, _) = try await world.sendToModeration(store)
            let escalated = try await store.workflow.transition(moved.id, .escalate, expectedVersion: moved.version, reason: "Needs the lead.", by: world.lead.actor)
            _ = try await store.workflow.transition(moved.id, .decide(Outcome(score: try Score(4), basis: .person(world.lead.id), reason: "Meets it.")),
                                           expectedVersion: escalated.version, reason: "Meets it.", by: world.lead.actor)
            let assessorRating = try #require(try await store.records.ratings.ratings(of: world.observation.id).first { $0.source == .assessor })
            let ratingsBefore = try await store.records.ratings.ratings(of: world.observation.id).count
            do {
                _ = try await store.workflow.recordRating(
                    observationID: world.observation.id, score: try Score(2), rationale: "Lower on reflection.", supersedes: assessorRating.id,
                    correctionReason: "Watched it again.", by: world.assessor.actor)
                Issue.record("a correction after the decision should be refused")
            } catch let error as StoreError {
                #expect((error.cause as? CaseTransitionError)?.code == .alreadyDecided && error.message.contains("reopen"))
            }
            // Found by the hostile tester: a second assessor's new original became the decided case's assessor score.
            let second = User(name: "Second Assessor", role: .assessor, organisationID: world.assessor.organisationID)
            try await store.records.users.insert(second)
            do {
                _ = try await store.workflow.recordRating(
                    observationID: world.observation.id, score: try Score(7), rationale: "Double marking, late.", supersedes: nil,
                    correctionReason: nil, by: second.actor)
                Issue.record("a new rating after the decision should be refused")
            } catch let error as StoreError {
                #expect((error.cause as? CaseTransitionError)?.code == .alreadyDecided)
            }
            #expect(try await store.count("SELECT COUNT(*) AS n FROM cases") == 1)
            #expect(try await store.records.ratings.ratings(of: world.observation.id).count == ratingsBefore)
            let events = try await store.audit.entries(about: .init(type: "case", id: world.dispute.id.description))
            #expect(!events.contains { $0.event.action == "case.ratings_changed" })
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aCorrectionReevaluatesTheDisputeOnItsCase(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let employerRating = try #require(try await store.records.ratings.ratings(of: world.observation.id).first { $0.source == .employer })
            let corrected = try await store.workflow.recordRating(
                observationID: world.observation.id, score: try Score(3), rationale: "Agreed on reflection.", supersedes: employerRating.id,
                correctionReason: "Misread the standard.", by: world.employerRep.actor)
            #expect(corrected.openedCase == nil)
            let events = try await store.audit.entries(about: .init(type: "case", id: world.dispute.id.description))
            let changed = try #require(events.last { $0.event.action == "case.ratings_changed" })
            #expect(changed.event.details["still_disputed"] == "false" && changed.event.details["employer_score"] == "3")
            #expect(try await store.records.cases.find(world.dispute.id)?.state == .open)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func aDeclineIsReroutedAtOnceAndTheConflictKept(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let (_, assignments) = try await world.sendToModeration(store)
            let lay = try #require(assignments.first { $0.kind == .lay })
            let (declined, replacements) = try await store.moderation.declineAssignment(
                of: world.dispute.id, reason: "I used to work at Eastgate.", conflictWith: .organisation(world.employer.id),
                by: world.user(lay.moderatorID).actor, at: ModerationWorld.start + 900)
            #expect(declined.state == .declined && declined.endReason == "I used to work at Eastgate.")
            #expect(replacements.count == 1 && replacements[0].kind == .lay && replacements[0].moderatorID != lay.moderatorID)
            #expect(try await !store.moderation.isAssigned(lay.moderatorID, toCase: world.dispute.id))
            #expect(try await store.moderation.conflicts(of: lay.moderatorID).map(\.conflict.subject) == [.organisation(world.employer.id)])
            // Declining twice is refused, with the reason.
            await expectStoreError(.conflict) {
                _ = try await store.moderation.declineAssignment(of: world.dispute.id, reason: "again", conflictWith: nil, by: world.user(lay.moderatorID).actor)
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func agreeingOpinionsDecideByTheMedianAndKeepEverything(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let (_, assignments) = try await world.sendToModeration(store)
            let notes = [try Annotation(start: 12.5, end: 20, text: "Explains the concern clearly.", tag: "PCF 6", duration: nil)]
            let first = try await world.submit(store, assignments[0].moderatorID, score: 5, notes: notes)
            #expect(first.caseAfter.state == .inModeration)
            #expect(try await store.moderation.hasSubmittedOpinion(assignments[0].moderatorID, on: world.dispute.id))
            #expect(try await !store.moderation.hasSubmittedOpinion(assignments[1].moderatorID, on: world.dispute.id))
            // The same moderator cannot submit twice; a correction needs a reason and keeps the original.
            await expectStoreError(.conflict) { _ = try await world.submit(store, assignments[0].moderatorID, score: 4) }
            let corrected = try await store.moderation.submitOpinion(
                on: world.dispute.id, score: try Score(4), rationale: "On reflection.", annotations: notes, correcting: first.opinion.id,
                correctionReason: "Misread the scale.", by: world.user(assignments[0].moderatorID).actor, at: ModerationWorld.start + 4000)
            let second = try await world.submit(store, assignments[1].moderatorID, score: 5)
            let decided = second.caseAfter
            #expect(decided.state == .decided)
            let outcome = try #require(decided.outcome)
            // 4 and 5: the median 4.5 rounds down.
            #expect(outcome.score.value == 4 && outcome.basis == .rule(.median))
            #expect(Set(outcome.basedOn) == [corrected.opinion.id, second.opinion.id])
            let opinions = try await store.moderation.opinions(ofCase: world.dispute.id)
            #expect(opinions.count == 3 && opinions[0].annotations == notes)
            #expect(try await store.moderation.assignments(ofCase: world.dispute.id).allSatisfy { $0.state == .submitted })
            #expect(try await store.moderation.developmentPlan(ofCase: world.dispute.id) == nil)
            // Opinions are append-only in the database itself.
            await #expect(throws: (any Error).self) { try await store.raw("UPDATE opinions SET score = 7") }
            await #expect(throws: (any Error).self) { try await store.raw("DELETE FROM opinions") }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func disagreementEscalatesToAFurtherModeratorThenTheLead(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let (_, assignments) = try await world.sendToModeration(store)
            _ = try await world.submit(store, assignments[0].moderatorID, score: 3)
            let split = try await world.submit(store, assignments[1].moderatorID, score: 5)
            #expect(split.caseAfter.state == .escalated)
            let further = try #require(split.escalationAssignments.first)
            #expect(split.escalationAssignments.count == 1 && !assignments.map(\.moderatorID).contains(further.moderatorID))
            // The panel discusses, pointing at the recording.
            let message = try await store.moderation.postMessage(on: world.dispute.id, body: "At 2:05 the plan is agreed.", atSeconds: 125,
                                                      by: world.user(assignments[0].moderatorID).actor)
            #expect(try await store.moderation.messages(ofCase: world.dispute.id) == [message])
            let third = try await world.submit(store, further.moderatorID, score: 4, at: ModerationWorld.start + 7200)
            // 3, 4, 5 still straddle the pass line: the lead decides.
            #expect(third.caseAfter.state == .escalated)
            #expect(try await store.moderation.routingProblem(ofCase: world.dispute.id)?.contains("The lead decides") == true)
            let current = try #require(try await store.records.cases.find(world.dispute.id))
            // The domain's refusal reaches the caller as a StoreError that carries it (the API answers from the cause).
            let refusal = await #expect(throws: StoreError.self) {
                _ = try await store.workflow.transition(world.dispute.id, .decide(Outcome(score: try Score(3), basis: .person(world.lead.id))),
                                               expectedVersion: current.version, reason: nil, by: world.lead.actor)
            }
            #expect(refusal?.code == .invalidArgument && refusal?.cause is CaseTransitionError)
            let decided = try await store.workflow.transition(
                world.dispute.id, .decide(Outcome(score: try Score(3), basis: .person(world.lead.id), reasonCodes: ["evidence_at_2_05"],
                                                  basedOn: try await store.moderation.opinions(ofCase: world.dispute.id).map(\.id), reason: "Plan not checked.")),
                expectedVersion: current.version, reason: "Plan not checked.", by: world.lead.actor)
            #expect(decided.state == .decided && decided.outcome?.basedOn.count == 3)
            // A near miss: the employer acknowledges the development plan, once.
            let plan = try #require(try await store.moderation.developmentPlan(ofCase: world.dispute.id))
            #expect(plan.acknowledgedBy == nil && plan.employerID == world.employer.id)
            let acknowledged = try await store.moderation.acknowledgeDevelopmentPlan(ofCase: world.dispute.id, note: "Agreed.", by: world.employerRep.actor)
            #expect(acknowledged.acknowledgedBy == world.employerRep.id)
            await expectStoreError(.conflict) {
                _ = try await store.moderation.acknowledgeDevelopmentPlan(ofCase: world.dispute.id, note: nil, by: world.employerRep.actor)
            }
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func concurrentRoutingNeverOverfillsAPanel(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            // Nobody has capacity: the dispute waits, saying why.
            for moderator in world.moderators {
                try await store.moderation.setModeratorProfile(of: moderator.id, practiceAreas: [], capacity: 0, by: world.lead.actor)
            }
            let (waiting, none) = try await world.sendToModeration(store)
            #expect(waiting.state == .awaitingModeration && none.isEmpty)
            #expect(try await store.moderation.routingProblem(ofCase: world.dispute.id)?.contains("at capacity") == true)
            // Capacity returns; eight passes race (on PostgreSQL, from eight connections).
            for moderator in world.moderators {
                try await store.moderation.setModeratorProfile(of: moderator.id, practiceAreas: [], capacity: 5, by: world.lead.actor)
            }
            try await withThrowingTaskGroup(of: RoutingReport.self) { group in
                for n in 0..<8 { group.addTask { try await store.moderation.route(trigger: "race \(n)") } }
                for try await _ in group {}
            }
            let assignments = try await store.moderation.assignments(ofCase: world.dispute.id)
            #expect(assignments.count == 2 && Set(assignments.map(\.kind)) == [.professional, .lay])
            #expect(try await store.records.cases.find(world.dispute.id)?.state == .inModeration)
            #expect(try await store.moderation.routingProblem(ofCase: world.dispute.id) == nil)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func overdueAssignmentsExpireAndAreRerouted(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let (_, first) = try await world.sendToModeration(store)
            #expect(try await store.moderation.overdueAssignments(at: ModerationWorld.start + 86_400).isEmpty)
            let late = ModerationWorld.start + 15 * 86_400
            #expect(try await store.moderation.overdueAssignments(at: late).count == 2)
            let report = try await store.moderation.route(trigger: "test", at: late)
            #expect(report.expired.count == 2 && report.expired.allSatisfy { $0.state == .expired })
            let now = try await store.moderation.assignments(ofCase: world.dispute.id).filter { $0.state.isOpen }
            #expect(now.count == 2 && Set(now.map(\.moderatorID)).isDisjoint(with: first.map(\.moderatorID)))
            // The lead sees what expired, and the audit trail says so.
            #expect(Set(try await store.moderation.assignments(in: .expired).map(\.moderatorID)) == Set(first.map(\.moderatorID)))
            let events = try await store.audit.entries(about: .init(type: "case", id: world.dispute.id.description))
            #expect(events.filter { $0.event.action == "assignment.expired" }.count == 2)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func reopeningStartsAFreshModerationWithNewModerators(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let (_, round1) = try await world.sendToModeration(store)
            _ = try await world.submit(store, round1[0].moderatorID, score: 4)
            let decided = try await world.submit(store, round1[1].moderatorID, score: 4).caseAfter
            #expect(decided.state == .decided)
            let reopened = try await store.workflow.transition(world.dispute.id, .reopen(.newInformation), expectedVersion: decided.version,
                                                      reason: "A second recording came to light.", by: world.lead.actor)
            #expect(reopened.round == 2 && reopened.previousOutcomes.count == 1 && reopened.state == .inModeration)
            let round2 = try await store.moderation.assignments(ofCase: world.dispute.id).filter { $0.round == 2 }
            #expect(round2.count == 2 && Set(round2.map(\.moderatorID)).isDisjoint(with: round1.map(\.moderatorID)))
            // Round 1's opinions are still there.
            #expect(try await store.moderation.opinions(ofCase: world.dispute.id).filter { $0.round == 1 }.count == 2)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func samplingIsReproducibleAndADryRunOpensNothing(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            for n in 0..<30 {
                let observation = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Visit \(n)", practiceArea: .adults)
                try await store.records.observations.insert(observation, ref: "OBS-S-\(n)")
                for (user, value) in [(world.employerRep, 4 + n % 2), (world.assessor, 4)] {
                    _ = try await store.workflow.recordRating(observationID: observation.id, score: try Score(value), rationale: "Fine.", supersedes: nil,
                                                     correctionReason: nil, by: user.actor)
                }
            }
            #expect(try await store.moderation.samplingPopulation().count == 30)
            let dry = try await store.moderation.drawSample(rate: 0.2, seed: 7, dryRun: true, by: world.lead.actor)
            let again = try await store.moderation.drawSample(rate: 0.2, seed: 7, dryRun: true, by: world.lead.actor)
            #expect(dry.draw.picks.count == 6 && dry.draw.picks == again.draw.picks && dry.cases.isEmpty)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM cases WHERE kind = 'sample'") == 0)
            let drawn = try await store.moderation.drawSample(rate: 0.2, seed: 7, dryRun: false, by: world.lead.actor)
            #expect(drawn.draw.picks.map(\.observationID) == dry.draw.picks.map(\.observationID) && drawn.cases.count == 6)
            for caseID in drawn.cases.values {
                let sample = try #require(try await store.records.cases.find(caseID))
                #expect(sample.kind == .sample && [.awaitingModeration, .inModeration].contains(sample.state))
                #expect(try await store.moderation.sampleReason(ofCase: caseID)?.isEmpty == false)
            }
            // Sampled observations leave the population.
            #expect(try await store.moderation.samplingPopulation().count == 24)
        }
    }

    @Test("a drawn sample keeps each pick's probability, weight and stratum; the weighted findings match the pure estimate",
          arguments: TestBackend.allCases)
    func samplePicksKeepTheirProbabilitiesAndTheFindingsAreWeighted(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            // 30 observations of one assessor, none disputed: half at the boundary (employer 5, assessor 4), half not (6 and 6).
            for n in 0..<30 {
                let observation = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Visit \(n)", practiceArea: .adults)
                try await store.records.observations.insert(observation, ref: "OBS-W-\(n)")
                for (user, value) in [(world.employerRep, n % 2 == 0 ? 5 : 6), (world.assessor, n % 2 == 0 ? 4 : 6)] {
                    _ = try await store.workflow.recordRating(observationID: observation.id, score: try Score(value), rationale: "Fine.", supersedes: nil,
                                                     correctionReason: nil, by: user.actor)
                }
            }
            let population = try await store.moderation.samplingPopulation()
            #expect(population.count == 30 && population.filter(\.isBoundary).count == 15)
            let drawn = try await store.moderation.drawSample(rate: 0.2, seed: 11, dryRun: false, by: world.lead.actor)
            let stated = Sampler.inclusionProbabilities(population, rate: 0.2, boundaryWeight: 3, minimumStratumSize: 5)
            #expect((5...7).contains(drawn.draw.picks.count))
            for pick in drawn.draw.picks {
                let caseID = try #require(drawn.cases[pick.observationID])
                let (pi, weight, stratum) = try await store.withRawDatabase { db in
                    let row = try await db.raw("""
                        SELECT inclusion_probability, design_weight, stratum FROM sample_picks WHERE case_id = \(literal: caseID.description)
                        """).first()
                    return (try row?.decode(column: "inclusion_probability", as: Double.self), try row?.decode(column: "design_weight", as: Double.self),
                            try row?.decode(column: "stratum", as: String.self))
                }
                // π = 6 × 3 / (15 × 3 + 15) = 0.3 at the boundary, 6 / 60 = 0.1 otherwise.
                let stored = try #require(pi)
                #expect(abs(stored - (pick.boundary ? 0.3 : 0.1)) < 1e-12 && stored == stated[pick.observationID]?.probability && stored == pick.inclusionProbability)
                #expect(weight == 1 / stored)
                #expect(stratum == pick.stratum && pick.stratum == stated[pick.observationID]?.stratum)
            }
            // The lead decides all but one: the first two overturned (fail for a pass), the rest agreeing.
            var expected: [SampleFindings.Case] = []
            for (index, pick) in drawn.draw.picks.enumerated() {
                let caseID = drawn.cases[pick.observationID]!
                let assessorScore = population.first { $0.observationID == pick.observationID }!.assessorScore!.value
                var outcome: Int?
                if index < drawn.draw.picks.count - 1, let current = try await store.records.cases.find(caseID), current.state == .inModeration {
                    let score = index < 2 ? 3 : assessorScore
                    _ = try await store.workflow.transition(caseID, .decide(Outcome(score: try Score(score), basis: .person(world.lead.id), reason: "Seen.")),
                                                   expectedVersion: current.version, reason: "Seen.", by: world.lead.actor)
                    outcome = score
                }
                expected.append(SampleFindings.Case(drawID: drawn.id, stratum: pick.stratum, inclusionProbability: pick.inclusionProbability,
                                                    outcomeScore: outcome, assessorScore: assessorScore))
            }
            let findings = try await store.moderation.sampleFindings()
            let draw = SampleFindings.Draw(id: drawn.id, seed: 11, rate: 0.2, population: 30, drawnAt: drawn.drawnAt)
            #expect(findings == SampleFindings.compute(expected, draws: [draw]))
            #expect(findings.overall.decided >= 3 && findings.casesWithoutProbability == 0 && findings.draws.count == 1)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func calibrationSeedsAreRoutedAtTheRateAndMeasureModerators(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            try await store.moderation.setModerationPolicy(try ModerationPolicy.default.with { $0.calibrationRate = 0.5 }, by: world.lead.actor)
            let seedObservation = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Seed", practiceArea: .childrens)
            try await store.records.observations.insert(seedObservation, ref: "OBS-SEED")
            _ = try await store.moderation.markSeed(seedObservation.id, score: try Score(5), reason: "Agreed by the standards panel.", by: world.lead.actor)
            // Two ordinary cases routed → at rate 0.5 one calibration case.
            _ = try await world.sendToModeration(store)
            let second = Observation(candidateID: world.candidate.id, date: ModerationWorld.start, scenario: "Second", practiceArea: .adults)
            try await store.records.observations.insert(second, ref: "OBS-M-2")
            _ = try await store.workflow.recordRating(observationID: second.id, score: try Score(6), rationale: "Strong.", supersedes: nil,
                                             correctionReason: nil, by: world.employerRep.actor)
            let opened = try #require(try await store.workflow.recordRating(observationID: second.id, score: try Score(3), rationale: "Weak.", supersedes: nil,
                                                                   correctionReason: nil, by: world.assessor.actor).openedCase)
            _ = try await store.workflow.transition(opened.id, .requestModeration, expectedVersion: opened.version, reason: nil, by: world.lead.actor)
            let report = try await store.moderation.route(trigger: "test")
            #expect(report.calibrationCasesOpened.count == 1)
            let seedCase = try #require(try await store.records.cases.find(report.calibrationCasesOpened[0]))
            #expect(seedCase.kind == .sample && seedCase.isCalibration && seedCase.state == .inModeration)
            let panel = try await store.moderation.assignments(ofCase: seedCase.id)
            #expect(panel.count == 2)
            var last: SubmittedOpinion?
            for (assignment, value) in zip(panel, [4, 7]) {
                last = try await store.moderation.submitOpinion(on: seedCase.id, score: try Score(value), rationale: "Seen.", annotations: [], correcting: nil,
                                                     correctionReason: nil, by: world.user(assignment.moderatorID).actor)
            }
            let decided = try #require(last?.caseAfter)
            #expect(decided.state == .decided && decided.outcome?.basis == .rule(.calibrationSeed) && decided.outcome?.score.value == 5)
            #expect(try await store.moderation.developmentPlan(ofCase: seedCase.id) == nil)
            let results = try await store.moderation.calibrationResults()
            #expect(results.map(\.deviation).sorted() == [-1, 2])
            #expect(try await store.moderation.seeds().first?.timesUsed == 1)
            // Employers' lists never show calibration cases.
            #expect(try await store.records.listCases(CaseFilter(employerID: world.employer.id, includeCalibration: false), page: PageRequest())
                .allSatisfy { !$0.isCalibration })
        }
    }
}
