import Foundation
import ReviewDomain

/// Shared organisations, actors and helpers for the domain tests.
enum Fixture {
    static let accreditingBody = OrganisationID()
    static let employer = OrganisationID()
    static let otherEmployer = OrganisationID()
    static let panel = OrganisationID()

    static let assessor = ActingUser(userID: UserID(), role: .assessor, organisationID: accreditingBody)
    static let otherAssessor = ActingUser(userID: UserID(), role: .assessor, organisationID: accreditingBody)
    static let employerRep = ActingUser(userID: UserID(), role: .employer, organisationID: employer)
    static let otherEmployerRep = ActingUser(userID: UserID(), role: .employer, organisationID: otherEmployer)
    static let professional = ActingUser(userID: UserID(), role: .moderator(.professional), organisationID: panel)
    static let lay = ActingUser(userID: UserID(), role: .moderator(.lay), organisationID: panel)
    static let lead = ActingUser(userID: UserID(), role: .lead, organisationID: panel)
    static let auditor = ActingUser(userID: UserID(), role: .auditor, organisationID: accreditingBody)
    static let administrator = ActingUser(userID: UserID(), role: .administrator, organisationID: accreditingBody)

    /// One actor per role, each acting for the candidate's employer where that matters.
    static let actorsByRole: [Role: ActingUser] = Dictionary(
        uniqueKeysWithValues: [assessor, employerRep, professional, lay, lead, auditor, administrator].map { ($0.role, $0) }
    )

    /// Every actor, including ones from another employer.
    static let allActors = [
        assessor, otherAssessor, employerRep, otherEmployerRep, professional, lay, lead, auditor, administrator,
    ]

    static let start = Date(timeIntervalSince1970: 1_750_000_000)
    static let observation = ObservationID()

    static func score(_ value: Int) -> Score { Score(exactly: value)! }

    static let outcome = Outcome(score: score(4), basis: .rule(.median), reasonCodes: ["opinions_within_tolerance"])

    /// A freshly flagged case on ``observation``.
    static func openCase(kind: Case.Kind = .manualFlag) -> Case {
        let result: Case.Transition
        switch kind {
        case .manualFlag:
            result = try! Case.flag(observationID: observation, employerID: employer, existing: [],
                                    by: assessor, at: start, reason: "scores look inconsistent")
        case .automaticDispute:
            let finding = DisputePolicy.default.evaluate(employer: score(5), assessor: score(3))!
            result = try! Case.openDispute(finding, observationID: observation, employerID: employer,
                                           by: assessor, at: start)
        case .sample:
            result = try! Case.openSample(observationID: observation, employerID: employer, by: lead, at: start)
        }
        return result.updated
    }

    /// The lead's path from `open` to each state.
    static let pathTo: [Case.State: [CaseCommand]] = [
        .open: [],
        .localReview: [.startLocalReview],
        .awaitingModeration: [.requestModeration],
        .inModeration: [.requestModeration, .startModeration],
        .escalated: [.requestModeration, .startModeration, .escalate],
        .decided: [.requestModeration, .startModeration, .decide(outcome)],
        .closed: [.requestModeration, .startModeration, .decide(outcome), .close],
        .withdrawn: [.withdraw],
    ]

    /// A manual-flag case driven by the lead into `state`.
    static func caseIn(_ state: Case.State, kind: Case.Kind = .manualFlag) -> Case {
        var current = openCase(kind: kind)
        for (step, command) in pathTo[state]!.enumerated() {
            current = try! current.apply(command, by: lead, at: start.addingTimeInterval(Double(step + 1)),
                                         reason: "path step").updated
        }
        precondition(current.state == state)
        return current
    }
}

extension SplitMix64 {
    /// A UUID drawn from the generator, so that seeded test data (ids included) is the same on every run: ids
    /// decide routing's tie-breaks and sampling's keys, so random ids would make a printed seed useless.
    mutating func uuid() -> UUID {
        let (high, low) = (next(), next())
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
        }
        return UUID(uuid: bytes)
    }

    /// A typed identifier drawn from the generator.
    mutating func id<ID: DomainIdentifier>(_: ID.Type = ID.self) -> ID { ID(rawValue: uuid()) }
}
