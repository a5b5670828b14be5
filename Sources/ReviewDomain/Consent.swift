public import Foundation

/// What a recording of people may be used for (UK GDPR: each purpose needs its own lawful basis).
public enum ConsentPurpose: String, Hashable, Codable, Sendable, CaseIterable {
    /// Assessing the candidate. The lawful basis is the regulator's public task, not consent: it cannot be withdrawn
    /// here (an objection goes to the data protection officer), and it holds without a record.
    case assessment
    /// Showing the recording to independent moderators. Part of the public task, so it holds by default; a person
    /// on the recording may withdraw it, and then no moderator sees the recording again.
    case moderation
    /// Reusing the recording to train or calibrate moderators (a calibration seed). Beyond the public task: it needs
    /// the explicit consent of everyone on the recording, and nothing is assumed.
    case training

    /// Whether the purpose holds when nothing is recorded.
    public var holdsByDefault: Bool { self != .training }
    /// Whether a person's refusal or withdrawal can be recorded for it.
    public var canBeWithdrawn: Bool { self != .assessment }
}

/// A person on a recording: the candidate, or a role-play actor by number (`actor-1`, `actor-2`, …).
public struct ConsentPerson: RawRepresentable, Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public static let candidate = ConsentPerson(validated: "candidate")
    /// The most actors a recording may name.
    public static let maximumActors = 20

    /// Nil unless `rawValue` is `candidate` or `actor-N` with N from 1 to ``maximumActors``.
    public init?(rawValue: String) {
        if rawValue == "candidate" {
            self.rawValue = rawValue
            return
        }
        guard rawValue.hasPrefix("actor-"), let number = Int(rawValue.dropFirst(6)), (1...Self.maximumActors).contains(number),
            rawValue == "actor-\(number)"
        else { return nil }
        self.rawValue = rawValue
    }

    private init(validated: String) { rawValue = validated }

    /// Role-play actor `number` (1-based).
    public static func actor(_ number: Int) -> ConsentPerson? { ConsentPerson(rawValue: "actor-\(number)") }

    public var description: String { rawValue == "candidate" ? "the candidate" : "role-play actor \(rawValue.dropFirst(6))" }

    public static func < (lhs: ConsentPerson, rhs: ConsentPerson) -> Bool {
        if lhs == rhs { return false }
        if lhs == .candidate { return true }
        if rhs == .candidate { return false }
        return (Int(lhs.rawValue.dropFirst(6)) ?? 0) < (Int(rhs.rawValue.dropFirst(6)) ?? 0)
    }
}

/// One person's answer for one purpose on one recording, with who recorded it and when.
public struct ConsentRecord: Hashable, Codable, Sendable {
    public let recordingID: RecordingID
    public let person: ConsentPerson
    public let purpose: ConsentPurpose
    /// `true`: consent given; `false`: refused or withdrawn.
    public let granted: Bool
    /// Where the signed form or the note of the conversation is kept (e.g. a document number).
    public let reference: String?
    public let recordedBy: UserID
    public let recordedAt: Date

    public init(recordingID: RecordingID, person: ConsentPerson, purpose: ConsentPurpose, granted: Bool, reference: String?, recordedBy: UserID, recordedAt: Date) {
        self.recordingID = recordingID
        self.person = person
        self.purpose = purpose
        self.granted = granted
        self.reference = reference
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }
}

/// The consents recorded for one recording, and the one rule of what it may be used for.
public struct RecordingConsent: Hashable, Sendable {
    /// The current answer per person and purpose (the latest recorded).
    public let records: [ConsentRecord]

    public init(_ records: [ConsentRecord]) {
        self.records = records
    }

    /// The people on the recording: the candidate, and every actor anything was recorded for.
    public var people: [ConsentPerson] {
        Array(Set(records.map(\.person)).union([.candidate])).sorted()
    }

    /// Whether the recording may be used for `purpose`:
    /// - assessment: always (public task);
    /// - moderation: unless someone on it has refused or withdrawn it;
    /// - training and calibration: only when everyone on it (the candidate and every actor recorded) has
    ///   explicitly consented.
    public func permits(_ purpose: ConsentPurpose) -> Bool {
        let answers = records.filter { $0.purpose == purpose }
        switch purpose {
        case .assessment: return true
        case .moderation: return !answers.contains { !$0.granted }
        case .training: return people.allSatisfy { person in answers.contains { $0.person == person && $0.granted } }
        }
    }

    /// For people: whether each purpose holds, and why not when it does not.
    public func explanation(_ purpose: ConsentPurpose) -> String {
        if permits(purpose) {
            return purpose == .training ? "everyone on the recording consented" : (records.contains { $0.purpose == purpose } ? "consented" : "holds by default (public task)")
        }
        switch purpose {
        case .assessment: return "holds (public task)"
        case .moderation:
            let who = records.filter { $0.purpose == .moderation && !$0.granted }.map(\.person.description)
            return "withdrawn by \(who.joined(separator: ", "))"
        case .training:
            let missing = people.filter { person in !records.contains { $0.purpose == .training && $0.person == person && $0.granted } }
            return "no explicit consent from \(missing.map(\.description).joined(separator: ", "))"
        }
    }
}
