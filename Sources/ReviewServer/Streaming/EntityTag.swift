/// An entity tag (RFC 9110 §8.8.3): an opaque validator, strong or weak, written `"…"` or `W/"…"`.
struct EntityTag: Hashable, Sendable {
    /// The characters between the quotes.
    var opaque: String
    var isWeak: Bool

    init(_ opaque: String, weak: Bool = false) {
        self.opaque = opaque
        self.isWeak = weak
    }

    /// The header form: `"opaque"` or `W/"opaque"`.
    var headerValue: String { (isWeak ? "W/" : "") + "\"\(opaque)\"" }

    /// Strong comparison (for `If-Range`): both strong and the same opaque value.
    func strongMatches(_ other: EntityTag) -> Bool {
        !isWeak && !other.isWeak && opaque == other.opaque
    }

    /// Weak comparison (for `If-None-Match`): the same opaque value, weak or not.
    func weakMatches(_ other: EntityTag) -> Bool {
        opaque == other.opaque
    }

    /// Parses `#entity-tag`, a comma-separated list (`If-None-Match`, `If-Match`); `nil` if any part is not
    /// an entity tag. `*` is not a list: callers test for it first.
    static func list(_ value: some StringProtocol) -> [EntityTag]? {
        var bytes = Substring(value).utf8[...]
        var tags: [EntityTag] = []
        while true {
            bytes = bytes.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: ",") }
            guard !bytes.isEmpty else { break }
            let weak = bytes.starts(with: "W/".utf8)
            if weak { bytes = bytes.dropFirst(2) }
            guard bytes.first == UInt8(ascii: "\"") else { return nil }
            bytes = bytes.dropFirst()
            // etagc: any visible character but the double quote, and obs-text.
            guard let close = bytes.firstIndex(where: { !($0 == 0x21 || (0x23...0x7E).contains($0) || $0 >= 0x80) }),
                bytes[close] == UInt8(ascii: "\"")
            else { return nil }
            tags.append(EntityTag(String(decoding: bytes[..<close], as: UTF8.self), weak: weak))
            bytes = bytes[bytes.index(after: close)...].drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            guard bytes.isEmpty || bytes.first == UInt8(ascii: ",") else { return nil }
        }
        return tags
    }

    /// Parses one entity tag (`If-Range` when it is not a date); `nil` for anything else.
    init?(header: some StringProtocol) {
        // Exactly one tag and nothing else (no list separators around it).
        guard let tags = Self.list(header), tags.count == 1, tags[0].headerValue == header.trimmingSpaces else { return nil }
        self = tags[0]
    }
}
