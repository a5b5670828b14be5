public import Foundation

/// The documented CSV of ratings (`samples/ratings.csv`): one row per rating.
///
/// Columns, in any order, all required: `observation_ref, candidate_ref, candidate_name,
/// registration_number, employer, observation_date, scenario, source, rater, rater_organisation, score,
/// rationale, rated_at`. Parsing is pure: it returns a `RatingsImportPlan` or every problem with its line.
public enum RatingsCSV {
    public static let columns = [
        "observation_ref", "candidate_ref", "candidate_name", "registration_number", "employer",
        "observation_date", "scenario", "source", "rater", "rater_organisation", "score", "rationale", "rated_at",
    ]

    /// One problem with the input, at a 1-based line of the file.
    public struct Problem: Hashable, Sendable, CustomStringConvertible {
        public let line: Int
        public let column: String?
        public let reason: String
        public var description: String { "line \(line)\(column.map { " (\($0))" } ?? ""): \(reason)" }
    }

    /// One valid rating row, with the line it came from.
    public struct Row: Hashable, Sendable {
        public let line: Int
        public let observationRef: String
        public let candidateRef: String
        public let candidateName: String
        public let registrationNumber: String
        public let employer: String
        public let observationDate: Date
        public let scenario: String
        public let source: RatingSource
        public let rater: String
        public let raterOrganisation: String
        public let score: Score
        public let rationale: String
        public let ratedAt: Date
    }

