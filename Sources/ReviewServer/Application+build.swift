public import Foundation
public import Hummingbird
public import Logging
import NIOFileSystem

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

    public init(
        hostname: String = "127.0.0.1",
        port: Int = 8080,
        dataDirectory: String = "./data",
        maxUploadBytes: Int64 = 20 * 1024 * 1024 * 1024,
        uploadExpiry: TimeInterval = 24 * 60 * 60,
        uploadCleanupInterval: Duration = .seconds(15 * 60),
        publicBaseURL: String? = nil,
        serverName: String? = "obsreview"
    ) {
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
    /// Who is asking (until real sign-in: ``StaticTokenAuthenticator``).
    public var authenticator: any Authenticator
    /// Creates the Recording and its indexing job when an upload completes.
    public var completionHandler: any UploadCompletionHandler
    /// The clock for upload expiry.
    public var now: @Sendable () -> Date

    public init(
        authenticator: any Authenticator,
        completionHandler: any UploadCompletionHandler,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.authenticator = authenticator
        self.completionHandler = completionHandler
        self.now = now
    }
}

/// Builds the application: used by `obsreview serve` and by the tests.
///
/// Routes: `GET /healthz`; tus uploads at `/uploads/`. Middleware: errors are mapped to JSON by
/// ``ErrorMiddleware`` (outermost); the upload group checks the tus version and authenticates.
/// Before the server starts, the data directories are created and interrupted upload completions finished;
/// a background service removes expired uploads.
public func buildApplication(
    configuration: ServerConfiguration,
    dependencies: ServerDependencies,
    logger: Logger? = nil
) async throws -> some ApplicationProtocol {
    let logger: Logger = logger ?? Logger(label: "obsreview.server")
    let data = FilePath(configuration.dataDirectory)
    let uploads = UploadStore(
        configuration: .init(
            directory: data.appending("uploads"),
            maxUploadBytes: configuration.maxUploadBytes,
            expiry: configuration.uploadExpiry,
            now: dependencies.now
        ),
        blobs: BlobStore(root: data.appending("blobs")),
        completionHandler: dependencies.completionHandler,
        logger: logger
    )
    let router = buildRouter(uploads: uploads, configuration: configuration, dependencies: dependencies)
    var app = Application(
        responder: MethodOverrideResponder(router.buildResponder()),
        configuration: .init(
            address: .hostname(configuration.hostname, port: configuration.port),
            serverName: configuration.serverName
        ),
        services: [UploadCleanupService(store: uploads, interval: configuration.uploadCleanupInterval, logger: logger)],
        logger: logger
    )
    app.beforeServerStarts {
        try await uploads.prepare()
        try await uploads.recover()
    }
    return app
}

/// The routes and middleware, separate so that the upload store can be shared with tests.
func buildRouter(
    uploads: UploadStore,
    configuration: ServerConfiguration,
    dependencies: ServerDependencies
) -> Router<ReviewRequestContext> {
    let router = Router(context: ReviewRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    HealthController().addRoutes(to: router)
    let uploadGroup = router.group("uploads")
        .add(middleware: TusProtocolMiddleware())
        .add(middleware: AuthenticationMiddleware(authenticator: dependencies.authenticator))
    UploadController(store: uploads, publicBaseURL: configuration.publicBaseURL).addRoutes(to: uploadGroup)
    return router
}
