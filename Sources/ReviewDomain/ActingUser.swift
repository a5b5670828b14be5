import Foundation

/// Whether a moderator sits as a practising professional or as a lay / lived-experience member.
public enum ModeratorKind: String, Hashable, Codable, Sendable, CaseIterable {
    /// A practising professional.
    case professional
    /// A lay or lived-experience member (e.g. from a care-leaver or family-rights panel).
    case lay
}

/// What a user may do in the scheme.
///
/// Encodes as a string: `assessor`, `employer`, `moderator.professional`, `moderator.lay`, `lead`,
/// `auditor`, `administrator`.
public enum Role: Hashable, Sendable, CaseIterable, RawRepresentable, Codable, CustomStringConvertible {
    /// Accrediting-body assessor: uploads recordings, records the assessor rating, may flag a dispute.
    case assessor
    /// Employer representative: rates and flags for its own staff only.
    case employer
    /// Moderator: watches assigned recordings and records a second opinion.
    case moderator(ModeratorKind)
    /// Moderation lead: sets policy, moves cases to moderation, resolves escalations, reopens and withdraws.
    case lead
    /// Reads the audit trail and reports; changes nothing.
    case auditor
    /// Manages organisations, users and retention; takes no part in cases.
    case administrator

    public static let allCases: [Role] = [
        .assessor, .employer, .moderator(.professional), .moderator(.lay), .lead, .auditor, .administrator,
    ]

    public init?(rawValue: String) {
        guard let role = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = role
    }

    public var rawValue: String {
        switch self {
        case .assessor: "assessor"
        case .employer: "employer"
        case .moderator(let kind): "moderator.\(kind.rawValue)"
        case .lead: "lead"
        case .auditor: "auditor"
        case .administrator: "administrator"
        }
    }

    /// Whether the role is a moderator of either kind.
    public var isModerator: Bool {
        if case .moderator = self { true } else { false }
    }

    public var description: String { rawValue }
}

/// A user acting in one role on behalf of one organisation: who did something, and with what authority.
public struct ActingUser: Hashable, Codable, Sendable {
    /// The user.
    public let userID: UserID
    /// The role the user is acting in.
    public let role: Role
    /// The organisation the user acts for (an employer, the accrediting body or a moderation panel).
    public let organisationID: OrganisationID

    /// Creates an actor.
    public init(userID: UserID, role: Role, organisationID: OrganisationID) {
        self.userID = userID
        self.role = role
        self.organisationID = organisationID
    }

    /// Whether an employer representative acts for `employerID`; always `true` for other roles,
    /// whose reach is decided by their role alone.
    func actsFor(employer employerID: OrganisationID) -> Bool {
        role != .employer || organisationID == employerID
    }
}

extension ActingUser {
    /// The service itself, for the steps it takes on its own: routing cases to moderators, moving a case into
    /// moderation when its panel is complete, reconciling opinions by rule, expiring overdue assignments.
    ///
    /// It acts with a lead's authority for those steps only; its account cannot sign in. Every event it
    /// records names, in its details, the person or event that triggered it.
    public static let system = ActingUser(userID: UserID.system, role: .lead, organisationID: OrganisationID.system)
}

extension UserID {
    /// The account of ``ActingUser/system``: `00000000-0000-0000-0000-000000000001`.
    public static let system = UserID(rawValue: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)))
}

extension OrganisationID {
    /// The organisation ``ActingUser/system`` acts for: `00000000-0000-0000-0000-000000000001`.
    public static let system = OrganisationID(rawValue: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)))
}

extension Role {
    /// The role in words, for people: "a professional moderator", "an assessor".
    public var phrase: String {
        switch self {
        case .assessor: "an assessor"
        case .employer: "an employer"
        case .moderator(.professional): "a professional moderator"
        case .moderator(.lay): "a lay moderator"
        case .lead: "a moderation lead"
        case .auditor: "an auditor"
        case .administrator: "an administrator"
        }
    }

    /// Everyone in the role, in words: "Professional moderators", "Assessors".
    public var plural: String {
        switch self {
        case .assessor: "Assessors"
        case .employer: "Employers"
        case .moderator(.professional): "Professional moderators"
        case .moderator(.lay): "Lay moderators"
        case .lead: "Moderation leads"
        case .auditor: "Auditors"
        case .administrator: "Administrators"
        }
    }

    /// "assessors, employers and moderation leads" (lower case, in the order of `allCases`), or "nobody".
    public static func list(_ roles: some Collection<Role>) -> String {
        var words = allCases.filter(roles.contains).map { $0.plural.lowercased() }
        // Both kinds of moderator are "moderators".
        if let professional = words.firstIndex(of: "professional moderators"), words.contains("lay moderators") {
            words[professional] = "moderators"
            words.removeAll { $0 == "lay moderators" }
        }
        guard let last = words.popLast() else { return "nobody" }
        return words.isEmpty ? last : words.joined(separator: ", ") + " and " + last
    }
}
