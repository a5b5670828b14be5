/// The byte ranges of a `Range: bytes=…` request header (RFC 9110 §14.1.2), before they meet a file size.
///
/// Parsing is a pure function. A header this type cannot parse (another unit, bad syntax, `last < first`)
/// gives `nil`, and the server must then ignore it and answer 200 with the whole file (RFC 9110 §14.2).
/// Positions with more digits than `Int64` holds saturate at `Int64.max`: a first position that large is
/// past any file, a last position or suffix length that large means "to the end".
struct ByteRangeSet: Hashable, Sendable {
    /// One `range-spec`.
    enum Spec: Hashable, Sendable {
        /// `first-last`, or `first-` when `last` is `nil`.
        case interval(first: Int64, last: Int64?)
        /// `-length`: the last `length` bytes.
        case suffix(length: Int64)

        /// The byte positions this spec selects in a file of `size` bytes, or `nil` if it selects none
        /// (it starts at or past the end, or asks for an empty suffix).
        func resolved(size: Int64) -> ClosedRange<Int64>? {
            switch self {
            case .interval(let first, let last):
                guard first < size else { return nil }
                return first...min(last ?? Int64.max, size - 1)
            case .suffix(let length):
                guard length > 0, size > 0 else { return nil }
                return max(0, size - length)...(size - 1)
            }
        }
    }

    /// The specs in the order the client sent them (at least one).
    var specs: [Spec]

    init(_ specs: [Spec]) {
        precondition(!specs.isEmpty, "A range set has at least one range.")
        self.specs = specs
    }

    /// Parses a `Range` header value; `nil` if it is not a valid `bytes` range set.
    init?(header: String) {
        guard let equals = header.firstIndex(of: "=") else { return nil }
        // Range units are case-insensitive (RFC 9110 §14.1).
        guard header[..<equals].trimmingSpaces.lowercased() == "bytes" else { return nil }
        var specs: [Spec] = []
        // `1#range-spec`: commas with optional whitespace around them; empty elements are allowed and skipped
        // (RFC 9110 §5.6.1.2).
        for element in header[header.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false) {
            let element = element.trimmingSpaces
            if element.isEmpty { continue }
            guard let spec = Self.spec(element) else { return nil }
            specs.append(spec)
        }
        guard !specs.isEmpty else { return nil }
        self.specs = specs
    }

    /// The range to serve from a file of `size` bytes: the smallest range covering every spec that selects
    /// any bytes, each clamped to the file. `nil` means none does, which is a 416.
    ///
    /// One part is ever served, never `multipart/byteranges`: a request for several ranges gets them
    /// coalesced into one (RFC 9110 §14.2 lets a server coalesce ranges; `Content-Range` says what was sent,
    /// and every requested byte is in it). Players ask for one range at a time.
    func covering(size: Int64) -> ClosedRange<Int64>? {
        let ranges = specs.compactMap { $0.resolved(size: size) }
        guard let lower = ranges.map(\.lowerBound).min(), let upper = ranges.map(\.upperBound).max() else { return nil }
        return lower...upper
    }

    /// `int-range` (`first-last`, `first-`) or `suffix-range` (`-length`); no whitespace inside.
    private static func spec(_ text: String) -> Spec? {
        let utf8 = Array(text.utf8)
        guard let dash = utf8.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        let firstDigits = utf8[..<dash]
        let lastDigits = utf8[(dash + 1)...]
        switch (firstDigits.isEmpty, lastDigits.isEmpty) {
        case (true, true):
            return nil
        case (true, false):
            return decimal(lastDigits).map { .suffix(length: $0) }
        case (false, true):
            return decimal(firstDigits).map { .interval(first: $0, last: nil) }
        case (false, false):
            guard let first = decimal(firstDigits), let last = decimal(lastDigits), first <= last else { return nil }
            return .interval(first: first, last: last)
        }
    }

    /// `1*DIGIT` (ASCII only), saturating at `Int64.max`; `nil` for anything else.
    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            value = overflow1 || overflow2 ? Int64.max : sum
        }
        return value
    }
}
