import ArgumentParser
import Foundation
import Logging
import ReviewServer
import ReviewStore
import ReviewWorker
import ServiceLifecycle

/// `obsreview worker`: claims indexing jobs and indexes each recording in a child process (``IndexingWorker``).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Index stored recordings: claim indexing jobs and run each in a child process with a time limit.",
        discussion: """
            Each recording is indexed by a child `obsreview index` process (probe, keyframes, thumbnails, proxy) with \
            resource limits and no credentials in its environment, so a demuxer that crashes, hangs or balloons on a \
            malformed file fails that job, never the worker. A file FFmpeg cannot index is rejected with the reason; a \
            crash or a timeout is retried with back-off and, after the last attempt, rejects the recording. Stops \
            gracefully on SIGINT or SIGTERM: the job in hand goes back to the queue without using an attempt.
            """
    )

    @OptionGroup var options: DatabaseOptions
    @Option(help: "The data folder (relative to the working directory or absolute; blobs are found in DATA/blobs by key, media go to DATA/media).")
    var data = "./data"
    @Option(help: "The most seconds a child may take (the limit grows with the file's size up to this).") var timeout: Double = 1800
    @Option(help: "Seconds between polls when no job is due.") var poll: Double = 2
    @Flag(help: "Work until no job is due, then exit (for scripts and cron).") var once = false
    @Option(help: ArgumentHelp("The obsreview binary whose `index` subcommand indexes each file (default: this one; also $OBSREVIEW_INDEXER_PATH).", valueName: "PATH"))
    var indexerPath: String?
    @OptionGroup var objectStorage: ObjectStorageOptions

    func run() async throws {
        var logger = Logger(label: "obsreview.worker")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let layout = try objectStorage.layout(data: data)
        let indexer: URL
        do {
            indexer = try IndexerLocation.resolve(indexerPath ?? ProcessInfo.processInfo.environment["OBSREVIEW_INDEXER_PATH"])
        } catch {
            printError("obsreview worker: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
        IndexingWorker.removeStrayFiles(in: layout)
        let store = try DatabaseOptions.store(url: options.url)
        let migrations = StoreMigrations(store: store, logger: logger)
        let worker = IndexingWorker(store: store, data: layout, limits: IndexingLimits(timeoutCap: timeout), indexer: indexer)
        let group = ServiceGroup.obsreview([
            NamedService("database", store),
            NamedService("migrations", migrations),
            NamedService("indexing worker", IndexingWorkerService(worker, poll: .seconds(poll), stopWhenIdle: once, logger: logger,
                                                                  waitUntilReady: migrations.waitUntilCompleted),
                         whenFinished: .gracefullyShutdownGroup),
        ], logger: logger)
        try await DatabaseOptions.reportingUnreachableDatabase(command: "worker", store: store) { try await group.run() }
    }
}
