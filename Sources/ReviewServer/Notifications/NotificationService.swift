public import Foundation
import Logging
import ReviewStore

/// What the notification service needs beyond the store (decision 24): the relay, the address links start with,
/// and its rhythm. Without a relay, notices are still derived and listed in the app; no e-mail is queued.
public struct NotificationSettings: Sendable {
    /// The relay; `nil`: in-app notices only.
    public var smtp: SMTPSettings?
    /// Links in e-mails start with this, e.g. `https://review.example.org`.
    public var publicBaseURL: String
    /// How often notices are derived and the outbox drained.
    public var interval: Duration
    /// How long a daily-digest reader's oldest waiting notice waits before their digest goes (a day).
    public var digestInterval: TimeInterval
    /// The wait after the first failed try; it doubles with each further one, up to six hours.
    public var retryBase: TimeInterval
    /// E-mails one round sends at most (the rest wait for the next round, or another server).
    public var batch: Int

    public init(smtp: SMTPSettings?, publicBaseURL: String, interval: Duration = .seconds(30), digestInterval: TimeInterval = 86_400,
                retryBase: TimeInterval = 60, batch: Int = 50) {
        self.smtp = smtp
        self.publicBaseURL = publicBaseURL
        self.interval = interval
        self.digestInterval = digestInterval
        self.retryBase = retryBase
        self.batch = batch
    }

    /// The wait before try `attempts + 1`.
    func retryDelay(afterAttempt attempts: Int) -> TimeInterval {
        min(retryBase * pow(2, Double(max(0, attempts - 1))), 6 * 3600)
    }
}

/// The text of an e-mail: one plain sentence per notice and a link to the page, where access is checked again.
/// Never a score, an opinion, a name or a reason (docs/data-protection.md, "What an e-mail may contain").
enum NoticeMail {
    static func message(for email: OutboxEmail, from: String, baseURL: String) -> MailMessage {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let footer = """

            You receive this because of your notification settings: \(base)/settings/notifications
            -- ObservationReview
            """
        if email.notices.count == 1, let notice = email.notices.first {
            let body = "\(notice.kind.sentence)\n\nOpen it: \(base)\(notice.path)\n" + footer
            return MailMessage(from: from, to: email.address, subject: notice.kind.subject, body: body)
        }
        let lines = email.notices.map { "- \($0.kind.sentence)\n  \(base)\($0.path)" }.joined(separator: "\n")
        let body = "\(email.notices.count) notices since your last summary:\n\n\(lines)\n\nAll your notices: \(base)/notices\n" + footer
        return MailMessage(from: from, to: email.address, subject: "Your ObservationReview summary: \(email.notices.count) notices", body: body)
    }
}

extension PeriodicService {
    /// Derives notices from the audit trail, queues due digests, and sends what is due through the relay.
    static func notifications(_ store: ReviewStore, settings: NotificationSettings, now: @escaping @Sendable () -> Date, logger: Logger) throws -> PeriodicService {
        let client = try settings.smtp.map(SMTPClient.init)
        let worker = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
        return PeriodicService(name: "Notifications", interval: settings.interval, logger: logger) { logger in
            try await NotificationDrainer(store: store, settings: settings, client: client, worker: worker).round(now: now(), logger: logger)
        }
    }
}

/// One round of the notification service; separate from the schedule so that tests can run rounds by hand.
struct NotificationDrainer: Sendable {
    let store: ReviewStore
    let settings: NotificationSettings
    let client: SMTPClient?
    let worker: String

    struct Round: Sendable, Equatable {
        var noticesAdded = 0
        var digestsQueued = 0
        var sent = 0
        var retried = 0
        var failed = 0
    }

    @discardableResult
    func round(now: Date, logger: Logger) async throws -> Round {
        var result = Round()
        result.noticesAdded = try await store.notifications.derive(now: now, mail: client != nil)
        guard let client else { return result }
        result.digestsQueued = try await store.notifications.composeDigests(now: now, interval: settings.digestInterval)
        let lease = Int(settings.smtp.map { $0.timeout / .seconds(1) } ?? 30) * 2 + 30
        for email in try await store.notifications.claim(worker: worker, limit: settings.batch, leaseSeconds: lease, now: now) {
            let message = NoticeMail.message(for: email, from: client.settings.from, baseURL: settings.publicBaseURL)
            let reply: SMTPReply
            do throws(SMTPError) {
                reply = try await client.send(message)
            } catch {
                let next = try await store.notifications.failed(
                    email, worker: worker, error: error.message, permanent: error.isPermanent,
                    retryAfter: settings.retryDelay(afterAttempt: email.attempts), now: Date())
                if next == nil { result.failed += 1 } else { result.retried += 1 }
                logger.warning("e-mail not sent", metadata: [
                    "email": "\(email.id)", "attempt": "\(email.attempts)", "error": "\(error.message)",
                    "next_try": "\(next.map { "\($0)" } ?? "none: given up")",
                ])
                continue
            }
            do {
                try await store.notifications.delivered(email, worker: worker, relayReply: reply.description, now: Date())
                result.sent += 1
            } catch {
                // Sent, but the lease was lost meanwhile (an erasure cancelled it, or the send outlived the lease).
                logger.warning("e-mail sent but not recorded", metadata: ["email": "\(email.id)", "error": "\(error)"])
            }
        }
        if result != Round() {
            logger.info("Notifications", metadata: [
                "notices": "\(result.noticesAdded)", "digests": "\(result.digestsQueued)", "sent": "\(result.sent)",
                "retried": "\(result.retried)", "failed": "\(result.failed)",
            ])
        }
        return result
    }
}
