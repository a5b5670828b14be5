public import Foundation

/// A time-coded note on a recording, anchored to its presentation time in seconds.
public struct Annotation: Hashable, Codable, Sendable {
    /// Seconds from the start of the recording.
    public let start: Double
    /// Where the noted passage ends, if it is a passage.
    public let end: Double?
    /// The note.
    public let text: String
    /// The professional standard or criterion it evidences, e.g. `PCF 6` or `communication`.
    public let tag: String?
    /// The recording it is on (an observation may have several: a phone and a room camera). Nil only on notes made
    /// before notes named their recording.
    public let recordingID: RecordingID?

    /// Annotations per opinion at most.
    public static let maximumCount = 500
    /// Characters per note at most.
    public static let maximumTextLength = 4_000

    /// Creates an annotation, checking it against the recording's duration when known.
    public init(
        start: Double, end: Double? = nil, text: String, tag: String? = nil, recordingID: RecordingID? = nil, duration: Double?
    ) throws(DomainError) {
        func invalid(_ message: String) -> DomainError { DomainError(code: .invalidAnnotation, message: message) }
        guard start.isFinite, start >= 0 else { throw invalid("A note's start must be a time in seconds from 0, not \(start).") }
        if let duration, start > duration {
            throw invalid("A note at \(Self.clock(start)) is past the end of the recording (\(Self.clock(duration))).")
        }
        if let end {
            guard end.isFinite, end >= start else { throw invalid("A note's end (\(end)) must not come before its start (\(start)).") }
            if let duration, end > duration {
                throw invalid("A note ending at \(Self.clock(end)) runs past the end of the recording (\(Self.clock(duration))).")
            }
        }
        guard let text = text.nonBlank, text.count <= Self.maximumTextLength else {
            throw invalid("A note needs text (at most \(Self.maximumTextLength) characters).")
        }
        let tag = tag.nonBlank
        if let tag, tag.count > 64 { throw invalid("A note's tag is at most 64 characters.") }
        self.start = start
        self.end = end
        self.text = text
        self.tag = tag
        self.recordingID = recordingID
    }

    /// `h:mm:ss.s` or `m:ss.s`, as a player shows it.
    public static func clock(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        let (h, m, s, t) = (tenths / 36_000, tenths / 600 % 60, tenths / 10 % 60, tenths % 10)
        let mmss = (m < 10 && h > 0 ? "0" : "") + "\(m):" + (s < 10 ? "0" : "") + "\(s).\(t)"
        return h > 0 ? "\(h):\(mmss)" : mmss
    }
}

/// A moderator's second opinion on a case: a score, a rationale and time-coded notes, given blind.
///
/// Immutable once submitted: a correction is a new opinion that ``supersedes`` it, with a reason; both stay.
public struct SecondOpinion: Identifiable, Hashable, Codable, Sendable {
    public let id: OpinionID
    public let caseID: CaseID
    public let moderatorID: UserID
    /// The moderation round (1, then one more each time the case is reopened).
    public let round: Int
    public let score: Score
    public let rationale: String
    public let annotations: [Annotation]
    public let submittedAt: Date
    /// The opinion this one corrects.
    public let supersedes: OpinionID?
    /// Why it was corrected; present exactly when ``supersedes`` is.
    public let correctionReason: String?

    /// Characters of rationale at most.
    public static let maximumRationaleLength = 20_000

