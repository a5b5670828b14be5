import Foundation
import PropertyBased
import ReviewDomain
import Testing

@Suite("Audit event canonical form")
struct AuditEventTests {
    static let event = AuditEvent(
        id: AuditEventID(rawValue: UUID(uuidString: "6BA7B810-9DAD-11D1-80B4-00C04FD430C8")!),
        sequence: 42,
        at: Date(timeIntervalSince1970: 1_750_000_000.1234),
        actorID: UserID(rawValue: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!),
        action: "case.escalated",
        subject: .init(type: "case", id: "c-1"),
        reason: "opinions \"differ\"\n",
        details: ["to": "escalated", "from": "in_moderation", "Zeta": "é/\u{1}"]
    )

    @Test("Sorted keys, fixed-precision UTC time, minimal escaping")
    func golden() {
        let text = String(decoding: Self.event.canonicalBytes(), as: UTF8.self)
        #expect(text == #"{"action":"case.escalated","actorID":"00000000-0000-0000-0000-000000000001","#
            + #""at":"2025-06-15T15:06:40.123Z","details":{"Zeta":"é/\u0001","from":"in_moderation","to":"escalated"},"#
            + #""id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","reason":"opinions \"differ\"\n","sequence":42,"#
            + #""subject":{"id":"c-1","type":"case"}}"#)
    }

    @Test("The personal part and the details column, written straight into bytes, keep the canonical form")
    func personalAndDetailsGolden() {
        #expect(String(decoding: Self.event.canonicalPersonalBytes(), as: UTF8.self)
            == #"{"details":{"Zeta":"é/\u0001","from":"in_moderation","to":"escalated"},"id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","#
            + #""reason":"opinions \"differ\"\n"}"#)
        #expect(Self.event.canonicalDetailsJSON == #"{"Zeta":"é/\u0001","from":"in_moderation","to":"escalated"}"#)
        let bare = AuditEvent(id: Self.event.id, at: Self.event.at, actorID: Self.event.actorID, action: "x", subject: Self.event.subject,
                              details: ["only": "one\t\r\\"])
        #expect(bare.canonicalDetailsJSON == #"{"only":"one\t\r\\"}"#)
        #expect(String(decoding: bare.canonicalPersonalBytes(), as: UTF8.self)
            == #"{"details":{"only":"one\t\r\\"},"id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","reason":null}"#)
        let empty = AuditEvent(id: Self.event.id, at: Self.event.at, actorID: Self.event.actorID, action: "x", subject: Self.event.subject)
        #expect(empty.canonicalDetailsJSON == "{}")
    }

    @Test("Absent reason and sequence are null")
    func nulls() {
        let event = AuditEvent(at: Date(timeIntervalSince1970: 0), actorID: UserID(), action: "recording.viewed",
                               subject: .init(type: "recording", id: "r"))
        let text = String(decoding: event.canonicalBytes(), as: UTF8.self)
        #expect(text.contains(#""at":"1970-01-01T00:00:00.000Z""#))
        #expect(text.contains(#""reason":null,"sequence":null"#))
    }

    @Test("Canonical bytes are a valid JSON document that survives a round trip of the event")
    func parsesAndRoundTrips() throws {
        let object = try JSONSerialization.jsonObject(with: Data(Self.event.canonicalBytes())) as? [String: Any]
        #expect(object?["reason"] as? String == Self.event.reason)
        #expect((object?["details"] as? [String: String]) == Self.event.details)
        let decoded = try JSONDecoder().decode(AuditEvent.self, from: JSONEncoder().encode(Self.event))
        #expect(decoded.canonicalBytes() == Self.event.canonicalBytes())
    }

    @Test("Timestamps match ISO8601DateFormatter at millisecond precision, and survive storage at that precision")
    func timestamps() async {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        // Years 1900–2400, whole milliseconds, so the reference formatter cannot round differently.
        await propertyCheck(count: 500, input: Gen.int64(in: -2_208_988_800_000...13_569_465_600_000)) { milliseconds in
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = AuditEvent.canonicalTimestamp(date)
            #expect(text == formatter.string(from: date))
            let stored = Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
            #expect(AuditEvent.canonicalTimestamp(stored) == text)
        }
    }

    @Test("Canonical bytes do not depend on dictionary insertion order")
    func orderIndependent() async {
        await propertyCheck(input: Gen.letterOrNumber.string(of: 1...8).array(of: 0...10)) { keys in
            var forward: [String: String] = [:]
            var backward: [String: String] = [:]
            for key in keys { forward[key] = key }
            for key in keys.reversed() { backward[key] = key }
            let a = AuditEvent(id: Self.event.id, at: Self.event.at, actorID: Self.event.actorID, action: "x",
                               subject: Self.event.subject, details: forward)
            let b = AuditEvent(id: Self.event.id, at: Self.event.at, actorID: Self.event.actorID, action: "x",
                               subject: Self.event.subject, details: backward)
            #expect(a.canonicalBytes() == b.canonicalBytes())
        }
    }
}
