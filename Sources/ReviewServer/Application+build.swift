public import Foundation
public import Hummingbird
public import Logging
import NIOFileSystem
public import ReviewDomain
public import ReviewStore

/// How the server is set up. Defaults suit a development machine; `obsreview serve` fills it from flags.
public struct ServerConfiguration: Sendable {
    /// Address to bind.
    public var hostname: String
    /// Port to bind (0: any free port).
    public var port: Int
    /// Root of the data directory: `uploads/` (in progress) and `blobs/` (content-addressed files).
    public var dataDirectory: String
    /// The largest upload accepted (`Tus-Max-Size`; 413 beyond it).
    public var maxUploadBytes: Int64
    /// How long an incomplete upload lives after its last PATCH.
    public var uploadExpiry: TimeInterval
    /// How often expired uploads are cleaned up.
    public var uploadCleanupInterval: Duration
    /// Prefix for upload `Location` headers, e.g. `https://review.example.org`; `nil` for path-only.
    public var publicBaseURL: String?
    /// `Server` response header.
    public var serverName: String?
    /// bcrypt cost for passwords (12: about a quarter of a second; 4 in tests).
    public var bcryptCost: UInt8
    /// How long a browser session lasts.
    public var sessionLifetime: TimeInterval
    /// A pause longer than this between range requests of one user for one recording ends a viewing.
    public var viewingIdleGap: TimeInterval
    /// How often the server runs a routing pass (expiries, calibration cases, missing moderators); nil: never.
    public var routingInterval: Duration?
    /// A connection that sends nothing for this long is closed: idle keep-alive sockets, and requests whose body
    /// stalls (a stalled PATCH then frees its upload's lock; a trickling one is ended by the upload store's
    /// minimum rate).
    public var idleTimeout: Duration = .seconds(60)
    /// After SIGTERM, how long requests under way may take to finish before their connections are closed
    /// (``BoundedShutdown``).
    public var shutdownGrace: Duration = .seconds(30)
    /// The open connections (``BoundedShutdown`` closes those left when the grace runs out).
    public let connections = OpenConnections()
    /// Free space the uploads folder keeps in reserve (uploads that would eat into it are refused with 507).
    public var reservedFreeBytes: Int64 = 1 << 30
    /// Incomplete uploads one person may have at once, and the bytes they may still expect in all.
    public var maxUploadsPerUser: Int = 10
    public var maxPendingBytesPerUser: Int64 = 100 << 30
    /// Blobs no recording refers to are removed after this long (a re-upload of the same file within it reuses them).
    public var unreferencedBlobGrace: TimeInterval = 24 * 3600
    /// Reverse proxies whose `X-Forwarded-For` names the client (sign-in limits are per client address).
    public var trustedProxies: TrustedProxies = .none
    /// Whether leads, auditors and administrators must sign in with a second factor (TOTP).
    public var requireSecondFactor = false
    /// The fixed periods an employer's statistics cover (docs/statistics.md, "Release rules").
    public var statisticsPeriod: ReportingPeriod.Length = .quarter
    /// How long after a period ends its statistics are released to employers (then frozen).
    public var statisticsReleaseDelay: TimeInterval = 30 * 86_400
    /// The retention schedule, and how often its pass runs (nil: never; decision 12).
    public var retention = RetentionPolicy.default
    public var retentionInterval: Duration? = nil
    /// The S3-compatible bucket that holds the blobs; nil keeps them in the data folder's `blobs/` (decision 16).
    public var objectStorage: S3Settings?
    /// Notices and their e-mail (decision 24); nil: no notification service (the tests that want one run rounds).
    public var notifications: NotificationSettings?

    /// The data folder, resolved, with the configured blob store.
    public var dataLayout: DataLayout { DataLayout(dataDirectory, objectStorage: objectStorage) }

    public init(
        hostname: String = "127.0.0.1",
        port: Int = 8080,
        dataDirectory: String = "./data",
        maxUploadBytes: Int64 = 20 * 1024 * 1024 * 1024,
        uploadExpiry: TimeInterval = 24 * 60 * 60,
        uploadCleanupInterval: Duration = .seconds(15 * 60),
        publicBaseURL: String? = nil,
        serverName: String? = "obsreview",
        bcryptCost: UInt8 = 12,
        sessionLifetime: TimeInterval = 12 * 60 * 60,
        viewingIdleGap: TimeInterval = 30 * 60,
        routingInterval: Duration? = .seconds(60)
    ) {
        self.routingInterval = routingInterval
        self.bcryptCost = bcryptCost
        self.sessionLifetime = sessionLifetime
        self.viewingIdleGap = viewingIdleGap
        self.hostname = hostname
        self.port = port
        self.dataDirectory = dataDirectory
        self.maxUploadBytes = maxUploadBytes
        self.uploadExpiry = uploadExpiry
        self.uploadCleanupInterval = uploadCleanupInterval
        self.publicBaseURL = publicBaseURL
        self.serverName = serverName
    }
}

