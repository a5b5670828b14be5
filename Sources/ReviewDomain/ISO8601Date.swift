public import Foundation

/// A strict, allocation-free reader of the two ISO 8601 forms our files use: a calendar date
/// (`2026-01-14`, midnight UTC) and a UTC or offset date-time (`2026-01-16T11:40:00Z`,
/// `2026-01-16T11:40:00.250+01:00`). Foundation's `ISO8601DateFormatter` builds an ICU formatter per
/// instance, which dominated a large import; this is the same grammar, checked field by field.
public enum ISO8601Date {
    public static func parse(_ text: String) -> Date? {
        var utf8 = Array(text.utf8)[...]
        guard let year = number(&utf8, digits: 4), take(&utf8, "-"), let month = number(&utf8, digits: 2), take(&utf8, "-"),
            let day = number(&utf8, digits: 2), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if utf8.isEmpty { return Date(timeIntervalSince1970: seconds) }
        guard take(&utf8, "T"), let hour = number(&utf8, digits: 2), take(&utf8, ":"), let minute = number(&utf8, digits: 2),
            take(&utf8, ":"), let second = number(&utf8, digits: 2), hour < 24, minute < 60, second < 60
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        if take(&utf8, ".") {
            var scale = 0.1
            var fraction = 0.0
            var count = 0
            while let digit = utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) {
                fraction += Double(digit - UInt8(ascii: "0")) * scale
                scale /= 10
                count += 1
                utf8 = utf8.dropFirst()
            }
            guard count > 0 else { return nil }
            seconds += fraction
        }
        if take(&utf8, "Z") {
            return utf8.isEmpty ? Date(timeIntervalSince1970: seconds) : nil
        }
        guard let sign = utf8.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
        utf8 = utf8.dropFirst()
        guard let offsetHours = number(&utf8, digits: 2) else { return nil }
        _ = take(&utf8, ":")
        guard let offsetMinutes = number(&utf8, digits: 2), utf8.isEmpty, offsetHours < 24, offsetMinutes < 60 else { return nil }
        let offset = Double(offsetHours * 3600 + offsetMinutes * 60)
        return Date(timeIntervalSince1970: sign == UInt8(ascii: "+") ? seconds - offset : seconds + offset)
    }

    private static func take(_ bytes: inout ArraySlice<UInt8>, _ character: Unicode.Scalar) -> Bool {
        guard bytes.first == UInt8(ascii: character) else { return false }
        bytes = bytes.dropFirst()
        return true
    }

    private static func number(_ bytes: inout ArraySlice<UInt8>, digits: Int) -> Int? {
        guard bytes.count >= digits else { return nil }
        var value = 0
        for byte in bytes.prefix(digits) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        bytes = bytes.dropFirst(digits)
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        Int(CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day)))
    }
}
