public import Foundation
public import ReviewDomain
import SQLKit

/// The notifications area of the store.
///
/// Notices are **derived** from the hash-chained audit trail after a persisted cursor (``derive(now:batch:)``), so
/// the moderation code needs no hooks; a scan of open assignments adds "due within two days". Recipients are
/// resolved by role and relationship as ``Access`` in the server resolves who may see a case: the assigned
/// moderator (for an offer, only while the assignment is open), every lead, the case employer's representatives,
/// the assessors who rated the observation; calibration cases only ever reach their moderators and the leads.
///
/// E-mails are rows of `notification_emails`, claimed with a lease by one `UPDATE … RETURNING` whose inner select
/// takes `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serialises writers): two servers draining the same outbox
/// never hold the same e-mail. A server that dies between sending and recording it sends it again once the lease
/// has run out: delivery is at least once, and at most once while servers live.
public struct NotificationStore: StoreArea {
    let store: ReviewStore
    private var dialect: Dialect { context.dialect }

    /// The audit actions notices are derived from.
    static let actions = ["case.moderator_assigned", "assignment.expired", "case.awaiting_lead", "case.decided", "development_plan.created"]
    /// The most tries an e-mail gets before it is given up as failed.
    public static let maxAttempts = 8

    // MARK: Deriving notices

    /// Reads the audit trail after the cursor (up to `batch` relevant events), adds a notice for each recipient, then
    /// adds "due within two days" for open assignments; returns how many notices were added. One transaction, under
    /// the cursor's row lock, so two servers deriving at once add each notice once.
    /// Without `mail` (no relay configured) notices are listed in the app only and queue no e-mail.
    @discardableResult
    public func derive(now: Date, mail: Bool = true, batch: Int = 500) async throws(StoreError) -> Int {
        let dialect = self.dialect
        return try await context.atomically { db in
            guard let cursor = try await db.raw("SELECT last_sequence FROM notification_cursor WHERE name = 'audit'\(dialect.forUpdate)")
                .first(decodingColumn: "last_sequence", as: Int64.self)
            else { throw StoreError(.corruptData, "The notification cursor is missing; run migrate().") }
            let head = try await db.raw("SELECT COALESCE(MAX(sequence), 0) AS head FROM audit_events").first(decodingColumn: "head", as: Int64.self) ?? 0
            let rows = try await db.raw("""
                \(SQLAuditLog.select(dialect)) WHERE e.sequence > \(bind: cursor) AND e.sequence <= \(bind: head)
                AND e.action IN (\(binds: Self.actions)) ORDER BY e.sequence LIMIT \(literal: batch)
                """).all()
            var added = 0
            for row in rows {
                let event = try SQLAuditLog.entry(row).event
                for (user, kind, caseID) in try await recipients(of: event, db) {
                    if try await insertNotice(user: user, kind: kind, caseID: caseID, key: "e:\(event.sequence ?? 0):\(user)", mail: mail, at: now, db) { added += 1 }
                }
            }
            var reached = head
            if rows.count == batch, let last = rows.last { reached = try SQLAuditLog.entry(last).event.sequence ?? cursor }
            try await db.raw("UPDATE notification_cursor SET last_sequence = \(bind: reached) WHERE name = 'audit'").run()
            // Open assignments falling due within two days; only those given more than two days (a shorter one was
            // offered with its due date in sight).
            for row in try await db.raw("""
                SELECT a.case_id, a.moderator_id, a.round, a.assigned_at, a.due_at FROM case_assignments a
                WHERE a.state IN ('offered', 'accepted') AND a.due_at > \(dialect.time(now)) AND a.due_at <= \(dialect.time(now.addingTimeInterval(2 * 86_400)))
                """).all() {
                let caseID: CaseID = try row.id("case_id"), moderator: UserID = try row.id("moderator_id")
                guard try row.time("due_at").timeIntervalSince(try row.time("assigned_at")) > 2 * 86_400 else { continue }
                let round: Int = try row.value("round")
                if try await insertNotice(user: moderator, kind: .assignmentDue, caseID: caseID, key: "due:\(caseID):\(moderator):\(round)", mail: mail, at: now, db) {
                    added += 1
                }
            }
            return added
        }
    }

