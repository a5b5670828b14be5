public import Foundation
public import ReviewDomain
import SQLKit

/// What an import did.
public struct RatingsImportSummary: Hashable, Sendable, Codable {
    public var rows = 0
    public var organisationsCreated = 0
    public var usersCreated = 0
    public var candidatesCreated = 0
    public var observationsCreated = 0
    public var ratingsRecorded = 0
    /// Rows whose rating was already stored (the same rater, source, score and time): a re-import.
    public var ratingsAlreadyPresent = 0
    public var disputesOpened = 0
    public var auditEvents = 0
}

extension ImportStore {
    /// Imports checked rows of the ratings CSV (``RatingsCSV``) in one transaction: all or nothing.
    ///
    /// Creates the organisations, candidates and observations the rows name (matched by name, registration number
    /// and observation ref); matches raters to existing users by organisation and normalised name, and makes an unknown
    /// rater an inactive identity (never routed; a name two people share is an error with its line); records each
    /// rating through ``RatingLedger`` (a rater's second, different rating for the same observation is refused:
    /// corrections are made in the service),
    /// opens an automatic dispute case for every observation whose employer and assessor ratings trigger
    /// `policy`, and writes an audit event for every change plus one `import.completed` event naming the
    /// file and its SHA-256. Everything is validated in memory first and written with multi-row inserts.
    ///
    /// A large import on SQLite (one that at least doubles the audit trail, from 10,000 events) drops the secondary
    /// indexes of the tables it fills and builds them again after the rows are in, inside the same transaction
    /// (decision 30): building an index once from sorted keys is cheaper than inserting as many keys at random places.
    public func importRatings(
        _ rows: [RatingsCSV.Row], file: String, sha256: String, policy: DisputePolicy = .default, at time: Date = Date()
    ) async throws(StoreError) -> RatingsImportSummary {
        try await importRatings(rows, file: file, sha256: sha256, policy: policy, at: time, indexes: .automatic)
    }

    /// ``importRatings(_:file:sha256:policy:at:)`` with the choices of when secondary indexes are built and how rows reach
    /// SQLite made by the caller (the tests compare every way).
    func importRatings(
        _ rows: [RatingsCSV.Row], file: String, sha256: String, policy: DisputePolicy = .default, at time: Date = Date(), indexes: ImportIndexes,
        writes: ImportWrites = .direct
    ) async throws(StoreError) -> RatingsImportSummary {
        try await transaction { tx in
            try await RatingsImporter(rows: rows, file: file, sha256: sha256, policy: policy, time: time, indexes: indexes, writes: writes,
                                      context: tx.context).run()
        }
    }
}

/// How an import's rows reach the database (decision 34).
enum ImportWrites: Sendable {
    /// Through SQLKit, as every other write of the store.
    case sqlKit
    /// On SQLite, bound straight to the transaction's connection as `SQLiteData` (``DirectBinds``): the same statements,
    /// rows and values without SQLKit's per-bind encoding. PostgreSQL goes through SQLKit either way.
    case direct
}

/// When an import builds the secondary indexes of the tables it fills (decision 30).
enum ImportIndexes: Sendable {
    /// Kept up to date row by row.
    case maintained
    /// Dropped before the rows go in and built again after them, in the same transaction (SQLite only: on PostgreSQL
    /// `DROP INDEX` would lock every reader of the table out until the import commits).
    case builtAfterLoad
    /// ``builtAfterLoad`` on SQLite when the import at least doubles the audit trail (from 10,000 events), else ``maintained``.
    case automatic

    /// Whether `events` new audit events on a trail of `existing` are written with the indexes built after the load.
    func deferred(events: Int, existing: Int, dialect: Dialect) -> Bool {
        guard dialect == .sqlite else { return false }
        switch self {
        case .maintained: return false
        case .builtAfterLoad: return true
        case .automatic: return events >= max(10_000, existing)
        }
    }

