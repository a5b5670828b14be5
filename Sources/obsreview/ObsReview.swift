import ArgumentParser

@main
struct ObsReview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "obsreview",
        abstract: "ObservationReview: moderation and review of video-recorded practice observations.",
        subcommands: [
            ServeCommand.self, IndexCommand.self, MigrateCommand.self, ImportCommand.self, ExportCommand.self, VerifyCommand.self,
            CasesCommand.self, IngestCommand.self, WorkerCommand.self, AccountCommand.self, SampleCommand.self, RouteCommand.self, StatsCommand.self,
            BenchRoutingCommand.self, AgreementCommand.self,
        ]
    )
}
