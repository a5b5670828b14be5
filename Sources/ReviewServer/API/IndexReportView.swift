import Foundation
import ReviewDomain
import ReviewStore

/// A recording's index report as a person may see it: the recording's own file name instead of any path on the
/// server (reports stored before the worker wrote file names held one), file names only for the proxy, and the
/// values of tags that carry personal data (a phone's location, make, model, owner) only for those who manage
/// the recordings (the lead and administrators); everyone else sees which tags were withheld, not their values.
enum IndexReportView {
    /// What a withheld tag's value reads as.
    static let withheld = "(withheld: personal data)"

    static func json(_ report: String, of recording: Recording, for actor: ActingUser) -> String {
        json(report, of: recording, showingPersonalData: actor.role == .lead || actor.role == .administrator)
    }

    /// The report with the personal-data tags' values shown or withheld (evidence bundles always withhold them).
    static func json(_ report: String, of recording: Recording, showingPersonalData seesPersonal: Bool) -> String {
        // The indexer's codes (`notMedia`) in the API's spelling (`not_media`), as every code on the wire.
        guard let document = IndexReportDocument(json: report)?.naming(recording.fileName).spellingFailureCode(IndexFailureCode.wire) else {
            return report
        }
        return (seesPersonal ? document : document.withholdingPersonalData(as: withheld)).json
    }
}
