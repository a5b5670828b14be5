import ArgumentParser
import Foundation

@main
struct ObsReview: AsyncParsableCommand {
    /// Every file and folder the tool makes (database, blobs, media, uploads, exports) is private to the service's
    /// account: 0600 and 0700. Set before anything is parsed or opened.
    static func main() async {
        umask(0o077)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "obsreview",
        abstract: "ObservationReview: moderation and review of video-recorded practice observations.",
        subcommands: [
            ServeCommand.self, IndexCommand.self, TimelineCommand.self, MigrateCommand.self, ImportCommand.self, ExportCommand.self, VerifyCommand.self,
            CasesCommand.self, IngestCommand.self, WorkerCommand.self, AccountCommand.self, SampleCommand.self, SampleEstimatesCommand.self, RouteCommand.self, StatsCommand.self,
            BenchRoutingCommand.self, AgreementCommand.self, BackupCommand.self, RestoreCommand.self,
            SubjectExportCommand.self, BundleCommand.self, VerifyBundleCommand.self,
            EraseCommand.self, RetentionCommand.self,
        ]
    )
}
