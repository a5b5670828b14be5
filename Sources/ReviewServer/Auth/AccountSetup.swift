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
    public static let minimumPasswordLength = 12

    /// Creates a user with a username and password (checked: username 3–64 of letters, digits, `.-_@`;
    /// password at least 12 characters), audited as done by `actorID`.
    public func createUser(
        name: String, username: String, password: String, role: Role, organisationID: OrganisationID, by actorID: UserID?, at time: Date = Date()
    ) async throws -> User {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else {
            throw APIError(.unprocessableContent, code: .invalid, message: "Give the user a name of 1 to 200 characters.")
        }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_@"))
        guard (3...64).contains(username.count), username.unicodeScalars.allSatisfy(allowed.contains) else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "A username is 3 to 64 letters, digits, dots, dashes, underscores or @.")
        }
        guard password.count >= Self.minimumPasswordLength else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "A password needs at least \(Self.minimumPasswordLength) characters.")
        }
        guard try await store.organisations.find(organisationID) != nil else {
            throw APIError(.unprocessableContent, code: .invalid, message: "There is no organisation \(organisationID): create it first.")
        }
        guard try await store.credentials(username: username) == nil else {
            throw APIError(.conflict, code: .conflict, message: "The username \"\(username)\" is taken: choose another.")
        }
        let hash = try await passwords.hash(password)
        let user = User(name: name, role: role, organisationID: organisationID)
        try await store.transaction { tx in
            try await tx.users.insert(user)
            try await tx.audit.append(AuditEvent(
                at: time, actorID: actorID ?? user.id, action: "user.created", subject: .init(type: "user", id: user.id.description),
                details: ["name": name, "role": role.rawValue, "organisation": organisationID.description]))
        }
        try await store.setCredentials(of: user.id, username: username, passwordHash: hash, at: time)
        return user
    }
}