    /// Parses and checks the whole file (less the `skipping` lines); returns every valid row, or every
    /// problem found. Line numbers are always those of the file.
    public static func parse(_ text: String, skipping skipped: Set<Int> = []) -> Result<[Row], ProblemList> {
        let records = splitRecords(text)
        guard let header = records.first else {
            return .failure(ProblemList([Problem(line: 1, column: nil, reason: "the file is empty; expected a header row: \(columns.joined(separator: ","))")]))
        }
        let names = header.fields.map { trimmed($0).lowercased() }
        let missing = columns.filter { !names.contains($0) }
        guard missing.isEmpty else {
            return .failure(ProblemList([Problem(line: header.line, column: nil, reason: "missing column(s) \(missing.joined(separator: ", ")); the header must name: \(columns.joined(separator: ","))")]))
        }
        let position = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })

        var rows: [Row] = []
        var problems: [Problem] = []
        for record in records.dropFirst() where !(record.fields.count == 1 && record.fields[0].isEmpty) && !skipped.contains(record.line) {
            guard record.fields.count == names.count else {
                problems.append(Problem(line: record.line, column: nil, reason: "has \(record.fields.count) fields, the header has \(names.count) (a comma inside a value needs double quotes)"))
                continue
            }
            // SQLite ends a text at U+0000: the value kept would not be the value the audit trail hashed.
            if let column = record.fields.indices.first(where: { record.fields[$0].utf8.contains(0) }) {
                problems.append(Problem(line: record.line, column: names[column], reason: "contains a NUL character, which cannot be stored; remove it"))
                continue
            }
            func field(_ name: String) -> String { trimmed(unguarded(record.fields[position[name] ?? 0])) }
            var rowProblems: [Problem] = []
            func require(_ name: String) -> String {
                let value = field(name)
                if value.isEmpty { rowProblems.append(Problem(line: record.line, column: name, reason: "is empty")) }
                return value
            }
            let texts = Dictionary(uniqueKeysWithValues: columns.map { ($0, require($0)) })
            var score: Score? = nil
            if let raw = texts["score"], !raw.isEmpty {
                if let number = Int(raw) {
                    do { score = try Score(number) } catch { rowProblems.append(Problem(line: record.line, column: "score", reason: error.message)) }
                } else {
                    rowProblems.append(Problem(line: record.line, column: "score", reason: "“\(raw)” is not a whole number from 1 to 7"))
                }
            }
            let source = texts["source"].flatMap { RatingSource(rawValue: $0.lowercased()) }
            if source == nil, let raw = texts["source"], !raw.isEmpty {
                rowProblems.append(Problem(line: record.line, column: "source", reason: "“\(raw)” is not one of \(RatingSource.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            let observationDate = texts["observation_date"].flatMap { $0.isEmpty ? nil : date($0, column: "observation_date", line: record.line, problems: &rowProblems) }
            let ratedAt = texts["rated_at"].flatMap { $0.isEmpty ? nil : date($0, column: "rated_at", line: record.line, problems: &rowProblems) }
            if source == .employer, let organisation = texts["rater_organisation"], let employer = texts["employer"], organisation != employer {
                rowProblems.append(Problem(line: record.line, column: "rater_organisation", reason: "an employer rating must come from the candidate's employer (“\(employer)”), not “\(organisation)”"))
            }
            for (column, what) in [("candidate_name", "The candidate's name"), ("rater", "The rater's name")] {
                if let name = texts[column], let problem = PersonName.problem(name, what) {
                    rowProblems.append(Problem(line: record.line, column: column, reason: problem))
                }
            }
            if let tooLong = FreeText.tooLong(texts["rationale"], "The rationale") {
                rowProblems.append(Problem(line: record.line, column: "rationale", reason: tooLong))
            }
            guard rowProblems.isEmpty, let score, let source, let observationDate, let ratedAt else {
                problems += rowProblems
                continue
            }
            rows.append(Row(
                line: record.line, observationRef: texts["observation_ref"]!, candidateRef: texts["candidate_ref"]!,
                candidateName: texts["candidate_name"]!, registrationNumber: texts["registration_number"]!,
                employer: texts["employer"]!, observationDate: observationDate, scenario: texts["scenario"]!,
                source: source, rater: texts["rater"]!, raterOrganisation: texts["rater_organisation"]!,
                score: score, rationale: texts["rationale"]!, ratedAt: ratedAt))
        }
        problems += consistencyProblems(rows)
        return problems.isEmpty ? .success(rows) : .failure(ProblemList(problems.sorted { $0.line < $1.line }))
    }

    /// Rows must agree with each other: one employer and registration number per candidate, one candidate
    /// per observation, one rating per observation, source and rater.
    private static func consistencyProblems(_ rows: [Row]) -> [Problem] {
        var problems: [Problem] = []
        var candidates: [String: Row] = [:]
        var observations: [String: Row] = [:]
        var ratings: [String: Row] = [:]
        for row in rows {
            if let first = candidates[row.candidateRef] {
                if first.employer != row.employer || first.registrationNumber != row.registrationNumber || first.candidateName != row.candidateName {
                    problems.append(Problem(line: row.line, column: "candidate_ref", reason: "candidate \(row.candidateRef) has a different name, registration number or employer than on line \(first.line)"))
                }
            } else {
                candidates[row.candidateRef] = row
            }
            if let first = observations[row.observationRef] {
                if first.candidateRef != row.candidateRef || first.observationDate != row.observationDate || first.scenario != row.scenario {
                    problems.append(Problem(line: row.line, column: "observation_ref", reason: "observation \(row.observationRef) has a different candidate, date or scenario than on line \(first.line)"))
                }
            } else {
                observations[row.observationRef] = row
            }
            let key = "\(row.observationRef)\u{1F}\(row.source.rawValue)\u{1F}\(row.rater)"
            if let first = ratings[key] {
                problems.append(Problem(line: row.line, column: nil, reason: "\(row.rater) already rated \(row.observationRef) as \(row.source.rawValue) on line \(first.line); a correction is made in the service, not by a second row"))
            } else {
                ratings[key] = row
            }
        }
        return problems
    }

    private static func date(_ text: String, column: String, line: Int, problems: inout [Problem]) -> Date? {
        if let date = ISO8601Date.parse(text) { return date }
        problems.append(Problem(line: line, column: column, reason: "“\(text)” is not an ISO 8601 date (2026-01-14) or time (2026-01-16T11:40:00Z)"))
        return nil
    }

    /// Splits RFC 4180 CSV into records of fields, remembering each record's first line number.
    static func splitRecords(_ text: String) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var recordLine = 1
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return iterator.next()
        }
        while let scalar = next() {
            if quoted {
                if scalar == "\"" {
                    let following = next()
                    if following == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = following }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty: quoted = true
            case ",": fields.append(field); field = ""
            case "\r": continue
            case "\n":
                fields.append(field)
                records.append((recordLine, fields))
                fields = []
                field = ""
                line += 1
                recordLine = line
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append((recordLine, fields))
        }
        return records
    }

    /// The value without leading and trailing spaces and tabs (cheaper than Foundation's trimming, which
    /// bridges through NSString for every field of a large file).
    static func trimmed(_ value: String) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = value.firstIndex(where: { !isBlank($0) }), let last = value.lastIndex(where: { !isBlank($0) }) else { return "" }
        return first == value.startIndex && last == value.index(before: value.endIndex) ? value : String(value[first...last])
    }

    /// Quotes a value for CSV output when it needs it.
    /// One field as exports write it: a text starting with `=`, `+`, `-`, `@`, a tab or a carriage return (which a
    /// spreadsheet would run as a formula) gets a leading `'`, as the statistics tables do; then quoted if need be.
    /// The importer takes the guard off again, so an export reads back as the same ratings.
    public static func escape(_ value: String) -> String {
        InsightTable.field(value)
    }

    /// The value of an exported field without the formula guard ``escape(_:)`` put on it.
    static func unguarded(_ value: String) -> String {
        guard value.hasPrefix("'"), let next = value.unicodeScalars.dropFirst().first, "=+-@\t\r".unicodeScalars.contains(next) else { return value }
        return String(value.dropFirst())
    }
}

/// Every problem found in an input, as an error.
public struct ProblemList: Error, Hashable, Sendable, CustomStringConvertible {
    public let problems: [RatingsCSV.Problem]
    public init(_ problems: [RatingsCSV.Problem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension RatingsCSV {
    /// The rows left once the given lines (those with problems) are left out, keeping the file's line
    /// numbers: for an import that skips invalid rows. Empty if what is left still has problems.
    public static func validRows(in text: String, excluding lines: Set<Int>) -> [Row] {
        switch parse(text, skipping: lines) {
        case .success(let rows): return rows
        case .failure: return []
        }
    }
}
