import Foundation
import Testing

@testable import ReviewDomain

@Suite struct RatingsCSVTests {
    static let header = RatingsCSV.columns.joined(separator: ",")
    static let good = "OBS-1,CAND-1,Ann Example,SW000001,Northshire County Council,2026-01-14,Home visit,assessor,Priya A,National Accreditation Body,3,\"Near miss, see notes\",2026-01-16T11:40:00Z"

    @Test func theSampleDataSetParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/ratings.csv")
        let rows = try RatingsCSV.parse(String(contentsOf: url, encoding: .utf8)).get()
        #expect(rows.count == 88)
        #expect(Set(rows.map(\.observationRef)).count == 44)
        #expect(Set(rows.map(\.candidateRef)).count == 40)
        #expect(rows.allSatisfy { $0.source == .assessor || $0.source == .employer })
    }

    @Test func quotedFieldsKeepTheirCommasAndQuotes() throws {
        let rows = try RatingsCSV.parse(Self.header + "\n" + Self.good + "\n").get()
        #expect(rows.first?.rationale == "Near miss, see notes")
        #expect(rows.first?.score == (try Score(3)))
        #expect(rows.first?.line == 2)
        let records = RatingsCSV.splitRecords("a,\"b \"\"quoted\"\"\nsecond line\",c\r\nd,e,f")
        #expect(records.map(\.fields) == [["a", "b \"quoted\"\nsecond line", "c"], ["d", "e", "f"]])
        #expect(records.map(\.line) == [1, 3])
        #expect(RatingsCSV.escape("a, \"b\"") == "\"a, \"\"b\"\"\"")
    }

    /// Reproduces the export that wrote `=HYPERLINK(…)` cells for a spreadsheet to run: every cell a spreadsheet would
    /// read as a formula is guarded, numbers are not, and the importer reads the guarded export back unchanged.
    @Test func exportedCellsCannotBeFormulasAndStillReadBack() throws {
        for formula in [#"=HYPERLINK("http://evil.example","Click")"#, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            let cell = RatingsCSV.escape(formula)
            #expect(cell.hasPrefix("'") || cell.hasPrefix("\"'"), "unguarded: \(cell)")
            var fields = RatingsCSV.splitRecords(Self.good)[0].fields
            fields[RatingsCSV.columns.firstIndex(of: "rationale")!] = formula
            let rows = try RatingsCSV.parse(Self.header + "\n" + fields.map(RatingsCSV.escape).joined(separator: ",") + "\n").get()
            #expect(rows.first?.rationale.trimmingCharacters(in: .whitespacesAndNewlines) == formula.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(RatingsCSV.escape("-3") == "-3" && RatingsCSV.escape("4.5") == "4.5")
        #expect(RatingsCSV.escape("Near miss") == "Near miss")
    }

    @Test(arguments: [
        ("score", "8", "score"), ("score", "0", "score"), ("score", "four", "score"), ("source", "moderatorr", "source"),
        ("rated_at", "yesterday", "rated_at"), ("rater", "", "rater"), ("observation_date", "14/01/2026", "observation_date"),
    ])
    func eachBadFieldIsReportedWithItsLine(column: String, value: String, reported: String) throws {
        var fields = RatingsCSV.splitRecords(Self.good)[0].fields
        fields[RatingsCSV.columns.firstIndex(of: column)!] = value
        let text = [Self.header, Self.good.replacingOccurrences(of: "OBS-1", with: "OBS-0"), fields.map(RatingsCSV.escape).joined(separator: ",")].joined(separator: "\n")
        guard case .failure(let list) = RatingsCSV.parse(text) else {
            Issue.record("a bad \(column) was accepted")
            return
        }
        #expect(list.problems.map(\.line) == [3])
        #expect(list.problems.first?.column == reported)
    }

    @Test func employerRatingsComeFromTheCandidatesEmployer() {
        let row = Self.good.replacingOccurrences(of: "assessor,Priya A,National Accreditation Body", with: "employer,Dee B,Riverside Borough Council")
        guard case .failure(let list) = RatingsCSV.parse(Self.header + "\n" + row) else { Issue.record("accepted"); return }
        #expect(list.problems.first?.column == "rater_organisation")
    }

    @Test func rowsMustAgreeWithEachOther() {
        let otherEmployer = Self.good.replacingOccurrences(of: "Northshire", with: "Eastgate").replacingOccurrences(of: "OBS-1", with: "OBS-2")
        let duplicate = Self.good
        guard case .failure(let list) = RatingsCSV.parse([Self.header, Self.good, otherEmployer, duplicate].joined(separator: "\n")) else {
            Issue.record("inconsistent rows accepted")
            return
        }
        #expect(list.problems.map(\.line) == [3, 4])
    }

    @Test func headerProblemsAreNamed() {
        guard case .failure(let list) = RatingsCSV.parse("observation_ref,score\nOBS-1,4") else { Issue.record("accepted"); return }
        #expect(list.problems.first?.reason.contains("candidate_ref") == true)
        guard case .failure(let empty) = RatingsCSV.parse("") else { Issue.record("accepted"); return }
        #expect(empty.problems.first?.line == 1)
        guard case .failure(let ragged) = RatingsCSV.parse(Self.header + "\nOBS-1,too,few") else { Issue.record("accepted"); return }
        #expect(ragged.problems.first?.reason.contains("fields") == true)
    }
}

