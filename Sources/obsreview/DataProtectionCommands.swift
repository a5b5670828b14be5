import ArgumentParser
import Foundation
import ReviewDomain
import ReviewServer
import ReviewStore

/// `obsreview erase --candidate REF`: erases a candidate's personal data and files (decision 12).
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a candidate's personal data, recordings and derived media; the audit chain still verifies.",
        discussion: """
            REF is the candidate's registration number or id. Refused (exit status 4) while a legal hold applies to the
            candidate, one of their observations or cases, or when they were already erased. Signed in the audit trail
            by the service's own account, with --reason.
            """
    )

    @OptionGroup var options: DatabaseOptions
    @Option(help: ArgumentHelp("The candidate's registration number or id.", valueName: "REF")) var candidate: String
    @Option(help: "Why (for example the erasure request's reference); recorded in the audit trail.") var reason: String?
    @Option(help: "The data folder (blobs, media, uploads; its obsreview.sqlite unless --database names another), as for serve.") var data = "./data"
    @OptionGroup var objectStorage: ObjectStorageOptions

    func run() async throws {
        let layout = try objectStorage.layout(data: data)
        // The database of that data folder unless one is named, as for serve.
        let outcome = try await DatabaseOptions.withStore(url: options.url ?? layout.defaultDatabaseURL) { store -> Result<(ErasureReport, Int), StoreError> in
            guard let id = try await Self.candidateID(candidate, in: store) else {
                return .failure(StoreError(.notFound, "There is no candidate with registration number or id \"\(candidate)\"."))
            }
            do {
                return .success(try await CandidateErasure.erase(id, reason: reason, by: .system, store: store, data: layout))
            } catch let error as StoreError {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let (report, files)):
            print("erased candidate \(report.candidateID): \(report.observations) observation(s), \(report.recordings.count) recording(s), "
                  + "\(report.texts) text(s), \(report.auditParts) audit detail(s), \(files) file(s) removed.")
            print("On PostgreSQL, run VACUUM on the database now so that no old row versions keep the erased values (docs/data-protection.md).")
        case .failure(let error):
            printError(error.message)
            throw ExitCode(error.code == .notFound ? 1 : 4)
        }
    }

    static func candidateID(_ reference: String, in store: ReviewStore) async throws -> CandidateID? {
        if let uuid = UUID(uuidString: reference), let record = try await store.records.candidates.find(CandidateID(rawValue: uuid)) {
            return record.candidate.id
        }
        return try await store.records.candidates.find(registrationNumber: reference)?.candidate.id
    }
}

/// `obsreview retention [--dry-run] [--now DATE]`: the retention pass that `serve` runs daily (decision 12).
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Delete what the retention schedule says is due (or, with --dry-run, list it and change nothing).",
        discussion: """
            The periods come from the same settings as serve's (--config FILE, then OBSREVIEW_RETENTION_<TYPE>_DAYS);
            docs/data-protection.md lists them with their defaults. Records under a legal hold are skipped. Each
            deletion is audited, signed by the service's own account.
            """
    )

    @OptionGroup var options: DatabaseOptions
    @Flag(help: "List what is due; change nothing.") var dryRun = false
    @Option(help: ArgumentHelp("Count periods up to this time instead of now (ISO 8601, e.g. 2027-01-31 or 2027-01-31T12:00:00Z).", valueName: "DATE"))
    var now: String?
    @Option(help: ArgumentHelp("A JSON file of settings, as for serve (retention_<type>_days keys).", valueName: "FILE")) var config: String?
    @Option(help: "The data folder (blobs, media, uploads; its obsreview.sqlite unless --database names another), as for serve.") var data = "./data"
    @OptionGroup var objectStorage: ObjectStorageOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        var settings = ServerSettings()
        do {
            if let config { try settings.apply(ServerSettings.fileValues(config), from: config) }
            try settings.apply(ServerSettings.environmentValues(ProcessInfo.processInfo.environment), from: "environment")
        } catch let problem as ServerSettings.Problem {
            printError("obsreview retention: \(problem)")
            throw ExitCode(78)
        }
        let time: Date
        if let now {
            guard let parsed = Self.date(now) else {
                printError("--now \(now) is not a date: give ISO 8601, e.g. 2027-01-31 or 2027-01-31T12:00:00Z.")
                throw ExitCode(64)
            }
            time = parsed
        } else {
            time = Date()
        }
        let layout = try objectStorage.layout(data: data)
        let (report, files) = try await DatabaseOptions.withStore(url: options.url ?? layout.defaultDatabaseURL) { store in
            let report = try await store.dataProtection.retentionPass(policy: settings.retention, now: time, dryRun: dryRun)
            return (report, try await layout.remove(report.files))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        for item in report.items {
            print("\(item.type.rawValue)\t\(item.subjectType)\t\(item.subjectID)\tdue since \(AuditEvent.canonicalTimestamp(item.dueSince))")
        }
        let counts = RetentionPolicy.RecordType.allCases.compactMap { type in report.counts[type].map { "\(type.rawValue) \($0)" } }
        let summary = counts.isEmpty ? "nothing is due" : counts.joined(separator: ", ")
        print(dryRun ? "dry run: \(summary); nothing was changed." : "deleted: \(summary); \(files) file(s) removed.")
    }

    static func date(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }
}
