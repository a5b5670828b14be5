import Foundation
import ReviewDomain
import SQLKit

/// Organisations, users, candidates and observations: plain rows.
struct SQLOrganisations: OrganisationRepository {
    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func insert(_ organisation: Organisation) async throws(StoreError) {
        try await context.run { db in
            try await SQLInserts.organisation.run(organisation, on: db, dialect: dialect)
        }
    }

    func find(_ id: OrganisationID) async throws(StoreError) -> Organisation? {
        try await context.run { db in
            try await db.raw("SELECT * FROM organisations WHERE id = \(dialect.id(id))").first().map(Self.organisation)
        }
    }

    func all() async throws(StoreError) -> [Organisation] {
        try await context.run { db in
            // The service's own organisation (ActingUser.system, migration 6) takes no part in the scheme.
            try await db.raw("SELECT * FROM organisations WHERE id <> \(dialect.id(OrganisationID.system)) ORDER BY name, id").all().map(Self.organisation)
        }
    }

    static func organisation(_ row: any SQLRow) throws -> Organisation {
        Organisation(id: try row.id("id"), name: try row.value("name"), kind: try row.raw("kind"))
    }
}

struct SQLUsers: UserRepository {
    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func insert(_ user: User) async throws(StoreError) {
        try await context.run { db in
            try await SQLInserts.user.run(user, on: db, dialect: dialect)
        }
    }

    func find(_ id: UserID) async throws(StoreError) -> User? {
        try await context.run { db in
            try await db.raw("SELECT * FROM users WHERE id = \(dialect.id(id))").first().map(Self.user)
        }
    }

    func users(of organisationID: OrganisationID) async throws(StoreError) -> [User] {
        try await context.run { db in
            try await db.raw("SELECT * FROM users WHERE organisation_id = \(dialect.id(organisationID)) ORDER BY name, id").all().map(Self.user)
        }
    }

    func setActive(_ id: UserID, _ active: Bool) async throws(StoreError) {
        let updated = try await context.run { db in
            try await db.raw("UPDATE users SET active = \(bind: active) WHERE id = \(dialect.id(id)) RETURNING id").first() != nil
        }
        guard updated else { throw StoreError(.notFound, "There is no user \(id).") }
    }

    static func user(_ row: any SQLRow) throws -> User {
        User(id: try row.id("id"), name: try row.value("name"), role: try row.raw("role"),
             organisationID: try row.id("organisation_id"), active: try row.value("active"))
    }
}

struct SQLCandidates: CandidateRepository {
    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func insert(_ candidate: Candidate, name: String) async throws(StoreError) {
        try await context.run { db in
            try await SQLInserts.candidate.run(CandidateRecord(candidate: candidate, name: name), on: db, dialect: dialect)
        }
    }

    func find(_ id: CandidateID) async throws(StoreError) -> CandidateRecord? {
        try await context.run { db in
            try await db.raw("SELECT * FROM candidates WHERE id = \(dialect.id(id))").first().map(Self.candidate)
        }
    }

    func find(registrationNumber: String) async throws(StoreError) -> CandidateRecord? {
        try await context.run { db in
            try await db.raw("SELECT * FROM candidates WHERE registration_number = \(bind: registrationNumber)").first().map(Self.candidate)
        }
    }

    static func candidate(_ row: any SQLRow) throws -> CandidateRecord {
        CandidateRecord(
            candidate: Candidate(id: try row.id("id"), registrationNumber: try row.value("registration_number"),
                                 employerID: try row.id("employer_id")),
            name: try row.value("name")
        )
    }
}

struct SQLObservations: ObservationRepository {
    let context: SQLContext
    private var dialect: Dialect { context.dialect }

    func insert(_ observation: Observation, ref: String?) async throws(StoreError) {
        try await context.run { db in
            try await SQLInserts.observation.run(ObservationRecord(observation: observation, ref: ref), on: db, dialect: dialect)
        }
    }

    func find(_ id: ObservationID) async throws(StoreError) -> ObservationRecord? {
        try await context.run { db in
            try await db.raw("SELECT * FROM observations WHERE id = \(dialect.id(id))").first().map(Self.observation)
        }
    }

    func find(ref: String) async throws(StoreError) -> ObservationRecord? {
        try await context.run { db in
            try await db.raw("SELECT * FROM observations WHERE ref = \(bind: ref)").first().map(Self.observation)
        }
    }

    func observations(of candidateID: CandidateID) async throws(StoreError) -> [ObservationRecord] {
        try await context.run { db in
            try await db.raw("SELECT * FROM observations WHERE candidate_id = \(dialect.id(candidateID)) ORDER BY observed_at, id")
                .all().map(Self.observation)
        }
    }

    static func observation(_ row: any SQLRow) throws -> ObservationRecord {
        ObservationRecord(
            observation: Observation(
                id: try row.id("id"), candidateID: try row.id("candidate_id"), date: try row.time("observed_at"),
                scenario: try row.value("scenario"), practiceArea: try row.raw("practice_area")
            ),
            ref: try row.value("ref", as: String?.self)
        )
    }
}
