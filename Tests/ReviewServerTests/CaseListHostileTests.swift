import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ReviewDomain
@testable import ReviewServer
@testable import ReviewStore
import SQLKit
import Testing

/// The cases list written from SQLite rows (decision 43) attacked by a hostile review: every caller and query against the
/// old path, damaged rows, long text, shutdown during reads, and the writer against the array writer it replaced.
@Suite struct CaseListHostileTests {
    // MARK: The old path, as it was before 5bb3a5f..HEAD (ListQuery's checks, then listCaseSummaries + representations)

    enum Outcome: Equatable {
        case ok([UInt8])
        case refused(Int)
    }

    static func oldPath(_ store: ReviewStore, actor: ActingUser, query: String, now: Date) async -> Outcome {
        do {
            let request = Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/api/v1/cases" + query),
                                  body: RequestBody(buffer: ByteBuffer()))
            let page = try request.page()
            let asked = try CaseController.filter(request, now: now)
            let showCalibration = Access.seesCalibration(actor), showPanel = Access.seesPanels(actor)
            guard showPanel || (asked.overdueAt == nil && asked.sort != .due) else { return .refused(403) }
            var writer = JSONWriter()
            guard let filter = try Access.scope(asked, for: actor) else {
                Page<CaseSummaryRepresentation>(fetched: [], page: page).write(to: &writer)
                return .ok(writer.bytes)
            }
            Page(fetched: try await store.records.listCaseSummaries(filter, page: page).map {
                CaseSummaryRepresentation($0, blind: false, showCalibration: showCalibration, showPanel: showPanel, now: now)
            }, page: page).write(to: &writer)
            return .ok(writer.bytes)
        } catch let error as APIError {
            return .refused(Int(error.status.code))
        } catch {
            return .refused(500)
        }
    }

    static func seed(_ fixture: APIFixture) async throws {
        _ = try await CaseListRowsTests.seed(fixture.store, count: 90, seed: 4343)
        let a = fixture.employerA.id.rawValue.lowercasedString
        let b = fixture.users[.otherEmployer]!.organisationID.rawValue.lowercasedString
        try await fixture.store.withRawDatabase { db in
            try await db.raw("PRAGMA foreign_keys = OFF").run()
            try await db.raw("UPDATE case_summaries SET employer_id = \(bind: a) WHERE rowid % 3 = 0").run()
            try await db.raw("UPDATE case_summaries SET employer_id = \(bind: b) WHERE rowid % 3 = 1").run()
            try await db.raw("UPDATE case_summaries SET employer_id = upper(\(bind: a)) WHERE rowid % 7 = 0").run()
            try await db.raw("UPDATE case_summaries SET calibration = 1, reasons = ',calibration,gap,', calibration_score = 4 WHERE rowid % 5 = 0").run()
            try await db.raw("PRAGMA foreign_keys = ON").run()
        }
    }

    static let values: [String: [String?]] = [
        "state": [nil, "open", "in_moderation", "inModeration", "decided", "bogus", ""],
        "employerId": [nil, "EMPA", "EMPB", "EMPAUPPER", "not-a-uuid", "", "00000000-0000-0000-0000-000000000000"],
        "reason": [nil, "gap", "calibration", "straddle", "x", ""],
        "overdue": [nil, "true", "false", "yes", ""],
        "q": [nil, "o", "%25", "_", "%5C", "'%20OR%201=1%20--", "%C3%B6", "a%2Cb", "%20", "%ZZ", String(repeating: "a", count: 201), "Al"],
        "sort": [nil, "opened", "updated", "due", "candidate", "bogus", ""],
        "page": [nil, "1", "2", "3", "0", "-1", "1000000", "1000001", "99", "x", "9223372036854775808"],
        "pageSize": [nil, "1", "7", "50", "500", "501", "0", "x"],
    ]

    static func query(_ random: inout SplitMix64, a: String, b: String) -> String {
        var parts: [String] = []
        for name in values.keys.sorted() {
            let choices = values[name]!
            // Mostly values the list accepts (the first few of each), now and then an odd one.
            let valid = ["state": 5, "employerId": 4, "reason": 4, "overdue": 3, "q": 9, "sort": 5, "page": 4, "pageSize": 5][name]!
            guard var value = choices[random.below(random.below(6) == 0 ? choices.count : min(valid, choices.count))] else { continue }
            value = value == "EMPA" ? a : value == "EMPB" ? b : value == "EMPAUPPER" ? a.uppercased() : value
            parts.append("\(name)=\(value)")
        }
        if random.below(10) == 0, let first = parts.first { parts.append(first) }  // a parameter twice
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    @Test("every caller, random combinations of every query parameter: the fast path answers exactly what the old path did, and never more than the role may see")
    func accessMatrix() async throws {
        let fixture = try await APIFixture.make()
        try await Self.seed(fixture)
        let a = fixture.employerA.id.rawValue.lowercasedString
        let b = fixture.users[.otherEmployer]!.organisationID.rawValue.lowercasedString
        let store = fixture.store
        let now = fixture.clock.now
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        // Straight through the router (not the contract-checking client: the seeded rows are awkward on purpose).
        try await fixture.application().test(.router) { client in
            var random = SplitMix64(seed: 43)
            var differences: [String] = []
            var compared = 0, ok = 0
            for round in 0..<2_500 {
                let callers: [APIFixture.Caller?] = [nil] + APIFixture.Caller.allCases
                let caller = callers[round % callers.count]
                let query = Self.query(&random, a: a, b: b)
                let response = try await client.execute(uri: "/api/v1/cases" + query, method: .get, headers: fixture.headers(caller))
                let body = Array(response.body.readableBytesView)
                guard let caller else {
                    if response.status != .unauthorized { differences.append("anonymous \(query): \(response.status)") }
                    continue
                }
                let actor = fixture.users[caller]!.actor
                if response.status == .ok {
                    ok += 1
                    // Absolute checks, whatever the old path says.
                    let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
                    let items = json?["items"] as? [[String: Any]] ?? []
                    for item in items {
                        if ![.lead, .auditor].contains(actor.role) {
                            for hidden in ["calibrationScore", "moderatorIds", "moderatorCount", "earliestDueAt", "overdue"] where item[hidden] != nil {
                                differences.append("\(caller) \(query): sees \(hidden)")
                            }
                            if (item["reasons"] as? [String])?.contains("calibration") == true { differences.append("\(caller) \(query): sees calibration reason") }
                        }
                        if actor.role == .employer, (item["employerId"] as? String)?.lowercased() != actor.organisationID.rawValue.lowercasedString {
                            differences.append("\(caller) \(query): sees employer \(item["employerId"] ?? "-")")
                        }
                    }
                }
                guard !actor.role.isModerator else { continue }  // moderators keep the old path
                let old = await Self.oldPath(store, actor: actor, query: query, now: now)
                let new: Outcome = response.status == .ok ? .ok(body) : .refused(Int(response.status.code))
                compared += 1
                if old != new {
                    let show: (Outcome) -> String = {
                        switch $0 {
                        case .ok(let bytes): String(decoding: bytes, as: UTF8.self).prefix(300).description
                        case .refused(let code): "refused \(code)"
                        }
                    }
                    differences.append("\(caller) \(query)\n  old \(show(old))\n  new \(show(new)) \(String(decoding: body, as: UTF8.self).prefix(200))")
                }
            }
            #expect(differences.isEmpty, "\(differences.count) differences, e.g.\n\(differences.prefix(6).joined(separator: "\n"))")
            #expect(compared > 1_000 && ok > 300, "compared \(compared), ok \(ok)")
        }
        await fixture.store.shutdown()
    }

    @Test("a 500-row page of 100,000-character names of control characters and quotes, and every page number past the kept statements")
    func longNamesAndManyPages() async throws {
        try await APIFixture.withStore { fixture in
            _ = try await CaseListRowsTests.seed(fixture.store, count: 520, seed: 77)
            try await fixture.store.withRawDatabase { db in
                try await db.raw("""
                    UPDATE case_summaries SET candidate_name = replace(hex(zeroblob(50000)), '00', char(1) || '"'),
                        employer_name = replace(hex(zeroblob(20000)), '00', '\\é' || char(31)) WHERE rowid % 2 = 0
                    """).run()
            }
            for filter in [CaseFilter(sort: .candidate), CaseFilter(sort: .due)] {
                let page = PageRequest(number: 1, size: 500)
                let (expected, written) = try await CaseListRowsTests.both(fixture.store, filter, page, calibration: true, panel: true)
                #expect(expected == written, "500 rows of long names differ")
                #expect(written.count > 500 * 100_000)
            }
            for number in 1...150 {
                let page = PageRequest(number: number, size: 3 + number % 5)
                let (expected, written) = try await CaseListRowsTests.both(fixture.store, CaseFilter(sort: .updated), page, calibration: false, panel: false)
                #expect(expected == written, "page \(number)")
            }
        }
    }

    @Test("reads from many tasks while the store shuts down: each read either answers a whole page or is refused as unavailable")
    func shutdownDuringReads() async throws {
        let fixture = try await APIFixture.make()
        _ = try await CaseListRowsTests.seed(fixture.store, count: 400, seed: 5)
        let store = fixture.store
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<32 {
                group.addTask {
                    var (whole, refused) = (0, 0)
                    for _ in 0..<40 {
                        do {
                            let bytes = try await store.records.readCaseSummaryRows(CaseFilter(), page: PageRequest(size: 500)) { rows in
                                try CaseSummaryRowsJSON.page(&rows, .init(filter: CaseFilter(), page: PageRequest(size: 500), showCalibration: true, showPanel: true), now: Date()).writer.bytes
                            }
                            if let bytes, (try? JSONSerialization.jsonObject(with: Data(bytes))) != nil { whole += 1 } else { Issue.record("not JSON") }
                        } catch {
                            #expect((error as? StoreError)?.code == .unavailable, "\(error)")
                            refused += 1
                        }
                    }
                    return (whole, refused)
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(150))
                await store.shutdown()
                return (0, 0)
            }
            var total = (0, 0)
            for try await (whole, refused) in group { total = (total.0 + whole, total.1 + refused) }
            return total
        }
        #expect(outcomes.0 > 0 && outcomes.1 > 0, "whole \(outcomes.0), refused \(outcomes.1)")
        try? FileManager.default.removeItem(at: fixture.directory)
    }

    @Test("a write is listed by the very next read, 100 times")
    func writesVisible() async throws {
        try await APIFixture.withStore { fixture in
            for n in 0..<100 {
                try await fixture.store.withRawDatabase { db in try await db.raw("UPDATE case_summaries SET version = \(literal: 1000 + n)").run() } as Void
                let versions = try await fixture.store.records.readCaseSummaryRows(CaseFilter(), page: PageRequest()) { rows in
                    var seen: [Int] = []
                    while try rows.next() { seen.append(try rows.version()) }
                    return seen
                }
                #expect(versions == [1000 + n])
            }
        }
    }

    @Test("damaged data the old path refused: a calibration flag that is not a boolean, a damaged row just past the page")
    func damagedLikeBefore() async throws {
        try await APIFixture.withStore { fixture in
            let ids = try await CaseListRowsTests.seed(fixture.store, count: 4, seed: 9)
            let all = try await fixture.store.records.listCaseSummaries(CaseFilter(), page: PageRequest(size: 500))
            try await fixture.store.withRawDatabase { db in
                try await db.raw("UPDATE case_summaries SET calibration = 'maybe' WHERE case_id = \(bind: ids[0])").run()
            }
            var results: [String] = []
            for damage in ["calibration", "past the page"] {
                if damage == "past the page" {
                    try await fixture.store.withRawDatabase { db in
                        try await db.raw("UPDATE case_summaries SET calibration = 0 WHERE case_id = \(bind: ids[0])").run()
                        // the last row in opened order gets a damaged state
                        try await db.raw("UPDATE case_summaries SET state = 'limbo' WHERE case_id = \(bind: all.last!.caseID.rawValue.lowercasedString) OR case_id = \(bind: all.last!.caseID.rawValue.uuidString)").run()
                    }
                }
                let page = PageRequest(number: 1, size: damage == "calibration" ? 500 : all.count - 1)
                let old: String
                do { _ = try await fixture.store.records.listCaseSummaries(CaseFilter(), page: page); old = "listed" } catch { old = "refused" }
                let new: String
                do {
                    _ = try await fixture.store.records.readCaseSummaryRows(CaseFilter(), page: page) { rows in
                        try CaseSummaryRowsJSON.page(&rows, .init(filter: CaseFilter(), page: page, showCalibration: true, showPanel: true), now: Date()).writer.bytes
                    }
                    new = "listed"
                } catch { new = "refused" }
                if old != new { results.append("\(damage): old \(old), new \(new)") }
            }
            #expect(results.isEmpty, "\(results)")
        }
    }

    @Test("a damaged row through the API: a 500 naming no column, path or SQLite code")
    func damagedThroughAPI() async throws {
        let fixture = try await APIFixture.make()
        try await fixture.store.withRawDatabase { db in try await db.raw("UPDATE case_summaries SET opened_at = 'not a time'").run() }
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        try await fixture.application().test(.router) { client in
            for caller in [APIFixture.Caller.lead, .assessor, .employer] {
                let response = try await client.execute(uri: "/api/v1/cases", method: .get, headers: fixture.headers(caller))
                let text = String(buffer: response.body)
                #expect(response.status == .internalServerError, "\(caller): \(response.status) \(text)")
                for secret in ["opened_at", "SQLite", "sqlite", fixture.directory.path, "Column"] { #expect(!text.contains(secret), "\(caller): \(text)") }
            }
        }
        await fixture.store.shutdown()
    }

    // MARK: The writer against the writer it replaced, byte for byte

    @Test("the ByteBuffer writer writes the bytes the array writer wrote: every scalar below 0x80, multi-byte text, 1 MB strings, Int's ends, years 1 to 9999")
    func writerSameBytesAsBefore() {
        var random = SplitMix64(seed: 4343)
        let scalars: [String] = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) } + ["é", "中", "😀", "\u{2028}", "\u{FEFF}", "\u{10FFFF}", "e\u{301}", "\u{FFFD}"]
        for round in 0..<400 {
            var new = JSONWriter(capacity: round % 3 == 0 ? 0 : 16)
            var old = OldJSONWriter()
            for _ in 0..<random.below(40) {
                switch random.below(9) {
                case 0: new.beginObject(); old.beginObject()
                case 1: new.endObject(); old.endObject()
                case 2: new.beginArray(); old.beginArray()
                case 3: new.endArray(); old.endArray()
                case 4: new.key("candidateName"); old.key("candidateName")
                case 5:
                    let text = random.below(20) == 0
                        ? String(repeating: scalars[random.below(scalars.count)], count: 200_000 + random.below(900_000))
                        : (0..<random.below(40)).map { _ in scalars[random.below(scalars.count)] }.joined()
                    new.string(text); old.string(text)
                case 6:
                    let value = [Int.min, Int.max, 0, -1, 9, 10, -10, 999_999_999_999][random.below(8)]
                    new.int(value); old.int(value)
                case 7: let flag = random.below(2) == 0; new.bool(flag); old.bool(flag)
                default:
                    let seconds = Double(-62_135_596_800 + random.below(315_537_897_600)) + Double(random.below(1000)) / 1000
                    new.time(Date(timeIntervalSince1970: seconds)); old.time(Date(timeIntervalSince1970: seconds))
                }
            }
            #expect(new.bytes == old.bytes, "round \(round): \(String(decoding: new.bytes.prefix(200), as: UTF8.self)) vs \(String(decoding: old.bytes.prefix(200), as: UTF8.self))")
        }
        // Every byte 0x00-0x7F alone and every valid 2-byte sequence lead (0xC2-0xDF) with 0x80-0xBF, through the in-place entry.
        for byte in UInt8(0)...0x7F {
            var new = JSONWriter(capacity: 0), old = OldJSONWriter()
            [byte, byte, byte].withUnsafeBufferPointer { new.string(utf8: $0) }
            old.string(String(decoding: [byte, byte, byte], as: UTF8.self))
            #expect(new.bytes == old.bytes, "byte \(byte)")
        }
        for lead in UInt8(0xC2)...0xDF {
            for trail in UInt8(0x80)...0xBF {
                var new = JSONWriter(capacity: 0), old = OldJSONWriter()
                [lead, trail, 0x22].withUnsafeBufferPointer { new.string(utf8: $0) }
                old.string(String(decoding: [lead, trail, 0x22], as: UTF8.self))
                #expect(new.bytes == old.bytes)
            }
        }
    }
}