    /// Who is told about `event`, and with which notice.
    private func recipients(of event: AuditEvent, _ db: any SQLDatabase) async throws -> [(UserID, Notice.Kind, CaseID?)] {
        guard event.subject.type == "case", let uuid = UUID(uuidString: event.subject.id) else { return [] }
        let caseID = CaseID(rawValue: uuid)
        guard let value = try await db.raw("SELECT employer_id, observation_id, calibration FROM cases WHERE id = \(dialect.id(caseID))").first() else { return [] }
        let employerID: OrganisationID = try value.id("employer_id")
        let observationID: ObservationID = try value.id("observation_id")
        let calibration: Bool = try value.value("calibration")
        let active: SQLQueryString = "u.active = \(bind: true) AND u.erased_at IS NULL"
        func users(_ query: SQLQueryString) async throws -> [UserID] { try await db.raw(query).all().map { try $0.id("id") } }
        switch event.action.rawValue {
        case "case.moderator_assigned":
            // Only while the offer stands: an assignment already declined or expired opens nothing.
            guard let moderator = event.details["moderator"].flatMap(UUID.init(uuidString:)).map(UserID.init(rawValue:)) else { return [] }
            return try await users("""
                SELECT u.id FROM users u JOIN case_assignments a ON a.moderator_id = u.id
                WHERE u.id = \(dialect.id(moderator)) AND a.case_id = \(dialect.id(caseID)) AND a.state IN ('offered', 'accepted') AND \(active)
                """).map { ($0, .caseOffered, caseID) }
        case "assignment.expired":
            // The moderator may no longer open the case: the notice names none.
            guard let moderator = event.details["moderator"].flatMap(UUID.init(uuidString:)).map(UserID.init(rawValue:)) else { return [] }
            return try await users("SELECT u.id FROM users u WHERE u.id = \(dialect.id(moderator)) AND \(active)").map { ($0, .assignmentExpired, nil) }
        case "case.awaiting_lead":
            return try await users("SELECT u.id FROM users u WHERE u.role = 'lead' AND \(active)").map { ($0, .awaitingLead, caseID) }
        case "case.decided" where !calibration:
            let employers = try await users("""
                SELECT u.id FROM users u WHERE u.role = 'employer' AND u.organisation_id = \(dialect.id(employerID)) AND \(active)
                """)
            let assessors = try await users("""
                SELECT DISTINCT u.id FROM users u JOIN ratings r ON r.rater_id = u.id
                WHERE r.observation_id = \(dialect.id(observationID)) AND r.source = 'assessor' AND u.role = 'assessor' AND \(active)
                """)
            return (employers + assessors).map { ($0, .caseDecided, caseID) }
        case "development_plan.created" where !calibration:
            return try await users("""
                SELECT u.id FROM users u WHERE u.role = 'employer' AND u.organisation_id = \(dialect.id(employerID)) AND \(active)
                """).map { ($0, .planToAcknowledge, caseID) }
        default:
            return []
        }
    }

    /// Adds one notice unless its key exists; with immediate e-mail, its e-mail too. Whether it was added.
    private func insertNotice(user: UserID, kind: Notice.Kind, caseID: CaseID?, key: String, mail: Bool, at time: Date, _ db: any SQLDatabase) async throws -> Bool {
        guard try await db.raw("SELECT 1 AS one FROM notices WHERE dedupe_key = \(bind: key)").first() == nil else { return false }
        let state = mail ? try await preferences(of: user, db).emailState(for: kind) : "none"
        var emailID: UUID?
        if state == "immediate" {
            emailID = try await insertEmail(user: user, digest: false, at: time, db)
        }
        try await db.raw("""
            INSERT INTO notices (user_id, kind, case_id, dedupe_key, email_state, email_id, created_at)
            VALUES (\(dialect.id(user)), \(bind: kind.rawValue), \(dialect.optionalID(caseID)), \(bind: key), \(bind: state),
                    \(emailID.map { dialect.id($0) } ?? "NULL"), \(dialect.time(time)))
            """).run()
        return true
    }

    private func insertEmail(user: UserID, digest: Bool, at time: Date, _ db: any SQLDatabase) async throws -> UUID {
        let id = UUID()
        try await db.raw("""
            INSERT INTO notification_emails (id, user_id, digest, state, attempts, next_attempt_at, created_at)
            VALUES (\(dialect.id(id)), \(dialect.id(user)), \(bind: digest), 'queued', 0, \(dialect.time(time)), \(dialect.time(time)))
            """).run()
        return id
    }

