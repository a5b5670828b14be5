import Foundation
import ReviewDomain
@testable import ReviewServer
@testable import ReviewStore
import Testing

/// The hand-written JSON of the cases list (issue 21 item 1, decision 35) says what Foundation's `JSONEncoder` says:
/// each page, parsed back, equals the encoder's parsed back — for random text drawn from the characters JSON must
/// escape (every control character, quotes, backslashes) and those it need not (slashes, U+2028, non-BMP, combining
/// marks, a byte-order mark), random times with fractions of a second, and absent values.
@Suite struct JSONWriterTests {
    static let hostile: [String] = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) } + [
        "\"", "\\", "/", "\u{7F}", "\u{2028}", "\u{2029}", "\u{FEFF}", "😀", "𝄞", "e\u{301}", "\u{10FFFF}", "</script>", "é", "中", "a", " ", "\\u0041",
    ]

    static func text(_ random: inout some RandomNumberGenerator) -> String {
        (0..<Int.random(in: 0...24, using: &random)).map { _ in hostile.randomElement(using: &random)! }.joined()
    }

    static func summary(_ random: inout some RandomNumberGenerator) -> CaseSummary {
        func time() -> Date { Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000, using: &random)) }
        func maybe<T>(_ value: T) -> T? { Bool.random(using: &random) ? value : nil }
        return CaseSummary(
            caseID: CaseID(), observationID: ObservationID(), employerID: OrganisationID(), kind: Case.Kind.allCases.randomElement(using: &random)!,
            state: Case.State.allCases.randomElement(using: &random)!, round: Int.random(in: 1...5, using: &random),
            version: Int.random(in: 1...Int(Int32.max), using: &random), isCalibration: Bool.random(using: &random),
            calibrationScore: maybe(Int.random(in: 1...6, using: &random)),
            reasons: CaseSummary.Reason.allCases.filter { _ in Bool.random(using: &random) }, outcomeScore: maybe(Int.random(in: 1...6, using: &random)),
            openedBy: UserID(), openedAt: time(), updatedAt: time(), reference: maybe(text(&random)), candidateName: maybe(text(&random)),
            employerName: text(&random), employerScore: maybe(-Int.random(in: 0...6, using: &random)), assessorScore: maybe(Int.random(in: 0...6, using: &random)),
            recordingStatus: maybe(text(&random)), moderatorIDs: (0..<Int.random(in: 0...3, using: &random)).map { _ in UserID() },
            earliestDueAt: maybe(time()))
    }

    @Test("a page written by hand parses to what JSONEncoder writes, for 500 random pages of hostile text")
    func sameAsTheEncoder() throws {
        var random = SystemRandomNumberGenerator()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for _ in 0..<500 {
            let items = (0..<Int.random(in: 0...5, using: &random)).map { _ in
                CaseSummaryRepresentation(Self.summary(&random), blind: .random(), showCalibration: .random(), showPanel: .random(), now: Date())
            }
            let page = Page(fetched: items, page: PageRequest(number: .random(in: 1...3), size: max(1, items.count - Int.random(in: 0...1))))
            var writer = JSONWriter()
            page.write(to: &writer)
            let written = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? NSDictionary
            let encodedBytes = try encoder.encode(page)
            let encoded = try JSONSerialization.jsonObject(with: encodedBytes) as? NSDictionary
            #expect(written != nil && written == encoded, "\(String(decoding: writer.bytes, as: UTF8.self))\n\(String(decoding: encodedBytes, as: UTF8.self))")
        }
    }

    @Test("escapes: control characters, quotes and backslashes escaped; everything else as UTF-8")
    func escapes() {
        var writer = JSONWriter()
        writer.string("a\"b\\c\u{0}\u{1F}\n\t/😀")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\"b\\c\u0000\u001f\n\t/😀""#)
    }

    @Test("times by arithmetic: the same text as the C library's gmtime for 100,000 seconds from year 1 to 9999, and no trap at the ends")
    func timesByArithmetic() {
        var random = SplitMix64(seed: 35)
        func written(_ date: Date) -> String {
            var writer = JSONWriter()
            writer.time(date)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        func gmtime(_ seconds: Int) -> String {
            var value = time_t(seconds)
            var parts = tm()
            gmtime_r(&value, &parts)
            return String(format: "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                          parts.tm_hour, parts.tm_min, parts.tm_sec)
        }
        let edges = [0, -1, 59, 86_399, 86_400, -86_400, -86_401, 951_782_400, 951_868_799, 4_107_542_400, -62_135_596_800, 253_402_300_799,
                     -2_203_891_200, 1_709_164_800]  // 1970, leap days of 2000 and 2100 (not leap), years 1 and 9999, 1900, 2024
        let draws = (0..<100_000).map { _ in -62_135_596_800 + random.below(315_537_897_600) }
        var mismatches: [String] = []
        for seconds in edges + draws {
            let fraction = Double(random.below(1000)) / 1000
            let ours = written(Date(timeIntervalSince1970: Double(seconds) + fraction)), theirs = gmtime(seconds)
            if ours != theirs { mismatches.append("\(seconds): \(ours) vs \(theirs)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, e.g. \(mismatches.prefix(5))")
        // A damaged time (infinite, not a number, beyond year 9999) is written, not trapped on.
        #expect(written(Date(timeIntervalSince1970: .infinity)) == "\"1970-01-01T00:00:00Z\"")
        #expect(written(Date(timeIntervalSince1970: .nan)) == "\"1970-01-01T00:00:00Z\"")
        #expect(written(Date(timeIntervalSince1970: 1e300)) == "\"9999-12-31T23:59:59Z\"")
        #expect(written(Date(timeIntervalSince1970: -1e300)) == "\"0001-01-01T00:00:00Z\"")
    }
}