    /// The tables an import fills in bulk. Not `cases`: they are written after the load, since writing one reads other
    /// tables through the indexes dropped here.
    static let tables = ["organisations", "users", "candidates", "observations", "ratings", "audit_events", "audit_event_personal",
                         "observation_scores"]

    /// Runs `load` with the non-unique secondary indexes of ``tables`` dropped, then creates them again as they were
    /// (their SQL from `sqlite_master`). Unique indexes stay: they are the import's checks. `load` must only insert:
    /// a statement that looks rows up in those tables scans them whole while their indexes are gone.
    static func withIndexesBuiltAfter<R>(on db: any SQLDatabase, _ load: () async throws -> R) async throws -> R {
        let names = SQLList(tables.map { SQLBind($0) })
        let indexes = try await db.raw("""
            SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (\(names))
            ORDER BY name
            """).all().map { (name: try $0.decode(column: "name", as: String.self), sql: try $0.decode(column: "sql", as: String.self)) }
            .filter { !$0.sql.uppercased().hasPrefix("CREATE UNIQUE") }
        for index in indexes { try await db.raw("DROP INDEX \(ident: index.name)").run() }
        let result = try await load()
        for index in indexes { try await db.raw("\(unsafeRaw: index.sql)").run() }
        return result
    }
}

/// One import, inside one transaction.
private struct RatingsImporter {
    let rows: [RatingsCSV.Row]
    let file: String
    let sha256: String
    let policy: DisputePolicy
    let time: Date
    let indexes: ImportIndexes
    let writes: ImportWrites
    let context: SQLContext

    private var dialect: Dialect { context.dialect }

    /// Every row the import creates gets a time-ordered id (version 7, decision 40): its primary key and unique index
    /// entries go in at the end of each B-tree instead of seeking a random leaf.
    func run() async throws -> RatingsImportSummary {
        try await SecureRandom.$timeOrdered.withValue(true) {
            try await context.run { db in try await run(on: db) }
        }
    }