    // MARK: Digests

    /// Gathers each daily-digest reader's waiting notices into one e-mail once the oldest has waited `interval`
    /// (a day in production): at most one e-mail per person per interval. Returns the digests queued.
    @discardableResult
    public func composeDigests(now: Date, interval: TimeInterval = 86_400) async throws(StoreError) -> Int {
        let dialect = self.dialect
        return try await context.atomically { db in
            try await db.raw("SELECT last_sequence FROM notification_cursor WHERE name = 'digest'\(dialect.forUpdate)").run()
            let due = try await db.raw("""
                SELECT user_id FROM notices WHERE email_state = 'digest' AND email_id IS NULL
                GROUP BY user_id HAVING MIN(created_at) <= \(dialect.time(now.addingTimeInterval(-interval)))
                """).all().map { try $0.id("user_id", as: UserID.self) }
            for user in due { try await queueDigest(of: user, at: now, db) }
            return due.count
        }
    }

    /// One e-mail carrying every notice of `user` waiting for a digest.
    private func queueDigest(of user: UserID, at time: Date, _ db: any SQLDatabase) async throws {
        let email = try await insertEmail(user: user, digest: true, at: time, db)
        try await db.raw("""
            UPDATE notices SET email_id = \(dialect.id(email)) WHERE user_id = \(dialect.id(user)) AND email_state = 'digest' AND email_id IS NULL
            """).run()
    }

    // MARK: The outbox

    /// Leases up to `limit` e-mails that are due (or whose sender's lease ran out) to `worker`, counting a try each.
    /// An e-mail whose recipient has since turned e-mail off, removed their address, or whose notices were all
    /// erased is cancelled instead of returned.
    public func claim(worker: String, limit: Int, leaseSeconds: Int, now: Date) async throws(StoreError) -> [OutboxEmail] {
        let dialect = self.dialect
        let open: SQLQueryString = """
            ((state = 'queued' AND next_attempt_at <= \(dialect.time(now))) OR (state = 'sending' AND lease_expires_at < \(dialect.time(now))))
            """
        let pick: SQLQueryString = """
            SELECT id FROM notification_emails WHERE \(open) ORDER BY next_attempt_at, id LIMIT \(literal: max(1, limit))\(dialect.forUpdateSkipLocked)
            """
        // On PostgreSQL the pick is an ARRAY(…), evaluated once: as `id IN (…)` the planner may run the locking subquery
        // again for further rows, and each run skips the rows the last one locked, so one claim took more than `limit`
        // e-mails (the race test caught a claim of one that leased two).
        let picked: SQLQueryString = dialect == .postgres ? "id = ANY(ARRAY(\(pick)))" : "id IN (\(pick))"
        return try await context.atomically { db in
            let claimed = try await db.raw("""
                UPDATE notification_emails SET state = 'sending', attempts = attempts + 1, lease_owner = \(bind: worker),
                    lease_expires_at = \(dialect.time(now.addingTimeInterval(TimeInterval(leaseSeconds))))
                WHERE \(open) AND \(picked)
                RETURNING id, user_id, digest, attempts
                """).all()
            var emails: [OutboxEmail] = []
            for row in claimed {
                let id = try row.uuid("id"), user: UserID = try row.id("user_id")
                let notices = try await db.raw("\(Self.noticeColumns) WHERE email_id = \(dialect.id(id)) ORDER BY id").all().map(Self.notice)
                let preferences = try await preferences(of: user, db)
                let cancel: String? =
                    if notices.isEmpty { "Nothing left to send: its notices were erased." }
                    else if preferences.delivery == .off { "The recipient turned e-mail off before it was sent." }
                    else if preferences.email == nil { "The recipient removed their e-mail address before it was sent." }
                    else { nil }
                if let cancel {
                    try await db.raw("""
                        UPDATE notification_emails SET state = 'cancelled', last_error = \(bind: cancel), lease_owner = NULL, lease_expires_at = NULL
                        WHERE id = \(dialect.id(id))
                        """).run()
                    continue
                }
                emails.append(OutboxEmail(id: id, userID: user, digest: try row.value("digest"), attempts: try row.value("attempts"),
                                          address: preferences.email ?? "", notices: notices))
            }
            return emails
        }
    }

