import Foundation

// The fairness breakdowns of the insight report: outcome rates by employer and by consented candidate attribute, with
// small groups suppressed.

extension InsightReport {
    /// The outcome rates (``GroupRates``: fail rate, near-miss share of failures, dispute rate, overturn rate, defined as
    /// in ``PeriodOutcomes``) broken down by employer and by each recorded candidate attribute.
    ///
    /// Each breakdown is a list of cells (groups); a cell's `people` is the number of distinct candidates with an
    /// observation in it. **Disclosure control**, as official statistics practise it:
    /// - *primary suppression*: a cell with fewer than ``minimumPeople`` (5) people is suppressed — it carries its
    ///   group name and no numbers at all (`"people": "< 5"`);
    /// - *secondary suppression*: while only one cell of a breakdown is suppressed, or the suppressed cells hold fewer
    ///   than 5 people together, the next-smallest cell (fewest people; ties by position) is suppressed too, so that no
    ///   small cell can be recovered by subtracting the shown cells from the overall figures
    ///   (``DisclosureControl``). It shows `"people": "5 or more"` and `"secondary": true`.
    ///
    /// By employer: one cell per employer, named by `employerNames` (or the id when unnamed), ordered by name. By
    /// attribute: one breakdown per attribute name in `InsightData.attributes` (ordered by name), one cell per value
    /// (ordered by value) and a last cell "Not recorded" for candidates without that attribute. A candidate with
    /// more than one value for an attribute counts under the first one listed.
    public struct FairnessFigures: Sendable, Equatable, Codable {
        /// Cells with fewer people than this are suppressed.
        public static let minimumPeople = 5
        /// The group of candidates without a value for an attribute.
        public static let notRecorded = "Not recorded"

        /// ``minimumPeople``, recorded with the figures.
        public var minimumPeople: Int
        public var byEmployer: [FairnessCell]
        public var byAttribute: [AttributeBreakdown]

        init(_ selection: InsightSelection) {
            minimumPeople = Self.minimumPeople
            // By employer: a candidate may be observed at several employers, so people are the distinct
            // (employer, candidate) pairs, counted by sorting them.
            var employers = [GroupTally](repeating: GroupTally(), count: selection.employers.count)
            var pairs: [UInt64] = []
            pairs.reserveCapacity(selection.observations.count)
            for (index, outcome) in selection.outcomes.enumerated() {
                employers[selection.employerOf[index]].add(outcome)
                pairs.append(UInt64(selection.employerOf[index]) << 32 | UInt64(selection.candidateOf[index]))
            }
            pairs.sort()
            for (index, pair) in pairs.enumerated() where index == 0 || pairs[index - 1] != pair {
                employers[Int(pair >> 32)].people += 1
            }
            let named = selection.employers.indices.map { index in
                let id = selection.employers[index]
                return (group: selection.data.employerNames[id] ?? id.description, id: id.description, tally: employers[index])
            }.sorted { ($0.group, $0.id) < ($1.group, $1.id) }
            byEmployer = Self.suppress(named.map { ($0.group, $0.tally) })

            // By attribute: each candidate is in one group of each attribute, so people are counted per candidate.
            var values: [String: [IDKey: String]] = [:]
            for attribute in selection.data.attributes where values[attribute.name]?[IDKey(attribute.candidateID)] == nil {
                values[attribute.name, default: [:]][IDKey(attribute.candidateID)] = attribute.value
            }
            byAttribute = values.keys.sorted().map { name in
                let recorded = values[name]!
                let groupNames = Set(selection.candidates.compactMap { recorded[IDKey($0)] }).sorted() + [Self.notRecorded]
                var position: [String: Int] = [:]
                for (index, group) in groupNames.enumerated() { position[group] = index }
                var groups = [GroupTally](repeating: GroupTally(), count: groupNames.count)
                let groupOf = selection.candidates.map { position[recorded[IDKey($0)] ?? Self.notRecorded]! }
                for group in groupOf { groups[group].people += 1 }
                for (index, outcome) in selection.outcomes.enumerated() {
                    groups[groupOf[selection.candidateOf[index]]].add(outcome)
                }
                let cells = zip(groupNames, groups).filter { $0.1.observations > 0 }.map { ($0.0, $0.1) }
                return AttributeBreakdown(attribute: name, cells: Self.suppress(cells))
            }
        }

        /// The cells of one breakdown, in the order given, with primary and secondary (complementary) suppression
        /// applied by ``DisclosureControl/withheld(_:threshold:)`` to their people.
        static func suppress(_ groups: [(group: String, tally: GroupTally)]) -> [FairnessCell] {
            let withheld = DisclosureControl.withheld(groups.map(\.tally.people), threshold: minimumPeople)
            return groups.enumerated().map { index, entry in
                guard withheld.contains(index) else {
                    return .shown(group: entry.group, people: entry.tally.people, rates: entry.tally.outcomes.rates)
                }
                return .suppressed(group: entry.group, secondary: entry.tally.people >= minimumPeople)
            }
        }
    }

    /// One attribute's breakdown.
    public struct AttributeBreakdown: Sendable, Equatable, Codable {
        /// The attribute's name, e.g. `ethnicity`.
        public var attribute: String
        /// One cell per value, then "Not recorded".
        public var cells: [FairnessCell]
    }

