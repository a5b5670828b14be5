import Foundation

/// Slows repeated failed sign-ins: after `freeAttempts` failures for one username (or from one client address)
/// within `window`, further attempts are refused with 429 until the window has passed since the last failure,
/// doubling the wait with each further failure (capped at `maximumDelay`). A success clears the username.
///
/// In memory, per server process: behind several servers each limits on its own, which still slows a
/// guesser by the bcrypt cost and this factor. Every failure is logged by the caller.
actor SignInThrottle {
    struct Entry {
        var failures: Int
        var lastFailure: Date
    }

    let freeAttempts: Int
    let window: TimeInterval
    let maximumDelay: TimeInterval
    private var entries: [String: Entry] = [:]

    init(freeAttempts: Int = 5, window: TimeInterval = 15 * 60, maximumDelay: TimeInterval = 15 * 60) {
        self.freeAttempts = freeAttempts
        self.window = window
        self.maximumDelay = maximumDelay
    }

    /// Seconds to wait before `keys` may try again, or `nil` if they may try now.
    func retryAfter(_ keys: [String], now: Date) -> TimeInterval? {
        let waits = keys.compactMap { key -> TimeInterval? in
            guard let entry = entries[key] else { return nil }
            if now.timeIntervalSince(entry.lastFailure) > window {
                entries[key] = nil
                return nil
            }
            guard entry.failures >= freeAttempts else { return nil }
            let delay = min(maximumDelay, pow(2, Double(entry.failures - freeAttempts)) * 30)
            let remaining = delay - now.timeIntervalSince(entry.lastFailure)
            return remaining > 0 ? remaining : nil
        }
        return waits.max()
    }

    /// Counts a failure against every key; returns the failure count of the first (the username).
    @discardableResult
    func fail(_ keys: [String], now: Date) -> Int {
        for key in keys {
            var entry = entries[key] ?? Entry(failures: 0, lastFailure: now)
            entry.failures += 1
            entry.lastFailure = now
            entries[key] = entry
        }
        if entries.count > 100_000 {  // bound the memory an attacker can make us spend
            entries = entries.filter { now.timeIntervalSince($0.value.lastFailure) <= window }
        }
        return keys.first.flatMap { entries[$0]?.failures } ?? 0
    }

    func succeed(_ key: String) {
        entries[key] = nil
    }
}
