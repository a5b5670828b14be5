public import Foundation
public import ReviewDomain

/// Something a person is told about (decision 24): a case offered to them, an opinion falling due, an expired
/// assignment, an escalation waiting for the lead, a decision, a development plan to acknowledge.
///
/// A notice says nothing but its kind and which case: no score, opinion, name or reason. Its sentence is the same
/// in the in-app list and in an e-mail, followed by a link to the page, where access is checked again.
public struct Notice: Hashable, Sendable, Identifiable {
    /// What happened, as far as the recipient is concerned.
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case caseOffered = "case_offered"
        case assignmentDue = "assignment_due"
        case assignmentExpired = "assignment_expired"
        case awaitingLead = "awaiting_lead"
        case caseDecided = "case_decided"
        case planToAcknowledge = "plan_to_acknowledge"

        /// The one sentence the recipient reads.
        public var sentence: String {
            switch self {
            case .caseOffered: "A case has been offered to you for moderation."
            case .assignmentDue: "Your opinion on a case you moderate is due within two days."
            case .assignmentExpired: "One of your moderation assignments expired before an opinion was submitted; the case has gone to another moderator."
            case .awaitingLead: "A case has been escalated and waits for the moderation lead's decision."
            case .caseDecided: "A case has been decided."
            case .planToAcknowledge: "A development plan waits for your acknowledgement."
            }
        }

        /// The e-mail subject of a notice sent on its own.
        public var subject: String {
            switch self {
            case .caseOffered: "A case has been offered to you"
            case .assignmentDue: "An opinion is due within two days"
            case .assignmentExpired: "A moderation assignment expired"
            case .awaitingLead: "A case waits for your decision"
            case .caseDecided: "A case has been decided"
            case .planToAcknowledge: "A development plan to acknowledge"
            }
        }

        /// How the preferences page names the kind.
        public var label: String {
            switch self {
            case .caseOffered: "Cases offered to me"
            case .assignmentDue: "Opinions due within two days"
            case .assignmentExpired: "My assignments that expired"
            case .awaitingLead: "Escalations waiting for the lead"
            case .caseDecided: "Decisions on cases I follow"
            case .planToAcknowledge: "Development plans to acknowledge"
            }
        }
    }

    /// Increasing: newer notices have larger ids.
    public let id: Int64
    public let userID: UserID
    public let kind: Kind
    /// The case it is about; `nil` when the recipient may no longer open the case (an expired assignment).
    public let caseID: CaseID?
    public let createdAt: Date
    public let readAt: Date?

    public init(id: Int64, userID: UserID, kind: Kind, caseID: CaseID?, createdAt: Date, readAt: Date?) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.caseID = caseID
        self.createdAt = createdAt
        self.readAt = readAt
    }

    /// The page the notice links to, relative to the site: the case, or the home page.
    public var path: String { caseID.map { "/cases/\($0)" } ?? "/" }
}

/// How one person wants to be told.
public struct NotificationPreferences: Hashable, Sendable {
    /// When e-mail goes out.
    public enum Delivery: String, CaseIterable, Codable, Sendable {
        /// One e-mail per notice, as soon as the drainer runs.
        case immediate
        /// One e-mail a day at most, listing every notice since the last.
        case daily
        /// No e-mail: the notices page only.
        case off
    }

    /// Where e-mail goes; `nil`: the notices page only.
    public var email: String?
    public var delivery: Delivery
    /// Kinds that never go by e-mail (they still appear on the notices page).
    public var muted: Set<Notice.Kind>

    public init(email: String?, delivery: Delivery, muted: Set<Notice.Kind>) {
        self.email = email
        self.delivery = delivery
        self.muted = muted
    }

    /// Someone who has set nothing: notices in the app; e-mail once they give an address.
    public static let `default` = NotificationPreferences(email: nil, delivery: .immediate, muted: [])

    /// Whether and how a notice of `kind` goes by e-mail.
    func emailState(for kind: Notice.Kind) -> String {
        guard email != nil, !muted.contains(kind) else { return "none" }
        switch delivery {
        case .immediate: return "immediate"
        case .daily: return "digest"
        case .off: return "none"
        }
    }

    /// Checks an address before it is stored: one `@`, something either side, a dot in the domain, no spaces,
    /// line breaks or angle brackets (which could end an SMTP command or add a header). `nil` when acceptable.
    public static func problem(withAddress address: String) -> String? {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard address.count <= 254 else { return "The e-mail address is longer than 254 characters." }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            return "\"\(address)\" is not an e-mail address: it needs exactly one @ with a name before it and a domain after it, e.g. name@example.org."
        }
        guard !address.contains(where: { $0.isWhitespace || $0.isNewline || "<>()[],;:\\\"".contains($0) || !$0.isASCII }) else {
            return "The e-mail address may not contain spaces, line breaks, non-ASCII letters or any of < > ( ) [ ] , ; : \\ \"."
        }
        guard parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else {
            return "The domain of \"\(address)\" must have a dot, e.g. example.org."
        }
        return nil
    }
}

/// An e-mail the drainer holds the lease of: whom to send it to and the notices it carries. Its text is composed
/// when it is sent, from the notices (nothing of a body is stored).
public struct OutboxEmail: Hashable, Sendable, Identifiable {
    public let id: UUID
    public let userID: UserID
    /// A daily digest (several notices) rather than one notice on its own.
    public let digest: Bool
    /// Tries so far, this one included.
    public let attempts: Int
    public let address: String
    public let notices: [Notice]
}
