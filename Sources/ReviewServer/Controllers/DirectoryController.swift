import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Organisations and user accounts (`/api/v1/organisations`, `/api/v1/users`): administrators manage them;
/// the lead reads users (to manage moderators); everyone but moderators reads organisations, an employer
/// only its own. A lead, auditor or administrator created through the API waits, inactive, until a second
/// administrator approves it (`POST /api/v1/users/{id}/approval`): one administrator alone cannot make
/// themselves an account that reads case data.
struct DirectoryController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("organisations", use: listOrganisations)
        group.post("organisations", use: createOrganisation)
        group.get("users", use: listUsers)
        group.post("users", use: createUser)
        group.patch("users/:userId", use: updateUser)
        group.post("users/:userId/approval", use: approveUser)
        group.post("users/:userId/reset", use: issueReset)
        group.post("users/:userId/reset/approval", use: approveReset)
        group.post("password-resets", use: redeemReset)
    }

    @Sendable func listOrganisations(_ request: Request, context: ReviewRequestContext) async throws -> Page<OrganisationRepresentation> {
        let actor = try context.requireIdentity()
        let page = try request.page()
        guard !actor.role.isModerator else { throw Access.forbidden("A moderator cannot list organisations.") }
        var all = try await services.store.records.organisations.all()
        if actor.role == .employer { all = all.filter { $0.id == actor.organisationID } }
        let window = all.dropFirst(page.offset).prefix(page.size + 1)
        return Page(fetched: window.map(OrganisationRepresentation.init), page: page)
    }

    struct NewOrganisation: Decodable {
        let name: String
        let kind: Organisation.Kind
    }

    @Sendable func createOrganisation(_ request: Request, context: ReviewRequestContext) async throws -> Created<OrganisationRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.manageUsers.require(actor)
        let body = try await request.json(NewOrganisation.self, context: context)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else {
            throw APIError(.unprocessableContent, code: .invalid, message: "Give the organisation a name of 1 to 200 characters.")
        }
        let organisation = Organisation(name: name, kind: body.kind)
        try await services.store.transaction { tx in
            try await tx.organisations.insert(organisation)
            try await tx.audit.append(AuditEvent(
                at: services.now(), actorID: actor.userID, action: "organisation.created",
                subject: .init(type: "organisation", id: organisation.id.description), details: ["name": name, "kind": body.kind.rawValue]))
        }
        return Created(body: OrganisationRepresentation(organisation))
    }

    @Sendable func listUsers(_ request: Request, context: ReviewRequestContext) async throws -> Page<UserRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.listUsers.require(actor)
        let page = try request.page()
        let organisationID: OrganisationID? = try request.queryID("organisationId")
        let role = try request.query("role", "a role (\(Role.allCases.map(\.rawValue).joined(separator: ", ")))", Role.init(rawValue:))
        let users = try await services.store.records.listUsers(organisationID: organisationID, role: role, page: page)
        let names = try await services.store.accounts.usernames(of: users.map(\.id))
        let pending = Set(try await services.store.accounts.pendingApprovals().map(\.userID))
        return Page(fetched: users.map { UserRepresentation($0, username: names[$0.id], awaitingApproval: pending.contains($0.id)) }, page: page)
    }

    struct NewUser: Decodable {
        let name: String
        let username: String
        let password: String
        let role: Role
        let organisationId: OrganisationID
    }

    @Sendable func createUser(_ request: Request, context: ReviewRequestContext) async throws -> Created<UserRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.manageUsers.require(actor)
        let body = try await request.json(NewUser.self, context: context)
        let user = try await AccountSetup(store: services.store, passwords: services.passwords)
            .createUser(name: body.name, username: body.username, password: body.password, role: body.role,
                        organisationID: body.organisationId, by: actor.userID, requireApproval: true, at: services.now())
        return Created(body: UserRepresentation(
            user, username: body.username, awaitingApproval: !user.active && AccountSetup.rolesNeedingApproval.contains(user.role)))
    }

    struct UserChange: Decodable {
        let active: Bool
    }

    @Sendable func updateUser(_ request: Request, context: ReviewRequestContext) async throws -> UserRepresentation {
        let actor = try context.requireIdentity()
        try Access.Rule.manageUsers.require(actor)
        let id: UserID = try context.id("userId")
        let body = try await request.json(UserChange.self, context: context)
        guard var user = try await services.store.records.users.find(id) else { throw Access.notFound("user \(id)") }
        guard id != actor.userID || body.active else {
            throw APIError(.unprocessableContent, code: .invalid, message: "You cannot deactivate your own account; ask another administrator.")
        }
        if body.active, let approval = try await services.store.accounts.accountApproval(of: id), approval.approvedBy == nil {
            throw APIError(.conflict, code: .conflict, message: """
                This \(approval.role.rawValue) account awaits a second administrator's approval: another administrator \
                approves it with POST /api/v1/users/\(id)/approval.
                """)
        }
        // Deactivation ends the user's sessions and revokes their tokens for good: activating them again revives neither.
        try await services.store.accounts.setUserActive(id, body.active, by: actor.userID, at: services.now())
        if !body.active { services.credentials.forget(user: id) }
        user.active = body.active
        let username = try await services.store.accounts.usernames(of: [id])[id]
        return UserRepresentation(user, username: username)
    }
}

extension DirectoryController {
    /// A second administrator approves a lead, auditor or administrator account another one created.
    @Sendable func approveUser(_ request: Request, context: ReviewRequestContext) async throws -> UserRepresentation {
        let actor = try context.requireIdentity()
        try Access.Rule.manageUsers.require(actor)
        let id: UserID = try context.id("userId")
        guard var user = try await services.store.records.users.find(id) else { throw Access.notFound("user \(id)") }
        guard let approval = try await services.store.accounts.accountApproval(of: id), approval.approvedBy == nil else {
            throw APIError(.conflict, code: .conflict, message: "The user \(id) awaits no approval (approved already, or never needed one).")
        }
        guard approval.requestedBy != actor.userID else {
            throw Access.forbidden("You created this account, so another administrator must approve it (two-person rule).")
        }
        _ = try await services.store.accounts.approveAccount(id, by: actor.userID, at: services.now())
        user.active = true
        let username = try await services.store.accounts.usernames(of: [id])[id]
        return UserRepresentation(user, username: username)
    }
}
