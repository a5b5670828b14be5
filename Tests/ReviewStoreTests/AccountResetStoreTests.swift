import Foundation
import ReviewDomain
import ReviewStore
import Testing

/// Reset links in the store (decision 28), on SQLite and PostgreSQL: kept hashed, good once (also when two requests race),
/// until they expire, for their own account only; a newer link withdraws the older; a second-factor reset removes the
/// factor and its recovery codes; every step audited.
@Suite("Account reset links in the store")
struct AccountResetStoreTests {
    static func hash(_ character: Character) -> String { String(repeating: character, count: 64) }

    static func withAccounts(_ backend: TestBackend, _ body: @escaping @Sendable (ReviewStore, Seed, User) async throws -> Void) async throws {
        try await withStore(backend) { store in
            let seed = try await Seed.insert(into: store)
            let admin = User(name: "Ada Admin", role: .administrator, organisationID: seed.panel.id)
            try await store.records.users.insert(admin)
            try await store.accounts.setCredentials(of: seed.lead.id, username: "lead", passwordHash: "old-lead", at: Seed.start)
            try await store.accounts.setCredentials(of: seed.assessor.id, username: "assessor", passwordHash: "old-assessor", at: Seed.start)
            try await body(store, seed, admin)
        }
    }

    @Test("a link sets its own account's password once; a replay, an expired link and an unknown one are refused, saying why",
          arguments: TestBackend.allCases)
    func onceUntilExpiry(_ backend: TestBackend) async throws {
        try await Self.withAccounts(backend) { store, seed, admin in
            let expires = Seed.start + 3600
            try await store.accounts.issueReset(of: seed.lead.id, tokenHash: Self.hash("a"), secondFactor: false, expiresAt: expires, by: admin.id, at: Seed.start)
            try await store.accounts.issueReset(of: seed.assessor.id, tokenHash: Self.hash("b"), secondFactor: false, expiresAt: expires, by: admin.id, at: Seed.start)
            try await store.accounts.createSession(tokenHash: Self.hash("s"), userID: seed.lead.id, csrfToken: "c", expiresAt: expires, at: Seed.start)
            _ = try await store.accounts.createAPIToken(id: "t1", userID: seed.lead.id, name: "script", tokenHash: Self.hash("t"), at: Seed.start)

            // The assessor's link sets the assessor's password, never the lead's.
            let used = try await store.accounts.redeemReset(tokenHash: Self.hash("b"), passwordHash: "new-assessor", at: Seed.start + 60)
            #expect(used.userID == seed.assessor.id)
            #expect(try await store.accounts.credentials(username: "lead")?.passwordHash == "old-lead")
            #expect(try await store.accounts.credentials(username: "assessor")?.passwordHash == "new-assessor")
            // Replay: refused, nothing changes.
            await expectStoreError(.conflict) { _ = try await store.accounts.redeemReset(tokenHash: Self.hash("b"), passwordHash: "again", at: Seed.start + 61) }
            #expect(try await store.accounts.credentials(username: "assessor")?.passwordHash == "new-assessor")
            // Expired: refused at the expiry itself.
            await expectStoreError(.conflict) { _ = try await store.accounts.redeemReset(tokenHash: Self.hash("a"), passwordHash: "late", at: expires) }
            #expect(try await store.accounts.credentials(username: "lead")?.passwordHash == "old-lead")
            #expect(try await store.accounts.pendingReset(tokenHash: Self.hash("a"), at: expires - 1)?.userID == seed.lead.id)
            #expect(try await store.accounts.pendingReset(tokenHash: Self.hash("a"), at: expires) == nil)
            await expectStoreError(.notFound) { _ = try await store.accounts.redeemReset(tokenHash: Self.hash("z"), passwordHash: "x", at: Seed.start) }
            // In time: the password changes and the account's sessions end.
            _ = try await store.accounts.redeemReset(tokenHash: Self.hash("a"), passwordHash: "new-lead", at: expires - 1)
            #expect(try await store.accounts.credentials(username: "lead")?.passwordHash == "new-lead")
            #expect(try await store.accounts.session(tokenHash: Self.hash("s"), at: Seed.start + 120) == nil)
            // Found by the hostile tester: the account's API tokens still worked after the reset that recovers it.
            #expect(try await store.accounts.apiToken(tokenHash: Self.hash("t"), at: Seed.start + 120) == nil, "an API token outlived the reset")
            let actions = try await store.audit.entries(after: 0, limit: 1000).map(\.event.action.rawValue)
            #expect(actions.filter { $0 == "user.reset_issued" }.count == 2 && actions.filter { $0 == "user.reset_used" }.count == 2)
        }
    }

