public import Foundation
public import ReviewDomain
public import ReviewStore

/// Creating accounts with credentials, shared by the API, `obsreview account` and the demo set-up.
public struct AccountSetup: Sendable {
    let store: ReviewStore
    let passwords: PasswordHasher

    public init(store: ReviewStore, passwords: PasswordHasher) {
        self.store = store
        self.passwords = passwords
    }

    /// The shortest password accepted.
    public static let minimumPasswordLength = PasswordPolicy.minimumLength

    /// Roles whose accounts one administrator alone cannot create (two-person rule): every role. Any account reads
    /// some case data (an assessor the scheme's ratings, an employer its staff's, a moderator what it is routed), and
    /// the administrator who makes an account chooses its first password — so one administrator alone could read
    /// what administrators may not (found by the hostile test for an assessor and an employer account).
    public static let rolesNeedingApproval: Set<Role> = Set(Role.allCases)

    /// Roles that read everything in the scheme, decide cases or manage accounts: the second factor is required of
    /// them when `require_second_factor` is set.
    public static let privilegedRoles: Set<Role> = [.lead, .auditor, .administrator]

    /// Creates a user with a username and password (checked: username 3–64 of letters, digits, `.-_@`;
    /// password by ``PasswordPolicy``), audited as done by `actorID`. With `requireApproval` (an
    /// administrator through the API) a lead, auditor or administrator is created inactive, awaiting another
    /// administrator's approval; `obsreview account` and the demo, run by whoever holds the database, do not ask.
    public func createUser(
        name: String, username: String, password: String, role: Role, organisationID: OrganisationID, by actorID: UserID?,
        requireApproval: Bool = false, at time: Date = Date()
    ) async throws -> User {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else {
            throw APIError(.unprocessableContent, code: .invalid, message: "Give the user a name of 1 to 200 characters.")
        }
        if let problem = PersonName.problem(name, "The name") {
            throw APIError(.unprocessableContent, code: .invalid, message: problem)
        }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_@"))
        guard (3...64).contains(username.count), username.unicodeScalars.allSatisfy(allowed.contains) else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "A username is 3 to 64 letters, digits, dots, dashes, underscores or @.")
        }
        guard let organisation = try await store.records.organisations.find(organisationID) else {
            throw APIError(.unprocessableContent, code: .invalid, message: "There is no organisation \(organisationID): create it first.")
        }
        if let problem = PasswordPolicy.standard.problem(with: password, username: username, organisationName: organisation.name) {
            throw APIError(.unprocessableContent, code: .invalid, message: problem)
        }
        guard try await store.accounts.credentials(username: username) == nil else {
            throw APIError(.conflict, code: .conflict, message: "The username \"\(username)\" is taken: choose another.")
        }
        let hash = try await passwords.hash(password)
        var user = User(name: name, role: role, organisationID: organisationID)
        if requireApproval, let actorID, Self.rolesNeedingApproval.contains(role) {
            try await store.accounts.insertUserAwaitingApproval(user, requestedBy: actorID, at: time)
            user.active = false
            try await store.accounts.setCredentials(of: user.id, username: username, passwordHash: hash, at: time)
            return user
        }
        try await store.transaction { tx in
            try await tx.users.insert(user)
            try await tx.audit.append(AuditEvent(
                at: time, actorID: actorID ?? user.id, action: "user.created", subject: .init(type: "user", id: user.id.description),
                details: ["name": name, "role": role.rawValue, "organisation": organisationID.description]))
        }
        try await store.accounts.setCredentials(of: user.id, username: username, passwordHash: hash, at: time)
        return user
    }
}