    /// One group of a fairness breakdown: shown with its people and rates, or suppressed with no numbers at all.
    ///
    /// JSON: shown, `{"group": "…", "suppressed": false, "people": 12, "failRate": R, "nearMissShareOfFailures": R,
    /// "disputeRate": R, "overturnRate": R}`; suppressed, `{"group": "…", "suppressed": true, "people": "< 5"}`, or for a
    /// secondary suppression `{"group": "…", "suppressed": true, "people": "5 or more", "secondary": true}`.
    public enum FairnessCell: Sendable, Equatable, Codable {
        /// A group with ``FairnessFigures/minimumPeople`` or more people.
        case shown(group: String, people: Int, rates: GroupRates)
        /// A suppressed group: fewer than 5 people, or (`secondary`) the next-smallest group of a breakdown in which only
        /// one group was small.
        case suppressed(group: String, secondary: Bool)

        /// The group's name.
        public var group: String {
            switch self {
            case .shown(let group, _, _), .suppressed(let group, _): group
            }
        }

        /// Whether the numbers are withheld.
        public var isSuppressed: Bool {
            if case .suppressed = self { return true }
            return false
        }

        /// The rates, or `nil` when suppressed.
        public var rates: GroupRates? {
            if case .shown(_, _, let rates) = self { return rates }
            return nil
        }

        /// The number of people, or `nil` when suppressed.
        public var people: Int? {
            if case .shown(_, let people, _) = self { return people }
            return nil
        }

        /// How a suppressed cell shows its people.
        static func peopleLabel(secondary: Bool) -> String {
            secondary ? "\(FairnessFigures.minimumPeople) or more" : "< \(FairnessFigures.minimumPeople)"
        }

        private enum CodingKeys: String, CodingKey {
            case group, suppressed, people, secondary, failRate, nearMissShareOfFailures, disputeRate, overturnRate
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let group = try container.decode(String.self, forKey: .group)
            if try container.decode(Bool.self, forKey: .suppressed) {
                self = .suppressed(group: group, secondary: try container.decodeIfPresent(Bool.self, forKey: .secondary) ?? false)
                return
            }
            self = .shown(
                group: group, people: try container.decode(Int.self, forKey: .people),
                rates: GroupRates(
                    failRate: try container.decode(Rate.self, forKey: .failRate),
                    nearMissShareOfFailures: try container.decode(Rate.self, forKey: .nearMissShareOfFailures),
                    disputeRate: try container.decode(Rate.self, forKey: .disputeRate),
                    overturnRate: try container.decode(Rate.self, forKey: .overturnRate)))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(group, forKey: .group)
            switch self {
            case .suppressed(_, let secondary):
                try container.encode(true, forKey: .suppressed)
                try container.encode(Self.peopleLabel(secondary: secondary), forKey: .people)
                if secondary { try container.encode(true, forKey: .secondary) }
            case .shown(_, let people, let rates):
                try container.encode(false, forKey: .suppressed)
                try container.encode(people, forKey: .people)
                try container.encode(rates.failRate, forKey: .failRate)
                try container.encode(rates.nearMissShareOfFailures, forKey: .nearMissShareOfFailures)
                try container.encode(rates.disputeRate, forKey: .disputeRate)
                try container.encode(rates.overturnRate, forKey: .overturnRate)
            }
        }
    }
}

/// The outcome counts and the number of distinct candidates of one fairness cell.
struct GroupTally {
    var outcomes = OutcomeTally()
    var people = 0

    var observations: Int { outcomes.observations }

    mutating func add(_ outcome: ObservationOutcome) { outcomes.add(outcome) }
}

// MARK: - Tables

extension InsightReport.FairnessCell {
    static let columns = [
        "group", "people", "suppressed", "countedObservations", "failures", "failRate", "nearMisses",
        "nearMissShareOfFailures", "observations", "disputedObservations", "disputeRate", "moderatedCases", "overturns",
        "overturnRate",
    ]

    /// The cells under ``columns``: a suppressed group has its people label and nothing else.
    var cells: [String] {
        switch self {
        case .suppressed(let group, let secondary):
            return [group, Self.peopleLabel(secondary: secondary), "true"]
                + Array(repeating: "", count: Self.columns.count - 3)
        case .shown(let group, let people, let rates):
            return [group, InsightTable.cell(people), "false"]
                + [InsightTable.cell(rates.failRate.denominator)] + InsightTable.cells(rates.failRate)
                + InsightTable.cells(rates.nearMissShareOfFailures)
                + [InsightTable.cell(rates.disputeRate.denominator)] + InsightTable.cells(rates.disputeRate)
                + [InsightTable.cell(rates.overturnRate.denominator)] + InsightTable.cells(rates.overturnRate)
        }
    }
}

extension InsightReport.FairnessFigures {
    var tables: [InsightTable] {
        [InsightTable(name: "fairness-by-employer", columns: InsightReport.FairnessCell.columns,
                      rows: byEmployer.map(\.cells))]
            + byAttribute.map {
                InsightTable(name: "fairness-by-attribute-" + Self.fileSafe($0.attribute),
                             columns: InsightReport.FairnessCell.columns, rows: $0.cells.map(\.cells))
            }
    }

    /// `name` in lower case with every character but ASCII letters, digits, `-` and `_` replaced by `-`.
    static func fileSafe(_ name: String) -> String {
        String(String.UnicodeScalarView(name.lowercased().unicodeScalars.map {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" ? $0 : "-"
        }))
    }
}
