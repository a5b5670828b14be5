import ArgumentParser
import Crypto
import Foundation
import ReviewServer
import ReviewStore

/// What a backup folder holds (`backup.json`): when it was made, from which kind of database, and the SHA-256 of
/// every file in it, so that a restore checks everything before it writes anything.
struct BackupManifest: Codable {
    static let fileName = "backup.json"
    var format = 1
    var createdAt: Date
    /// `sqlite` (`database.sqlite`, an online copy) or `postgres` (`database.pgdump`, pg_dump's custom format).
    var database: String
    var recordings: Int
    /// Relative path → SHA-256, for the database copy, every blob and every derived media file.
    var files: [String: String]
}

/// `obsreview backup`: the database (SQLite's online copy or `pg_dump`), the originals (blobs) and the derived media
/// (proxies, thumbnails, captions) into one folder with a manifest of hashes. Safe while the service runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the database, the original recordings and their proxies and thumbnails into a new folder.",
        discussion: """
            The database is copied first, consistently, while the service runs (SQLite: VACUUM INTO; PostgreSQL: \
            pg_dump, which must be on PATH and of the server's version or newer); then every blob and media file, \
            each hashed into backup.json. Blobs never change once written, so a copy taken while uploads go on is \
            consistent with the database copy: files added later are simply not in it. Uploads still in progress \
            are not backed up (their uploaders resume or start again). Restore with `obsreview restore`.
            """)

    @OptionGroup var options: DatabaseOptions
    @Option(help: "The data folder (blobs/, media/).") var data = "./data"
    @Option(help: ArgumentHelp("The backup folder to create (it must not exist yet).", valueName: "DIR")) var to: String

    func run() async throws {
        let layout = DataLayout(data)
        let target = URL(fileURLWithPath: to)
        guard !FileManager.default.fileExists(atPath: target.path) else {
            throw ValidationError("\(to) exists already: give a new folder, so that no earlier backup is overwritten.")
        }
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do {
            try await write(into: target, layout: layout)
        } catch {
            // Nothing half-made is left behind to block the next try.
            try? FileManager.default.removeItem(at: target)
            throw error
        }
    }

    private func write(into target: URL, layout: DataLayout) async throws {
        let url = options.url ?? layout.defaultDatabaseURL
        let configuration = try DatabaseConfiguration(url: url)
        var files: [String: String] = [:]
        let databaseFile: String
        let recordings: Int
        switch configuration {
        case .sqlite:
            databaseFile = "database.sqlite"
            recordings = try await DatabaseOptions.withStore(url: url) { store in
                try await store.copySQLite(to: target.appendingPathComponent(databaseFile).path)
                return try await store.recordingCount()
            }
        case .postgres(let postgres):
            databaseFile = "database.pgdump"
            recordings = try await DatabaseOptions.withStore(url: url) { store in try await store.recordingCount() }
            try Self.runTool("pg_dump", ["--format=custom", "--no-owner", "--file", target.appendingPathComponent(databaseFile).path], database: postgres)
        }
        files[databaseFile] = try Self.sha256(of: target.appendingPathComponent(databaseFile))
        for folder in ["blobs", "media"] {
            let source = URL(fileURLWithPath: layout.root.appending(folder).string)
            for relative in Self.files(under: source) {
                let destination = target.appendingPathComponent(folder).appendingPathComponent(relative)
                try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
                try FileManager.default.copyItem(at: source.appendingPathComponent(relative), to: destination)
                files[folder + "/" + relative] = try Self.sha256(of: destination)
            }
        }
        let manifest = BackupManifest(createdAt: Date(), database: databaseFile == "database.sqlite" ? "sqlite" : "postgres",
                                      recordings: recordings, files: files)
        try Self.encoder.encode(manifest).write(to: target.appendingPathComponent(BackupManifest.fileName))
        print("Backed up the \(manifest.database) database (\(recordings) recordings) and \(files.count - 1) files into \(target.path).")
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Regular files under `folder`, as paths relative to it, sorted; none when the folder does not exist.
    static func files(under folder: URL) -> [String] {
        // Hidden files are scratch (an indexer's `.progress`), never part of a recording's media.
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        let base = folder.standardizedFileURL.path + "/"
        return walker.compactMap { item -> String? in
            guard let url = item as? URL, (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { return nil }
            let path = url.standardizedFileURL.path
            return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : nil
        }.sorted()
    }

    /// The file's SHA-256 in lower-case hex, read a megabyte at a time.
    static func sha256(of file: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var hash = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(data: chunk) }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Runs a PostgreSQL tool found on PATH on `database` (a `postgres://` URL); its error output becomes the error.
    /// The password goes in the tool's environment (`PGPASSWORD`), never on its command line, which every user of the
    /// machine can read in the process list.
    static func runTool(_ name: String, _ arguments: [String], database: String) throws {
        var environment = ProcessInfo.processInfo.environment
        var connection = database
        if var components = URLComponents(string: database), let password = components.password {
            environment["PGPASSWORD"] = password.removingPercentEncoding ?? password
            components.password = nil
            connection = components.string ?? database
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.environment = environment
        process.arguments = [name] + arguments + ["--dbname", connection]
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            throw ValidationError("\(name) could not be started: install PostgreSQL's client tools (Debian: postgresql-client).")
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(name) failed (status \(process.terminationStatus)): \(String(decoding: output, as: UTF8.self))")
        }
    }
}

/// `obsreview restore`: checks a backup folder against its manifest, then puts the database and the files back into
/// an empty data folder (and, for PostgreSQL, an empty database), and checks the result: the audit chain, and a
/// blob for every recording.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup made by `obsreview backup` into an empty data folder (and database), then check it.",
        discussion: """
            Every file is checked against backup.json before anything is written: a damaged backup is refused whole. \
            An SQLite backup becomes DATA/obsreview.sqlite (or the --database file); a PostgreSQL backup is loaded \
            with pg_restore into --database, which must be empty. Migrations newer than the backup are applied. \
            Exits 3 if the restored audit chain does not verify or a recording's original is missing.
            """)

    @OptionGroup var options: DatabaseOptions
    @Option(help: ArgumentHelp("The backup folder.", valueName: "DIR")) var from: String
    @Option(help: "The data folder to restore into (it must hold no database, blobs or media yet).") var data = "./data"

    func run() async throws {
        let source = URL(fileURLWithPath: from)
        guard let bytes = FileManager.default.contents(atPath: source.appendingPathComponent(BackupManifest.fileName).path),
            let manifest = try? Self.decoder.decode(BackupManifest.self, from: bytes)
        else { throw ValidationError("\(from) is not a backup made by `obsreview backup`: it has no readable backup.json.") }
        let databaseFile = manifest.database == "postgres" ? "database.pgdump" : "database.sqlite"
        guard ["sqlite", "postgres"].contains(manifest.database), manifest.files[databaseFile] != nil else {
            throw ValidationError("backup.json lists no \(databaseFile): this is not a complete backup. Nothing was restored.")
        }
        let backupRoot = source.resolvingSymlinksInPath().path + "/"
        for (path, expected) in manifest.files.sorted(by: { $0.key < $1.key }) {
            // Only the names a backup writes: the database file, and plain names under blobs/ and media/ — never "..",
            // an absolute path, a hidden name or a symbolic link, so that nothing is read or written outside the two
            // folders.
            guard path == databaseFile || Self.isBackupFileName(path) else {
                throw ValidationError("backup.json names \"\(path)\", which a backup never holds. Nothing was restored.")
            }
            let file = source.appendingPathComponent(path)
            let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
            guard let attributes else {
                throw ValidationError("The backup is incomplete: \(path) is missing. Nothing was restored.")
            }
            guard attributes[.type] as? FileAttributeType == .typeRegular, file.resolvingSymlinksInPath().path.hasPrefix(backupRoot) else {
                throw ValidationError("The backup's \(path) is not a plain file inside the backup folder (a link?). Nothing was restored.")
            }
            guard try BackupCommand.sha256(of: file) == expected else {
                throw ValidationError("The backup is damaged: \(path) does not match its SHA-256 in backup.json. Nothing was restored.")
            }
        }
        let layout = DataLayout(data)
        let root = URL(fileURLWithPath: layout.root.string)
        for folder in ["blobs", "media"] where !BackupCommand.files(under: root.appendingPathComponent(folder)).isEmpty {
            throw ValidationError("\(data)/\(folder) is not empty: restore into a new data folder, so that nothing is overwritten.")
        }
        let url = options.url ?? layout.defaultDatabaseURL
        var written: [URL] = []
        do {
            try await restore(manifest, from: source, into: root, layout: layout, url: url, written: &written)
        } catch {
            // A restore that fails half-way leaves nothing behind to block the next try.
            for file in written.reversed() { try? FileManager.default.removeItem(at: file) }
            throw error
        }
    }

    /// A name a backup writes under blobs/ or media/: plain components only.
    static func isBackupFileName(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 6, ["blobs", "media"].contains(parts[0]) else { return false }
        return parts.allSatisfy { part in
            guard let first = part.first, first != ".", part.count <= 128 else { return false }
            return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        }
    }

    /// Copies `source` to `destination` as a new private file (0600), whatever the backup's own modes.
    static func copyPrivately(_ source: URL, to destination: URL, written: inout [URL]) throws {
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(at: source, to: destination)
        written.append(destination)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: destination.path)
    }

    private func restore(_ manifest: BackupManifest, from source: URL, into root: URL, layout: DataLayout, url: String,
                         written: inout [URL]) async throws {
        switch (manifest.database, try DatabaseConfiguration(url: url)) {
        case ("sqlite", .sqlite(let path)):
            guard !FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("A database exists already at \(path): restore into a new data folder or give another --database.")
            }
            try Self.copyPrivately(source.appendingPathComponent("database.sqlite"), to: URL(fileURLWithPath: path), written: &written)
        case ("postgres", .postgres(let postgres)):
            let tables = try await DatabaseOptions.withStore(url: url, migrate: false) { store in try await store.tableCount() }
            guard tables == 0 else {
                throw ValidationError("The database at --database already has tables: restore into a new, empty database.")
            }
            try BackupCommand.runTool("pg_restore", ["--no-owner", "--exit-on-error", source.appendingPathComponent("database.pgdump").path],
                                      database: postgres)
        default:
            throw ValidationError("This is a backup of a \(manifest.database) database: give a \(manifest.database == "sqlite" ? "sqlite" : "postgres://") --database to restore it into.")
        }
        for path in manifest.files.keys.sorted() where Self.isBackupFileName(path) {
            try Self.copyPrivately(source.appendingPathComponent(path), to: root.appendingPathComponent(path), written: &written)
        }
        let problems: [String] = try await DatabaseOptions.withStore(url: url) { store in
            var problems: [String] = []
            if let broken = try await store.audit.verify().firstBreak { problems.append("the audit chain breaks: \(broken)") }
            for sha256 in try await store.ingest.recordingBlobKeys().sorted() {
                guard let key = BlobKey(sha256), FileManager.default.fileExists(atPath: layout.folderBlobs.localFile(key).string) else {
                    problems.append("the original of a recording (\(sha256.prefix(12))…) is missing")
                    continue
                }
            }
            return problems
        }
        guard problems.isEmpty else {
            print("Restored, but: " + problems.joined(separator: "; ") + ".")
            throw ExitCode(3)
        }
        print("Restored \(manifest.recordings) recordings and \(manifest.files.count - 1) files from the backup of \(manifest.createdAt); the audit chain verifies.")
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
