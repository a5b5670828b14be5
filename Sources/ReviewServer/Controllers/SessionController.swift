import Foundation
import Hummingbird
import Logging
import ReviewDomain
import ReviewStore

/// Sign-in (`/api/v1/session`) and API tokens (`/api/v1/tokens`).
///
/// A password sign-in sets the session cookie (HttpOnly, SameSite=Strict, Secure behind https) and returns the
/// session's CSRF token, which cookie-authenticated changes must echo in `X-CSRF-Token`. Failed sign-ins are
/// logged and, past five for one username or address in 15 minutes, refused with 429 for a growing wait.
struct SessionController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.post("session", use: signIn)
        group.get("session", use: current)
        group.delete("session", use: signOut)
        group.get("tokens", use: listTokens)
        group.post("tokens", use: createToken)
        group.delete("tokens/:tokenId", use: revokeToken)
    }

    struct SignIn: Decodable {
        let username: String
        let password: String
    }

    @Sendable func signIn(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let body = try await request.json(SignIn.self, context: context)
        let now = services.now()
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        let keys = ["user:" + body.username.lowercased(), "address:" + address]
        if let wait = await services.throttle.retryAfter(keys, now: now) {
            context.logger.warning("sign-in refused: too many failures", metadata: ["username": "\(body.username)", "address": "\(address)"])
            throw APIError(
                .tooManyRequests, code: .tooManyAttempts,
                message: "Too many failed sign-ins for this account or address: wait \(Int((wait as Double).rounded(.up))) seconds and try again.",
                headers: [.retryAfter: String(Int((wait as Double).rounded(.up)))]
            )
        }
        let stored = try await services.store.credentials(username: body.username)
        // Check a password even for an unknown username, so that the time taken does not tell which exist.
        let matches = try await services.passwords.verify(body.password, hash: stored?.passwordHash ?? services.decoyHash)
        guard let user = stored?.user, matches, user.active else {
            let failures = await services.throttle.fail(keys, now: now)
            context.logger.warning("sign-in failed", metadata: [
                "username": "\(body.username)", "address": "\(address)", "failures": "\(failures)",
                "reason": "\(stored == nil ? "unknown username" : !matches ? "wrong password" : "account inactive")",
            ])
            throw APIError(.unauthorized, code: .signInFailed, message: "The username or password is wrong, or the account is inactive.")
        }
        await services.throttle.succeed(keys[0])
        let token = Secrets.generate()
        let csrf = Secrets.generate()
        try await services.store.createSession(
            tokenHash: Secrets.hash(token), userID: user.id, csrfToken: csrf, expiresAt: now.addingTimeInterval(services.sessionLifetime), at: now)
        context.logger.info("signed in", metadata: ["user": "\(user.id)", "role": "\(user.role)"])
        var response = try SessionRepresentation(user: UserRepresentation(user, username: body.username), csrfToken: csrf)
            .response(from: request, context: context)
        response.setCookie(Cookie(
            name: AuthenticationMiddleware.sessionCookie, value: token, maxAge: Int(services.sessionLifetime), path: "/",
            secure: services.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func current(_ request: Request, context: ReviewRequestContext) async throws -> SessionRepresentation {
        let actor = try context.requireIdentity()
        guard let user = try await services.store.users.find(actor.userID) else { throw Access.notFound("user \(actor.userID)") }
        let csrf = try await context.sessionToken.asyncMap { try await services.store.session(tokenHash: Secrets.hash($0))?.csrfToken } ?? nil
        let username = try await services.store.usernames(of: [user.id])[user.id]
        return SessionRepresentation(user: UserRepresentation(user, username: username), csrfToken: csrf ?? "")
    }

    @Sendable func signOut(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        if let token = context.sessionToken {
            try await services.store.endSession(tokenHash: Secrets.hash(token), userID: actor.userID, at: services.now())
            services.credentials.forget(tokenHash: Secrets.hash(token))
        }
        var response = Response(status: .noContent)
        response.setCookie(Cookie(
            name: AuthenticationMiddleware.sessionCookie, value: "", maxAge: 0, path: "/",
            secure: services.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func listTokens(_ request: Request, context: ReviewRequestContext) async throws -> Page<APITokenRepresentation> {
        let actor = try context.requireIdentity()
        let tokens = try await services.store.apiTokens(of: actor.userID).map(APITokenRepresentation.init)
        let size = max(tokens.count, 1)
        return Page(fetched: tokens, page: PageRequest(number: 1, size: min(size, PageRequest.maximumSize)))
    }

    struct NewToken: Decodable {
        let name: String
    }

    @Sendable func createToken(_ request: Request, context: ReviewRequestContext) async throws -> Created<CreatedAPIToken> {
        let actor = try context.requireIdentity()
        let body = try await request.json(NewToken.self, context: context)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else {
            throw APIError(.unprocessableContent, code: .invalid, message: "Give the token a name of 1 to 100 characters (what it is for).")
        }
        let secret = Secrets.generate()
        let id = String(Secrets.generate(byteCount: 9))
        let record = try await services.store.createAPIToken(id: id, userID: actor.userID, name: name, tokenHash: Secrets.hash(secret), at: services.now())
        return Created(body: CreatedAPIToken(token: APITokenRepresentation(record), secret: secret))
    }

    @Sendable func revokeToken(_ request: Request, context: ReviewRequestContext) async throws -> HTTPResponse.Status {
        let actor = try context.requireIdentity()
        let id = context.parameters.get("tokenId") ?? ""
        guard try await services.store.revokeAPIToken(id: id, of: actor.userID, at: services.now()) else {
            throw Access.notFound("API token \(id)")
        }
        services.credentials.forget(user: actor.userID)  // the cache knows tokens by hash, not by id
        return .noContent
    }
}

extension Optional {
    func asyncMap<U>(_ transform: (Wrapped) async throws -> U) async rethrows -> U? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
