/// Where the sign-in page may send the browser afterwards (`/signin?next=…`): only a path on this site.
///
/// Browsers are generous with what they take for another origin: `//evil.example`, `/\evil.example` (a
/// backslash is a slash to the URL parser), `/<tab>/evil.example` (tabs and newlines are dropped before
/// parsing), and each of those percent-encoded once or twice if anything along the way decodes again. So a
/// `next` is accepted only when it, and every percent-decoding of it, is a plain absolute path of printable
/// ASCII without backslashes, doubled slashes or dot segments; anything else becomes `/`.
enum SafeRedirect {
    /// Where to go when `next` is missing or refused.
    static let fallback = "/"

    /// `next` if it is a safe same-origin path, otherwise ``fallback``.
    static func path(_ next: String?) -> String {
        guard let next, isSafe(next) else { return fallback }
        return next
    }

    /// Whether `next` stays on this site, however many times it is percent-decoded.
    static func isSafe(_ next: String) -> Bool {
        guard !next.isEmpty, next.utf8.count <= 2048 else { return false }
        var current = next
        for round in 0..<4 {
            guard isPlainPath(current, decoded: round > 0) else { return false }
            guard let decoded = current.removingPercentEncoding, decoded != current else { return true }
            current = decoded
        }
        return false  // still changing after four decodings: nobody means that
    }

    /// An absolute path (and query) a browser keeps on this site. In a decoded form (which no browser sees, but
    /// a careless layer might) the query may hold spaces and letters beyond ASCII (`?q=caf%C3%A9 au lait`).
    private static func isPlainPath(_ text: String, decoded: Bool) -> Bool {
        guard text.unicodeScalars.first == "/" else { return false }  // relative, scheme (`javascript:`), or empty
        let path = text.prefix { $0 != "?" && $0 != "#" }
        let query = text.dropFirst(path.count)
        // Printable ASCII: no controls or spaces (browsers drop tabs and newlines before parsing), no backslash,
        // nothing a URL parser might map to a slash (full-width solidus and friends).
        func plain(_ scalar: Unicode.Scalar, lenient: Bool) -> Bool {
            if scalar == "\\" { return false }
            if scalar.value > 0x20 && scalar.value < 0x7f { return true }
            return lenient && (scalar.value == 0x20 || scalar.value >= 0xa0)
        }
        guard path.unicodeScalars.allSatisfy({ plain($0, lenient: false) }),
            query.unicodeScalars.allSatisfy({ plain($0, lenient: decoded) })
        else { return false }
        guard !path.contains("//") else { return false }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return !segments.contains { $0 == "." || $0 == ".." }
    }
}
