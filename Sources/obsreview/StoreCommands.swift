import ArgumentParser
import Crypto
import Foundation
import Logging
import ReviewDomain
import ReviewServer
import ReviewStore

/// Where the data lives: `--database`, else `OBSREVIEW_DATABASE_URL`, else the embedded SQLite file.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Database URL: sqlite:///path/to/file.sqlite or postgres://user@host:port/db (default: $OBSREVIEW_DATABASE_URL, else ./data/obsreview.sqlite).",
        valueName: "URL"))
    var database: String?

    /// `--database`, else `OBSREVIEW_DATABASE_URL`; nil means the embedded default.
    var url: String? { database ?? ProcessInfo.processInfo.environment["OBSREVIEW_DATABASE_URL"] }

    /// Runs `body` with an open store, shutting it down afterwards whatever happens.
    func withStore<T>(migrate: Bool = true, _ body: (ReviewStore) async throws -> T) async throws -> T {
        try await Self.withStore(url: url, migrate: migrate, body)
    }

    /// The store at `url` (nil: ./data/obsreview.sqlite), not yet running.
    static func store(url: String?) throws -> ReviewStore {
        var logger = Logger(label: "obsreview.store")
        logger.logLevel = .warning
        return try ReviewStore(url.map { try DatabaseConfiguration(url: $0) } ?? .default, logger: logger)
    }

    /// Runs `body` with the store at `url` running (and migrated, unless told not to), closing it afterwards whatever
    /// happens.
    static func withStore<T>(url: String?, migrate: Bool = true, _ body: (ReviewStore) async throws -> T) async throws -> T {
        let store = try store(url: url)
        return try await store.run {
            if migrate { try await store.migrate() }
            return try await body(store)
        }
    }
}

extension DatabaseOptions {
    /// Runs a long-lived command's service group; a database that cannot be reached or used at start-up ends the
    /// command with one line that says which database and what to do (exit status 69, EX_UNAVAILABLE), not a trace.
    static func reportingUnreachableDatabase(command: String, store: ReviewStore, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as StoreError where error.code == .unavailable || error.code == .invalidConfiguration || error.code == .database {
            printError("""
                obsreview \(command): cannot use the database \(store.configuration): \(error.message) Check database_url \
                (OBSREVIEW_DATABASE_URL, --database) and that the database server is running and accepts this user, then start again.
                """)
            throw ExitCode(69)  // EX_UNAVAILABLE
        }
    }
}

/// Prints to standard error, after the log lines `serve` has not yet written there (decision 46), so they stay in order.
func printError(_ text: String) {
    BufferedLogOutput.standardError.flush()
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database schema.")

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        try await options.withStore(migrate: false) { store in
            let applied = try await store.migrate()
            print(applied.isEmpty ? "The \(store.backendName) database is up to date." : "Applied migrations \(applied.map(String.init).joined(separator: ", ")) to the \(store.backendName) database.")
        }
    }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import ratings from a CSV file (one row per rating; see samples/README.md for the columns).",
        discussion: "All or nothing: if any row is wrong, every problem is listed with its line number and nothing is imported, unless --skip-invalid is given."
    )

    @Argument(help: "The CSV file.") var file: String
    @OptionGroup var options: DatabaseOptions
    @Flag(help: "Import the valid rows and report the others, instead of importing nothing.") var skipInvalid = false
    @Option(help: "Dispute tolerance: employer and assessor scores this far apart open a case.") var tolerance = DisputePolicy.default.tolerance
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            printError("error: cannot read \(file): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            printError("error: \(file) is not UTF-8 text; save it as CSV (UTF-8) and try again.")
            throw ExitCode(2)
        }
        var rows: [RatingsCSV.Row]
        switch RatingsCSV.parse(text) {
        case .success(let parsed): rows = parsed
        case .failure(let list):
            for problem in list.problems { printError("\(file):\(problem.line): \(problem.column.map { "\($0): " } ?? "")\(problem.reason)") }
            guard skipInvalid else {
                printError("\(list.problems.count) problem(s); nothing was imported. Fix the rows (or pass --skip-invalid) and import again.")
                throw ExitCode(1)
            }
            let bad = Set(list.problems.map(\.line))
            rows = RatingsCSV.validRows(in: text, excluding: bad)
            printError("importing the \(rows.count) valid row(s); \(bad.count) row(s) skipped.")
        }
        let policy = try DisputePolicy(tolerance: tolerance)
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let summary = try await options.withStore { store in
            try await store.imports.importRatings(rows, file: (file as NSString).lastPathComponent, sha256: hash, policy: policy)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print("""
                Imported \(file): \(summary.rows) rows
                  ratings recorded      \(summary.ratingsRecorded)\(summary.ratingsAlreadyPresent > 0 ? " (\(summary.ratingsAlreadyPresent) already present)" : "")
                  observations created  \(summary.observationsCreated)
                  candidates created    \(summary.candidatesCreated)
                  organisations created \(summary.organisationsCreated)
                  raters created        \(summary.usersCreated)
                  disputes opened       \(summary.disputesOpened)
                  audit events          \(summary.auditEvents)
                """)
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export ratings (CSV or JSON) or cases (JSON).")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }
    enum Subject: String, ExpressibleByArgument, CaseIterable { case ratings, cases }

    @OptionGroup var options: DatabaseOptions
    @Option(help: "csv or json.") var format: Format = .csv
    @Option(help: "ratings or cases.") var what: Subject = .ratings
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let text: String = try await options.withStore { store in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.dateEncodingStrategy = .iso8601
            switch (what, format) {
            case (.ratings, .csv):
                let rows = try await store.imports.exportRatings()
                return ([RatingExportRow.csvHeader] + rows.map(\.csvFields)).map { $0.map(RatingsCSV.escape).joined(separator: ",") }.joined(separator: "\n") + "\n"
            case (.ratings, .json):
                return String(decoding: try encoder.encode(try await store.imports.exportRatings()), as: UTF8.self) + "\n"
            case (.cases, .json):
                return String(decoding: try encoder.encode(try await store.imports.exportCases()), as: UTF8.self) + "\n"
            case (.cases, .csv):
                throw ValidationError("Cases export as JSON only (--format json): a case holds nested flags and outcomes.")
            }
        }
        if let output {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            print(text, terminator: "")
        }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk the audit chain and name the first broken link.",
        discussion: "Exit status 0 when the chain is intact, 3 when it is broken."
    )

    @OptionGroup var options: DatabaseOptions

    func run() async throws {
        let result = try await options.withStore { store in try await store.audit.verify() }
        if let broken = result.firstBreak {
            printError("audit chain BROKEN at event \(broken.sequence) (\(broken.kind.rawValue)): \(broken.message)")
            printError("\(result.eventCount) event(s) before it verify. Restore the database from a backup and investigate who changed it.")
            throw ExitCode(3)
        }
        print("audit chain intact: \(result.eventCount) event(s) verified.")
    }
}

struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: "List a work queue: cases in a state, oldest first, optionally for one employer, a page at a time."
    )

    @OptionGroup var options: DatabaseOptions
    @Option(help: "open, local_review, awaiting_moderation, in_moderation, escalated, decided, closed or withdrawn.")
    var state = "awaiting_moderation"
    @Option(help: "The employer's name (exactly as stored).") var employer: String?
    @Option(help: "Page number, from 1.") var page = 1
    @Option(help: "Cases per page.") var pageSize = 20
    @Option(help: "Run the query this many times and print latency percentiles to standard error (benchmarking).")
    var timingRuns = 0

    /// The API's bounds (``PageRequest``): a page from 1 to 1,000,000 of 1 to 500 cases, refused in words otherwise.
    func validate() throws {
        guard (1...PageRequest.maximumNumber).contains(page) else {
            throw ValidationError("--page must be a page number from 1 to \(PageRequest.maximumNumber), not \(page).")
        }
        guard (1...PageRequest.maximumSize).contains(pageSize) else {
            throw ValidationError("--page-size must be from 1 to \(PageRequest.maximumSize) cases, not \(pageSize).")
        }
    }

    func run() async throws {
        guard let state = Case.State(rawValue: state) else {
            throw ValidationError("Unknown state “\(self.state)”: use one of \(Case.State.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        try await options.withStore { store in
            var employerID: OrganisationID? = nil
            if let employer {
                guard let found = try await store.records.organisations.all().first(where: { $0.name == employer && $0.kind == .employer }) else {
                    throw ValidationError("No employer named “\(employer)”.")
                }
                employerID = found.id
            }
            func query() async throws -> [Case] {
                if let employerID {
                    return try await store.records.cases.cases(in: state, employer: employerID, page: page, pageSize: pageSize)
                }
                return Array(try await store.records.cases.cases(in: state, limit: page * pageSize).dropFirst((page - 1) * pageSize))
            }
            let cases = try await query()
            if timingRuns > 0 {
                var samples: [Double] = []
                for _ in 0..<timingRuns {
                    let start = ContinuousClock.now
                    _ = try await query()
                    samples.append((ContinuousClock.now - start).seconds * 1000)
                }
                samples.sort()
                func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int((Double(samples.count) * p).rounded(.up)) - 1)] }
                printError(String(format: "query latency over %d runs: p50 %.3f ms, p99 %.3f ms, max %.3f ms", samples.count, percentile(0.5), percentile(0.99), samples.last ?? 0))
            }
            let formatter = ISO8601DateFormatter()
            for item in cases {
                print("\(item.id)  \(item.kind.rawValue)  \(item.state.rawValue)  opened \(formatter.string(from: item.openedAt))  version \(item.version)")
            }
            if cases.isEmpty { print("No cases on page \(page).") }
        }
    }
}
