import Foundation
import PropertyBased
import ReviewDomain
import Testing

/// One random step: a command by an actor, with or without a reason.
struct Step: Sendable, CustomStringConvertible {
    let command: CaseCommand
    let actor: ActingUser
    let reason: String?
    var description: String { "\(actor.role) \(command.action.rawValue)\(reason == nil ? " (no reason)" : "")" }

    static let commands: [CaseCommand] = [
        .flag, .startLocalReview, .agreeLocalScore(Fixture.score(3)), .agreeLocalScore(Fixture.score(5)),
        .requestModeration, .startModeration, .escalate, .decide(Fixture.outcome),
        .decide(Outcome(score: Fixture.score(2), basis: .person(Fixture.lead.userID))),
        .decide(Outcome(score: Fixture.score(5), basis: .person(Fixture.lead.userID), reason: "Watched it twice.")),
        .close, .withdraw, .reopen(.materialFlaw), .reopen(.newInformation),
    ]

    /// Every actor and the service, with the lead and a moderator weighted up so that walks get deep into the workflow.
    static let actors = Fixture.allActors + Array(repeating: Fixture.lead, count: 8) + [Fixture.professional, ActingUser.system, ActingUser.system]

    static let generator = zip(
        Gen.int(in: 0...(commands.count - 1)), Gen.int(in: 0...(actors.count - 1)), Gen.bool(0.8)
    ).map { command, actor, hasReason in
        Step(command: commands[command], actor: actors[actor], reason: hasReason ? "because" : nil)
    }
}

@Suite("Case state machine properties")
struct CasePropertyTests {
    @Test("Random sequences of actions by random actors never reach an invalid state")
    func randomWalks() async {
        await propertyCheck(
            count: 300,
            input: Gen<Case.Kind>.case, Gen.bool, Step.generator.array(of: 0...60)
        ) { kind, localReviewAllowed, steps in
            let policy = try DisputePolicy(localReviewAllowed: localReviewAllowed)
            var current = Fixture.openCase(kind: kind)
            var events = 1   // the opening event
            var time = Fixture.start
            for step in steps {
                time += 1
                let before = current
                do throws(CaseTransitionError) {
                    let (after, event) = try before.apply(step.command, by: step.actor, at: time,
                                                          reason: step.reason, policy: policy)
                    events += 1
                    current = after
                    // Version strictly increases, by exactly one per successful transition.
                    #expect(after.version == before.version + 1)
                    #expect(event.action.rawValue == step.command.action.rawValue)
                    #expect(event.actorID == step.actor.userID && event.at == time)
                    // Finished cases accept nothing but a lead's reopen of a closed case.
                    if before.state == .withdrawn { Issue.record("withdrawn case accepted \(step)") }
                    if before.state == .closed { #expect(step.command.action == .reopen && step.actor.role == .lead) }
                    // Read-only roles, moderators and other employers never change anything.
                    #expect(![Role.auditor, .administrator].contains(step.actor.role))
                    #expect(!step.actor.role.isModerator)
                    // A person's decision always comes with reasons; reopening names its ground and starts a new round.
                    if case .decide(let outcome) = step.command, case .person = outcome.basis {
                        #expect(step.reason != nil || outcome.reason != nil)
                    }
                    if case .reopen(let ground) = step.command {
                        #expect(event.details["ground"] == ground.rawValue)
                        #expect(after.round == before.round + 1 && after.previousOutcomes.last == before.outcome)
                    } else {
                        #expect(after.round == before.round)
                    }
                    #expect(step.actor.role != .employer || step.actor.organisationID == before.employerID)
                    if step.command.action.requiresReason { #expect(event.reason != nil) }
                    // Nothing decided is thrown away.
                    #expect(after.previousOutcomes.starts(with: before.previousOutcomes))
                    #expect(after.flagCount >= before.flagCount)
                } catch {
                    #expect(current == before)
                    #expect(!error.message.isEmpty)
                    // A lead deciding in person is refused only for deciding in someone else's name, or without reasons.
                    if step.actor.role == .lead, case .decide(let outcome) = step.command, case .person(let decider) = outcome.basis,
                        CaseAction.decide.sourceStates.contains(before.state)
                    {
                        if decider == step.actor.userID {
                            #expect(error.code == .missingReason && step.reason == nil && outcome.reason == nil)
                        } else {
                            #expect(error.code == .notPermitted)
                        }
                    }
                }
                // A decided or closed case always has an outcome; no other state has one.
                #expect(current.state.hasOutcome == (current.outcome != nil))
                if current.state == .localReview { #expect(current.kind != .sample && localReviewAllowed) }
                #expect(current.id == before.id && current.kind == kind)
            }
            // The audit trail has one event per successful transition.
            #expect(current.version == events)
        }
    }
}
