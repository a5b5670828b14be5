import Foundation
import ReviewDomain

/// A recording's index report as a person may see it: the recording's own file name instead of any path on the
/// server (reports stored before the worker wrote file names held one), file names only for the proxy, and the
/// values of tags that carry personal data (a phone's location, make, model, owner) only for those who manage
/// the recordings (the lead and administrators); everyone else sees which tags were withheld, not their values.
enum IndexReportView {
    /// What a withheld tag's value reads as.
    static let withheld = "(withheld: personal data)"

    static func json(_ report: String, of recording: Recording, for actor: Actor) -> String {
        json(report, of: recording, showingPersonalData: actor.role == .lead || actor.role == .administrator)
    }

    /// The report with the personal-data tags' values shown or withheld (evidence bundles always withhold them).
    static func json(_ report: String, of recording: Recording, showingPersonalData seesPersonal: Bool) -> String {
        guard var document = (try? JSONSerialization.jsonObject(with: Data(report.utf8))) as? [String: Any] else { return report }
        document["file"] = recording.fileName
        // The indexer's codes (`notMedia`) in the API's spelling (`not_media`), as every code on the wire.
        if var failure = document["error"] as? [String: Any], let code = failure["code"] as? String {
            failure["code"] = IndexFailureCode.wire(code)
            document["error"] = failure
        }
        if var proxy = document["proxy"] as? [String: Any], let file = proxy["file"] as? String {
            proxy["file"] = (file as NSString).lastPathComponent
            document["proxy"] = proxy
        }
        if !seesPersonal, var format = document["format"] as? [String: Any] {
            let personal = Set(format["personalDataTags"] as? [String] ?? [])
            if var tags = format["tags"] as? [String: Any] {
                for key in personal where tags[key] != nil { tags[key] = Self.withheld }
                format["tags"] = tags
            }
            document["format"] = format
            if var streams = document["streams"] as? [[String: Any]] {
                for (position, stream) in streams.enumerated() {
                    guard var tags = stream["tags"] as? [String: Any], let index = stream["index"] as? Int else { continue }
                    for key in tags.keys where personal.contains("stream:\(index):\(key)") { tags[key] = Self.withheld }
                    streams[position]["tags"] = tags
                }
                document["streams"] = streams
            }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]) else { return report }
        return String(decoding: data, as: UTF8.self)
    }
}