/// The writer as it was at 5bb3a5f (arrays, gmtime_r), the reference for the byte comparison.
private struct OldJSONWriter {
    var bytes: [UInt8] = []
    private var needsComma = false

    mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0, index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                    escape(byte)
                    start = index + 1
                }
                index += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func int(_ value: Int) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits = 1, probe = value.magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        padded(value.magnitude, digits)
    }

    mutating func bool(_ value: Bool) {
        separate()
        let text: StaticString = value ? "true" : "false"
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func time(_ value: Date) {
        separate()
        var seconds = time_t(floor(value.timeIntervalSince1970))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        bytes.append(UInt8(ascii: "\""))
        padded(UInt(parts.tm_year + 1900), 4)
        bytes.append(UInt8(ascii: "-"))
        padded(UInt(parts.tm_mon + 1), 2)
        bytes.append(UInt8(ascii: "-"))
        padded(UInt(parts.tm_mday), 2)
        bytes.append(UInt8(ascii: "T"))
        padded(UInt(parts.tm_hour), 2)
        bytes.append(UInt8(ascii: ":"))
        padded(UInt(parts.tm_min), 2)
        bytes.append(UInt8(ascii: ":"))
        padded(UInt(parts.tm_sec), 2)
        bytes.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    private mutating func padded(_ value: UInt, _ width: Int) {
        var divisor: UInt = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }
}
