import ArgumentParser
import Crypto
import Foundation
import Hummingbird
import Logging
import ReviewDomain
import ReviewServer
import ReviewStore
import ReviewWorker
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: JSON API, sign-in, streaming, tus uploads and (by default) an indexing worker.",
        discussion: """
            Settings are layered: defaults < --config FILE (JSON) < environment (OBSREVIEW_PORT, OBSREVIEW_DATABASE_URL, \
            …) < flags; see docs/operations.md for every key. With no settings it runs on the embedded default: SQLite \
            and files under ./data, on 127.0.0.1:8080. --demo also loads the sample data and recordings and creates \
            demo accounts (printed at start). Stops gracefully on SIGINT or SIGTERM: the server stops accepting and finishes \
            requests under way, the worker gives its job back to the queue, and the database closes last.
            """
    )

    @Option(help: ArgumentHelp("A JSON file of settings (keys as in docs/operations.md).", valueName: "FILE"))
    var config: String?
    @Option(help: "Address to listen on.") var hostname: String?
    @Option(help: "Port to listen on (0: any free port).") var port: Int?
    @Option(help: ArgumentHelp("Data directory (uploads/, blobs/, media/; the SQLite database by default).", valueName: "DIR"))
    var data: String?
    @Option(name: [.customLong("database-url"), .customLong("database")], help: ArgumentHelp("Database URL (postgres://… or sqlite://…; default DATA/obsreview.sqlite).", valueName: "URL"))
    var databaseURL: String?
    @Option(help: "Largest upload accepted, in bytes (Tus-Max-Size).") var maxUploadBytes: Int64?
    @Option(help: "Seconds an incomplete upload lives after its last PATCH.") var uploadExpiry: Double?
    @Option(help: "Seconds between sweeps for expired uploads.") var cleanupInterval: Double?
    @Option(help: "The public address, e.g. https://review.example.org (upload Location headers; Secure cookies when https).")
    var publicBaseURL: String?
    @Flag(help: "Do not run the built-in indexing worker (run `obsreview worker` processes instead).") var noWorker = false
    @Option(help: "Seconds an indexing child process may take.") var indexTimeout: Double?
    @Option(help: ArgumentHelp("The obsreview binary whose `index` subcommand indexes each recording (default: this one).", valueName: "PATH"))
    var indexerPath: String?
    @Option(help: "bcrypt cost for passwords (4…31; default 12).") var bcryptCost: Int?
    @Flag(help: "Load the sample data and recordings and create demo accounts (password practice-review-demo).") var demo = false
    @Option(help: ArgumentHelp("Where the samples are, for --demo (default: ./samples, else the repository this binary was built in).", valueName: "DIR"))
    var samples: String?
    @Option(
        name: .customLong("dev-token"),
        help: ArgumentHelp(
            "Development only: accept bearer TOKEN as a user in ROLE (assessor, employer, moderator.lay, …). Repeatable; refused in production mode.",
            valueName: "TOKEN:ROLE"
        )
    )
    var devTokens: [String] = []
    @OptionGroup var objectStorage: ObjectStorageOptions

    func validate() throws {
        _ = try Self.actors(devTokens)
    }

    /// Defaults < file < environment < flags.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerSettings {
        var settings = ServerSettings()
        if let config { try settings.apply(ServerSettings.fileValues(config), from: config) }
        try settings.apply(ServerSettings.environmentValues(environment), from: "environment")
        var flags: [String: String] = [:]
        flags["hostname"] = hostname
        flags["port"] = port.map(String.init)
        flags["data_directory"] = data
        flags["database_url"] = databaseURL
        flags["max_upload_bytes"] = maxUploadBytes.map(String.init)
        flags["upload_expiry_seconds"] = uploadExpiry.map { String($0) }
        flags["cleanup_interval_seconds"] = cleanupInterval.map { String($0) }
        flags["public_base_url"] = publicBaseURL
        flags["worker"] = noWorker ? "false" : nil
        flags["index_timeout_seconds"] = indexTimeout.map { String($0) }
        flags["indexer_path"] = indexerPath
        flags["bcrypt_cost"] = bcryptCost.map(String.init)
        flags.merge(objectStorage.flags) { $1 }
        try settings.apply(flags, from: "flags")
        try settings.checkComplete()
        if settings.mode == .production, !devTokens.isEmpty || demo {
            throw ServerSettings.Problem(description: "--dev-token and --demo are for development; production mode refuses them.")
        }
        return settings
    }

    func run() async throws {
        // The log's time stamps read the local zone with `localtime`, which with TZ unset stats /etc/localtime on every
        // call: a system call per request line (decision 43). Naming that same file keeps the zone and reads it once.
        if getenv("TZ") == nil { setenv("TZ", ":/etc/localtime", 1) }
        // Log lines in swift-log's format, written in batches rather than one `write` each (decision 46).
        LoggingSystem.bootstrap { FlushingLogHandler(label: $0) }
        defer { BufferedLogOutput.standardError.flush() }
        var serverLogger = Logger(label: "obsreview.server")
        serverLogger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let logger = serverLogger
        let settings: ServerSettings
        let bucket: S3Settings?
        let notifications: NotificationSettings?
        do {
            settings = try self.settings()
            bucket = try settings.objectStorage(environment: ProcessInfo.processInfo.environment)
            notifications = try settings.notifications(environment: ProcessInfo.processInfo.environment)
        } catch let problem as ServerSettings.Problem {
            printError("obsreview serve: \(problem)")
            throw ExitCode(78)  // EX_CONFIG
        }
        let actors = try Self.actors(devTokens)
        var configuration = ServerConfiguration(
            hostname: settings.hostname,
            port: settings.port,
            dataDirectory: settings.dataDirectory,
            maxUploadBytes: settings.maxUploadBytes,
            uploadExpiry: settings.uploadExpirySeconds,
            uploadCleanupInterval: .milliseconds(Int64(settings.cleanupIntervalSeconds * 1000)),
            publicBaseURL: settings.publicBaseURL,
            bcryptCost: UInt8(settings.bcryptCost),
            sessionLifetime: settings.sessionHours * 3600,
            routingInterval: settings.routingIntervalSeconds > 0 ? .milliseconds(Int64(settings.routingIntervalSeconds * 1000)) : nil
        )
        configuration.trustedProxies = TrustedProxies(settings.trustedProxies) ?? .none
        configuration.requireSecondFactor = settings.secondFactorRequired
        configuration.statisticsPeriod = settings.statisticsPeriod
        configuration.statisticsReleaseDelay = settings.statisticsReleaseDelayDays * 86_400
        configuration.retention = settings.retention
        configuration.retentionInterval = settings.retentionIntervalHours > 0 ? .seconds(Int64(settings.retentionIntervalHours * 3600)) : nil
        // The data directory is resolved once, here: everything below uses absolute paths from it, and nothing
        // stored (jobs, recordings) holds a path at all.
        let data = DataLayout(settings.dataDirectory, objectStorage: bucket)
        configuration.dataDirectory = data.root.string
        configuration.objectStorage = bucket
        configuration.notifications = notifications
        configuration.unreferencedBlobGrace = settings.unreferencedBlobGraceSeconds
        configuration.idleTimeout = .milliseconds(Int64(settings.idleTimeoutSeconds * 1000))
        configuration.shutdownGrace = .milliseconds(Int64(settings.shutdownGraceSeconds * 1000))
        configuration.reservedFreeBytes = settings.uploadReserveBytes
        configuration.maxUploadsPerUser = settings.maxUploadsPerUser
        configuration.maxPendingBytesPerUser = settings.maxPendingUploadBytesPerUser
        let databaseURL = settings.databaseURL ?? data.defaultDatabaseURL
        let indexer: URL
        do {
            indexer = try IndexerLocation.resolve(settings.indexerPath)
        } catch {
            printError("obsreview serve: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        try FileManager.default.createDirectory(atPath: data.root.string, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        IndexingWorker.removeStrayFiles(in: data)
        let store = try DatabaseOptions.store(url: databaseURL)
        // Development accounts and demo data once the schema is current, before the server listens or the worker starts.
        let (demo, samples) = (demo, samples)
        let migrations = StoreMigrations(store: store, logger: logger) { store in
            try await Self.ensureDevelopmentAccounts(actors, in: store)
            if demo {
                try await DemoData(store: store, samples: DemoData.findSamples(given: samples), data: data,
                                   passwords: PasswordHasher(cost: UInt8(settings.bcryptCost)))
                    .load(logger: logger)
            }
        }
        // The process's services, in the order they start (they stop in reverse, the HTTP server first and the database
        // last; decision 19).
        var dependencies = ServerDependencies(
            store: store,
            authenticator: actors.isEmpty ? nil : StaticTokenAuthenticator(actors),
            completionHandler: StoreUploadCompletion(store: store)
        )
        dependencies.services = [NamedService("database", store), NamedService("migrations", migrations)]
        if settings.worker {
            let worker = IndexingWorker(store: store, data: data, limits: IndexingLimits(timeoutCap: settings.indexTimeoutSeconds), indexer: indexer)
            dependencies.services.append(NamedService("indexing worker", IndexingWorkerService(
                worker, poll: .seconds(1), logger: logger, waitUntilReady: migrations.waitUntilCompleted)))
        }
        dependencies.waitUntilReady = migrations.waitUntilCompleted
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
        logger.info("starting", metadata: [
            "address": "http://\(settings.hostname):\(settings.port)", "database": "\(store.configuration)", "data": "\(data.root)",
            "blobs": "\(bucket.map { "s3 \($0.endpoint)/\($0.bucket)/\($0.prefix)blobs/" } ?? "folder")",
            "worker": "\(settings.worker)", "mode": "\(settings.mode.rawValue)",
            "email": "\(notifications.map { $0.smtp.map { "\($0.host):\($0.port) (\($0.security.rawValue))" } ?? "none: in-app notices only" } ?? "off")",
        ])
        try await DatabaseOptions.reportingUnreachableDatabase(command: "serve", store: store) {
            let bounded = BoundedShutdown(app, connections: configuration.connections, grace: configuration.shutdownGrace, logger: logger)
            try await ServiceGroup.obsreview([NamedService("application", bounded)], logger: logger).run()
        }
    }

    /// The development accounts exist as users (recordings name their uploader), in one organisation.
    static func ensureDevelopmentAccounts(_ actors: [String: ActingUser], in store: ReviewStore) async throws {
        guard let organisationID = actors.values.first?.organisationID else { return }
        if try await store.records.organisations.find(organisationID) == nil {
            try await store.records.organisations.insert(Organisation(id: organisationID, name: "Development accounts", kind: .accreditingBody))
        }
        for (token, actor) in actors.sorted(by: { $0.key < $1.key }) where try await store.records.users.find(actor.userID) == nil {
            try await store.records.users.insert(User(id: actor.userID, name: "dev token \(token)", role: actor.role, organisationID: organisationID))
        }
    }

    /// `TOKEN:ROLE` pairs → actors. The user id is derived from the token, so it is the same after a restart
    /// (uploads belong to their creator, and resuming after a restart must still find them).
    static func actors(_ specs: [String]) throws -> [String: ActingUser] {
        var actors: [String: ActingUser] = [:]
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
            actors[token] = ActingUser(userID: UserID(rawValue: uuid), role: role, organisationID: organisation)
        }
        return actors
    }
}
