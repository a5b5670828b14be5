import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// Reset links (decision 28): an administrator issues one for a person who forgot their password, or lost their second
/// factor too (`POST /api/v1/users/{id}/reset`); the person opens it and sets a new password
/// (`POST /api/v1/password-resets`, no sign-in: the link's secret is the credential). The secret is shown once, to the
/// administrator, and kept only as its SHA-256; it expires after ``resetLifetime``, works once, and a newer link for the
/// same person withdraws the older. Both steps are audited. A link that would let its holder in (it removes the second
/// factor, or the account has none) works only once a second administrator approves it
/// (`POST /api/v1/users/{id}/reset/approval`, decision 41): one administrator alone cannot take an account over.
extension DirectoryController {
    /// How long a reset link works.
    static let resetLifetime: TimeInterval = 24 * 3600

    struct ResetRequest: Decodable {
        /// Also remove the account's second factor and recovery codes (they set one up again at their next sign-in).
        let secondFactor: Bool?
    }

    @Sendable func issueReset(_ request: Request, context: ReviewRequestContext) async throws -> Created<ResetLinkRepresentation> {
        let actor = try context.requireIdentity()
        try Access.Rule.manageUsers.require(actor)
        let id: UserID = try context.id("userId")
        let body = try await request.json(ResetRequest.self, context: context)
        guard let user = try await services.store.records.users.find(id), id != UserID.system else { throw Access.notFound("user \(id)") }
        guard id != actor.userID else {
            throw APIError(.unprocessableContent, code: .invalid, message: "You cannot reset your own account: change your password yourself, or ask another administrator.")
        }
        let secret = Secrets.generate()
        let now = services.now()
        let expiresAt = now.addingTimeInterval(Self.resetLifetime)
        let secondFactor = body.secondFactor ?? false
        // A link that lets its holder in hands the issuing administrator the account: two people decide it, as they decide
        // a new account (``AccountSetup/rolesNeedingApproval``). Only a password reset of an account that keeps a confirmed
        // second factor does not (the administrator lacks the code).
        let confirmedFactor = try await services.store.accounts.secondFactor(of: id)?.confirmedAt != nil
        let keepsSecondFactor = !secondFactor && confirmedFactor
        let needsApproval = !keepsSecondFactor && AccountSetup.rolesNeedingApproval.contains(user.role)
        try await services.store.accounts.issueReset(
            of: id, tokenHash: Secrets.hash(secret), secondFactor: secondFactor, needsApproval: needsApproval, expiresAt: expiresAt,
            by: actor.userID, at: now)
        return Created(body: ResetLinkRepresentation(path: "/reset#" + secret, expiresAt: expiresAt, secondFactor: secondFactor,
                                                     awaitsApproval: needsApproval))
    }

    /// A second administrator approves a pending second-factor reset of a privileged account (decision 41).
    @Sendable func approveReset(_ request: Request, context: ReviewRequestContext) async throws -> HTTPResponse.Status {
        let actor = try context.requireIdentity()
        try Access.Rule.manageUsers.require(actor)
        let id: UserID = try context.id("userId")
        guard try await services.store.records.users.find(id) != nil, id != UserID.system else { throw Access.notFound("user \(id)") }
        switch try await services.store.accounts.approveReset(of: id, by: actor.userID, at: services.now()) {
        case .approved: return .noContent
        case .issuedByApprover: throw Access.forbidden("You issued this reset, so another administrator must approve it (two-person rule).")
        case .ownAccount: throw Access.forbidden("You cannot approve a reset of your own account: another administrator must.")
        }
    }

    struct ResetRedemption: Decodable {
        let token: String
        let newPassword: String
    }

    /// Sets a new password with a reset link's secret. No sign-in: the secret is the credential (256 random bits, so not
    /// worth throttling; nothing is hashed with bcrypt for a secret that is not pending).
    @Sendable func redeemReset(_ request: Request, context: ReviewRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.json(ResetRedemption.self, context: context)
        let tokenHash = Secrets.hash(body.token)
        let now = services.now()
        guard let pending = try await services.store.accounts.pendingReset(tokenHash: tokenHash, at: now) else {
            // Not usable: say why (unknown, used, replaced, expired, awaiting approval), reading only. Never a redemption
            // with a placeholder: an approval landing in between would let it through (the hostile test of decision 41).
            if let refusal = try await services.store.accounts.resetRefusal(tokenHash: tokenHash, at: now) { throw refusal }
            throw APIError(.conflict, code: .conflict, message: "This reset link became usable a moment ago: send it again.")
        }
        guard let user = try await services.store.records.users.find(pending.userID) else { throw Access.notFound("user") }
        let username = try await services.store.accounts.usernames(of: [user.id])[user.id] ?? ""
        let organisation = try await services.store.records.organisations.find(user.organisationID)
        if let problem = PasswordPolicy.standard.problem(with: body.newPassword, username: username, organisationName: organisation?.name) {
            throw APIError(.unprocessableContent, code: .invalid, message: problem)
        }
        let reset = try await services.store.accounts.redeemReset(tokenHash: tokenHash, passwordHash: try await services.passwords.hash(body.newPassword), at: now)
        services.credentials.forget(user: reset.userID)
        return .noContent
    }
}

/// A reset link as issued: its path on this site (the secret after `#`, so browsers never send it to a server or put it
/// in a log), shown once.
struct ResetLinkRepresentation: ResponseEncodable, Sendable {
    let path: String
    let expiresAt: Date
    let secondFactor: Bool
    /// The link works only once a second administrator approves it (a privileged account's second factor, decision 41).
    let awaitsApproval: Bool
}
