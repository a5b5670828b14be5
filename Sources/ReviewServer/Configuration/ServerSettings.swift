import Foundation
public import ReviewDomain
public import ReviewStore

/// The service's settings (`obsreview serve`), layered: built-in defaults < a JSON file (`--config`) < environment
/// (`OBSREVIEW_<KEY>`) < flags. In `production` mode the keys that have no safe default must be given; the
/// server refuses to start and names the first missing one.
public struct ServerSettings: Equatable, Sendable {
    public init() {}

    public enum Mode: String, Decodable, Sendable { case embedded, production }

    public var mode: Mode = .embedded
    public var hostname = "127.0.0.1"
    public var port = 8080
    public var dataDirectory = "./data"
    public var databaseURL: String?
    // The server's own defaults, stated once in ServerConfiguration.
    public var maxUploadBytes: Int64 = ServerConfiguration().maxUploadBytes
    public var uploadExpirySeconds: Double = ServerConfiguration().uploadExpiry
    public var cleanupIntervalSeconds: Double = 15 * 60
    /// How long a blob no recording refers to is kept (a re-upload within it reuses the blob), swept every cleanup interval.
    public var unreferencedBlobGraceSeconds: Double = ServerConfiguration().unreferencedBlobGrace
    public var publicBaseURL: String?
    public var worker = true
    public var indexTimeoutSeconds: Double = 1800
    /// The obsreview binary whose `index` subcommand the worker runs on each recording; nil: the running executable.
    public var indexerPath: String?
    public var bcryptCost = 12
    public var sessionHours: Double = 12
    /// Seconds between routing passes (expiries, calibration cases, missing moderators); 0 turns the schedule off.
    public var routingIntervalSeconds: Double = 60
    /// Connections silent this long are closed (idle sockets, stalled request bodies).
    public var idleTimeoutSeconds: Double = 60
    /// After SIGTERM, seconds that requests under way get to finish before their connections are closed.
    public var shutdownGraceSeconds: Double = 30
    /// Free space kept in reserve on the uploads' disk; uploads that would eat into it are refused (507).
    public var uploadReserveBytes: Int64 = ServerConfiguration().reservedFreeBytes
    public var maxUploadsPerUser = ServerConfiguration().maxUploadsPerUser
    public var maxPendingUploadBytesPerUser: Int64 = ServerConfiguration().maxPendingBytesPerUser
    /// Reverse proxies (addresses or networks, comma-separated) whose `X-Forwarded-For` is believed.
    public var trustedProxies = ""
    /// Whether leads, auditors and administrators must sign in with a second factor (TOTP).
    /// Whether leads, auditors and administrators must sign in with a second factor: given, or by default on in
    /// production mode and off in the embedded default (the demo and the scripts sign in with passwords).
    public var requireSecondFactor: Bool?
    public var secondFactorRequired: Bool { requireSecondFactor ?? (mode == .production) }
    /// The fixed periods statistics are released for outside the lead and the auditor: `quarter` (default) or `month`.
    /// Choose once: releases under both lengths could be subtracted from each other (docs/statistics.md).
    public var statisticsPeriod: ReportingPeriod.Length = .quarter
    /// Days after a period ends before its statistics are released to employers (then frozen): late ratings and
    /// decisions get in first. Default 30.
    public var statisticsReleaseDelayDays: Double = 30
    /// The retention schedule: days per record type (`retention_<type>_days`), over ``RetentionPolicy/defaultDays``.
    public var retention = RetentionPolicy.default
    /// Hours between retention passes (daily by default); 0 turns the scheduled pass off.
    public var retentionIntervalHours: Double = 24
    /// Where blobs are kept: `folder` (DATA/blobs, the default) or `s3` (an S3-compatible bucket, decision 16).
    public var blobStore = "folder"
    /// The S3 endpoint (scheme and authority, path-style addressing), region, bucket and key prefix, for `s3`.
    public var s3Endpoint: String?
    public var s3Region = "us-east-1"
    public var s3Bucket: String?
    public var s3Prefix = ""
    /// The SMTP relay that carries notices by e-mail (decision 24; docs/operations.md, "E-mail"); no host: in-app only.
    public var smtpHost: String?
    /// Default: 465 for tls, 25 for off, 587 otherwise.
    public var smtpPort: Int?
    public var smtpSecurity: SMTPSettings.Security = .starttls
    public var smtpUsername: String?
    /// A file holding the relay password (its first line); or `OBSREVIEW_SMTP_PASSWORD` in the environment.
    public var smtpPasswordFile: String?
    public var smtpFrom: String?
    /// A PEM file of certificates to trust for the relay (a private CA); default: the system's.
    public var smtpCAFile: String?
    public var smtpTimeoutSeconds: Double = 30
    /// Seconds between rounds of the notification service (derive notices, send e-mail); 0 turns it off.
    public var notifyIntervalSeconds: Double = 30
    /// How long a daily-digest reader's oldest waiting notice waits for their summary (24 hours).
    public var notifyDigestHours: Double = 24
    /// The wait after a first failed try; it doubles with each further try, up to six hours.
    public var notifyRetrySeconds: Double = 60
    /// The lowest bcrypt cost production mode accepts.
    public static let minimumProductionBcryptCost = 10