    @Test("a newer link withdraws the older; two redemptions of one link at once: exactly one succeeds", arguments: TestBackend.allCases)
    func withdrawnAndRaced(_ backend: TestBackend) async throws {
        try await Self.withAccounts(backend) { store, seed, admin in
            let expires = Seed.start + 3600
            try await store.accounts.issueReset(of: seed.lead.id, tokenHash: Self.hash("a"), secondFactor: false, expiresAt: expires, by: admin.id, at: Seed.start)
            try await store.accounts.issueReset(of: seed.lead.id, tokenHash: Self.hash("b"), secondFactor: false, expiresAt: expires, by: admin.id, at: Seed.start + 1)
            await expectStoreError(.conflict) { _ = try await store.accounts.redeemReset(tokenHash: Self.hash("a"), passwordHash: "x", at: Seed.start + 2) }
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await store.accounts.redeemReset(tokenHash: Self.hash("b"), passwordHash: "racer-\(index)", at: Seed.start + 3)
                            return true
                        } catch let error as StoreError where error.code == .conflict {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1, "\(outcomes)")
            #expect(try await store.accounts.credentials(username: "lead")?.passwordHash.hasPrefix("racer-") == true)
        }
    }

    @Test("a second-factor reset removes the factor and its recovery codes; a deactivated account's link is refused", arguments: TestBackend.allCases)
    func secondFactorAndDeactivated(_ backend: TestBackend) async throws {
        try await Self.withAccounts(backend) { store, seed, admin in
            try await store.accounts.beginSecondFactor(of: seed.lead.id, secret: "MZXW6YTBOIMZXW6YTBOI", at: Seed.start)
            _ = try await store.accounts.acceptSecondFactorStep(of: seed.lead.id, step: 5, recoveryCodeHashes: [Self.hash("r")], at: Seed.start)
            #expect(try await store.accounts.secondFactor(of: seed.lead.id)?.confirmedAt != nil)
            try await store.accounts.issueReset(of: seed.lead.id, tokenHash: Self.hash("a"), secondFactor: true, expiresAt: Seed.start + 60, by: admin.id, at: Seed.start)
            let reset = try await store.accounts.redeemReset(tokenHash: Self.hash("a"), passwordHash: "new", at: Seed.start + 1)
            #expect(reset.secondFactor)
            #expect(try await store.accounts.secondFactor(of: seed.lead.id) == nil)
            #expect(try await store.accounts.useRecoveryCode(of: seed.lead.id, codeHash: Self.hash("r"), at: Seed.start + 2) == false)

            try await store.accounts.issueReset(of: seed.assessor.id, tokenHash: Self.hash("b"), secondFactor: false, expiresAt: Seed.start + 60, by: admin.id, at: Seed.start)
            try await store.accounts.setUserActive(seed.assessor.id, false, by: admin.id, at: Seed.start)
            await expectStoreError(.conflict) { _ = try await store.accounts.redeemReset(tokenHash: Self.hash("b"), passwordHash: "x", at: Seed.start + 1) }
            #expect(try await store.accounts.pendingReset(tokenHash: Self.hash("b"), at: Seed.start + 1) != nil, "the refusal rolled back: the link is not spent")
            // An account without a password (the service's own) gets no link.
            await expectStoreError(.conflict) {
                try await store.accounts.issueReset(of: seed.moderator.id, tokenHash: Self.hash("c"), secondFactor: false, expiresAt: Seed.start + 60, by: admin.id, at: Seed.start)
            }
        }
    }

    @Test("a link that needs approval works only once a second administrator approved it; not by its issuer or the owner; of racing approvals one lands",
          arguments: TestBackend.allCases)
    func approval(_ backend: TestBackend) async throws {
        try await Self.withAccounts(backend) { store, seed, admin in
            let second = User(name: "Bo Admin", role: .administrator, organisationID: seed.panel.id)
            try await store.records.users.insert(second)
            let expires = Seed.start + 3600
            try await store.accounts.issueReset(of: seed.lead.id, tokenHash: Self.hash("a"), secondFactor: true, needsApproval: true,
                                                expiresAt: expires, by: admin.id, at: Seed.start)
            #expect(try await store.accounts.pendingReset(tokenHash: Self.hash("a"), at: Seed.start + 1) == nil)
            await expectStoreError(.conflict) { _ = try await store.accounts.redeemReset(tokenHash: Self.hash("a"), passwordHash: "x", at: Seed.start + 1) }
            #expect(try await store.accounts.resetsAwaitingApproval(at: Seed.start + 1).map(\.userID) == [seed.lead.id])
            #expect(try await store.accounts.approveReset(of: seed.lead.id, by: admin.id, at: Seed.start + 2) == .issuedByApprover)
            #expect(try await store.accounts.approveReset(of: seed.lead.id, by: seed.lead.id, at: Seed.start + 2) == .ownAccount)
            // Eight approvals at once: exactly one lands, the others are told it is approved already.
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            return try await store.accounts.approveReset(of: seed.lead.id, by: second.id, at: Seed.start + 3) == .approved
                        } catch let error as StoreError where error.code == .conflict {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1, "\(outcomes)")
            #expect(try await store.accounts.resetsAwaitingApproval(at: Seed.start + 4).isEmpty)
            #expect(try await store.accounts.redeemReset(tokenHash: Self.hash("a"), passwordHash: "new", at: Seed.start + 5).secondFactor)
            let actions = try await store.audit.entries(after: 0, limit: 1000).map(\.event.action.rawValue)
            #expect(actions.filter { $0 == "user.reset_approved" }.count == 1)
            // An approval does not carry over to a newer link: it needs its own.
            try await store.accounts.issueReset(of: seed.lead.id, tokenHash: Self.hash("b"), secondFactor: false, needsApproval: true,
                                                expiresAt: expires, by: admin.id, at: Seed.start + 6)
            await expectStoreError(.conflict) { _ = try await store.accounts.redeemReset(tokenHash: Self.hash("b"), passwordHash: "y", at: Seed.start + 7) }
            // Expired before approval: nothing to approve.
            await expectStoreError(.conflict) { _ = try await store.accounts.approveReset(of: seed.lead.id, by: second.id, at: expires) }
        }
    }
}