    private func run(on db: any SQLDatabase) async throws -> RatingsImportSummary {
        if dialect == .sqlite {
            // A large import touches more pages than SQLite's default 2 MB cache holds; spilling them to the
            // WAL mid-transaction and reading them back dominated the writes. 256 MB for this connection.
            try await db.raw("PRAGMA cache_size = -262144").run()
        }
        var summary = RatingsImportSummary()
        summary.rows = rows.count
        var events: [AuditEvent] = []

        // Organisations by name: employers from the employer column, the others from the assessors' organisation.
        var organisations = Dictionary(try await db.raw("SELECT * FROM organisations").all().map(SQLOrganisations.organisation).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let employerNames = Set(rows.map(\.employer))
        var newOrganisations: [Organisation] = []
        for name in Set(rows.map(\.employer) + rows.map(\.raterOrganisation)).sorted() where organisations[name] == nil {
            let organisation = Organisation(name: name, kind: employerNames.contains(name) ? .employer : .accreditingBody)
            organisations[name] = organisation
            newOrganisations.append(organisation)
        }
        // A candidate's employer is an employer: the accrediting body or a moderation panel named in the employer column
        // would file the candidate, their observation and any dispute under the assessors or the moderators.
        if let row = rows.first(where: { organisations[$0.employer].map { $0.kind != .employer } ?? false }) {
            throw StoreError(.constraintViolation, """
                line \(row.line): the employer "\(row.employer)" is not an employer but \(organisations[row.employer]!.kind.rawValue.replacingOccurrences(of: "_", with: " ")); \
                name the candidate's employer.
                """)
        }
        let body = rows.first.flatMap { row in organisations[row.raterOrganisation].flatMap { $0.kind == .employer ? nil : $0 } }
            ?? organisations.values.sorted { $0.name < $1.name }.first { $0.kind == .accreditingBody }

        // Raters are people who already exist: matched by organisation and name (Unicode-normalised, case-insensitive),
        // whatever their role. An import never creates someone routable (issue 14: a "moderator" row created a second,
        // active moderator that routing then gave cases nobody could open): a rater it does not know becomes an
        // inactive rater identity with no credentials and no moderator profile; a name that matches two people is an
        // error naming the line.
        let allUsers = try await db.raw("SELECT * FROM users").all().map(SQLUsers.user)
        var users = Dictionary(allUsers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var byName: [NameKey: [User]] = [:]
        for existing in allUsers { byName[NameKey(existing.name, existing.organisationID), default: []].append(existing) }
        var newUsers: [User] = []
        func matchRater(_ row: RatingsCSV.Row, _ organisation: Organisation) throws -> User {
            let key = NameKey(row.rater, organisation.id)
            let matches = byName[key] ?? []
            if matches.count > 1 {
                throw StoreError(.constraintViolation, """
                    line \(row.line), column rater: "\(row.rater)" matches \(matches.count) people of \(organisation.name) \
                    (\(matches.map { "\($0.name), \($0.role)" }.joined(separator: "; "))); make their names distinct in the service \
                    or in the file, then import again.
                    """)
            }
            if let match = matches.first { return match }
            let role: Role = switch row.source {
            case .employer: .employer
            case .assessor: .assessor
            case .moderator: .moderator(.professional)
            }
            let created = User(name: row.rater, role: role, organisationID: organisation.id, active: false)
            byName[key] = [created]
            users[created.id] = created
            newUsers.append(created)
            return created
        }
        guard let body else { throw StoreError(.invalidArgument, "The import names no accrediting body (the assessors' organisation).") }
        // The import acts as its own identity of the accrediting body: an inactive administrator, on no panel.
        let importerName = "Ratings import (obsreview import)"
        let importer: User
        if let existing = allUsers.first(where: { $0.name == importerName && $0.role == .administrator && $0.organisationID == body.id }) {
            importer = existing
        } else {
            importer = User(name: importerName, role: .administrator, organisationID: body.id, active: false)
            newUsers.append(importer)
        }

        // Candidates by registration number, observations by ref.
        var candidates = Dictionary(try await db.raw("SELECT * FROM candidates").all().map(SQLCandidates.candidate).map { ($0.candidate.registrationNumber, $0) }, uniquingKeysWith: { a, _ in a })
        var observations = Dictionary(try await db.raw("SELECT * FROM observations WHERE ref IS NOT NULL").all().map(SQLObservations.observation).compactMap { record in record.ref.map { ($0, record) } }, uniquingKeysWith: { a, _ in a })
        var newCandidates: [CandidateRecord] = []
        var newObservations: [ObservationRecord] = []
        var ledgers: [ObservationID: RatingLedger] = [:]
        var existingObservations: Set<ObservationID> = []
        var newRatings: [Rating] = []
        var raters: [RatingID: User] = [:]

        for row in rows {
            guard let employer = organisations[row.employer], let raterOrganisation = organisations[row.raterOrganisation] else { continue }
            let candidate: CandidateRecord
            if let existing = candidates[row.registrationNumber] {
                guard existing.candidate.employerID == employer.id else {
                    throw StoreError(.constraintViolation, "line \(row.line): candidate \(row.registrationNumber) is stored with another employer than \(row.employer).")
                }
                candidate = existing
            } else {
                candidate = CandidateRecord(candidate: Candidate(registrationNumber: row.registrationNumber, employerID: employer.id), name: row.candidateName)
                candidates[row.registrationNumber] = candidate
                newCandidates.append(candidate)
                events.append(created("candidate", candidate.candidate.id.description, ["registration_number": row.registrationNumber, "employer": employer.id.description], by: importer))
            }
            let observation: ObservationRecord
            if let existing = observations[row.observationRef] {
                guard existing.observation.candidateID == candidate.candidate.id else {
                    throw StoreError(.constraintViolation, "line \(row.line): observation \(row.observationRef) is stored for another candidate.")
                }
                observation = existing
                if ledgers[existing.observation.id] == nil {
                    try await SQLRatings.lockObservation(existing.observation.id, on: db, dialect: dialect)
                    ledgers[existing.observation.id] = try await SQLRatings.ledger(of: existing.observation.id, employerID: employer.id, on: db, dialect: dialect)
                    existingObservations.insert(existing.observation.id)
                }
            } else {
                observation = ObservationRecord(
                    observation: Observation(candidateID: candidate.candidate.id, date: row.observationDate, scenario: row.scenario, practiceArea: .inferred(from: row.scenario)),
                    ref: row.observationRef)
                observations[row.observationRef] = observation
                newObservations.append(observation)
                ledgers[observation.observation.id] = RatingLedger(observationID: observation.observation.id, employerID: employer.id)
                events.append(created("observation", observation.observation.id.description, ["ref": row.observationRef, "candidate": candidate.candidate.id.description], by: importer))
            }

            let rater = try matchRater(row, raterOrganisation)
            var ledger = ledgers[observation.observation.id] ?? RatingLedger(observationID: observation.observation.id, employerID: employer.id)
            if let stored = ledger.currentRatings.first(where: { $0.raterID == rater.id && $0.source == row.source }),
                stored.score == row.score, Dialect.normalised(stored.ratedAt) == Dialect.normalised(row.ratedAt)
            {
                summary.ratingsAlreadyPresent += 1
                continue
            }
            do {
                let rating = try ledger.record(source: row.source, score: row.score, rationale: row.rationale, by: rater.actor, at: row.ratedAt)
                newRatings.append(rating)
                raters[rating.id] = rater
            } catch {
                throw StoreError(.constraintViolation, "line \(row.line): \(error.message)", cause: error)
            }
            ledgers[observation.observation.id] = ledger
        }
        // In the order things were created: organisations, users (raters are met during the rows), then the rest.
        events = newOrganisations.map { created("organisation", $0.id.description, ["name": $0.name, "kind": $0.kind.rawValue], by: importer) }
            + newUsers.map { created("user", $0.id.description, ["name": $0.name, "role": $0.role.rawValue, "organisation": $0.organisationID.description], by: importer) }
            + events
        events += newRatings.compactMap { rating in raters[rating.id].map { SQLRatings.event(for: rating, by: $0.actor) } }

        // Disputes: an observation whose current employer and assessor ratings trigger the policy, with no case yet.
        var openCases: Set<ObservationID> = []
        if !existingObservations.isEmpty {
            // An active case, or a decided one (only the lead's reopening re-runs a decision, decision 10).
            for id in existingObservations
            where try await !SQLCases.cases(of: id, on: db, dialect: dialect).filter({ ($0.state.isActive || $0.state.hasOutcome) && !$0.isCalibration }).isEmpty {
                openCases.insert(id)
            }
        }
        var newCases: [Case] = []
        let touched = Set(newRatings.map(\.observationID))
        for observationID in touched.sorted(by: { $0.description < $1.description }) where !openCases.contains(observationID) {
            guard let ledger = ledgers[observationID],
                let employerRating = ledger.current(source: .employer), let assessorRating = ledger.current(source: .assessor),
                let finding = policy.evaluate(employer: employerRating.score, assessor: assessorRating.score)
            else { continue }
            // Opened automatically by the rating that completed the pair.
            let trigger = employerRating.ratedAt > assessorRating.ratedAt ? employerRating : assessorRating
            guard let actor = raters[trigger.id]?.actor ?? users[trigger.raterID]?.actor else { continue }
            let (opened, event) = try Case.openDispute(finding, observationID: observationID, employerID: ledger.employerID, by: actor, at: trigger.ratedAt)
            newCases.append(opened)
            events.append(event)
        }

        events.append(AuditEvent(
            at: time, actorID: importer.id, action: "import.completed",
            subject: AuditEvent.Subject(type: "import", id: sha256),
            reason: nil,
            details: [
                "file": file, "sha256": sha256, "rows": String(rows.count), "ratings": String(newRatings.count),
                "disputes_opened": String(newCases.count), "already_present": String(summary.ratingsAlreadyPresent),
            ]))

        let load = { () async throws in
            try await SQLInserts.organisation.run(newOrganisations, on: db, dialect: dialect)
            try await SQLInserts.user.run(newUsers, on: db, dialect: dialect)
            try await SQLInserts.candidate.run(newCandidates, on: db, dialect: dialect)
            try await SQLInserts.observation.run(newObservations, on: db, dialect: dialect)
            try await SQLInserts.rating.run(newRatings, on: db, dialect: dialect)
            // Each touched observation's current scores, kept for the statistics (migration 18) from its whole ledger.
            try await SQLObservationScores.upsert.run(
                touched.compactMap { id in ledgers[id].map { (id, CurrentScores(ratings: $0.ratings)) } },
                on: db, dialect: dialect)
            _ = try await SQLAuditLog.append(contentsOf: events, on: db, dialect: dialect)
        }
        let existingEvents = try await db.raw("SELECT sequence FROM audit_chain_head WHERE id = 1").first(decodingColumn: "sequence", as: Int.self) ?? 0
        let direct = writes == .direct && dialect == .sqlite ? SQLitePool.leased : nil
        try await DirectBinds.$connection.withValue(direct) {
            if indexes.deferred(events: events.count, existing: existingEvents, dialect: dialect) {
                try await ImportIndexes.withIndexesBuiltAfter(on: db, load)
            } else {
                try await load()
            }
            // The cases last, once every index is back: writing a case refreshes its summary, whose scores are looked up
            // in `ratings` by observation. Without `ratings_observation` each lookup scanned the whole table, and an
            // import of 100,000 disputes ran for hours instead of about a minute (decision 30).
            try await SQLInserts.case.run(newCases, on: db, dialect: dialect)
        }
        if dialect == .sqlite { try await db.raw("\(unsafeRaw: SQLitePool.cacheSize)").run() }  // back to the pool's own

        summary.organisationsCreated = newOrganisations.count
        summary.usersCreated = newUsers.count
        summary.candidatesCreated = newCandidates.count
        summary.observationsCreated = newObservations.count
        summary.ratingsRecorded = newRatings.count
        summary.disputesOpened = newCases.count
        summary.auditEvents = events.count
        return summary
    }

    private func created(_ type: String, _ id: String, _ details: [String: String], by importer: User) -> AuditEvent {
        AuditEvent(at: time, actorID: importer.id, action: AuditEvent.Action(rawValue: "\(type).created"),
                   subject: AuditEvent.Subject(type: type, id: id), reason: "imported from \(file)", details: details)
    }
}

/// A person's name within an organisation as the import matches it: Unicode compatibility-normalised (NFKC), case-folded,
/// runs of white space as one space, trimmed. "ANA NU\u{0301}N\u{0303}EZ" and "Ana Núñez" are the same person.
struct NameKey: Hashable {
    let name: String
    let organisationID: OrganisationID

    init(_ name: String, _ organisationID: OrganisationID) {
        self.name = Self.normalised(name)
        self.organisationID = organisationID
    }

    static func normalised(_ name: String) -> String {
        name.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .widthInsensitive], locale: nil)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

extension Observation.PracticeArea {
    /// The practice area a scenario's wording suggests, for imports that do not say it.
    static func inferred(from scenario: String) -> Self {
        let text = scenario.lowercased()
        if text.contains("mental health") || text.contains("amhp") { return .mentalHealth }
        if ["child", "parent", "family", "foster", "adoption", "looked after", "care leaver"].contains(where: text.contains) { return .childrens }
        if ["adult", "hospital", "discharge", "older", "safeguarding adults", "carer", "dementia"].contains(where: text.contains) { return .adults }
        return .other
    }
}
