import Foundation
import Logging
import NIOFileSystem
import ReviewDomain
import ReviewStore

/// What the API controllers share: the store, the access rules, password hashing, the sign-in throttle,
/// the viewing tracker and where media live.
struct APIServices: Sendable {
    let store: ReviewStore
    let access: Access
    let passwords: PasswordHasher
    let throttle: SignInThrottle
    let viewings: ViewingTracker
    /// `DATA/` (absolute): blobs by key in `blobs/`, indexing output (proxy, thumbnails) in `media/<recording id>/`.
    let data: DataLayout
    let sessionLifetime: TimeInterval
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    let trustedProxies: TrustedProxies
    /// Roles that must sign in with a second factor (none unless `require_second_factor`).
    let secondFactorRoles: Set<Role>
    /// Whether cookies carry `Secure` (the public address is https).
    let secureCookies: Bool
    /// The fixed periods an employer's statistics cover.
    let statisticsPeriod: ReportingPeriod.Length
    /// How long after a period ends its statistics are released to employers.
    let statisticsReleaseDelay: TimeInterval
    let now: @Sendable () -> Date
    /// Whether e-mail goes out (a relay is configured): the preferences say so to the person setting them.
    let emailEnabled: Bool
    /// A hash, at the configured cost, of a random password nobody knows: checked when a username is unknown,
    /// so that the time a sign-in takes does not tell which usernames exist.
    let decoyHash: String

    /// Recently authenticated credentials: forgotten when a token is revoked, a session ends or a user is
    /// deactivated.
    let credentials: AuthenticationCache
    /// Pages of the case list kept while nothing is committed (decision 44).
    let listPages: ListPageCache
    /// Range requests answered on the connection's event loop (decision 45).
    let hotRanges: HotRanges

    init(store: ReviewStore, configuration: ServerConfiguration, decoyHash: String, credentials: AuthenticationCache, listPages: ListPageCache,
         now: @escaping @Sendable () -> Date) {
        self.decoyHash = decoyHash
        self.listPages = listPages
        self.credentials = credentials
        self.store = store
        self.access = Access(store: store)
        self.passwords = PasswordHasher(cost: configuration.bcryptCost)
        self.throttle = SignInThrottle(store: store)
        self.trustedProxies = configuration.trustedProxies
        self.secondFactorRoles = configuration.requireSecondFactor ? AccountSetup.privilegedRoles : []
        self.viewings = ViewingTracker(idleGap: configuration.viewingIdleGap)
        self.data = configuration.dataLayout
        self.sessionLifetime = configuration.sessionLifetime
        self.secureCookies = configuration.publicBaseURL?.lowercased().hasPrefix("https://") ?? false
        self.statisticsPeriod = configuration.statisticsPeriod
        self.statisticsReleaseDelay = configuration.statisticsReleaseDelay
        self.now = now
        self.emailEnabled = configuration.notifications?.smtp != nil
        self.hotRanges = HotRanges(credentials: credentials, decisions: access.recordingDecisions, viewings: viewings, now: now)
    }

    var blobs: any BlobStore { data.blobs }

    /// Where the worker put a recording's proxy and thumbnails: `media/<recording id>/<blob name>/`, the blob
    /// being named by its SHA-256 (`obsreview index --proxy DIR` writes into `DIR/<file name>/`).
    func mediaDirectory(of recording: Recording) -> FilePath {
        data.media.appending(recording.id.description).appending(recording.sha256 ?? "none")
    }
}

extension APIServices {
    /// A case as the API shows it, with its first flags read from their rows (decision 35; none read for a blind
    /// moderator, who sees none, or for a case never flagged).
    func representation(of value: Case, blind: Bool, showCalibration: Bool) async throws -> CaseRepresentation {
        let flags = blind || value.flagCount == 0 ? [] : try await store.records.cases.flags(of: value.id, offset: 0, limit: CaseRepresentation.firstFlags)
        return CaseRepresentation(value, flags: flags, blind: blind, showCalibration: showCalibration)
    }
}
