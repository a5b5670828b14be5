public import Foundation

/// One assessed event for a candidate; its evidence is one or more ``Recording``s.
public struct Observation: Identifiable, Hashable, Codable, Sendable {
    /// The field of practice the observation assesses.
    public enum PracticeArea: String, Hashable, Codable, Sendable, CaseIterable {
        /// Children and families.
        case childrens
        /// Adult social care.
        case adults
        /// Mental health, including Approved Mental Health Professional (AMHP) work.
        case mentalHealth = "mental_health"
        /// Any other area.
        case other
    }

    /// The observation's identity.
    public let id: ObservationID
    /// The candidate observed.
    public let candidateID: CandidateID
    /// When the observation took place.
    public let date: Date
    /// The scenario played or observed.
    public var scenario: String
    /// The field of practice assessed.
    public var practiceArea: PracticeArea

    /// Creates an observation.
    public init(
        id: ObservationID = ObservationID(),
        candidateID: CandidateID,
        date: Date,
        scenario: String,
        practiceArea: PracticeArea
    ) {
        self.id = id
        self.candidateID = candidateID
        self.date = date
        self.scenario = scenario
        self.practiceArea = practiceArea
    }
}