    /// Records that `worker` handed the e-mail to the relay, with a `notice.emailed` audit event (no body, no address).
    public func delivered(_ email: OutboxEmail, worker: String, relayReply: String, now: Date) async throws(StoreError) {
        let dialect = self.dialect
        try await context.atomically { db in
            guard try await db.raw("""
                UPDATE notification_emails SET state = 'sent', sent_at = \(dialect.time(now)), last_error = NULL, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(dialect.id(email.id)) AND state = 'sending' AND lease_owner = \(bind: worker) RETURNING id
                """).first() != nil
            else { throw Self.leaseLost(email.id, worker) }
            _ = try await SQLAuditLog.append(AuditEvent(
                at: now, actorID: UserID.system, action: "notice.emailed", subject: .init(type: "user", id: email.userID.description),
                details: ["email": email.id.lowercasedString, "notices": String(email.notices.count),
                          "kinds": Set(email.notices.map(\.kind.rawValue)).sorted().joined(separator: ","),
                          "digest": String(email.digest), "attempts": String(email.attempts), "relay": String(relayReply.prefix(200))]),
                on: db, dialect: dialect)
        }
    }

    /// Records a failed try: a temporary failure (a 4xx reply, a relay that cannot be reached) is tried again after
    /// `retryAfter`, up to ``maxAttempts`` tries; a permanent one (a 5xx reply) ends the e-mail as `failed`. `error`
    /// is kept in plain words. Returns when the next try is, or `nil` when there will be none.
    @discardableResult
    public func failed(_ email: OutboxEmail, worker: String, error: String, permanent: Bool, retryAfter: TimeInterval, now: Date) async throws(StoreError) -> Date? {
        let dialect = self.dialect
        let retry = !permanent && email.attempts < Self.maxAttempts
        let next = retry ? now.addingTimeInterval(retryAfter) : nil
        let text = retry ? error : (permanent ? error : error + " (gave up after \(email.attempts) tries)")
        try await context.atomically { db in
            guard try await db.raw("""
                UPDATE notification_emails SET state = \(bind: retry ? "queued" : "failed"), next_attempt_at = \(dialect.time(next ?? now)),
                    last_error = \(bind: String(text.prefix(1000))), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(dialect.id(email.id)) AND state = 'sending' AND lease_owner = \(bind: worker) RETURNING id
                """).first() != nil
            else { throw Self.leaseLost(email.id, worker) }
        }
        return next
    }

    /// The outbox as an operator sees it: how many e-mails are in each state, and the last error of those failing.
    public func outboxSummary() async throws(StoreError) -> (counts: [String: Int], lastErrors: [String]) {
        try await context.run { db in
            var counts: [String: Int] = [:]
            for row in try await db.raw("SELECT state, COUNT(*) AS n FROM notification_emails GROUP BY state").all() {
                counts[try row.value("state")] = try row.value("n")
            }
            let errors = try await db.raw("""
                SELECT last_error FROM notification_emails WHERE last_error IS NOT NULL AND state IN ('queued', 'failed')
                ORDER BY next_attempt_at DESC LIMIT 5
                """).all().map { try $0.value("last_error", as: String.self) }
            return (counts, errors)
        }
    }

    private static func leaseLost(_ id: UUID, _ worker: String) -> StoreError {
        StoreError(.leaseLost, "Sender \(worker) no longer holds e-mail \(id.lowercasedString): its lease ran out and another sender took it.")
    }

    // MARK: The notices page

    /// A person's notices, newest first.
    public func notices(of user: UserID, unreadOnly: Bool = false, limit: Int = 100) async throws(StoreError) -> [Notice] {
        let dialect = self.dialect
        let unread: SQLQueryString = unreadOnly ? " AND read_at IS NULL" : ""
        return try await context.run { db in
            try await db.raw("""
                \(Self.noticeColumns) WHERE user_id = \(dialect.id(user))\(unread) ORDER BY id DESC LIMIT \(literal: max(1, min(limit, 500)))
                """).all().map(Self.notice)
        }
    }