    /// Every key, as written in the file (snake_case) and, upper-cased with `OBSREVIEW_`, in the environment.
    public static let keys = [
        "mode", "hostname", "port", "data_directory", "database_url", "max_upload_bytes", "upload_expiry_seconds",
        "cleanup_interval_seconds", "unreferenced_blob_grace_seconds", "public_base_url", "worker", "index_timeout_seconds", "indexer_path", "bcrypt_cost", "session_hours",
        "routing_interval_seconds", "idle_timeout_seconds", "shutdown_grace_seconds", "upload_reserve_bytes", "max_uploads_per_user",
        "max_pending_upload_bytes_per_user", "trusted_proxies", "require_second_factor",
        "statistics_period", "retention_interval_hours", "blob_store", "s3_endpoint", "s3_region", "s3_bucket", "s3_prefix",
        "smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password_file", "smtp_from", "smtp_ca_file", "smtp_timeout_seconds",
        "notify_interval_seconds", "notify_digest_hours", "notify_retry_seconds",
    ] + RetentionPolicy.RecordType.allCases.map(\.settingsKey)

    /// The keys that say where blobs are kept (`obsreview worker` and `obsreview ingest` take them too).
    public static let blobStoreKeys = ["blob_store", "s3_endpoint", "s3_region", "s3_bucket", "s3_prefix"]

    /// Keys production needs: where the data lives and the public address (cookies, upload URLs).
    public static let requiredInProduction = ["database_url", "data_directory", "public_base_url"]

