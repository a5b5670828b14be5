import Crypto
import Foundation
import Logging
import MediaIndex
import ReviewDomain
import ReviewServer
import ReviewStore

/// `serve --demo`: the sample ratings, the sample recordings (queued for indexing) and one account per role,
/// so that someone trying the service can sign in as anyone. Safe to run again: everything is recognised.
struct DemoData {
    static let password = "practice-review-demo"

    let store: ReviewStore
    /// Where the sample ratings and recordings are; nil when none was found (accounts only).
    let samples: URL?
    let data: DataLayout
    let passwords: PasswordHasher

    /// The samples folder: the one given, else `./samples`, else the repository the running binary was built in
    /// (so `serve --demo` finds them from any folder). Nil when there is none.
    static func findSamples(given: String?) -> URL? {
        let manager = FileManager.default
        func hasRatings(_ url: URL) -> Bool { manager.fileExists(atPath: url.appendingPathComponent("ratings.csv").path) }
        if let given { return URL(fileURLWithPath: given) }
        let local = URL(fileURLWithPath: "samples", relativeTo: URL(fileURLWithPath: manager.currentDirectoryPath, isDirectory: true))
        if hasRatings(local) { return local.standardizedFileURL }
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("samples")
            if hasRatings(candidate), manager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    /// username, display name, role, and which organisation (by name) the account acts for.
    static let accounts: [(username: String, name: String, role: Role, organisation: String)] = [
        ("assessor", "Demo Assessor", .assessor, "National Accreditation Body"),
        ("employer", "Demo Employer Representative", .employer, "Eastgate City Council"),
        ("lead", "Demo Moderation Lead", .lead, "National Accreditation Body"),
        ("moderator", "Demo Professional Moderator", .moderator(.professional), "Demo Moderation Panel"),
        ("lay", "Demo Lay Moderator", .moderator(.lay), "Demo Moderation Panel"),
        ("auditor", "Demo Auditor", .auditor, "National Accreditation Body"),
        ("admin", "Demo Administrator", .administrator, "National Accreditation Body"),
        // A second administrator: the two-person rule (new accounts, reset links) needs one (decision 41).
        ("admin2", "Demo Second Administrator", .administrator, "National Accreditation Body"),
    ]

    /// Moderators created after the first dispute is routed (so that it goes to `moderator` and `lay`).
    static let laterModerators: [(username: String, name: String, role: Role, organisation: String)] = [
        ("moderator2", "Demo Second Professional Moderator", .moderator(.professional), "Demo Moderation Panel"),
        ("lay2", "Demo Second Lay Moderator", .moderator(.lay), "Demo Moderation Panel"),
    ]

    func load(logger: Logger) async throws {
        if let samples {
            let csv = samples.appendingPathComponent("ratings.csv")
            guard let bytes = FileManager.default.contents(atPath: csv.path), let text = String(data: bytes, encoding: .utf8) else {
                throw ValidationErrorText("--demo found no sample ratings at \(csv.lastPathComponent) in the samples folder given: pass --samples with the repository's samples folder.")
            }
            guard case .success(let rows) = RatingsCSV.parse(text) else {
                throw ValidationErrorText("The sample ratings.csv has invalid rows: check it with `obsreview import`.")
            }
            let summary = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
            logger.info("demo: sample ratings imported", metadata: ["ratings": "\(summary.ratingsRecorded)", "disputes": "\(summary.disputesOpened)"])
        }

        var organisations = Dictionary(uniqueKeysWithValues: try await store.records.organisations.all().map { ($0.name, $0) })
        let kinds: [String: Organisation.Kind] = [
            "Demo Moderation Panel": .moderationPanel, "National Accreditation Body": .accreditingBody, "Eastgate City Council": .employer,
        ]
        for (name, kind) in kinds.sorted(by: { $0.key < $1.key }) where organisations[name] == nil {
            let organisation = Organisation(name: name, kind: kind)
            try await store.records.organisations.insert(organisation)
            organisations[name] = organisation
        }
        var users: [String: User] = [:]
        let setup = AccountSetup(store: store, passwords: passwords)
        for account in Self.accounts {
            if let existing = try await store.accounts.credentials(username: account.username) {
                users[account.username] = existing.user
                continue
            }
            guard let organisation = organisations[account.organisation] else {
                throw ValidationErrorText("The sample data has no organisation \"\(account.organisation)\" for the demo \(account.username).")
            }
            users[account.username] = try await setup.createUser(
                name: account.name, username: account.username, password: Self.password, role: account.role,
                organisationID: organisation.id, by: nil)
        }

        // The sample recordings go to the disputed observations first (so moderators have something to watch),
        // uploaded by the demo assessor; the worker indexes them (the bad samples are rejected, with the reason).
        let disputed = try await store.records.listCases(CaseFilter(), page: PageRequest(number: 1, size: 500))
        let files = try samples.map {
            try FileManager.default.contentsOfDirectory(atPath: $0.path)
                .filter { ["mp4", "mov", "webm", "avi", "ts", "m4a"].contains(($0 as NSString).pathExtension) }.sorted()
        } ?? []
        guard let assessor = users["assessor"] else { return }
        // Loaded once: a restart (whose list of disputes may have changed meanwhile) adds no second copies.
        let loaded = try await store.ingest.recordingBlobKeys()
        for (file, target) in zip(files, disputed + disputed) {
            guard let path = samples?.appendingPathComponent(file).path else { continue }
            let size = try await IngestCommand.store(path, in: data)  // hashes once; a blob already stored is not copied again
            guard !loaded.contains(size.key.sha256) else { continue }
            _ = try await store.ingest.storeUploadedRecording(
                uploadID: "demo:\(size.key):\(target.observationID)", observationID: target.observationID, uploadedBy: assessor.id,
                fileName: file, sha256: size.key.sha256, byteCount: size.bytes)
        }
        // The first dispute goes to moderation at once: routing gives it to the demo professional and lay moderators
        // (the only ones yet). The second pair joins afterwards, so an escalation has someone to go to.
        if let first = disputed.first, first.state == .open, let lead = users["lead"] {
            _ = try await store.workflow.transition(first.id, .requestModeration, expectedVersion: first.version, reason: "demo", by: lead.actor)
        }
        for account in Self.laterModerators where users[account.username] == nil {
            if let existing = try await store.accounts.credentials(username: account.username) {
                users[account.username] = existing.user
                continue
            }
            guard let organisation = organisations[account.organisation] else { continue }
            users[account.username] = try await setup.createUser(
                name: account.name, username: account.username, password: Self.password, role: account.role,
                organisationID: organisation.id, by: nil)
        }
        if let lead = users["lead"] {
            let areas: [String: Set<Observation.PracticeArea>] = [
                "moderator": [.childrens, .adults], "lay": [.childrens], "moderator2": [.adults, .mentalHealth], "lay2": [.adults, .childrens],
            ]
            for (name, practice) in areas {
                guard let user = users[name] else { continue }
                try await store.moderation.setModeratorProfile(of: user.id, practiceAreas: practice, capacity: ModeratorProfile.defaultCapacity, by: lead.actor)
            }
            try await Self.recordDemoAttributes(store, by: lead.actor)
        }
        print("""

            Demo accounts (password: \(Self.password)):
            \((Self.accounts + Self.laterModerators).map { "  \($0.username.padding(toLength: 10, withPad: " ", startingAt: 0)) \($0.role.rawValue) — \($0.organisation)" }.joined(separator: "\n"))
            Sign in at /signin; \(samples == nil
                ? "no samples folder was found, so there are no sample ratings or recordings: start from the repository root or pass --samples DIR to load them."
                : "\(files.count) sample recordings are queued for indexing.")

            """)
        fflush(nil)  // flush stdout now: the server logs to stderr after this
    }
}

extension DemoData {
    /// Made-up attributes for four in five demo candidates, "given with consent", so that the fairness tables
    /// have something to break down (and, with so few people, something to suppress). Deterministic.
    static func recordDemoAttributes(_ store: ReviewStore, by lead: ActingUser) async throws {
        let bands = ["under 30", "30 to 44", "45 and over"]
        let ethnicities = ["White", "Black, Black British", "Asian, Asian British", "Mixed or multiple", "Another group"]
        for record in try await store.records.listCandidates(employerID: nil, page: PageRequest(number: 1, size: 500)) {
            let seed = SplitMix64.mix(UInt64(truncatingIfNeeded: record.candidate.registrationNumber.unicodeScalars.reduce(17) { $0 &* 31 &+ Int($1.value) }))
            guard seed % 5 != 0, try await store.insight.attributes(of: record.candidate.id) == nil else { continue }
            let values = [
                "age_band": bands[Int((seed >> 8) % 3)],
                "ethnicity": ethnicities[Int((seed >> 16) % 100) < 60 ? 0 : 1 + Int((seed >> 24) % 4)],
                "disability": (seed >> 32) % 6 == 0 ? "Yes" : "No",
            ]
            _ = try await store.insight.recordAttributes(of: record.candidate.id, values, consentReference: "DEMO-CONSENT-\(record.candidate.registrationNumber)",
                                                 consentedAt: Date(), by: lead)
        }
    }
}

/// A message for the person running the command.
struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
