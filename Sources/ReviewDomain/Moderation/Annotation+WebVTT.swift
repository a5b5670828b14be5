import Foundation

extension Annotation {
    /// How long a note made at a moment (no end) shows as a WebVTT cue.
    public static let momentCueSeconds = 5.0

    /// Time-coded notes as a WebVTT file (W3C WebVTT), one cue per note in time order: the note's text, its tag in
    /// square brackets first when it has one. A note without an end shows for ``momentCueSeconds``. Text is escaped
    /// as WebVTT requires (`&`, `<`, `>`; no `-->`; no blank line inside a cue), so any note yields a valid file.
    public static func webVTT(_ notes: [Annotation], title: String) -> String {
        var text = "WEBVTT - " + Self.cueText(title).replacingOccurrences(of: "\n", with: " ") + "\n"
        let ordered = notes.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }
        for (number, (_, note)) in ordered.enumerated() {
            let end = max(note.end ?? note.start + momentCueSeconds, note.start)
            let body = (note.tag.map { "[\($0)] " } ?? "") + note.text
            text += "\n\(number + 1)\n\(timestamp(note.start)) --> \(timestamp(end))\n\(cueText(body))\n"
        }
        return text
    }

    /// `hh:mm:ss.ttt`.
    static func timestamp(_ seconds: Double) -> String {
        let milliseconds = Int64((max(0, seconds) * 1000).rounded())
        let hours = milliseconds / 3_600_000, minutes = milliseconds / 60_000 % 60, secs = milliseconds / 1000 % 60
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(secs, 2)).\(pad(milliseconds % 1000, 3))"
    }

    private static func cueText(_ raw: String) -> String {
        let escaped = raw.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let lines = escaped.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.isEmpty ? "(empty note)" : lines.joined(separator: "\n")
    }
}
