import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// The viewer's notices and their notification settings (decision 24), read through the JSON API as the viewer.
extension Pages {
    func notices(_ page: PageContext) async throws -> View<NoticesModel> {
        let list = try await page.read(NotificationController(services: services).list)
        // The newest 50 name their case, all in one read of the case summaries (no case document, no read per notice).
        let named = try await noticeCases(list.items.prefix(Self.namedNotices).compactMap(\.caseId), for: page.actor)
        let items = list.items.enumerated().map { index, notice in
            let about = index < Self.namedNotices ? notice.caseId.flatMap { named[$0] } : nil
            // A case the reader can no longer open (decided, withdrawn, their place on it ended) is not linked to a page
            // that would answer "no such page": the notice says what became of it instead.
            return NoticesModel.Item(text: notice.text, about: about?.reference, gone: about?.gone,
                                     link: about?.gone == nil ? notice.link : nil, createdAt: Timestamp(notice.createdAt),
                                     unread: notice.readAt == nil)
        }
        return View(title: "Notices", model: NoticesModel(
            notices: items, empty: items.isEmpty, unreadCount: list.unread, hasUnread: list.unread > 0))
    }

    /// The most notices whose case is named on the page.
    static let namedNotices = 50

    /// For each case, what its notice shows: its reference when the reader may open it (the cases they may list, as the
    /// case list scopes them), otherwise what became of it. Two reads whatever the number of notices.
    private func noticeCases(_ ids: [CaseID], for actor: ActingUser) async throws -> [CaseID: (reference: String?, gone: String?)] {
        guard !ids.isEmpty, actor.role != .administrator, let scope = try Access.scope(CaseFilter(caseIDs: ids), for: actor) else { return [:] }
        let page = PageRequest(number: 1, size: PageRequest.maximumSize)
        var named: [CaseID: (reference: String?, gone: String?)] = [:]
        for summary in try await services.store.records.listCaseSummaries(scope, page: page) {
            let words = [summary.reference, summary.candidateName].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: " · ")
            named[summary.caseID] = (words.isEmpty ? nil : words, nil)
        }
        let unreachable = Array(Set(ids).subtracting(named.keys))
        guard !unreachable.isEmpty else { return named }
        for summary in try await services.store.records.listCaseSummaries(CaseFilter(caseIDs: unreachable), page: page) {
            named[summary.caseID] = (nil, summary.state.hasOutcome ? "This case has been decided."
                : summary.state == .withdrawn ? "This case has been withdrawn." : "You are no longer on this case's panel.")
        }
        // A case no longer there at all (erased): nothing to open either.
        for id in unreachable where named[id] == nil { named[id] = (nil, "This case is no longer there.") }
        return named
    }

    func notificationSettings(_ page: PageContext) async throws -> View<NotificationSettingsModel> {
        let preferences = try await page.read(NotificationController(services: services).preferences)
        let options = NotificationPreferences.Delivery.allCases.map { ($0.rawValue, Labels.delivery($0)) }
        return View(title: "Notification settings", model: NotificationSettingsModel(
            email: preferences.email ?? "", emailEnabled: preferences.emailEnabled,
            deliveries: options.map { .init(value: $0.0, label: $0.1, checked: $0.0 == preferences.delivery) },
            kinds: preferences.kinds.map { .init(kind: $0.kind, label: $0.label, muted: $0.muted) }))
    }
}
