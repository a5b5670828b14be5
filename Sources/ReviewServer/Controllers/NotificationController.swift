import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// A person's own notices and notification preferences (`/api/v1/notices`, `/api/v1/me/notification-preferences`;
/// decision 24). Everyone signed in has notices and preferences of their own, and only their own: there is no id of
/// another person to ask for, so there is nothing to refuse by role. Who gets a notice at all is settled when it is
/// derived, by the same role and relationship rules as ``Access``.
struct NotificationController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("notices", use: list)
        group.post("notices/read", use: markRead)
        group.get("me/notification-preferences", use: preferences)
        group.put("me/notification-preferences", use: setPreferences)
    }

    struct NoticeRepresentation: Encodable, Sendable {
        let id: Int64
        let kind: String
        let text: String
        let caseId: CaseID?
        /// The page to open, relative to the site.
        let link: String
        let createdAt: Date
        let readAt: Date?

        init(_ notice: Notice) {
            id = notice.id
            kind = notice.kind.rawValue
            text = notice.kind.sentence
            caseId = notice.caseID
            link = notice.path
            createdAt = notice.createdAt
            readAt = notice.readAt
        }
    }

    struct NoticeList: ResponseEncodable, Sendable {
        let items: [NoticeRepresentation]
        let unread: Int
    }

    @Sendable func list(_ request: Request, context: ReviewRequestContext) async throws -> NoticeList {
        let actor = try context.requireIdentity()
        let unreadOnly: Bool
        switch request.uri.queryParameters.get("unread") {
        case nil, "false": unreadOnly = false
        case "true": unreadOnly = true
        case let other?:
            throw APIError(.badRequest, code: .invalid, message: "unread=\(other) is not understood: use unread=true for unread notices only, or leave it out.")
        }
        let notices = try await services.store.notifications.notices(of: actor.userID, unreadOnly: unreadOnly, limit: 200)
        return NoticeList(items: notices.map(NoticeRepresentation.init), unread: try await services.store.notifications.unreadCount(of: actor.userID))
    }

    struct ReadRequest: Decodable {
        let ids: [Int64]?
        let all: Bool?
    }

    struct ReadResult: ResponseEncodable, Sendable {
        let marked: Int
        let unread: Int
    }

    @Sendable func markRead(_ request: Request, context: ReviewRequestContext) async throws -> ReadResult {
        let actor = try context.requireIdentity()
        let body = try await request.json(ReadRequest.self, context: context)
        switch (body.ids, body.all) {
        case (let ids?, nil) where !ids.isEmpty && ids.count <= 500:
            let marked = try await services.store.notifications.markRead(ids, of: actor.userID, at: services.now())
            return ReadResult(marked: marked, unread: try await services.store.notifications.unreadCount(of: actor.userID))
        case (nil, true?):
            let marked = try await services.store.notifications.markRead(nil, of: actor.userID, at: services.now())
            return ReadResult(marked: marked, unread: 0)
        default:
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "Say which notices to mark read: {\"ids\": [1, 2]} (1 to 500 of your notices' ids) or {\"all\": true}, not both.")
        }
    }

    struct PreferencesRepresentation: ResponseEncodable, Sendable {
        let email: String?
        let delivery: String
        let mutedKinds: [String]
        /// Every kind of notice, for a form.
        let kinds: [Kind]
        /// Whether this server sends e-mail at all (a relay is configured).
        let emailEnabled: Bool

        struct Kind: Encodable, Sendable {
            let kind: String
            let label: String
            let muted: Bool
        }

        init(_ preferences: NotificationPreferences, emailEnabled: Bool) {
            email = preferences.email
            delivery = preferences.delivery.rawValue
            mutedKinds = preferences.muted.map(\.rawValue).sorted()
            kinds = Notice.Kind.allCases.map { Kind(kind: $0.rawValue, label: $0.label, muted: preferences.muted.contains($0)) }
            self.emailEnabled = emailEnabled
        }
    }

    @Sendable func preferences(_ request: Request, context: ReviewRequestContext) async throws -> PreferencesRepresentation {
        let actor = try context.requireIdentity()
        return PreferencesRepresentation(try await services.store.notifications.preferences(of: actor.userID),
                                         emailEnabled: services.emailEnabled)
    }

    struct PreferencesRequest: Decodable {
        /// Leave out (or empty) for no e-mail.
        let email: String?
        let delivery: String
        let mutedKinds: [String]?
    }

    @Sendable func setPreferences(_ request: Request, context: ReviewRequestContext) async throws -> PreferencesRepresentation {
        let actor = try context.requireIdentity()
        let body = try await request.json(PreferencesRequest.self, context: context)
        guard let delivery = NotificationPreferences.Delivery(rawValue: body.delivery) else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "delivery \"\(body.delivery)\" is not one of immediate (an e-mail per notice), daily (one summary a day) or off (the notices page only).")
        }
        var muted: Set<Notice.Kind> = []
        for text in body.mutedKinds ?? [] {
            guard let kind = Notice.Kind(rawValue: text) else {
                throw APIError(.unprocessableContent, code: .invalid,
                               message: "mutedKinds: \"\(text)\" is not a kind of notice; the kinds are \(Notice.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            muted.insert(kind)
        }
        let email = body.email?.trimmingCharacters(in: .whitespaces)
        if let email, !email.isEmpty, let problem = NotificationPreferences.problem(withAddress: email) {
            throw APIError(.unprocessableContent, code: .invalid, message: "email: " + problem)
        }
        let preferences = NotificationPreferences(email: email?.isEmpty == false ? email : nil, delivery: delivery, muted: muted)
        try await services.store.notifications.setPreferences(preferences, of: actor.userID, at: services.now())
        return PreferencesRepresentation(preferences, emailEnabled: services.emailEnabled)
    }
}