    /// A setting that is wrong or missing, said so that the operator can fix it.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Applies `values` (key → text) from `source` (for messages) over the current settings.
    public mutating func apply(_ values: [String: String], from source: String) throws {
        for (key, text) in values.sorted(by: { $0.key < $1.key }) {
            func bad(_ expected: String) -> Problem { Problem(description: "\(source): \(key) = \"\(text)\" is not \(expected).") }
            switch key {
            case "mode": mode = try Mode(rawValue: text) ?? { throw bad("embedded or production") }()
            case "hostname": hostname = text
            case "port": port = try Int(text).flatMap { (0...65535).contains($0) ? $0 : nil } ?? { throw bad("a port 0…65535") }()
            case "data_directory": dataDirectory = text
            case "database_url": databaseURL = text
            case "max_upload_bytes": maxUploadBytes = try Int64(text).flatMap { $0 > 0 ? $0 : nil } ?? { throw bad("a positive number of bytes") }()
            case "upload_expiry_seconds": uploadExpirySeconds = try Double(text).flatMap { $0 > 0 ? $0 : nil } ?? { throw bad("a positive number of seconds") }()
            case "cleanup_interval_seconds": cleanupIntervalSeconds = try Double(text).flatMap { $0 > 0 ? $0 : nil } ?? { throw bad("a positive number of seconds") }()
            case "unreferenced_blob_grace_seconds": unreferencedBlobGraceSeconds = try Double(text).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } ?? { throw bad("a number of seconds, 0 or more") }()
            case "routing_interval_seconds": routingIntervalSeconds = try Double(text).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } ?? { throw bad("a number of seconds, 0 or more (0: no scheduled routing)") }()
            case "public_base_url":
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else { throw bad("an http(s) URL") }
                publicBaseURL = text
            case "worker": worker = try ["true": true, "1": true, "false": false, "0": false][text.lowercased()] ?? { throw bad("true or false") }()
            case "index_timeout_seconds": indexTimeoutSeconds = try Double(text).flatMap { $0 > 0 ? $0 : nil } ?? { throw bad("a positive number of seconds") }()
            case "indexer_path": indexerPath = try text.isEmpty ? { throw bad("a path to an executable") }() : text
            case "bcrypt_cost": bcryptCost = try Int(text).flatMap { (4...31).contains($0) ? $0 : nil } ?? { throw bad("a bcrypt cost 4…31") }()
            case "idle_timeout_seconds": idleTimeoutSeconds = try Double(text).flatMap { $0 >= 1 && $0.isFinite ? $0 : nil } ?? { throw bad("a number of seconds, at least 1") }()
            case "shutdown_grace_seconds": shutdownGraceSeconds = try Double(text).flatMap { $0 >= 0 && $0 <= 3600 ? $0 : nil } ?? { throw bad("a number of seconds, 0 to 3600") }()
            case "upload_reserve_bytes": uploadReserveBytes = try Int64(text).flatMap { $0 >= 0 ? $0 : nil } ?? { throw bad("a number of bytes, 0 or more") }()
            case "max_uploads_per_user": maxUploadsPerUser = try Int(text).flatMap { $0 > 0 ? $0 : nil } ?? { throw bad("a positive whole number") }()
            case "max_pending_upload_bytes_per_user": maxPendingUploadBytesPerUser = try Int64(text).flatMap { $0 > 0 ? $0 : nil } ?? { throw bad("a positive number of bytes") }()
            case "require_second_factor":
                requireSecondFactor = try ["true": true, "1": true, "false": false, "0": false][text.lowercased()] ?? { throw bad("true or false") }()
            case "trusted_proxies":
                guard TrustedProxies(text) != nil else { throw bad("a comma-separated list of IP addresses or networks (10.0.0.1, 10.1.0.0/16, ::1)") }
                trustedProxies = text
            case "statistics_release_delay_days":
                statisticsReleaseDelayDays = try Double(text).flatMap { (0...366).contains($0) ? $0 : nil } ?? { throw bad("a number of days, 0 to 366") }()
            case "statistics_period": statisticsPeriod = try ReportingPeriod.Length(rawValue: text.lowercased()) ?? { throw bad("quarter or month") }()
            case "blob_store": blobStore = try ["folder", "s3"].contains(text.lowercased()) ? text.lowercased() : { throw bad("folder or s3") }()
            case "s3_endpoint":
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
                    url.path.isEmpty || url.path == "/" else { throw bad("an http(s) URL without a path (e.g. https://s3.eu-central-1.amazonaws.com)") }
                s3Endpoint = text
            case "s3_region": s3Region = text
            case "s3_bucket": s3Bucket = text
            case "s3_prefix": s3Prefix = text
            case "smtp_host": smtpHost = text.isEmpty ? nil : text
            case "smtp_port": smtpPort = try Int(text).flatMap { (1...65535).contains($0) ? $0 : nil } ?? { throw bad("a port 1…65535") }()
            case "smtp_security":
                smtpSecurity = try SMTPSettings.Security(rawValue: text.lowercased())
                    ?? { throw bad("one of starttls (required, port 587), starttls-optional, tls (from the first byte, port 465) or off") }()
            case "smtp_username": smtpUsername = text.isEmpty ? nil : text
            case "smtp_password_file": smtpPasswordFile = text
            case "smtp_from":
                if let problem = NotificationPreferences.problem(withAddress: text) { throw Problem(description: "\(source): smtp_from: \(problem)") }
                smtpFrom = text
            case "smtp_ca_file": smtpCAFile = text
            case "smtp_timeout_seconds": smtpTimeoutSeconds = try Double(text).flatMap { (1...600).contains($0) ? $0 : nil } ?? { throw bad("a number of seconds, 1 to 600") }()
            case "notify_interval_seconds":
                notifyIntervalSeconds = try Double(text).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } ?? { throw bad("a number of seconds, 0 or more (0: no notifications)") }()
            case "notify_digest_hours": notifyDigestHours = try Double(text).flatMap { $0 > 0 && $0 <= 24 * 7 ? $0 : nil } ?? { throw bad("a number of hours, above 0 and at most 168") }()
            case "notify_retry_seconds": notifyRetrySeconds = try Double(text).flatMap { $0 >= 0.1 && $0 <= 3600 ? $0 : nil } ?? { throw bad("a number of seconds, 0.1 to 3600") }()
            case "session_hours": sessionHours = try Double(text).flatMap { $0 > 0 ? $0 : nil } ?? { throw bad("a positive number of hours") }()
            case "retention_interval_hours":
                retentionIntervalHours = try Double(text).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } ?? { throw bad("a number of hours, 0 or more (0: no scheduled pass)") }()
            case let key where RetentionPolicy.RecordType.allCases.contains(where: { $0.settingsKey == key }):
                let type = RetentionPolicy.RecordType.allCases.first(where: { $0.settingsKey == key })!
                retention.days[type] = try Int(text).flatMap { (1...36_500).contains($0) ? $0 : nil } ?? { throw bad("a number of days, 1 to 36500") }()
            default: throw Problem(description: "\(source): unknown key \"\(key)\"; the keys are \(Self.keys.joined(separator: ", ")).")
            }
        }
    }

    /// The values of a JSON configuration file (an object of keys to strings, numbers or booleans).
    public static func fileValues(_ path: String) throws -> [String: String] {
        struct Scalar: Decodable {
            let text: String
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let value = try? container.decode(Bool.self) { text = value ? "true" : "false" }
                else if let value = try? container.decode(Int64.self) { text = String(value) }
                else if let value = try? container.decode(Double.self) { text = String(value) }
                else { text = try container.decode(String.self) }
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "Cannot read the configuration file \(path).")
        }
        guard let object = try? JSONDecoder().decode([String: Scalar].self, from: data) else {
            throw Problem(description: "\(path) is not a JSON object of settings, each a string, number or boolean (e.g. {\"port\": 8080}).")
        }
        return object.mapValues(\.text)
    }

    /// The `OBSREVIEW_<KEY>` variables that are set.
    public static func environmentValues(_ environment: [String: String]) -> [String: String] {
        var values: [String: String] = [:]
        for key in keys {
            if let value = environment["OBSREVIEW_" + key.uppercased()], !value.isEmpty { values[key] = value }
        }
        return values
    }

    /// The bucket to keep blobs in when `blob_store` is `s3`, its keys from the environment
    /// (`OBSREVIEW_S3_ACCESS_KEY_ID` and `OBSREVIEW_S3_SECRET_ACCESS_KEY`, else `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`; never from a file or a flag, never logged); nil for `folder`. Throws naming what is missing.
    public func objectStorage(environment: [String: String]) throws -> S3Settings? {
        guard blobStore == "s3" else { return nil }
        guard let endpoint = s3Endpoint else {
            throw Problem(description: "blob_store is s3 but s3_endpoint is not set: give the store's address (OBSREVIEW_S3_ENDPOINT, --s3-endpoint).")
        }
        guard let bucket = s3Bucket, !bucket.isEmpty else {
            throw Problem(description: "blob_store is s3 but s3_bucket is not set: name the bucket (OBSREVIEW_S3_BUCKET, --s3-bucket).")
        }
        func value(_ names: String...) -> String? { names.lazy.compactMap { environment[$0].flatMap { $0.isEmpty ? nil : $0 } }.first }
        guard let id = value("OBSREVIEW_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
            let secret = value("OBSREVIEW_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY")
        else {
            throw Problem(description: """
                blob_store is s3 but the access keys are not in the environment: set OBSREVIEW_S3_ACCESS_KEY_ID and                 OBSREVIEW_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
                """)
        }
        return S3Settings(endpoint: endpoint, region: s3Region, bucket: bucket, prefix: s3Prefix,
                          credentials: S3Credentials(accessKeyID: id, secretAccessKey: secret))
    }

    /// The notification service's settings, the relay's password from `smtp_password_file` or
    /// `OBSREVIEW_SMTP_PASSWORD` (never from the configuration file or a flag, never logged); nil when
    /// `notify_interval_seconds` is 0. Throws naming what is missing or contradictory.
    public func notifications(environment: [String: String]) throws -> NotificationSettings? {
        guard notifyIntervalSeconds > 0 else { return nil }
        let base = publicBaseURL ?? "http://\(hostname):\(port)"
        var smtp: SMTPSettings?
        if let host = smtpHost {
            guard let from = smtpFrom else {
                throw Problem(description: "smtp_host is set but smtp_from is not: give the address e-mails come from (OBSREVIEW_SMTP_FROM, e.g. review@example.org).")
            }
            var password = environment["OBSREVIEW_SMTP_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            if let file = smtpPasswordFile {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw Problem(description: "smtp_password_file: \(file) cannot be read; it should hold the relay password on its first line.")
                }
                password = text.split(whereSeparator: \.isNewline).first.map(String.init)
            }
            if smtpUsername != nil, password == nil {
                throw Problem(description: "smtp_username is set but there is no password: put it in a file named by smtp_password_file, or in OBSREVIEW_SMTP_PASSWORD.")
            }
            if smtpUsername != nil, smtpSecurity == .off {
                throw Problem(description: "smtp_security is off but smtp_username is set: the password would cross the network in clear. Use starttls or tls, or drop the username.")
            }
            let port = smtpPort ?? (smtpSecurity == .tls ? 465 : smtpSecurity == .off ? 25 : 587)
            smtp = SMTPSettings(host: host, port: port, security: smtpSecurity, username: smtpUsername, password: password, from: from,
                                caFile: smtpCAFile, heloName: URL(string: base)?.host ?? "obsreview",
                                timeout: .milliseconds(Int64(smtpTimeoutSeconds * 1000)))
        }
        return NotificationSettings(smtp: smtp, publicBaseURL: base, interval: .milliseconds(Int64(notifyIntervalSeconds * 1000)),
                                    digestInterval: notifyDigestHours * 3600, retryBase: notifyRetrySeconds)
    }

    /// Throws naming the first key production needs that is not set.
    public func checkComplete() throws {
        guard mode == .production else { return }
        let given: [String: Bool] = [
            "database_url": databaseURL != nil, "data_directory": dataDirectory != "./data", "public_base_url": publicBaseURL != nil,
        ]
        if let missing = Self.requiredInProduction.first(where: { given[$0] != true }) {
            throw Problem(description: """
                The configuration is incomplete: \(missing) is required in production mode. Set it in the configuration \
                file ("\(missing)": …), as OBSREVIEW_\(missing.uppercased()), or with --\(missing.replacingOccurrences(of: "_", with: "-")).
                """)
        }
        if databaseURL?.hasPrefix("sqlite") == true {
            throw Problem(description: "database_url: production mode runs on PostgreSQL (postgres://…); SQLite is the embedded default.")
        }
        if let url = publicBaseURL, !url.lowercased().hasPrefix("https://") {
            throw Problem(description: """
                public_base_url: production mode needs an https:// address (\(url) would send passwords and session cookies \
                in the clear); put the server behind a TLS-terminating proxy and give its https address.
                """)
        }
        if bcryptCost < Self.minimumProductionBcryptCost {
            throw Problem(description: """
                bcrypt_cost: \(bcryptCost) is too cheap for production (each guess at a stolen hash would cost an attacker \
                almost nothing); use \(Self.minimumProductionBcryptCost) or more (the default is 12).
                """)
        }
    }
}
