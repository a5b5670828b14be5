import Foundation

/// Where the store keeps its data: an SQLite file (the embedded default) or a PostgreSQL server (scale-out).
///
/// Parsed from a URL too: `sqlite:///absolute/path.sqlite`, `sqlite:relative/path.sqlite`,
/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require` (`postgresql://` also works).
public enum DatabaseConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite database file; its folder is created when missing.
    case sqlite(path: String)
    /// A PostgreSQL server, as a `postgres://` URL.
    case postgres(url: String)

    /// The embedded default's file, relative to the working directory.
    public static let defaultSQLitePath = "./data/obsreview.sqlite"

    /// The embedded default: SQLite at ``defaultSQLitePath``.
    public static let `default` = DatabaseConfiguration.sqlite(path: defaultSQLitePath)

    /// Parses `sqlite:` and `postgres:` URLs; a string without a scheme is taken as an SQLite path.
    public init(url: String) throws(StoreError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            _ = try PostgresURL(trimmed)
            self = .postgres(url: trimmed)
        } else if trimmed.hasPrefix("sqlite:") {
            var path = trimmed.dropFirst("sqlite:".count)
            if path.hasPrefix("//") { path = path.dropFirst(2) }
            guard !path.isEmpty else {
                throw StoreError(.invalidConfiguration, "The SQLite URL \"\(url)\" names no file: use sqlite:///path/to/file.sqlite.")
            }
            self = .sqlite(path: String(path))
        } else if !trimmed.isEmpty, !trimmed.contains("://") {
            self = .sqlite(path: trimmed)
        } else {
            throw StoreError(
                .invalidConfiguration,
                "The database URL \"\(Self.redacted(url))\" is not understood: use sqlite:///path or postgres://user@host:port/db."
            )
        }
    }

    /// The configuration with any password hidden, safe to log.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path.hasPrefix("/") ? "" : "/")\(path)"
        case .postgres(let url): Self.redacted(url)
        }
    }

    /// `url` with the password replaced by `***`, wherever it is given: after the user name, or as a query parameter
    /// (`?password=…`, `sslpassword`, a key or secret); a URL that does not parse is not shown at all.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(an unreadable URL)" }
        if components.password != nil { components.password = "***" }
        components.queryItems = components.queryItems?.map { item in
            let name = item.name.lowercased()
            let secret = ["password", "secret", "key", "token"].contains { name.contains($0) }
            return secret ? URLQueryItem(name: item.name, value: "***") : item
        }
        return components.string ?? "(an unreadable URL)"
    }
}

/// The parts of a `postgres://` URL the store uses.
struct PostgresURL: Hashable, Sendable {
    enum TLSMode: String, Sendable { case disable, prefer, require }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var tls: TLSMode

    init(_ url: String) throws(StoreError) {
        func invalid(_ problem: String) -> StoreError {
            StoreError(.invalidConfiguration, "The PostgreSQL URL \"\(DatabaseConfiguration.redacted(url))\" \(problem).")
        }
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme) else {
            throw invalid("is not a postgres:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("names no host") }
        guard let username = components.user, !username.isEmpty else { throw invalid("names no user (postgres://user@host/db)") }
        let database = components.path.drop(while: { $0 == "/" })
        guard !database.isEmpty else { throw invalid("names no database (postgres://user@host/db)") }
        let mode = components.queryItems?.last { ["sslmode", "tlsmode"].contains($0.name.lowercased()) }?.value ?? "prefer"
        switch mode {
        case "disable", "false": tls = .disable
        case "prefer", "allow", "true": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        default: throw invalid("has sslmode=\(mode); use disable, prefer or require")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username
        self.password = components.password
        self.database = String(database)
    }
}
