import ArgumentParser
import Foundation
import ReviewDomain
import ReviewServer
import ReviewStore

/// `obsreview subject-export`: everything held about one candidate, as one ZIP (docs/data-protection.md).
struct SubjectExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject-export",
        abstract: "Write a subject-access export of one candidate: a ZIP with a manifest of SHA-256 hashes.",
        discussion: "Other people appear by role and number, never by name. The export is audited (candidate.subject_exported) with the manifest's SHA-256."
    )

    @Option(help: "The candidate's registration number (or id).") var candidate: String
    @Flag(help: "Include the recordings themselves (the archive may not pass 4 GiB).") var withRecordings = false
    @Option(name: .long, help: "The ZIP file to write.") var out: String
    @OptionGroup var options: DatabaseOptions
    @Option(help: "The data folder holding the recordings (relative to the working directory or absolute).") var data = "./data"
    @OptionGroup var objectStorage: ObjectStorageOptions

    func run() async throws {
        try await options.withStore { store in
            let exports = Exports(store: store, data: try objectStorage.layout(data: data))
            guard let record = try await exports.candidate(candidate) else {
                printError("error: no candidate with registration number or id “\(candidate)”.")
                throw ExitCode(2)
            }
            let summary = try await ExportErrors.report {
                try await exports.subjectAccessExport(of: record.candidate.id, withRecordings: withRecordings, to: URL(fileURLWithPath: out), by: .system)
            }
            print("Wrote \(out): \(summary.files) file(s), \(summary.bytes) bytes; manifest SHA-256 \(summary.manifestSHA256) (recorded in the audit trail).")
        }
    }
}

/// `obsreview bundle`: the evidence bundle of a case, for an appeal or the regulator.
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Write the evidence bundle of a case: a ZIP that `obsreview verify-bundle` checks offline.",
        discussion: "The export is audited (case.bundle_exported) with the manifest's SHA-256."
    )

    @Option(name: .customLong("case"), help: "The case id.") var caseID: String
    @Option(name: .long, help: "The ZIP file to write.") var out: String
    @OptionGroup var options: DatabaseOptions
    @Option(help: "The data folder (relative to the working directory or absolute).") var data = "./data"
    @OptionGroup var objectStorage: ObjectStorageOptions

    func run() async throws {
        guard let uuid = UUID(uuidString: caseID) else {
            printError("error: “\(caseID)” is not a case id (a UUID such as 0f8e…); `obsreview cases` lists them.")
            throw ExitCode(2)
        }
        try await options.withStore { store in
            let exports = Exports(store: store, data: try objectStorage.layout(data: data))
            let summary = try await ExportErrors.report {
                try await exports.evidenceBundle(of: CaseID(rawValue: uuid), to: URL(fileURLWithPath: out), by: .system)
            }
            print("Wrote \(out): \(summary.files) file(s), \(summary.bytes) bytes; manifest SHA-256 \(summary.manifestSHA256) (recorded in the audit trail).")
        }
    }
}

/// `obsreview verify-bundle`: checks an evidence bundle or subject-access export with no database.
struct VerifyBundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract: "Check an evidence bundle or subject-access export offline: file hashes, and every audit event's hash and order.",
        discussion: "Exit status 0 when it verifies, 3 when it does not (each problem is listed), 2 when the file cannot be read as an export."
    )

    @Argument(help: "The ZIP file.") var file: String

    func run() async throws {
        let result: BundleVerification
        do { result = try BundleVerifier.verify(contentsOf: URL(fileURLWithPath: file)) } catch {
            printError("error: \(error.description)")
            throw ExitCode(2)
        }
        for problem in result.problems { printError("FAILED \(problem.kind.rawValue): \(problem.message)") }
        if !result.isIntact {
            printError("\(file) does NOT verify: \(result.problems.count) problem(s). Do not rely on it; ask the service for a fresh export.")
            throw ExitCode(3)
        }
        print("""
            \(file) verifies: \(result.format ?? "export") of \(result.subject ?? "?"), \(result.files) file(s) match the manifest, \
            \(result.events) audit event(s) re-hash in order.
            manifest SHA-256 \(result.manifestSHA256 ?? "?"): compare it with the export's audit event to know the manifest is the one the service wrote.
            """)
    }
}

/// Turns an export's failure into a message for the person at the terminal.
enum ExportErrors {
    static func report<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as ZipArchiveError {
            printError("error: \(error.description)")
            throw ExitCode(1)
        } catch let error as StoreError where error.code == .notFound {
            printError("error: \(error.message)")
            throw ExitCode(2)
        }
    }
}
