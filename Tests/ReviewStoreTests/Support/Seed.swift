import Foundation
import ReviewDomain
import ReviewStore

/// A small world in a fresh store: the accrediting body, an employer, a panel, their users, a candidate and
/// an observation.
struct Seed {
    let accreditingBody = Organisation(name: "National Accreditation Body", kind: .accreditingBody)
    let employer = Organisation(name: "Eastgate City Council", kind: .employer)
    let panel = Organisation(name: "Moderation Panel", kind: .moderationPanel)
    let assessor: User
    let employerRep: User
    let lead: User
    let moderator: User
    let candidate: Candidate
    let observation: Observation

    static let start = Date(timeIntervalSince1970: 1_770_000_000.123)

    init() {
        assessor = User(name: "Priya Vantongeren", role: .assessor, organisationID: accreditingBody.id)
        employerRep = User(name: "Declan Hartsworth", role: .employer, organisationID: employer.id)
        lead = User(name: "Morag Lead", role: .lead, organisationID: panel.id)
        moderator = User(name: "Lay Member", role: .moderator(.lay), organisationID: panel.id)
        candidate = Candidate(registrationNumber: "SW929385", employerID: employer.id)
        observation = Observation(candidateID: candidate.id, date: Self.start, scenario: "Mental Health Act assessment",
                                  practiceArea: .mentalHealth)
    }

    @discardableResult
    static func insert(into store: ReviewStore) async throws -> Seed {
        let seed = Seed()
        for organisation in [seed.accreditingBody, seed.employer, seed.panel] { try await store.records.organisations.insert(organisation) }
        for user in [seed.assessor, seed.employerRep, seed.lead, seed.moderator] { try await store.records.users.insert(user) }
        try await store.records.candidates.insert(seed.candidate, name: "Lukasz Wolstenholme")
        try await store.records.observations.insert(seed.observation, ref: "OBS-2026-0001")
        return seed
    }

    /// A fresh manual-flag case on the observation, with its opening event.
    func openCase(at time: Date = Seed.start) throws -> Case.Transition {
        try Case.flag(observationID: observation.id, employerID: employer.id, existing: [], by: assessor.actor, at: time,
                      reason: "scores look inconsistent")
    }
}

func score(_ value: Int) throws -> Score { try Score(value) }
