import ArgumentParser
import Crypto
import Foundation
import Hummingbird
import Logging
import ReviewDomain
import ReviewServer
import ReviewStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server: tus resumable uploads at /uploads/, health at /healthz.",
        discussion: """
            Stops gracefully on SIGINT or SIGTERM. Until sign-in exists, callers authenticate with \
            --dev-token TOKEN:ROLE (Authorization: Bearer TOKEN); without one, nobody can upload. \
            Completed uploads are kept in DATA/blobs/ and become Recordings (database: --database, else \
            DATA/obsreview.sqlite) with an indexing job, which a built-in worker runs unless --no-worker.
            """
    )

    @Option(help: "Address to listen on.")
    var hostname = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: ArgumentHelp("Data directory (uploads/ and blobs/).", valueName: "DIR"))
    var data = "./data"

    @Option(help: "Largest upload accepted, in bytes (Tus-Max-Size).")
    var maxUploadBytes: Int64 = ServerConfiguration().maxUploadBytes

    @Option(help: "Seconds an incomplete upload lives after its last PATCH.")
    var uploadExpiry: Double = ServerConfiguration().uploadExpiry

    @Option(help: "Seconds between sweeps for expired uploads.")
    var cleanupInterval: Double = 15 * 60

    @Option(help: "Prefix for upload Location headers, e.g. https://review.example.org (default: path only).")
    var publicBaseURL: String?

    @Option(
        name: .customLong("dev-token"),
        help: ArgumentHelp(
            "Development only: accept bearer TOKEN as a user in ROLE (assessor, employer, moderator.lay, …). Repeatable.",
            valueName: "TOKEN:ROLE"
        )
    )
    var devTokens: [String] = []

    @Option(name: .long, help: ArgumentHelp("Database URL (default: $OBSREVIEW_DATABASE_URL, else DATA/obsreview.sqlite).", valueName: "URL"))
    var database: String?

    @Flag(help: "Do not run the built-in indexing worker (run `obsreview worker` processes instead).")
    var noWorker = false

    @Option(help: "Seconds an indexing child process may take.")
    var indexTimeout: Double = 1800

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535.") }
        guard maxUploadBytes > 0 else { throw ValidationError("--max-upload-bytes must be positive.") }
        guard uploadExpiry > 0, cleanupInterval > 0 else {
            throw ValidationError("--upload-expiry and --cleanup-interval must be positive.")
        }
        _ = try Self.actors(devTokens)
    }

    func run() async throws {
        var logger = Logger(label: "obsreview.server")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let actors = try Self.actors(devTokens)
        if actors.isEmpty {
            logger.warning("No --dev-token given: every upload request will be refused with 401.")
        }
        let configuration = ServerConfiguration(
            hostname: hostname,
            port: port,
            dataDirectory: data,
            maxUploadBytes: maxUploadBytes,
            uploadExpiry: uploadExpiry,
            uploadCleanupInterval: .milliseconds(Int64(cleanupInterval * 1000)),
            publicBaseURL: publicBaseURL
        )
        let databaseURL = database ?? ProcessInfo.processInfo.environment["OBSREVIEW_DATABASE_URL"]
            ?? "sqlite://" + URL(fileURLWithPath: data).appendingPathComponent("obsreview.sqlite").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try await DatabaseOptions.withStore(url: databaseURL) { store in
            try await Self.ensureDevelopmentAccounts(actors, in: store)
            let app = try await buildApplication(
                configuration: configuration,
                dependencies: ServerDependencies(
                    authenticator: StaticTokenAuthenticator(actors),
                    completionHandler: StoreUploadCompletion(store: store)
                ),
                logger: logger
            )
            let workerLogger = logger
            let worker = noWorker ? nil : Task { [data, indexTimeout] in
                // Ends only when cancelled (Task.sleep throws then); a failing round is logged, not fatal.
                try? await IndexingWorker(store: store, dataDirectory: URL(fileURLWithPath: data), timeout: indexTimeout)
                    .run(poll: .seconds(1)) { error in workerLogger.error("indexing worker: \(error)") }
            }
            defer { worker?.cancel() }
            try await app.runService()
        }
    }

    /// The development accounts exist as users (recordings name their uploader), in one organisation.
    static func ensureDevelopmentAccounts(_ actors: [String: ReviewDomain.Actor], in store: ReviewStore) async throws {
        guard let organisationID = actors.values.first?.organisationID else { return }
        if try await store.organisations.find(organisationID) == nil {
            try await store.organisations.insert(Organisation(id: organisationID, name: "Development accounts", kind: .accreditingBody))
        }
        for (token, actor) in actors.sorted(by: { $0.key < $1.key }) where try await store.users.find(actor.userID) == nil {
            try await store.users.insert(User(id: actor.userID, name: "dev token \(token)", role: actor.role, organisationID: organisationID))
        }
    }

    /// `TOKEN:ROLE` pairs → actors. The user id is derived from the token, so it is the same after a restart
    /// (uploads belong to their creator, and resuming after a restart must still find them).
    static func actors(_ specs: [String]) throws -> [String: ReviewDomain.Actor] {
        var actors: [String: ReviewDomain.Actor] = [:]
        let organisation = OrganisationID(rawValue: UUID(uuidString: "00000000-0000-4000-8000-000000000001")!)
        for spec in specs {
            guard let colon = spec.lastIndex(of: ":"), colon != spec.startIndex else {
                throw ValidationError("--dev-token must be TOKEN:ROLE, not \"\(spec)\".")
            }
            let token = String(spec[..<colon])
            let roleName = String(spec[spec.index(after: colon)...])
            guard let role = Role(rawValue: roleName) else {
                throw ValidationError(
                    "Unknown role \"\(roleName)\" in --dev-token: use one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))."
                )
            }
            var bytes = Array(SHA256.hash(data: Data("obsreview-dev-token:\(token)".utf8)).prefix(16))
            bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4 layout, derived rather than random
            bytes[8] = (bytes[8] & 0x3F) | 0x80
            let uuid = UUID(uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
            actors[token] = ReviewDomain.Actor(userID: UserID(rawValue: uuid), role: role, organisationID: organisation)
        }
        return actors
    }
}
