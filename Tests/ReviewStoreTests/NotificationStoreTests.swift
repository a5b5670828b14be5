import Foundation
import ReviewDomain
import ReviewStore
import SQLKit
import Testing

/// Notices derived from the audit trail (decision 24), their recipients, preferences, digests, the e-mail outbox
/// and its claims, and erasure — on SQLite and PostgreSQL.
@Suite("Notifications")
struct NotificationStoreTests {
    /// Takes the world's dispute through moderation to the lead's decision (a near miss: a development plan):
    /// moderators 3 and 5 split, a further moderator says 4, the lead decides 3. Returns the first panel and the
    /// further moderator.
    static func moderate(_ world: ModerationWorld, _ store: ReviewStore, deriveAfterEachStep: Bool = true)
        async throws -> (panel: [Assignment], further: Assignment, added: [Int])
    {
        var added: [Int] = []
        func derive() async throws { if deriveAfterEachStep { added.append(try await store.notifications.derive(now: ModerationWorld.start + 9000)) } }
        let (_, panel) = try await world.sendToModeration(store)
        try await derive()
        _ = try await world.submit(store, panel[0].moderatorID, score: 3)
        let split = try await world.submit(store, panel[1].moderatorID, score: 5)
        let further = try #require(split.escalationAssignments.first)
        try await derive()
        _ = try await world.submit(store, further.moderatorID, score: 4, at: ModerationWorld.start + 7200)
        try await derive()
        let current = try #require(try await store.records.cases.find(world.dispute.id))
        _ = try await store.workflow.transition(
            world.dispute.id, .decide(Outcome(score: try Score(3), basis: .person(world.lead.id), reasonCodes: ["evidence"],
                                              basedOn: try await store.moderation.opinions(ofCase: world.dispute.id).map(\.id), reason: "Plan not checked.")),
            expectedVersion: current.version, reason: "Plan not checked.", by: world.lead.actor, at: ModerationWorld.start + 8000)
        try await derive()
        return (panel, further, added)
    }

