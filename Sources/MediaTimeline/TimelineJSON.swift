/// The JSON line `obsreview timeline --json` prints for a timeline it read, written without Foundation: the
/// same bytes as `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` gives for that file's
/// `IndexReport` (keys in sorted order, numbers as Swift's shortest round-trip form without a trailing
/// `.0`, strings escaped as JSONEncoder escapes them). `TimelineJSONTests` holds it to that.
package enum TimelineJSON {
    /// One report line (without the newline): `discontinuities`, `discontinuityCheck`, `file`, `keyframes`.
    package static func line(file: String, timeline: KeyframeTimeline) -> String {
        var out = "{\"discontinuities\":["
        for (i, discontinuity) in timeline.discontinuities.enumerated() {
            if i > 0 { out += "," }
            out += "{\"atSeconds\":" + number(discontinuity.atSeconds)
            out += ",\"jumpSeconds\":" + number(discontinuity.jumpSeconds)
            out += ",\"kind\":" + string(discontinuity.kind.rawValue) + "}"
        }
        out += "],\"discontinuityCheck\":" + string(timeline.discontinuityCheck.rawValue)
        out += ",\"file\":" + string(file)
        out += ",\"keyframes\":{\"count\":" + String(timeline.seconds.count) + ",\"seconds\":["
        out.reserveCapacity(out.utf8.count + timeline.seconds.count * 10)
        for (i, seconds) in timeline.seconds.enumerated() {
            if i > 0 { out += "," }
            out += number(seconds)
        }
        out += "],\"source\":" + string(timeline.source.rawValue) + "}}"
        return out
    }

    /// A finite Double as JSONEncoder writes it: `description`, less a trailing `.0` (`2.0` → `2`).
    static func number(_ value: Double) -> String {
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// A JSON string as JSONEncoder writes it without escaping slashes: `"` and `\` escaped, the control
    /// characters with a short escape where JSON has one and `\u00XX` otherwise, everything else as is.
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