/// The collaborators the server is given rather than builds: the seams for authentication, for what a
/// completed upload becomes, and for time.
public struct ServerDependencies: Sendable {
    /// The store behind the JSON API, sign-in and streaming. `nil` serves the tus upload endpoints alone
    /// (the protocol tests run them so).
    public var store: ReviewStore?
    /// Consulted before the store's API tokens and sessions: development tokens (`--dev-token`), test
    /// identities. With no store, the only authenticator.
    public var authenticator: (any Authenticator)?
    /// Creates the Recording and its indexing job when an upload completes.
    public var completionHandler: any UploadCompletionHandler
    /// The clock for upload expiry.
    public var now: @Sendable () -> Date
    /// Services of the process that start before the server's own periodic services and the HTTP server, and stop
    /// after them, in this order (decision 19): the store first (it closes last), its migrations, the indexing worker.
    public var services: [NamedService] = []
    /// Awaited before the server listens (the migrations).
    public var waitUntilReady: @Sendable () async throws -> Void = {}
    /// Pages of the case list kept while nothing is committed (decision 44); a test passes its own to see them.
    var listPages = ListPageCache()

    public init(
        store: ReviewStore? = nil,
        authenticator: (any Authenticator)? = nil,
        completionHandler: any UploadCompletionHandler,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.authenticator = authenticator
        self.completionHandler = completionHandler
        self.now = now
    }
}

/// Builds the application: used by `obsreview serve` and by the tests.
///
/// Routes (docs/api.md): `/healthz`, `/readyz`, `/metrics`, `/openapi.json`; the JSON API under `/api/v1/`;
/// the HTML pages; tus uploads at `/uploads/`. Middleware, outermost first: a log line per request with its
/// id, request metrics, errors mapped to JSON by ``ErrorMiddleware``; then authentication (bearer token or
/// session cookie with CSRF); the upload group also checks the tus version.
/// Before the server starts, the data directories are created and interrupted upload completions finished;
/// a background service removes expired uploads.
public func buildApplication(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    logger: Logger? = nil
) async throws -> some ApplicationProtocol {
    let logger: Logger = logger ?? Logger(label: "obsreview.server")
    let (router, uploads, services) = try await buildRouter(configuration: configuration, dependencies: dependencies, logger: logger)
    let notices = try dependencies.store.flatMap { store in
        try configuration.notifications.map { try PeriodicService.notifications(store, settings: $0, now: dependencies.now, logger: logger) }
    }
    var app = Application(
        responder: MethodOverrideResponder(router.buildResponder()),
        server: .http1(configuration: .init(
            additionalChannelHandlers: [configuration.connections.tracker(), LargeReads(), ExpectContinueHandler()]
                // Ranges of a recording being watched, answered on the event loop (decision 45).
                + (services.map { [HotRangeInstaller(HotRangeHandler(hot: $0.hotRanges, logger: logger))] } ?? []),
            idleTimeout: .nanoseconds(Int64(configuration.idleTimeout / .nanoseconds(1))))),
        configuration: .init(
            address: .hostname(configuration.hostname, port: configuration.port),
            serverName: configuration.serverName
        ),
        // One group, in the order the services start; they stop in reverse: the HTTP server (added by Hummingbird
        // after these) first, the periodic services, then `dependencies.services` — the worker, the store last.
        services: (dependencies.services + periodicServices(configuration: configuration, store: dependencies.store, uploads: uploads, listPages: dependencies.listPages,
                                                           hotRanges: services?.hotRanges,
                                                           now: dependencies.now, logger: logger)
                   + (notices.map { [NamedService("notifications", $0)] } ?? [])).map { $0.logged(logger) },
        logger: logger
    )
    app.beforeServerStarts {
        try await dependencies.waitUntilReady()
        try await uploads.prepare()
        try await uploads.recover()
    }
    return app
}

