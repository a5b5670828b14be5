import Foundation
import ReviewStore

/// Slows password guessing without letting a guesser lock the real user out (issue 16).
///
/// Every attempt is counted in the database **before** its password is checked (``ReviewStore/admitSignInAttempt(_:at:maximumDelay:forgetAfter:)``),
/// so that every server enforces one limit and concurrent attempts cannot race past it. Three limits apply:
/// - an account from one address: 5 attempts, then each further one waits 1 s, 2 s, 4 s … up to 15 minutes;
/// - one address, whatever the account: 20 (guessing many accounts; behind a trusted proxy the address is
///   the client's, from `X-Forwarded-For`);
/// - one account, from anywhere: 50 (a guesser spread over many addresses).
/// A guesser from elsewhere therefore delays the real user only after 50 attempts, and then for a while, never
/// for good. A success clears the account's counts.
struct SignInThrottle: Sendable {
    static let perAccountFromAddress = 5
    static let perAddress = 20
    static let perAccount = 50
    static let maximumDelay: TimeInterval = 15 * 60

    let store: ReviewStore

    static func limits(username: String, address: String) -> [SignInLimit] {
        let account = username.lowercased().prefix(100)
        return [
            SignInLimit(key: "account:\(account)|\(address)", freeAttempts: perAccountFromAddress),
            SignInLimit(key: "address:\(address)", freeAttempts: perAddress),
            SignInLimit(key: "account:\(account)", freeAttempts: perAccount),
        ]
    }

    /// `nil` if the attempt may go ahead (it is counted), otherwise the seconds to wait.
    func admit(username: String, address: String, now: Date) async throws -> Int? {
        switch try await store.accounts.admitSignInAttempt(Self.limits(username: username, address: address), at: now, maximumDelay: Self.maximumDelay) {
        case .admitted: return nil
        case .refused(let until): return max(1, Int(until.timeIntervalSince(now).rounded(.up)))
        }
    }

    /// The password was right: the account starts afresh; the address gets its attempt back.
    func succeeded(username: String, address: String, now: Date) async throws {
        let keys = Self.limits(username: username, address: address).map(\.key)
        try await store.accounts.signInSucceeded(clearing: [keys[0], keys[2]], returning: [keys[1]], at: now)
    }
}