    @Test(arguments: TestBackend.allCases)
    func noticesFollowTheTrailAndReachOnlyThoseWhoMaySeeTheCase(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            // Someone of another employer, and an inactive lead: neither may hear of this case.
            let outsider = User(name: "Olga Other", role: .employer, organisationID: world.otherEmployer.id)
            let retired = User(name: "Rita Retired", role: .lead, organisationID: world.body.id)
            try await store.records.users.insert(outsider)
            try await store.records.users.insert(retired)
            try await store.records.users.setActive(retired.id, false)
            let (panel, further, added) = try await Self.moderate(world, store)
            // Offers to the panel; the further moderator's offer; the lead's escalation; decision ×2 and the plan.
            #expect(added == [2, 1, 1, 3])
            #expect(try await store.notifications.derive(now: ModerationWorld.start + 9999) == 0, "a second pass adds nothing")
            func kinds(_ user: UserID) async throws -> [Notice.Kind] {
                try await store.notifications.notices(of: user).map(\.kind).sorted { $0.rawValue < $1.rawValue }
            }
            for moderator in panel.map(\.moderatorID) + [further.moderatorID] {
                #expect(try await kinds(moderator) == [.caseOffered])
            }
            #expect(try await kinds(world.lead.id) == [.awaitingLead])
            #expect(try await kinds(world.employerRep.id) == [.caseDecided, .planToAcknowledge])
            #expect(try await kinds(world.assessor.id) == [.caseDecided])
            let moderatorsOnCase = Set(panel.map(\.moderatorID) + [further.moderatorID])
            for user in [outsider.id, retired.id] + world.moderators.map(\.id).filter({ !moderatorsOnCase.contains($0) }) {
                #expect(try await kinds(user) == [], "\(user) may not see the case and must hear nothing of it")
            }
            // Every notice names the case and nothing else: no score, no person.
            let all = try await store.notifications.notices(of: world.employerRep.id)
            #expect(all.allSatisfy { $0.caseID == world.dispute.id && $0.path == "/cases/\(world.dispute.id)" })
            let withNumbers = Notice.Kind.allCases.filter { kind in (kind.sentence + kind.subject).contains { $0.isNumber } }
            #expect(withNumbers.isEmpty)
            // Read marks: one's own only.
            #expect(try await store.notifications.unreadCount(of: world.employerRep.id) == 2)
            #expect(try await store.notifications.markRead([all[0].id], of: world.assessor.id, at: ModerationWorld.start) == 0)
            #expect(try await store.notifications.markRead([all[0].id], of: world.employerRep.id, at: ModerationWorld.start) == 1)
            #expect(try await store.notifications.notices(of: world.employerRep.id, unreadOnly: true).map(\.id) == [all[1].id])
            #expect(try await store.notifications.markRead(nil, of: world.employerRep.id, at: ModerationWorld.start) == 1)
            #expect(try await store.notifications.unreadCount(of: world.employerRep.id) == 0)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func anExpiredOfferAndADueDateAreNoticed(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let (_, panel) = try await world.sendToModeration(store)
            let due = try #require(panel.first?.dueAt)
            // Three days before the due date: nothing yet; a day before: "due within two days", once.
            #expect(try await store.notifications.derive(now: due - 3 * 86_400) == 2)
            #expect(try await store.notifications.derive(now: due - 86_400) == 2)
            #expect(try await store.notifications.derive(now: due - 3_600) == 0)
            for assignment in panel {
                #expect(try await store.notifications.notices(of: assignment.moderatorID).map(\.kind) == [.assignmentDue, .caseOffered])
            }
            // Past it: the routing pass expires both; each moderator is told, without a link to a case they no longer see.
            _ = try await store.moderation.route(trigger: "test", at: due + 60)
            _ = try await store.notifications.derive(now: due + 120)
            for assignment in panel {
                let latest = try #require(try await store.notifications.notices(of: assignment.moderatorID).first)
                #expect(latest.kind == .assignmentExpired && latest.caseID == nil && latest.path == "/")
            }
        }
    }

    @Test(arguments: TestBackend.allCases)
    func preferencesDecideTheEmailImmediateDigestOffAndMuted(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let t = ModerationWorld.start
            await expectStoreError(.invalidArgument) {
                try await store.notifications.setPreferences(.init(email: "no at sign", delivery: .immediate, muted: []), of: world.lead.id, at: t)
            }
            await expectStoreError(.invalidArgument) {
                try await store.notifications.setPreferences(.init(email: "a@b.org\r\nBcc: x@y.org", delivery: .immediate, muted: []), of: world.lead.id, at: t)
            }
            try await store.notifications.setPreferences(.init(email: "assessor@example.org", delivery: .immediate, muted: []), of: world.assessor.id, at: t)
            try await store.notifications.setPreferences(.init(email: "employer@example.org", delivery: .daily, muted: []), of: world.employerRep.id, at: t)
            try await store.notifications.setPreferences(.init(email: "lead@example.org", delivery: .off, muted: []), of: world.lead.id, at: t)
            for moderator in world.moderators {
                try await store.notifications.setPreferences(.init(email: "m\(moderator.id)@example.org", delivery: .immediate, muted: [.caseOffered]),
                                                             of: moderator.id, at: t)
            }
            #expect(try await store.notifications.preferences(of: world.employerRep.id).delivery == .daily)
            _ = try await Self.moderate(world, store)
            // Only the assessor's decision goes at once; the moderators muted offers, the lead turned e-mail off.
            let now = t + 10_000
            var claimed = try await store.notifications.claim(worker: "w1", limit: 10, leaseSeconds: 60, now: now)
            #expect(claimed.map(\.address) == ["assessor@example.org"])
            #expect(claimed.first?.notices.map(\.kind) == [.caseDecided] && claimed.first?.digest == false)
            // Sent: recorded, audited without body or address.
            let assessorMail = try #require(claimed.first)
            try await store.notifications.delivered(assessorMail, worker: "w1", relayReply: "250 queued", now: now)
            // The employer's two notices wait for the day's digest, then go as one e-mail.
            #expect(try await store.notifications.composeDigests(now: now, interval: 86_400) == 0)
            #expect(try await store.notifications.composeDigests(now: now + 86_400, interval: 86_400) == 1)
            #expect(try await store.notifications.composeDigests(now: now + 86_400, interval: 86_400) == 0)
            let digest = try await store.notifications.claim(worker: "w1", limit: 10, leaseSeconds: 60, now: now + 86_400)
            #expect(digest.count == 1 && digest[0].digest && digest[0].address == "employer@example.org")
            #expect(Set(digest[0].notices.map(\.kind)) == [.caseDecided, .planToAcknowledge])
            let events = try await store.audit.entries(about: .init(type: "user", id: world.assessor.id.description))
            let emailed = try #require(events.last { $0.event.action == "notice.emailed" })
            #expect(emailed.event.details["kinds"] == "case_decided" && emailed.event.details["notices"] == "1")
            #expect(!emailed.event.details.values.contains { $0.contains("@") || $0.contains("Open it") })
            // A temporary failure comes back after its wait (not before); a permanent one ends the e-mail.
            let retry = try await store.notifications.failed(digest[0], worker: "w1", error: "451 try later", permanent: false, retryAfter: 300,
                                                             now: now + 86_400)
            #expect(retry == millisecondRounded(now + 86_700))
            #expect(try await store.notifications.claim(worker: "w2", limit: 10, leaseSeconds: 60, now: now + 86_500).isEmpty)
            claimed = try await store.notifications.claim(worker: "w2", limit: 10, leaseSeconds: 60, now: now + 86_700)
            #expect(claimed.count == 1 && claimed[0].attempts == 2)
            await expectStoreError(.leaseLost) {
                try await store.notifications.delivered(claimed[0], worker: "w1", relayReply: "250", now: now + 86_700)
            }
            #expect(try await store.notifications.failed(claimed[0], worker: "w2", error: "550 no such mailbox", permanent: true, retryAfter: 300,
                                                         now: now + 86_701) == nil)
            let summary = try await store.notifications.outboxSummary()
            #expect(summary.counts == ["sent": 1, "failed": 1])
            #expect(summary.lastErrors == ["550 no such mailbox"])
        }
    }

    @Test(arguments: TestBackend.allCases)
    func twoDrainersRacingNeverHoldTheSameEmail(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            // Forty leads with immediate e-mail: the escalation reaching the lead queues forty e-mails.
            for index in 1...40 {
                let lead = User(name: "Lead \(index)", role: .lead, organisationID: world.body.id)
                try await store.records.users.insert(lead)
                try await store.notifications.setPreferences(.init(email: "lead\(index)@example.org", delivery: .immediate, muted: []),
                                                             of: lead.id, at: ModerationWorld.start)
            }
            _ = try await Self.moderate(world, store, deriveAfterEachStep: false)
            _ = try await store.notifications.derive(now: ModerationWorld.start + 9000)
            let now = ModerationWorld.start + 10_000
            // A sender that dies holding a lease: its e-mail is not taken by anyone until the lease has run out.
            let orphans = try await store.notifications.claim(worker: "dead", limit: 1, leaseSeconds: 60, now: now)
            let orphan = try #require(orphans.first)
            let leased = try await store.count("SELECT COUNT(*) AS n FROM notification_emails WHERE state = 'sending'")
            #expect(orphans.count == 1 && leased == 1, "a claim of one leased \(leased) e-mails")
            let queued = try await store.count("SELECT COUNT(*) AS n FROM notification_emails WHERE state = 'queued'")
            #expect(queued >= 39, "forty e-mails, one of them held by the dead sender")
            // Each drains until the outbox has nothing left to claim: an empty claim alone does not mean that (on
            // PostgreSQL a claim skips the rows the other server's claim holds locked, and may find none just then).
            @Sendable func drain(_ worker: String, at time: Date) async throws -> [UUID] {
                var mine: [UUID] = []
                while true {
                    let batch = try await store.notifications.claim(worker: worker, limit: 3, leaseSeconds: 60, now: time)
                    if batch.isEmpty {
                        let open = try await store.count("""
                            SELECT COUNT(*) AS n FROM notification_emails WHERE state = 'queued' OR (state = 'sending' AND lease_owner <> 'dead')
                            """)
                        if open == 0 { return mine }
                        try await Task.sleep(for: .milliseconds(5))
                        continue
                    }
                    for email in batch {
                        try await store.notifications.delivered(email, worker: worker, relayReply: "250", now: time)
                        mine.append(email.id)
                    }
                }
            }
            async let a = drain("server-a", at: now)
            async let b = drain("server-b", at: now)
            let (first, second) = try await (a, b)
            #expect(Set(first).isDisjoint(with: second), "an e-mail was claimed by both servers")
            #expect(first.count + second.count == queued && !(first + second).contains(orphan.id))
            #expect(try await store.count("SELECT COUNT(*) AS n FROM notification_emails WHERE state <> 'sent'") == 1, "only the orphan is left")
            let retaken = try await drain("server-a", at: now + 61)
            #expect(retaken == [orphan.id])
            #expect(Set(first + second + retaken).count == queued + 1)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM notification_emails WHERE state <> 'sent'") == 0)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM notification_emails WHERE attempts = 2") == 1)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func erasingTheCandidateRemovesTheirNoticesAndUnsentEmails(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            try await store.notifications.setPreferences(.init(email: "employer@example.org", delivery: .immediate, muted: []),
                                                         of: world.employerRep.id, at: ModerationWorld.start)
            _ = try await Self.moderate(world, store)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM notices") == 7)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM notification_emails WHERE state = 'queued'") == 2)
            _ = try await store.dataProtection.eraseCandidate(world.candidate.id, reason: "Request under Article 17.", by: world.lead.actor)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM notices") == 0)
            #expect(try await store.count("SELECT COUNT(*) AS n FROM notification_emails WHERE state = 'cancelled'") == 2)
            #expect(try await store.notifications.claim(worker: "w", limit: 10, leaseSeconds: 60, now: ModerationWorld.start + 10_000).isEmpty)
        }
    }
}

/// Times come back rounded to the millisecond (the store's precision).
private func millisecondRounded(_ date: Date) -> Date {
    Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
}
