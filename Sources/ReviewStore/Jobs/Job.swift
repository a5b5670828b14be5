public import Foundation
public import ReviewDomain

/// Identifies a ``Job``.
public struct JobID: DomainIdentifier {
    public let rawValue: UUID
    public init(rawValue: UUID) { self.rawValue = rawValue }
}

/// A unit of background work (indexing a recording, …) in the database's queue.
public struct Job: Identifiable, Hashable, Sendable {
    /// What the job does; workers claim the kinds they handle. Extensible.
    public struct Kind: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        /// Probe a stored recording and build its timeline, thumbnails and proxy.
        public static let indexRecording: Kind = "recording.index"
    }

    /// Where a job is.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Waiting for its first run.
        case queued
        /// Leased to a worker.
        case running
        /// Finished.
        case done
        /// Failed (or its lease expired); runs again at ``Job/runAt``.
        case failed
        /// Failed for good: not retryable, or out of attempts.
        case dead
    }

    public let id: JobID
    public let kind: Kind
    /// The payload as JSON text; see ``decodePayload(as:)``.
    public let payload: String
    public let state: State
    /// Runs started so far (each claim counts one).
    public let attempts: Int
    public let maxAttempts: Int
    /// When the job is (next) due.
    public let runAt: Date
    /// The worker holding the lease, while running.
    public let leaseOwner: String?
    /// When the lease runs out, while running.
    public let leaseExpiresAt: Date?
    /// The last failure's message.
    public let lastError: String?

    /// Decodes the payload.
    public func decodePayload<T: Decodable>(as type: T.Type = T.self) throws(StoreError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload.utf8))
        } catch {
            throw StoreError(.corruptData, "The payload of job \(id) is not a \(T.self).", cause: error)
        }
    }
}

/// How long a failed job waits before its next run: 30 s × 2^(attempt − 1), at most an hour.
public enum JobBackoff {
    /// The wait after the first failed attempt.
    public static let base: TimeInterval = 30
    /// The longest wait.
    public static let cap: TimeInterval = 3600

    /// The wait after attempt number `attempt` (1-based) failed.
    public static func delay(afterAttempt attempt: Int) -> TimeInterval {
        let exponent = min(max(attempt - 1, 0), 20)
        return min(base * Double(1 << exponent), cap)
    }
}