extension RatingsCSVTests {
    @Test func skippingBadLinesKeepsTheFilesLineNumbers() {
        let bad = Self.good.replacingOccurrences(of: ",3,", with: ",9,").replacingOccurrences(of: "OBS-1", with: "OBS-2")
        let last = Self.good.replacingOccurrences(of: "OBS-1", with: "OBS-3")
        let text = [Self.header, Self.good, bad, last].joined(separator: "\n")
        let rows = RatingsCSV.validRows(in: text, excluding: [3])
        #expect(rows.map(\.line) == [2, 4])
        #expect(rows.map(\.observationRef) == ["OBS-1", "OBS-3"])
    }
}

extension RatingsCSVTests {
    @Test("a row whose rationale is over 10,000 characters is refused, naming its line and column")
    func aLongRationaleIsRefusedWithItsLine() throws {
        var fields = RatingsCSV.splitRecords(Self.good)[0].fields
        fields[RatingsCSV.columns.firstIndex(of: "rationale")!] = String(repeating: "why ", count: 2_750)
        let text = [Self.header, Self.good.replacingOccurrences(of: "OBS-1", with: "OBS-0"), fields.map(RatingsCSV.escape).joined(separator: ",")].joined(separator: "\n")
        guard case .failure(let list) = RatingsCSV.parse(text) else {
            Issue.record("an 11,000-character rationale was accepted")
            return
        }
        #expect(list.problems.map(\.line) == [3] && list.problems.first?.column == "rationale")
        #expect(list.problems.first?.description.contains("at most 10000") == true)
    }

    @Test("a NUL character in a field is refused with its line and column")
    func aNULIsRefusedWithItsLine() throws {
        var fields = RatingsCSV.splitRecords(Self.good)[0].fields
        fields[RatingsCSV.columns.firstIndex(of: "rationale")!] = "visible\u{0}hidden"
        let text = [Self.header, fields.map(RatingsCSV.escape).joined(separator: ",")].joined(separator: "\n")
        guard case .failure(let list) = RatingsCSV.parse(text) else {
            Issue.record("a rationale with a NUL character was accepted")
            return
        }
        #expect(list.problems.map(\.line) == [2] && list.problems.first?.column == "rationale")
        #expect(list.problems.first?.description.contains("NUL character") == true)
    }

    @Test("a name with an invisible control or direction character, or over 200 characters, is refused with its line and column",
          arguments: [("candidate_name", "Ann\u{202E}eb"), ("candidate_name", String(repeating: "n", count: 201)), ("rater", "Rater\u{1}")])
    func namesAreNames(column: String, value: String) throws {
        var fields = RatingsCSV.splitRecords(Self.good)[0].fields
        fields[RatingsCSV.columns.firstIndex(of: column)!] = value
        let text = [Self.header, fields.map(RatingsCSV.escape).joined(separator: ",")].joined(separator: "\n")
        guard case .failure(let list) = RatingsCSV.parse(text) else {
            Issue.record("the name \(value.debugDescription) was accepted")
            return
        }
        #expect(list.problems.contains { $0.line == 2 && $0.column == column }, "\(list.problems)")
        #expect(PersonName.problem("Séance O'Brien-Łukasz", "The name") == nil)
    }
}