    /// How many of a person's notices are unread.
    public func unreadCount(of user: UserID) async throws(StoreError) -> Int {
        let dialect = self.dialect
        return try await context.run { db in
            try await db.raw("SELECT COUNT(*) AS n FROM notices WHERE user_id = \(dialect.id(user)) AND read_at IS NULL").first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }

    /// Marks the person's notices `ids` (all of theirs when `nil`) read; another person's ids are passed over.
    /// Returns how many changed.
    @discardableResult
    public func markRead(_ ids: [Int64]?, of user: UserID, at time: Date) async throws(StoreError) -> Int {
        let dialect = self.dialect
        if let ids, ids.isEmpty { return 0 }
        let only: SQLQueryString = ids.map { " AND id IN (\(binds: $0))" } ?? ""
        return try await context.run { db in
            try await db.raw("""
                UPDATE notices SET read_at = \(dialect.time(time)) WHERE user_id = \(dialect.id(user)) AND read_at IS NULL\(only) RETURNING id
                """).all().count
        }
    }

    static let noticeColumns: SQLQueryString = "SELECT id, user_id, kind, case_id, created_at, read_at FROM notices"

    static func notice(_ row: any SQLRow) throws -> Notice {
        Notice(id: try row.value("id"), userID: try row.id("user_id"), kind: try row.raw("kind"), caseID: try row.optionalID("case_id"),
               createdAt: try row.time("created_at"), readAt: try row.optionalTime("read_at"))
    }

    // MARK: Preferences

    public func preferences(of user: UserID) async throws(StoreError) -> NotificationPreferences {
        try await context.run { db in try await preferences(of: user, db) }
    }

    private func preferences(of user: UserID, _ db: any SQLDatabase) async throws -> NotificationPreferences {
        guard let row = try await db.raw("SELECT email, delivery, muted_kinds FROM notification_preferences WHERE user_id = \(dialect.id(user))").first() else {
            return .default
        }
        let muted = try row.value("muted_kinds", as: String.self).split(separator: ",").compactMap { Notice.Kind(rawValue: String($0)) }
        return NotificationPreferences(email: try row.value("email", as: String?.self), delivery: try row.raw("delivery"), muted: Set(muted))
    }

    /// Saves a person's preferences; `.invalidArgument` (saying what is wrong) for an address that is not one.
    /// Notices waiting for a digest follow a change to immediate or off at once.
    public func setPreferences(_ preferences: NotificationPreferences, of user: UserID, at time: Date) async throws(StoreError) {
        let dialect = self.dialect
        var given = preferences
        given.email = given.email?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let address = given.email, let problem = NotificationPreferences.problem(withAddress: address) {
            throw StoreError(.invalidArgument, problem)
        }
        let muted = given.muted.map(\.rawValue).sorted().joined(separator: ",")
        let preferences = given
        try await context.atomically { db in
            try await db.raw("DELETE FROM notification_preferences WHERE user_id = \(dialect.id(user))").run()
            try await db.raw("""
                INSERT INTO notification_preferences (user_id, email, delivery, muted_kinds, updated_at)
                VALUES (\(dialect.id(user)), \(bind: preferences.email), \(bind: preferences.delivery.rawValue), \(bind: muted), \(dialect.time(time)))
                """).run()
            // Audited without the address itself: whether there is one, how often, and what is muted.
            _ = try await SQLAuditLog.append(AuditEvent(
                at: time, actorID: user, action: "notification_preferences.changed", subject: .init(type: "user", id: user.description),
                details: ["delivery": preferences.delivery.rawValue, "email": preferences.email == nil ? "none" : "given", "muted": muted]),
                on: db, dialect: dialect)
            if preferences.delivery != .daily {
                // Waiting digest notices: sent now as one digest (immediate), or not at all (off).
                if preferences.delivery == .immediate, preferences.email != nil,
                    try await db.raw("SELECT 1 AS one FROM notices WHERE user_id = \(dialect.id(user)) AND email_state = 'digest' AND email_id IS NULL").first() != nil
                {
                    try await queueDigest(of: user, at: time, db)
                } else {
                    try await db.raw("""
                        UPDATE notices SET email_state = 'none' WHERE user_id = \(dialect.id(user)) AND email_state = 'digest' AND email_id IS NULL
                        """).run()
                }
            }
        }
    }
}
