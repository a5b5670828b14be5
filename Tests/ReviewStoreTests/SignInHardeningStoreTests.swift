import Foundation
import ReviewDomain
import ReviewStore
import Testing

/// Issue 16 in the store, on SQLite and PostgreSQL: sign-in attempts counted atomically (ten at once, at most
/// the free attempts get through), expiring and read-only API tokens, deactivation for good, approvals.
@Suite("Sign-in hardening in the store")
struct SignInHardeningStoreTests {
    static let limit = [SignInLimit(key: "account:lead|192.0.2.7", freeAttempts: 5)]

    @Test("ten concurrent attempts: exactly the five free ones are admitted, the rest told when to come back", arguments: TestBackend.allCases)
    func concurrentAttempts(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let now = Seed.start
            let results = try await withThrowingTaskGroup(of: SignInAdmission.self) { group in
                for _ in 0..<10 { group.addTask { try await admit(store, Self.limit, at: now) } }
                return try await group.reduce(into: [SignInAdmission]()) { $0.append($1) }
            }
            #expect(results.filter { $0 == .admitted }.count == 5)
            let waits = results.compactMap { result -> TimeInterval? in
                if case .refused(let until) = result { return until.timeIntervalSince(now) } else { return nil }
            }
            #expect(waits.count == 5 && waits.allSatisfy { abs($0 - 1) < 0.01 })
        }
    }

    @Test("after the free attempts each waits twice as long as the last, up to the cap; a success or an idle hour starts afresh",
          arguments: TestBackend.allCases)
    func progressiveDelays(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            var now = Seed.start
            for _ in 0..<5 { #expect(try await admit(store, Self.limit, at: now) == .admitted) }
            var waits: [TimeInterval] = []
            for _ in 0..<12 {
                guard case .refused(let until) = try await admit(store, Self.limit, at: now) else {
                    Issue.record("should be refused"); return
                }
                waits.append(until.timeIntervalSince(now).rounded())
                now = until.addingTimeInterval(0.01)
                #expect(try await admit(store, Self.limit, at: now) == .admitted)
            }
            #expect(waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900])
            // Refused attempts do not lengthen the wait.
            for _ in 0..<20 { #expect(try await admit(store, Self.limit, at: now.addingTimeInterval(1)) != .admitted) }
            #expect(try await admit(store, Self.limit, at: now.addingTimeInterval(900.01)) == .admitted)
            // A success clears the account's count.
            try await store.accounts.signInSucceeded(clearing: [Self.limit[0].key], returning: [], at: now)
            for _ in 0..<5 { #expect(try await admit(store, Self.limit, at: now.addingTimeInterval(1000)) == .admitted) }
        }
    }

    @Test("a refusal by one limit takes back the counts of the others", arguments: TestBackend.allCases)
    func oneRefusalCountsNothing(_ backend: TestBackend) async throws {
        try await withStore(backend) { store async throws in
            let tight = SignInLimit(key: "b:tight", freeAttempts: 1), loose = SignInLimit(key: "a:loose", freeAttempts: 3)
            #expect(try await admit(store, [tight, loose], at: Seed.start) == .admitted)
            for _ in 0..<5 { #expect(try await admit(store, [tight, loose], at: Seed.start) != .admitted) }
            // `loose` was counted once: two more get through on it alone.
            #expect(try await admit(store, [loose], at: Seed.start) == .admitted)
            #expect(try await admit(store, [loose], at: Seed.start) == .admitted)
            #expect(try await admit(store, [loose], at: Seed.start) != .admitted)
        }
    }

    @Test("API tokens expire, may be read-only, and die for good with deactivation", arguments: TestBackend.allCases)
    func tokens(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let short = String(repeating: "c", count: 64), readOnly = String(repeating: "d", count: 64)
            let record = try await store.accounts.createAPIToken(id: "short", userID: seed.assessor.id, name: "short", tokenHash: short,
                                                        expiresAt: Seed.start + 3600, at: Seed.start)
            #expect(record.expiresAt == Seed.start + 3600 || abs(record.expiresAt.timeIntervalSince(Seed.start + 3600)) < 0.001)
            #expect(try await store.accounts.apiToken(tokenHash: short, at: Seed.start + 3599)?.user.id == seed.assessor.id)
            #expect(try await store.accounts.apiToken(tokenHash: short, at: Seed.start + 3601) == nil)
            let defaulted = try await store.accounts.createAPIToken(id: "ro", userID: seed.assessor.id, name: "reports", tokenHash: readOnly, readOnly: true, at: Seed.start)
            #expect(abs(defaulted.expiresAt.timeIntervalSince(Seed.start) - 90 * 86_400) < 1)
            #expect(try await store.accounts.apiToken(tokenHash: readOnly, at: Seed.start + 60)?.readOnly == true)
            #expect(try await store.accounts.apiTokens(of: seed.assessor.id).first { $0.id == "ro" }?.readOnly == true)

            // Deactivation revokes the tokens and ends the sessions; activation revives neither.
            try await store.accounts.createSession(tokenHash: String(repeating: "e", count: 64), userID: seed.assessor.id, csrfToken: "c",
                                          expiresAt: Seed.start + 86_400, at: Seed.start)
            try await store.accounts.setUserActive(seed.assessor.id, false, by: seed.lead.id, at: Seed.start + 10)
            try await store.accounts.setUserActive(seed.assessor.id, true, by: seed.lead.id, at: Seed.start + 20)
            #expect(try await store.accounts.apiToken(tokenHash: readOnly, at: Seed.start + 30) == nil)
            #expect(try await store.accounts.session(tokenHash: String(repeating: "e", count: 64), at: Seed.start + 30) == nil)
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }

    @Test("a privileged account waits for a second administrator; the one who asked cannot approve it", arguments: TestBackend.allCases)
    func approvals(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let first = User(name: "Admin One", role: .administrator, organisationID: seed.lead.organisationID)
            let second = User(name: "Admin Two", role: .administrator, organisationID: seed.lead.organisationID)
            try await store.records.users.insert(first)
            try await store.records.users.insert(second)
            let newLead = User(name: "New Lead", role: .lead, organisationID: seed.lead.organisationID)
            try await store.accounts.insertUserAwaitingApproval(newLead, requestedBy: first.id, at: Seed.start)
            #expect(try await store.records.users.find(newLead.id)?.active == false)
            #expect(try await store.accounts.pendingApprovals().map(\.userID) == [newLead.id])
            await expectStoreError(.constraintViolation) { try await store.accounts.setUserActive(newLead.id, true, by: first.id, at: Seed.start) }
            await expectStoreError(.constraintViolation) { _ = try await store.accounts.approveAccount(newLead.id, by: first.id, at: Seed.start) }
            let approved = try await store.accounts.approveAccount(newLead.id, by: second.id, at: Seed.start + 60)
            #expect(approved?.approvedBy == second.id)
            #expect(try await store.records.users.find(newLead.id)?.active == true)
            #expect(try await store.accounts.pendingApprovals().isEmpty)
            #expect(try await store.accounts.approveAccount(newLead.id, by: second.id) == nil)
            let actions = try await store.audit.listEntries(after: 0, subject: .init(type: "user", id: newLead.id.description), page: PageRequest(size: 50))
                .map(\.event.action)
            #expect(actions == ["user.created", "user.approval_requested", "user.approved"])
        }
    }

    @Test("a second factor: confirmed by its first code, each step accepted once even when raced, recovery codes once",
          arguments: TestBackend.allCases)
    func secondFactors(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let user = seed.lead.id
            try await store.accounts.beginSecondFactor(of: user, secret: "MZXW6YTBOIMZXW6YTBOI", at: Seed.start)
            #expect(try await store.accounts.secondFactor(of: user)?.confirmedAt == nil)
            let codes = [String(repeating: "1", count: 64), String(repeating: "2", count: 64)]
            let first = try await store.accounts.acceptSecondFactorStep(of: user, step: 100, recoveryCodeHashes: codes, at: Seed.start)
            #expect(first.accepted && first.confirmedNow)
            #expect(try await store.accounts.secondFactor(of: user)?.confirmedAt != nil)
            await expectStoreError(.duplicate) { try await store.accounts.beginSecondFactor(of: user, secret: "MZXW6YTBOIMZXW6YTBOI", at: Seed.start) }
            // Ten requests with the code of step 101 at once: one gets through.
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 { group.addTask { try await store.accounts.acceptSecondFactorStep(of: user, step: 101, recoveryCodeHashes: [], at: Seed.start).accepted } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 1)
            #expect(try await store.accounts.acceptSecondFactorStep(of: user, step: 100, recoveryCodeHashes: [], at: Seed.start).accepted == false)
            #expect(try await store.accounts.useRecoveryCode(of: user, codeHash: codes[0], at: Seed.start) == true)
            #expect(try await store.accounts.useRecoveryCode(of: user, codeHash: codes[0], at: Seed.start) == false)
            #expect(try await store.accounts.useRecoveryCode(of: user, codeHash: String(repeating: "3", count: 64), at: Seed.start) == false)
        }
    }
}

/// `admitSignInAttempt` with untyped throws (typed throws inside `#expect` does not compile).
private func admit(_ store: ReviewStore, _ limits: [SignInLimit], at time: Date) async throws -> SignInAdmission {
    try await store.accounts.admitSignInAttempt(limits, at: time)
}
