import Foundation
import ReviewDomain
import Synchronization

/// Tells a new viewing from the next range request of one already under way, so that each viewing of a
/// recording is one audit event however many `Range` requests a player makes.
///
/// A viewing is one user watching one recording's derived media (the proxy, the preview's segments) or its original
/// — two kinds, since the original keeps the camera's personal tags and its download must be in the trail however
/// the proxy was watched just before (the hostile test of 7 December); it ends after `idleGap` without a request.
/// In memory, per server process: after a restart, or on another server, the next request starts a viewing
/// (one event too many, never one too few). A lock, not an actor: each range request asks, and a hop to an actor's
/// executor would cost more than the dictionary update it protects.
final class ViewingTracker: Sendable {
    struct Key: Hashable {
        let user: UserID
        let recording: RecordingID
        let original: Bool
    }

    let idleGap: TimeInterval
    private let lastSeen = Mutex<[Key: Date]>([:])

    init(idleGap: TimeInterval) {
        self.idleGap = idleGap
    }

    /// Notes a request; `true` if it starts a new viewing.
    func noteRequest(by user: UserID, of recording: RecordingID, original: Bool, at now: Date) -> Bool {
        let key = Key(user: user, recording: recording, original: original)
        let idleGap = idleGap
        return lastSeen.withLock { lastSeen in
            let isNew = lastSeen[key].map { now.timeIntervalSince($0) > idleGap } ?? true
            lastSeen[key] = now
            if lastSeen.count > 50_000 {
                lastSeen = lastSeen.filter { now.timeIntervalSince($0.value) <= idleGap }
            }
            return isNew
        }
    }

    /// Notes a request only if it continues a viewing under way (`true`); one that would start a viewing is not noted
    /// (`false`), so that the request goes where the viewing's audit event is written (``HotRanges``).
    func continueViewing(by user: UserID, of recording: RecordingID, original: Bool, at now: Date) -> Bool {
        let key = Key(user: user, recording: recording, original: original)
        let idleGap = idleGap
        return lastSeen.withLock { lastSeen in
            guard let last = lastSeen[key], now.timeIntervalSince(last) <= idleGap else { return false }
            lastSeen[key] = now
            return true
        }
    }

    /// Forgets a viewing whose audit event could not be written, so the next request tries again.
    func forget(_ user: UserID, _ recording: RecordingID, original: Bool) {
        _ = lastSeen.withLock { $0.removeValue(forKey: Key(user: user, recording: recording, original: original)) }
    }
}
