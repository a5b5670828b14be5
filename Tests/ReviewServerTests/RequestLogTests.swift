@testable import ReviewServer
import Testing

/// The access log's duration, formatted by arithmetic (decision 43): the same text `String(format: "%.2f")` gave.
@Suite struct RequestLogTests {
    @Test("durations in milliseconds to two decimals, rounded half up, as String(format:) wrote them")
    func durations() {
        let cases: [(Duration, String)] = [
            (.zero, "0.00"), (.microseconds(4), "0.00"), (.microseconds(5), "0.01"), (.microseconds(1_234), "1.23"),
            (.microseconds(12_345), "12.35"), (.microseconds(99_999), "100.00"), (.milliseconds(7), "7.00"),
            (.seconds(2) + .microseconds(500_100), "2500.10"), (.seconds(3_600), "3600000.00"), (.nanoseconds(-5), "0.00"),
        ]
        for (duration, text) in cases {
            #expect(RequestLogMiddleware<ReviewRequestContext>.milliseconds(duration) == text, "\(duration)")
        }
    }
}
