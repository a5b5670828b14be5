import Foundation
import PropertyBased
import Testing

import ReviewDomain

@Suite struct ISO8601DateTests {
    @Test(arguments: [
        "2026-01-14", "2026-01-16T11:40:00Z", "2024-02-29T23:59:59Z", "1999-12-31T00:00:00.250Z", "2026-06-01T10:00:00+01:00",
        "2026-06-01T10:00:00-05:30", "2026-06-01T10:00:00+0100", "1970-01-01T00:00:00Z",
    ])
    func agreesWithFoundation(_ text: String) throws {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = text.count == 10 ? [.withFullDate] : text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        let expected = try #require(reference.date(from: text))
        let parsed = try #require(ISO8601Date.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - expected.timeIntervalSince1970) < 0.000_5)
    }

    @Test(arguments: [
        "", "2026-13-01", "2026-02-30", "2023-02-29", "2026-1-14", "14/01/2026", "2026-01-14T25:00:00Z", "2026-01-14T10:00:00",
        "2026-01-14T10:00:00Zjunk", "2026-01-14 10:00:00Z", "2026-01-14T10:00:00.Z", "yesterday",
    ])
    func refusesWhatIsNotADate(_ text: String) {
        #expect(ISO8601Date.parse(text) == nil)
    }

    @Test func roundTripsAnyMillisecondInstant() async {
        await propertyCheck(input: Gen.int(in: -2_000_000_000_000...4_000_000_000_000)) { milliseconds in
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = AuditEvent.canonicalTimestamp(date)
            #expect(ISO8601Date.parse(text).map { ($0.timeIntervalSince1970 * 1000).rounded() } == Double(milliseconds))
        }
    }
}

@Suite struct UUIDTextTests {
    @Test func lowercasedStringMatchesFoundation() async {
        await propertyCheck(input: Gen.int(in: 0...Int.max)) { _ in
            let uuid = UUID()
            #expect(uuid.lowercasedString == uuid.uuidString.lowercased())
        }
    }
}
