import ArgumentParser

@main
struct ObsReview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "obsreview",
        abstract: "ObservationReview: moderation and review of video-recorded practice observations.",
        subcommands: [IndexCommand.self]
    )
}