    /// A new opinion, or a correction of `correcting` (which must be this moderator's, on this case).
    public init(
        id: OpinionID = OpinionID(), caseID: CaseID, moderatorID: UserID, round: Int, score: Score, rationale: String,
        annotations: [Annotation], submittedAt: Date, correcting: SecondOpinion? = nil, correctionReason: String? = nil
    ) throws(DomainError) {
        guard let rationale = rationale.nonBlank, rationale.count <= Self.maximumRationaleLength else {
            throw DomainError(code: .reasonRequired, message: "A second opinion needs a rationale: say why you gave this score (at most \(Self.maximumRationaleLength) characters).")
        }
        guard annotations.count <= Annotation.maximumCount else {
            throw DomainError(code: .invalidAnnotation, message: "An opinion carries at most \(Annotation.maximumCount) notes, not \(annotations.count).")
        }
        if let correcting {
            guard correcting.caseID == caseID, correcting.moderatorID == moderatorID else {
                throw DomainError(code: .notPermitted, message: "A moderator can correct only their own opinion on the same case.")
            }
            guard correctionReason.nonBlank != nil else {
                throw DomainError(code: .reasonRequired, message: "A correction needs a reason; the original opinion is kept beside it.")
            }
        }
        self.id = id
        self.caseID = caseID
        self.moderatorID = moderatorID
        self.round = round
        self.score = score
        self.rationale = rationale
        self.annotations = annotations.sorted { ($0.start, $0.end ?? $0.start) < ($1.start, $1.end ?? $1.start) }
        self.submittedAt = submittedAt
        self.supersedes = correcting?.id
        self.correctionReason = correcting == nil ? nil : correctionReason.nonBlank
    }

    /// An opinion read back from storage, as it was validated when submitted.
    public init(
        restoring id: OpinionID, caseID: CaseID, moderatorID: UserID, round: Int, score: Score, rationale: String,
        annotations: [Annotation], submittedAt: Date, supersedes: OpinionID?, correctionReason: String?
    ) {
        self.id = id
        self.caseID = caseID
        self.moderatorID = moderatorID
        self.round = round
        self.score = score
        self.rationale = rationale
        self.annotations = annotations
        self.submittedAt = submittedAt
        self.supersedes = supersedes
        self.correctionReason = correctionReason
    }

    /// The opinions no correction supersedes, in the order given.
    public static func current(_ opinions: [SecondOpinion]) -> [SecondOpinion] {
        let superseded = Set(opinions.compactMap(\.supersedes))
        return opinions.filter { !superseded.contains($0.id) }
    }
}

/// Turns a round's opinions into an outcome, or says why it cannot (DESIGN.md §3).
public enum Reconciliation {
    /// What the rule concluded.
    public enum Result: Hashable, Sendable {
        /// The opinions agree: the outcome, by the median rule.
        case agreed(Outcome)
        /// They do not: escalate. The codes say how they disagree.
        case disagreed(reasonCodes: [String], summary: String)
    }

    /// Opinions within `tolerance` of each other (max − min < tolerance) and all on one side of the pass line
    /// decide by their median, a half rounding down; otherwise they disagree. Needs at least one opinion.
    public static func reconcile(_ opinions: [SecondOpinion], tolerance: Int) -> Result {
        let scores = opinions.map(\.score.value).sorted()
        guard let low = scores.first, let high = scores.last else {
            return .disagreed(reasonCodes: ["no_opinions"], summary: "No opinions to reconcile.")
        }
        var codes: [String] = []
        if Score.allCases[low - 1].meetsStandard != Score.allCases[high - 1].meetsStandard { codes.append("straddles_pass_line") }
        if high - low >= tolerance { codes.append("exceeds_tolerance") }
        guard codes.isEmpty else {
            return .disagreed(reasonCodes: codes, summary: "Opinions range from \(low) to \(high)"
                + (codes.contains("straddles_pass_line") ? ", on both sides of the pass line" : "")
                + (codes.contains("exceeds_tolerance") ? ", \(high - low) apart (tolerance \(tolerance))" : "") + ".")
        }
        let middle = scores.count / 2
        let median = scores.count % 2 == 1 ? scores[middle] : (scores[middle - 1] + scores[middle]) / 2  // a half rounds down
        let outcome = Outcome(
            score: Score.allCases[median - 1], basis: .rule(.median),
            reasonCodes: ["opinions_within_tolerance", "same_side_of_pass_line"],
            basedOn: opinions.map(\.id),
            reason: "Median of \(scores.count) opinions (\(scores.map(String.init).joined(separator: ", "))), within tolerance \(tolerance).")
        return .agreed(outcome)
    }
}