/// The server's periodic services: upload clean-up, and with a store the collection of unreferenced blobs, the
/// routing pass and the retention pass (each when its interval is set; a pass that deleted anything empties the kept list
/// pages and the kept heads of ranges, as an erasure does).
func periodicServices(configuration: ServerConfiguration, store: ReviewStore?, uploads: UploadStore, listPages: ListPageCache,
                      hotRanges: HotRanges? = nil, now: @escaping @Sendable () -> Date, logger: Logger) -> [NamedService] {
    var services = [NamedService("upload clean-up", PeriodicService.uploadCleanup(uploads, interval: configuration.uploadCleanupInterval, logger: logger))]
    guard let store else { return services }
    services.append(NamedService("blob collection", PeriodicService.blobCollection(
        store, blobs: uploads.blobs, grace: configuration.unreferencedBlobGrace, interval: configuration.uploadCleanupInterval, logger: logger)))
    if let interval = configuration.routingInterval {
        services.append(NamedService("routing pass", PeriodicService.routing(store, interval: interval, logger: logger)))
    }
    if let interval = configuration.retentionInterval {
        services.append(NamedService("retention pass", PeriodicService.retention(
            store, policy: configuration.retention, data: configuration.dataLayout, listPages: listPages, hotRanges: hotRanges, interval: interval,
            now: now, logger: logger)))
    }
    return services
}

/// The router with every route and middleware, and the upload store it serves (separate so that tests can
/// list the routes).
func buildRouter(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    logger: Logger
) async throws -> (Hummingbird.Router<ReviewRequestContext>, UploadStore, APIServices?) {
    let data = configuration.dataLayout
    let uploads = UploadStore(
        configuration: .init(
            directory: data.uploads,
            maxUploadBytes: configuration.maxUploadBytes,
            expiry: configuration.uploadExpiry,
            now: dependencies.now,
            reservedFreeBytes: configuration.reservedFreeBytes,
            maxUploadsPerUser: configuration.maxUploadsPerUser,
            maxPendingBytesPerUser: configuration.maxPendingBytesPerUser
        ),
        blobs: data.blobs,
        completionHandler: dependencies.completionHandler,
        logger: logger
    )
    var services: APIServices?
    var authenticators: [any Authenticator] = dependencies.authenticator.map { [$0] } ?? []
    if let store = dependencies.store {
        let decoy = try await PasswordHasher(cost: configuration.bcryptCost).hash(Secrets.generate())
        let cache = AuthenticationCache()
        services = APIServices(store: store, configuration: configuration, decoyHash: decoy, credentials: cache, listPages: dependencies.listPages,
                               now: dependencies.now)
        authenticators.append(StoreAuthenticator(store: store, cache: cache))
    }
    let router = buildRouter(
        uploads: uploads, services: services, authenticator: AuthenticatorChain(authenticators), configuration: configuration)
    return (router, uploads, services)
}

/// The routes and middleware, separate so that the upload store can be shared with tests.
func buildRouter(
    uploads: UploadStore,
    services: APIServices?,
    authenticator: any Authenticator,
    configuration: ServerConfiguration
) -> Hummingbird.Router<ReviewRequestContext> {
    _ = Observability.registry  // metrics bootstrapped before the first request
    let router = Router(context: ReviewRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: PrivacyHeadersMiddleware())
    router.add(middleware: RequestMetricsMiddleware())
    if configuration.publicBaseURL?.lowercased().hasPrefix("https://") == true {
        router.add(middleware: StrictTransportSecurityMiddleware())  // outside the error mapping: error pages get it too
    }
    router.add(middleware: ErrorMiddleware())
    HealthController().addRoutes(to: router)
    let authentication = AuthenticationMiddleware(authenticator: authenticator)
    if let services {
        OperationsController(store: services.store, data: configuration.dataLayout,
                             reservedFreeBytes: configuration.reservedFreeBytes).addRoutes(to: router)
        // Remembered access decisions stop counting after any request that may take a right away (decision 22).
        let signedIn = router.group().add(middleware: authentication).add(middleware: AccessInvalidationMiddleware())
        Pages(services: services, uploads: uploads).addRoutes(to: signedIn)
        let api = signedIn.group("api/v1")
        SessionController(services: services).addRoutes(to: api)
        DirectoryController(services: services).addRoutes(to: api)
        ObservationController(services: services).addRoutes(to: api)
        RecordingController(services: services).addRoutes(to: api)
        CaseController(services: services).addRoutes(to: api)
        AuditController(services: services).addRoutes(to: api)
        ModerationController(services: services).addRoutes(to: api)
        StatisticsController(services: services).addRoutes(to: api)
        ExportController(services: services).addRoutes(to: api)
        DataProtectionController(services: services).addRoutes(to: api)
        NotificationController(services: services).addRoutes(to: api)
    }
    let uploadGroup = router.group("uploads")
        .add(middleware: TusProtocolMiddleware())
        .add(middleware: authentication)
    UploadController(store: uploads, publicBaseURL: configuration.publicBaseURL).addRoutes(to: uploadGroup)
    return router
}
