/// Dates of the proleptic Gregorian calendar as day counts since 1970-01-01, by Howard Hinnant's arithmetic
/// (`civil_from_days`, `days_from_civil`): the one place the service turns day numbers into calendar dates and back
/// (the audit chain's canonical timestamps, ISO 8601 dates, statistics' months and periods, HTTP dates), without a
/// `Calendar` — ICU costs tens of microseconds a call, and it must give the same answer on every machine.
public enum CivilDate {
    /// Year, month (1…12) and day (1…31) of the day `days` after 1970-01-01 (before it when negative).
    public static func fromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of `year`-`month`-`day` (month 1…12; a day past the month's end runs on into the next).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
