/// An overall rating on the scheme's 1–7 scale: 1–3 is below the required standard, 4–7 meets it,
/// and 3 is a "near miss".
///
/// A `Score` is always valid: constructing one outside 1–7 throws a ``DomainError`` (or returns `nil`
/// from ``init(exactly:)``), and decoding one outside 1–7 fails.
public struct Score: Hashable, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    /// The valid values.
    public static let range: ClosedRange<Int> = 1...7
    /// The lowest score that meets the required standard.
    public static let passMark = 4
    /// The score just below the pass mark.
    public static let nearMissValue = 3
    /// Every valid score, lowest first.
    public static let allCases: [Score] = range.map(Score.init(unchecked:))

    /// The value, within ``range``.
    public let value: Int

    /// Creates a score, throwing ``DomainError/Code/scoreOutOfRange`` when `value` is outside 1–7.
    public init(_ value: Int) throws(DomainError) {
        guard Self.range.contains(value) else {
            throw DomainError(
                code: .scoreOutOfRange,
                message: "Score \(value) is outside the scale: give a whole number from 1 to 7 "
                    + "(1–3 is below the standard, 4–7 meets it)."
            )
        }
        self.value = value
    }

    /// Creates a score, or returns `nil` when `value` is outside 1–7.
    public init?(exactly value: Int) {
        guard Self.range.contains(value) else { return nil }
        self.value = value
    }

    private init(unchecked value: Int) { self.value = value }

    /// Whether the score meets the required standard (4 or more).
    public var meetsStandard: Bool { value >= Self.passMark }

    /// Whether the score is a near miss (exactly 3): such candidates should get a development plan.
    public var isNearMiss: Bool { value == Self.nearMissValue }

    /// The band the score falls in.
    public var band: Band {
        if meetsStandard { return .meetsStandard }
        return isNearMiss ? .nearMiss : .belowStandard
    }

    public static func < (lhs: Score, rhs: Score) -> Bool { lhs.value < rhs.value }

    public var description: String { String(value) }
}

extension Score {
    /// The three bands of the scale.
    public enum Band: String, Hashable, Codable, Sendable, CaseIterable {
        /// 1–2: below the required standard.
        case belowStandard = "below_standard"
        /// 3: below the standard, but only just.
        case nearMiss = "near_miss"
        /// 4–7: meets the required standard.
        case meetsStandard = "meets_standard"
    }
}

extension Score: Codable {
    /// Decodes a bare integer, failing with `DecodingError.dataCorrupted` outside 1–7.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Int.self)
        do throws(DomainError) {
            try self.init(value)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
