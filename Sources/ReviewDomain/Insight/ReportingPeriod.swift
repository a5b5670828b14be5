public import Foundation

/// A fixed reporting period: a calendar month (`2026-03`) or a calendar quarter (`2026-Q1`), in UTC.
///
/// Statistics released outside the lead and the auditor cover exactly one ended period (docs/statistics.md, "Release
/// rules"): fixed periods do not overlap, so two releases can never be subtracted to isolate a few observations, as
/// two arbitrary date ranges differing by a day could.
public struct ReportingPeriod: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// How long the periods are.
    public enum Length: String, Hashable, Sendable, Codable, CaseIterable {
        case month, quarter

        /// Months in one period.
        var months: Int { self == .month ? 1 : 3 }
    }

    public let length: Length
    /// The first month of the period: year × 12 + (month − 1), as ``CalendarMonth`` numbers them.
    let firstMonth: Int

    /// The period of `length` that contains `date`.
    public init(containing date: Date, length: Length) {
        self.length = length
        let month = CalendarMonth.number(date)
        firstMonth = month - Self.floorMod(month, length.months)
    }

    /// Parses `2026-03` (a month) or `2026-Q1` (a quarter); `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), year >= 1970 else { return nil }
        if parts[1].first == "Q" || parts[1].first == "q" {
            guard parts[1].count == 2, let quarter = Int(parts[1].dropFirst()), (1...4).contains(quarter) else { return nil }
            length = .quarter
            firstMonth = year * 12 + (quarter - 1) * 3
        } else {
            guard parts[1].count == 2, let month = Int(parts[1]), (1...12).contains(month) else { return nil }
            length = .month
            firstMonth = year * 12 + month - 1
        }
    }

    private init(length: Length, firstMonth: Int) {
        self.length = length
        self.firstMonth = firstMonth
    }

    /// `2026-03` or `2026-Q1`.
    public var description: String {
        let year = firstMonth / 12, month = firstMonth % 12 + 1
        switch length {
        case .month: return CalendarMonth.key(firstMonth)
        case .quarter: return "\(year)-Q\((month - 1) / 3 + 1)"
        }
    }

    /// The first instant of the period.
    public var start: Date { Self.date(ofMonth: firstMonth) }
    /// The first instant after it.
    public var end: Date { Self.date(ofMonth: firstMonth + length.months) }

    /// The period before this one.
    public var previous: ReportingPeriod { ReportingPeriod(length: length, firstMonth: firstMonth - length.months) }

    /// Whether the period is over at `now` (its figures may be released).
    public func hasEnded(at now: Date) -> Bool { end <= now }

    /// The ended periods of `length` from the one containing `earliest` up to the last one ended at `now`, newest first.
    public static func ended(from earliest: Date, at now: Date, length: Length) -> [ReportingPeriod] {
        var period = ReportingPeriod(containing: now, length: length).previous
        let first = ReportingPeriod(containing: earliest, length: length)
        var periods: [ReportingPeriod] = []
        while period >= first {
            periods.append(period)
            period = period.previous
        }
        return periods
    }

    public static func < (a: ReportingPeriod, b: ReportingPeriod) -> Bool { a.firstMonth < b.firstMonth }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let period = ReportingPeriod(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text) is not a period such as 2026-03 or 2026-Q1"))
        }
        self = period
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func floorMod(_ value: Int, _ modulus: Int) -> Int { ((value % modulus) + modulus) % modulus }

    /// Midnight UTC on the first day of a month number.
    private static func date(ofMonth number: Int) -> Date {
        let year = Int((Double(number) / 12).rounded(.down)), month = number - year * 12 + 1
        return Date(timeIntervalSince1970: Double(CivilDate.days(year: Int64(year), month: Int64(month), day: 1)) * 86_400)
    }
}
