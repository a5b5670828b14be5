import Foundation

/// The JSON Lines form of reports (`obsreview index --json`, `obsreview timeline --json`): one document per line,
/// keys sorted, slashes unescaped. `obsreview-timeline` writes the same bytes without Foundation (`TimelineJSON`).
public enum JSONLines {
    public static func line(_ report: IndexReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else {
            return #"{"file":"\#(report.file)","error":{"code":"internal","message":"The report could not be encoded."}}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
