import Foundation

/// A recording's index report: the JSON document the child indexer prints (`obsreview index --json`, one line), kept
/// as it is in `recording_indexes`. The one reading of it (decision 19) for the worker that stores it, the API and
/// pages that show it and the bundles that export it — the document is kept whole (every field MediaIndex writes,
/// present and future), and only the few fields anyone acts on are read.
///
/// Not `Sendable`: it holds a parsed JSON tree; make one where it is needed.
public struct IndexReportDocument {
    private var document: [String: Any]

    /// The report in `json` — a stored document, or the indexer's output, whose first line is the report; nil when
    /// neither is a JSON object.
    public init?(json: String) {
        let firstLine = json.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        guard let object = [json, firstLine].lazy.compactMap({ (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }).first
        else { return nil }
        document = object
    }

    /// Whether the file was indexed: a report without `format` says why the file could not be (``failure``).
    public var isIndexed: Bool { document["format"] is [String: Any] }

    /// The `error` of the report: why the file could not be indexed, or (beside the index facts, stage `proxy`) why
    /// its proxy could not be made.
    public var failure: (code: String?, message: String?)? {
        guard let error = document["error"] as? [String: Any] else { return nil }
        return (error["code"] as? String, error["message"] as? String)
    }

    /// The recording's duration in seconds, when the container gives one.
    public var durationSeconds: Double? {
        guard let value = (document["format"] as? [String: Any])?["durationSeconds"] else { return nil }
        return (value as? Double) ?? (value as? Int).map(Double.init)
    }

    /// The report naming the recording's own file (`fileName`) and only the file name of its proxy: no path on the
    /// server reaches the database or a person (decision 11).
    public func naming(_ fileName: String) -> IndexReportDocument {
        var copy = self
        copy.document["file"] = fileName
        if var proxy = document["proxy"] as? [String: Any], let file = proxy["file"] as? String {
            proxy["file"] = (file as NSString).lastPathComponent
            copy.document["proxy"] = proxy
        }
        return copy
    }

    /// The report with its failure's code (`error.code`) rewritten by `spelling` (the API's spelling of the indexer's codes).
    public func spellingFailureCode(_ spelling: (String) -> String) -> IndexReportDocument {
        guard var failure = document["error"] as? [String: Any], let code = failure["code"] as? String else { return self }
        var copy = self
        failure["code"] = spelling(code)
        copy.document["error"] = failure
        return copy
    }

    /// The report with the values of tags that carry personal data (`format.personalDataTags`: a phone's location,
    /// make, model, owner; `stream:N:key` for a stream's) replaced by `marker`.
    public func withholdingPersonalData(as marker: String) -> IndexReportDocument {
        guard var format = document["format"] as? [String: Any] else { return self }
        var copy = self
        let personal = Set(format["personalDataTags"] as? [String] ?? [])
        if var tags = format["tags"] as? [String: Any] {
            for key in personal where tags[key] != nil { tags[key] = marker }
            format["tags"] = tags
        }
        copy.document["format"] = format
        if var streams = document["streams"] as? [[String: Any]] {
            for (position, stream) in streams.enumerated() {
                guard var tags = stream["tags"] as? [String: Any], let index = stream["index"] as? Int else { continue }
                for key in tags.keys where personal.contains("stream:\(index):\(key)") { tags[key] = marker }
                streams[position]["tags"] = tags
            }
            copy.document["streams"] = streams
        }
        return copy
    }

    /// The document as one line of JSON, keys sorted.
    public var json: String {
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
