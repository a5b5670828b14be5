import Foundation
import ReviewDomain
import ReviewStore
import Testing

/// Accounts, sessions, API tokens, assignments, the workflow steps and the API's paged queries, on SQLite and
/// on PostgreSQL.
@Suite("Accounts, workflow and queries")
struct AccountsAndQueriesTests {
    static let hashA = String(repeating: "a", count: 64)
    static let hashB = String(repeating: "b", count: 64)

    @Test(arguments: TestBackend.allCases)
    func credentialsSessionsAndTokens(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            try await store.accounts.setCredentials(of: seed.lead.id, username: "morag", passwordHash: "$2b$04$hash")
            #expect(try await store.accounts.credentials(username: "morag")?.user.id == seed.lead.id)
            #expect(try await store.accounts.credentials(username: "nobody") == nil)
            await expectStoreError(.duplicate) {
                try await store.accounts.setCredentials(of: seed.assessor.id, username: "morag", passwordHash: "x")
            }
            #expect(try await store.accounts.usernames(of: [seed.lead.id, seed.assessor.id]) == [seed.lead.id: "morag"])

            try await store.accounts.createSession(tokenHash: Self.hashA, userID: seed.lead.id, csrfToken: "csrf", expiresAt: Seed.start + 3600, at: Seed.start)
            #expect(try await store.accounts.session(tokenHash: Self.hashA, at: Seed.start + 60)?.csrfToken == "csrf")
            #expect(try await store.accounts.session(tokenHash: Self.hashA, at: Seed.start + 3601) == nil)
            try await store.accounts.endSession(tokenHash: Self.hashA, userID: seed.lead.id, at: Seed.start + 120)
            #expect(try await store.accounts.session(tokenHash: Self.hashA, at: Seed.start + 121) == nil)

            _ = try await store.accounts.createAPIToken(id: "t1", userID: seed.assessor.id, name: "script", tokenHash: Self.hashB, at: Seed.start)
            #expect(try await store.accounts.apiTokenUser(tokenHash: Self.hashB, at: Seed.start)?.id == seed.assessor.id)
            #expect(try await store.accounts.apiTokens(of: seed.assessor.id).map(\.id) == ["t1"])
            #expect(try await store.accounts.revokeAPIToken(id: "t1", of: seed.lead.id) == false)
            #expect(try await store.accounts.revokeAPIToken(id: "t1", of: seed.assessor.id) == true)
            #expect(try await store.accounts.apiTokenUser(tokenHash: Self.hashB) == nil)
            // A deactivated user's session is over.
            try await store.accounts.createSession(tokenHash: Self.hashB, userID: seed.lead.id, csrfToken: "c2", expiresAt: Seed.start + 3600, at: Seed.start)
            try await store.records.users.setActive(seed.lead.id, false)
            #expect(try await store.accounts.session(tokenHash: Self.hashB, at: Seed.start + 1) == nil)
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func ratingsFlagsTransitionsAndAssignments(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let o = seed.observation.id
            let first = try await store.workflow.recordRating(observationID: o, score: score(6), rationale: "Strong.", supersedes: nil, correctionReason: nil,
                                                     by: seed.employerRep.actor, at: Seed.start)
            #expect(first.openedCase == nil)
            let second = try await store.workflow.recordRating(observationID: o, score: score(3), rationale: "Near miss.", supersedes: nil, correctionReason: nil,
                                                      by: seed.assessor.actor, at: Seed.start + 60)
            let opened = try #require(second.openedCase)
            #expect(opened.kind == .automaticDispute)
            // A flag joins the active case instead of opening another.
            let flagged = try await store.workflow.flag(observationID: o, reason: "Look again.", by: seed.employerRep.actor, at: Seed.start + 120)
            #expect(flagged.id == opened.id && flagged.version == 2)
            await expectStoreError(.conflict) {
                _ = try await store.workflow.transition(opened.id, .startLocalReview, expectedVersion: 1, reason: nil, by: seed.lead.actor)
            }
            let moved = try await store.workflow.transition(opened.id, .requestModeration, expectedVersion: 2, reason: nil, by: seed.lead.actor, at: Seed.start + 180)
            // Sending it to moderation routed it at once: the one moderator there is took a place, and the case
            // waits for a second, saying why.
            #expect(moved.state == .awaitingModeration)
            #expect(try await store.moderation.assignments(ofCase: opened.id).map(\.moderatorID) == [seed.moderator.id])
            let problem = try #require(try await store.moderation.routingProblem(ofCase: opened.id))
            #expect(problem.hasPrefix("1 of 2 places unfilled: 1 of 1 moderators eligible"))
            #expect(try await store.moderation.isAssigned(seed.moderator.id, toCase: opened.id))
            #expect(try await store.moderation.isAssigned(seed.moderator.id, toObservation: o))
            #expect(try await !store.moderation.isAssigned(seed.lead.id, toCase: opened.id))
            await expectStoreError(.invalidArgument) { _ = try await store.moderation.assign(moderator: seed.moderator.id, to: opened.id, by: seed.lead.actor) }
            let assigned = try await store.records.listCases(CaseFilter(assignedTo: seed.moderator.id), page: PageRequest())
            #expect(assigned.map(\.id) == [opened.id])
            #expect(try await store.records.listCases(CaseFilter(state: .open), page: PageRequest()).isEmpty)
            #expect(try await store.records.listCases(CaseFilter(employerID: seed.employer.id), page: PageRequest()).count == 1)
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }

    @Test(arguments: TestBackend.allCases)
    func pagedQueriesAreStableAndScoped(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let other = Organisation(name: "Westgate", kind: .employer)
            try await store.records.organisations.insert(other)
            for n in 0..<7 {
                try await store.records.candidates.insert(Candidate(registrationNumber: "SW10\(n)", employerID: n < 5 ? seed.employer.id : other.id), name: "C \(n)")
            }
            let first = try await store.records.listCandidates(employerID: seed.employer.id, page: PageRequest(number: 1, size: 4))
            let second = try await store.records.listCandidates(employerID: seed.employer.id, page: PageRequest(number: 2, size: 4))
            // Pages fetch one extra row to tell whether another page follows.
            #expect(first.count == 5)
            #expect(second.count == 2)
            #expect(Set(first.prefix(4).map(\.candidate.id)).isDisjoint(with: second.map(\.candidate.id)))
            #expect(try await store.records.listCandidates(employerID: other.id, page: PageRequest()).count == 2)
            #expect(try await store.records.listObservations(candidateID: nil, employerID: other.id, page: PageRequest()).isEmpty)
            #expect(try await store.records.listObservations(candidateID: seed.candidate.id, employerID: nil, page: PageRequest()).count == 1)

            let stored = try await store.ingest.storeUploadedRecording(
                uploadID: "u1", observationID: seed.observation.id, uploadedBy: seed.assessor.id, fileName: "a.mp4",
                sha256: String(repeating: "c", count: 64), byteCount: 10)
            #expect(try await store.records.listRecordings(observationID: nil, employerID: seed.employer.id, status: "stored", page: PageRequest()).map(\.id) == [stored.recordingID])
            #expect(try await store.records.listRecordings(observationID: nil, employerID: other.id, status: nil, page: PageRequest()).isEmpty)
            let job = try #require(try await store.ingest.indexJob(of: stored.recordingID))
            #expect(job.job.id == stored.job && job.progress == nil)
            try await store.jobs.reportProgress(of: job.job.id, 0.5)
            #expect(try await store.ingest.indexJob(of: stored.recordingID)?.progress == 0.5)
            #expect(try await store.jobs.jobCounts()["queued"] == 1)
            // A finished job reads as whole, whatever the worker last reported.
            let claimed = try #require(try await store.jobs.claim(kinds: [.indexRecording], worker: "w", leaseSeconds: 60, now: Date()))
            try await store.jobs.reportProgress(of: claimed.id, 0.6)
            try await store.jobs.complete(claimed.id, worker: "w", now: Date())
            let finished = try #require(try await store.ingest.indexJob(of: stored.recordingID))
            #expect(finished.job.state == .done && finished.progress == 1)
            #expect(try await store.readiness().pendingMigrations.isEmpty)

            try await store.workflow.recordViewing(of: stored.recordingID, variant: "proxy", by: seed.lead.actor)
            let about = try await store.audit.listEntries(after: 0, subject: .init(type: "recording", id: stored.recordingID.description), page: PageRequest())
            #expect(about.map(\.event.action.rawValue) == ["recording.stored", "recording.viewed"])
            // The audit page's reading: newest first, by who, what, subject and time, a page before a sequence number.
            let newest = try await store.audit.listEntries(newestFirst: AuditFilter(subjectType: "recording", subjectID: stored.recordingID.description), limit: 10)
            #expect(newest.map(\.event.action.rawValue) == ["recording.viewed", "recording.stored"])
            let byLead = try await store.audit.listEntries(newestFirst: AuditFilter(actor: seed.lead.id, action: "recording.viewed"), limit: 10)
            #expect(byLead.count == 1 && byLead.first?.event.subject.id == stored.recordingID.description)
            let all = try await store.audit.listEntries(newestFirst: AuditFilter(), limit: 500)
            #expect(all.count == 2 && all.map { $0.event.sequence ?? 0 } == all.map { $0.event.sequence ?? 0 }.sorted(by: >))
            // A page of one fetches one more, to tell that another follows; the next page starts before the first.
            #expect(try await store.audit.listEntries(newestFirst: AuditFilter(), limit: 1).count == 2)
            let older = try await store.audit.listEntries(newestFirst: AuditFilter(before: all[0].event.sequence), limit: 1)
            #expect(older.map(\.event.sequence) == [all[1].event.sequence])
            #expect(try await store.audit.listEntries(newestFirst: AuditFilter(to: Date(timeIntervalSince1970: 0)), limit: 10).isEmpty)
            #expect(try await store.audit.listEntries(newestFirst: AuditFilter(from: Date(timeIntervalSince1970: 0)), limit: 500).count == all.count)
            #expect(try await store.audit.actionsRecorded().contains("recording.viewed"))
        }
    }
}
