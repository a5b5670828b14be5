import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ReviewDomain
import ReviewStore

/// Sign-in (`/api/v1/session`), password change, signing out everywhere, and API tokens (`/api/v1/tokens`).
///
/// A password sign-in sets the session cookie (HttpOnly, SameSite=Strict, Secure behind https) and returns the
/// session's CSRF token, which cookie-authenticated changes must echo in `X-CSRF-Token`. Every attempt is
/// counted in the database before its password is checked (``SignInThrottle``): past the limits the answer is
/// 429 with `Retry-After`, the wait doubling; failures are logged and audited (`session.sign_in_failed`).
struct SessionController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.post("session", use: signIn)
        group.get("session", use: current)
        group.delete("session", use: signOut)
        group.post("session/password", use: changePassword)
        group.post("session/second-factor", use: startSecondFactor)
        group.delete("sessions", use: signOutEverywhere)
        group.get("tokens", use: listTokens)
        group.post("tokens", use: createToken)
        group.delete("tokens/:tokenId", use: revokeToken)
    }

    struct SignIn: Decodable {
        let username: String
        let password: String
        /// The authenticator app's code, or a recovery code, when the account has a second factor (or is setting one up).
        let code: String?
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// The client's address: the peer's, or from `X-Forwarded-For` when the peer is a trusted proxy.
    func clientAddress(_ request: Request, _ context: ReviewRequestContext) -> String {
        services.trustedProxies.clientAddress(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[values: Self.forwardedFor].joined(separator: ","))
    }

    /// Counts an attempt for `username` from `address`, or throws 429 when a limit says wait.
    func admit(username: String, address: String, now: Date, context: ReviewRequestContext) async throws {
        guard let wait = try await services.throttle.admit(username: username, address: address, now: now) else { return }
        context.logger.warning("sign-in refused: too many attempts", metadata: ["username": "\(username)", "address": "\(address)", "wait": "\(wait)"])
        throw APIError(
            .tooManyRequests, code: .tooManyAttempts,
            message: "Too many failed sign-ins for this account or from this address: wait \(wait) seconds and try again.",
            headers: [.retryAfter: String(wait)])
    }

    /// Audits a failed password check (the actor is the account when it exists, else the service itself).
    func auditFailure(username: String, user: User?, address: String, reason: String, now: Date) async throws {
        let subject = user.map { AuditEvent.Subject(type: "user", id: $0.id.description) } ?? AuditEvent.Subject(type: "username", id: String(username.prefix(64)))
        try await services.store.transaction { tx in
            _ = try await tx.audit.append(AuditEvent(
                at: now, actorID: user?.id ?? UserID.system, action: "session.sign_in_failed", subject: subject,
                details: ["username": String(username.prefix(64)), "address": address, "reason": reason]))
        }
    }

    @Sendable func signIn(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let body = try await request.json(SignIn.self, context: context)
        let now = services.now()
        let address = clientAddress(request, context)
        let (user, passwordHash) = try await verifiedAccount(username: body.username, password: body.password, address: address, now: now, context: context)
        let recoveryCodes = try await checkSecondFactor(body, user: user, address: address, now: now, context: context)
        try await services.throttle.succeeded(username: body.username, address: address, now: now)
        if PasswordHasher.isOutdated(passwordHash), body.password.utf8.count <= 72 {
            // A hash from before pre-hashing: re-hash in the current format while the password is at hand (only
            // when bcrypt saw all of it; a longer one cannot be told from its first 72 bytes).
            let upgraded = try await services.passwords.hash(body.password)
            try await services.store.accounts.replacePasswordHash(of: user.id, with: upgraded, keepingSession: nil, action: nil, by: user.id, at: now)
        }
        let token = Secrets.generate()
        let csrf = Secrets.generate()
        try await services.store.accounts.createSession(
            tokenHash: Secrets.hash(token), userID: user.id, csrfToken: csrf, expiresAt: now.addingTimeInterval(services.sessionLifetime), at: now)
        context.logger.info("signed in", metadata: ["user": "\(user.id)", "role": "\(user.role)"])
        var response = try SessionRepresentation(user: UserRepresentation(user, username: body.username), csrfToken: csrf, recoveryCodes: recoveryCodes)
            .response(from: request, context: context)
        response.setCookie(Cookie(
            name: AuthenticationMiddleware.sessionCookie, value: token, maxAge: Int(services.sessionLifetime), path: "/",
            secure: services.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    /// The active account with this username and password, after the throttle has admitted the attempt. A password
    /// is checked even for an unknown username, so that the time taken does not tell which exist. A failure is
    /// logged and audited (with `purpose`, when it is not a sign-in) and answered 401, alike for every cause.
    private func verifiedAccount(
        username: String, password: String, address: String, now: Date, purpose: String = "", context: ReviewRequestContext
    ) async throws -> (user: User, passwordHash: String) {
        try await admit(username: username, address: address, now: now, context: context)
        let stored = try await services.store.accounts.credentials(username: username)
        let matches = try await services.passwords.verify(password, hash: stored?.passwordHash ?? services.decoyHash)
        guard let stored, matches, stored.user.active else {
            let reason = stored == nil ? "unknown username" : !matches ? "wrong password" : "account inactive"
            context.logger.warning("sign-in failed", metadata: ["username": "\(username)", "address": "\(address)", "reason": "\(reason)\(purpose)"])
            try await auditFailure(username: username, user: stored?.user, address: address, reason: reason + purpose, now: now)
            throw APIError(.unauthorized, code: .signInFailed, message: "The username or password is wrong, or the account is inactive.")
        }
        return stored
    }

    /// The second step of a sign-in whose password was right: a confirmed factor needs its code (a TOTP code,
    /// good once, or an unused recovery code); a factor being set up is confirmed by its first code, which
    /// returns ten recovery codes (shown once); a role that must have one and has none is refused (403) with
    /// the way to set it up. Returns the new recovery codes, if any.
    func checkSecondFactor(_ body: SignIn, user: User, address: String, now: Date, context: ReviewRequestContext) async throws -> [String]? {
        let factor = try await services.store.accounts.secondFactor(of: user.id)
        let code = body.code.map { $0.filter { !$0.isWhitespace } } ?? ""
        func refuse(_ reason: String, _ message: String) async throws -> Never {
            context.logger.warning("sign-in failed", metadata: ["username": "\(body.username)", "address": "\(address)", "reason": "\(reason)"])
            try await auditFailure(username: body.username, user: user, address: address, reason: reason, now: now)
            throw APIError(.unauthorized, code: .signInFailed, message: message)
        }
        guard let factor, let key = Base32.decode(factor.secret) else {
            guard !services.secondFactorRoles.contains(user.role) else {
                throw APIError(.forbidden, code: .secondFactorSetupRequired, message: """
                    A \(Labels.role(user.role).lowercased()) account must sign in with a second factor, and this one has none yet: \
                    set one up with POST /api/v1/session/second-factor (your username and password), add its secret to an \
                    authenticator app, then sign in with the app's code.
                    """)
            }
            return nil
        }
        let totp = TOTP(secret: key)
        guard factor.confirmedAt != nil else {
            // Setting up: the first right code confirms the factor; without a code, a sign-in goes on as before
            // unless the role must have one.
            guard !code.isEmpty else {
                guard !services.secondFactorRoles.contains(user.role) else {
                    throw APIError(.forbidden, code: .secondFactorSetupRequired, message: """
                        Finish setting up your second factor: sign in with the code your authenticator app shows for the secret you were given.
                        """)
                }
                return nil
            }
            guard let step = totp.matchingStep(code, at: now) else {
                try await refuse("wrong second factor code (setting up)", """
                    The code does not match the secret being set up: check that the app holds the secret you were given and that \
                    the device's clock is right, then try the code it shows now.
                    """)
            }
            let codes = (0..<10).map { _ in Self.recoveryCode() }
            let result = try await services.store.accounts.acceptSecondFactorStep(
                of: user.id, step: step, recoveryCodeHashes: codes.map { Secrets.hash(Self.normalisedRecoveryCode($0)) }, at: now)
            guard result.accepted else { try await refuse("second factor code used twice", "That code has been used already: wait for the next one.") }
            return codes
        }
        guard !code.isEmpty else {
            throw APIError(.unauthorized, code: .secondFactorRequired,
                           message: "Enter the 6-digit code from your authenticator app (or one of your recovery codes) as well.")
        }
        if let step = totp.matchingStep(code, at: now) {
            guard try await services.store.accounts.acceptSecondFactorStep(of: user.id, step: step, recoveryCodeHashes: [], at: now).accepted else {
                try await refuse("second factor code used twice", "That code has been used already: wait for the next one and try again.")
            }
            return nil
        }
        guard try await services.store.accounts.useRecoveryCode(of: user.id, codeHash: Secrets.hash(Self.normalisedRecoveryCode(code)), at: now) else {
            try await refuse("wrong second factor code", "The username, password or code is wrong.")
        }
        return nil
    }

    /// A recovery code: ten base32 characters (50 bits) as two groups, `ABCDE-FGHJK`.
    static func recoveryCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<10).map { _ in Base32.alphabet[Int.random(in: 0..<32, using: &generator)] }
        return String(decoding: characters[0..<5], as: UTF8.self) + "-" + String(decoding: characters[5...], as: UTF8.self)
    }

    static func normalisedRecoveryCode(_ code: String) -> String {
        code.uppercased().filter { $0 != "-" && !$0.isWhitespace }
    }

    struct StartSecondFactor: Decodable {
        let username: String
        let password: String
    }

    struct SecondFactorSetup: ResponseEncodable {
        /// The shared secret, base32: type it into an authenticator app, or use `otpauthUri` (as a QR code).
        let secret: String
        let otpauthUri: String
        let digits: Int
        let period: Int
        let algorithm: String
    }

    /// Starts setting up a second factor (TOTP), with the username and password (so that an account that must
    /// have one can set it up before it can sign in): a new secret, replacing one not yet confirmed. The
    /// factor counts from the first sign-in with its code. Throttled and audited like a sign-in.
    @Sendable func startSecondFactor(_ request: Request, context: ReviewRequestContext) async throws -> SecondFactorSetup {
        let body = try await request.json(StartSecondFactor.self, context: context)
        let now = services.now()
        let address = clientAddress(request, context)
        let (user, _) = try await verifiedAccount(username: body.username, password: body.password, address: address, now: now,
                                                  purpose: " (second factor set-up)", context: context)
        try await services.throttle.succeeded(username: body.username, address: address, now: now)
        var generator = SystemRandomNumberGenerator()
        let key = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        if try await services.store.accounts.secondFactor(of: user.id)?.confirmedAt != nil {
            throw APIError(.conflict, code: .conflict, message: """
                This account already has a second factor. Lost the device? Sign in with a recovery code, or ask an administrator.
                """)
        }
        // (The store refuses too, should a confirmation slip in between.)
        try await services.store.accounts.beginSecondFactor(of: user.id, secret: Base32.encode(key), at: now)
        let totp = TOTP(secret: key)
        return SecondFactorSetup(
            secret: Base32.encode(key), otpauthUri: totp.provisioningURI(account: body.username, issuer: "ObservationReview"),
            digits: totp.digits, period: Int(totp.period), algorithm: totp.algorithm.rawValue)
    }

    struct PasswordChange: Decodable {
        let currentPassword: String
        let newPassword: String
    }

    /// Changes the caller's password, given the current one (throttled like a sign-in); ends every other session.
    @Sendable func changePassword(_ request: Request, context: ReviewRequestContext) async throws -> HTTPResponse.Status {
        let actor = try context.requireIdentity()
        let body = try await request.json(PasswordChange.self, context: context)
        let now = services.now()
        guard let username = try await services.store.accounts.usernames(of: [actor.userID])[actor.userID],
            let stored = try await services.store.accounts.credentials(username: username)
        else {
            throw APIError(.unprocessableContent, code: .invalid, message: "This account has no password to change (it signs in with API tokens only).")
        }
        let address = clientAddress(request, context)
        try await admit(username: username, address: address, now: now, context: context)
        guard try await services.passwords.verify(body.currentPassword, hash: stored.passwordHash) else {
            try await auditFailure(username: username, user: stored.user, address: address, reason: "wrong current password", now: now)
            throw APIError(.unprocessableContent, code: .invalid, message: "The current password is wrong: type the password you signed in with.")
        }
        try await services.throttle.succeeded(username: username, address: address, now: now)
        let organisation = try await services.store.records.organisations.find(stored.user.organisationID)
        if let problem = PasswordPolicy.standard.problem(with: body.newPassword, username: username, organisationName: organisation?.name) {
            throw APIError(.unprocessableContent, code: .invalid, message: problem)
        }
        guard body.newPassword != body.currentPassword else {
            throw APIError(.unprocessableContent, code: .invalid, message: "The new password is the same as the current one: choose a different one.")
        }
        let hash = try await services.passwords.hash(body.newPassword)
        let keep = context.sessionToken.map(Secrets.hash)
        try await services.store.accounts.replacePasswordHash(of: actor.userID, with: hash, keepingSession: keep, action: "user.password_changed", by: actor.userID, at: now)
        services.credentials.forget(user: actor.userID)
        return .noContent
    }

    /// Ends every session of the caller, this one included, and revokes every API token of theirs.
    @Sendable func signOutEverywhere(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        try await services.store.accounts.endEverySession(of: actor.userID, revokingTokens: true, by: actor.userID, at: services.now())
        services.credentials.forget(user: actor.userID)
        var response = Response(status: .noContent)
        response.setCookie(Cookie(
            name: AuthenticationMiddleware.sessionCookie, value: "", maxAge: 0, path: "/",
            secure: services.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func current(_ request: Request, context: ReviewRequestContext) async throws -> SessionRepresentation {
        let actor = try context.requireIdentity()
        guard let user = try await services.store.records.users.find(actor.userID) else { throw Access.notFound("user \(actor.userID)") }
        let csrf = try await context.sessionToken.asyncMap { try await services.store.accounts.session(tokenHash: Secrets.hash($0))?.csrfToken } ?? nil
        let username = try await services.store.accounts.usernames(of: [user.id])[user.id]
        return SessionRepresentation(user: UserRepresentation(user, username: username), csrfToken: csrf ?? "")
    }

    @Sendable func signOut(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        if let token = context.sessionToken {
            try await services.store.accounts.endSession(tokenHash: Secrets.hash(token), userID: actor.userID, at: services.now())
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
        let tokens = try await services.store.accounts.apiTokens(of: actor.userID).map(APITokenRepresentation.init)
        let size = max(tokens.count, 1)
        return Page(fetched: tokens, page: PageRequest(number: 1, size: min(size, PageRequest.maximumSize)))
    }

    struct NewToken: Decodable {
        let name: String
        /// 1 to 365; 90 when not given.
        let expiresInDays: Int?
        /// Only GET and HEAD requests.
        let readOnly: Bool?
    }

    @Sendable func createToken(_ request: Request, context: ReviewRequestContext) async throws -> Created<CreatedAPIToken> {
        let actor = try context.requireIdentity()
        let body = try await request.json(NewToken.self, context: context)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else {
            throw APIError(.unprocessableContent, code: .invalid, message: "Give the token a name of 1 to 100 characters (what it is for).")
        }
        let days = body.expiresInDays ?? 90
        guard (1...365).contains(days) else {
            throw APIError(.unprocessableContent, code: .invalid, message: "expiresInDays is 1 to 365 (90 if left out): a token that never expires is never safe to forget.")
        }
        let now = services.now()
        let secret = Secrets.generate()
        let id = String(Secrets.generate(byteCount: 9))
        let record = try await services.store.accounts.createAPIToken(
            id: id, userID: actor.userID, name: name, tokenHash: Secrets.hash(secret), expiresAt: now.addingTimeInterval(Double(days) * 86_400),
            readOnly: body.readOnly ?? false, at: now)
        return Created(body: CreatedAPIToken(token: APITokenRepresentation(record), secret: secret))
    }

    @Sendable func revokeToken(_ request: Request, context: ReviewRequestContext) async throws -> HTTPResponse.Status {
        let actor = try context.requireIdentity()
        let id = context.parameters.get("tokenId") ?? ""
        guard try await services.store.accounts.revokeAPIToken(id: id, of: actor.userID, at: services.now()) else {
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
