public import Foundation

/// A moderator on a case: `offered → accepted | declined → submitted | expired`, or `cancelled` when the
/// case is decided or withdrawn without their opinion.
public struct Assignment: Hashable, Codable, Sendable {
    public enum State: String, Hashable, Codable, Sendable, CaseIterable {
        case offered, accepted, declined, submitted, expired, cancelled

        /// Whether the moderator still owes an opinion (it counts toward their workload).
        public var isOpen: Bool { self == .offered || self == .accepted }
    }

    public let caseID: CaseID
    public let moderatorID: UserID
    public let kind: ModeratorKind
    /// The moderation round it belongs to.
    public let round: Int
    public private(set) var state: State
    public let assignedBy: UserID
    public let assignedAt: Date
    /// When the opinion is due; past it the assignment expires and the case is re-routed.
    public let dueAt: Date
    /// Why routing (or the lead) chose this moderator.
    public let reasons: [String]
    /// When it stopped being open, and why (a declined conflict, expiry, the case ending).
    public private(set) var endedAt: Date?
    public private(set) var endReason: String?

    public init(
        caseID: CaseID, moderatorID: UserID, kind: ModeratorKind, round: Int, state: State = .offered, assignedBy: UserID,
        assignedAt: Date, dueAt: Date, reasons: [String], endedAt: Date? = nil, endReason: String? = nil
    ) {
        self.caseID = caseID
        self.moderatorID = moderatorID
        self.kind = kind
        self.round = round
        self.state = state
        self.assignedBy = assignedBy
        self.assignedAt = assignedAt
        self.dueAt = dueAt
        self.reasons = reasons
        self.endedAt = endedAt
        self.endReason = endReason
    }

    /// Whether it is open and past its due date at `time`.
    public func isOverdue(at time: Date) -> Bool { state.isOpen && time > dueAt }

    /// The moderator accepts the case.
    public func accepted() throws(DomainError) -> Assignment {
        guard state == .offered else { throw refusal("accept") }
        var next = self
        next.state = .accepted
        return next
    }

    /// The moderator declines with a conflict of interest (reason required).
    public func declined(reason: String, at time: Date) throws(DomainError) -> Assignment {
        guard state.isOpen else { throw refusal("decline") }
        guard let reason = reason.nonBlank else {
            throw DomainError(code: .reasonRequired, message: "Say what the conflict of interest is; the case is re-routed at once.")
        }
        return ended(.declined, reason: reason, at: time)
    }

    /// The moderator's opinion is in.
    public func submitted(at time: Date) throws(DomainError) -> Assignment {
        guard state.isOpen else { throw refusal("submit an opinion on") }
        return ended(.submitted, reason: nil, at: time)
    }

    /// Past due without an opinion.
    public func expired(at time: Date) throws(DomainError) -> Assignment {
        guard isOverdue(at: time) else { throw refusal("expire") }
        return ended(.expired, reason: "no opinion by the due date", at: time)
    }

    /// The case ended (decided or withdrawn) without this opinion.
    public func cancelled(reason: String, at time: Date) throws(DomainError) -> Assignment {
        guard state.isOpen else { throw refusal("cancel") }
        return ended(.cancelled, reason: reason, at: time)
    }

    private func ended(_ state: State, reason: String?, at time: Date) -> Assignment {
        var next = self
        next.state = state
        next.endedAt = time
        next.endReason = reason
        return next
    }

    private func refusal(_ verb: String) -> DomainError {
        DomainError(code: .assignmentTransition, message: "Cannot \(verb) an assignment that is \(state.rawValue).")
    }
}
