import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// The viewer's notices and their notification settings (decision 24), read through the JSON API as the viewer.
extension Pages {
    func notices(_ page: PageContext) async throws -> View<NoticesModel> {
        let list = try await page.read(NotificationController(services: services).list)
        // Each case named by its reference, read as the viewer: a case they may no longer open stays unnamed (the notice
        // itself never names it). The newest 50 only, to bound the page's reads.
        let cases = CaseController(services: services)
        var references = References(store: services.store)
        var items: [NoticesModel.Item] = []
        for (index, notice) in list.items.enumerated() {
            var about: String?
            if index < 50, let id = notice.caseId, let value = try await page.readIfAllowed(cases.show, ["caseId": id.description]) {
                about = try await references.observation(value.observationId)
            }
            items.append(NoticesModel.Item(text: notice.text, about: about, link: notice.link, createdAt: Timestamp(notice.createdAt),
                                           unread: notice.readAt == nil))
        }
        return View(title: "Notices", model: NoticesModel(
            notices: items, empty: items.isEmpty, unreadCount: list.unread, hasUnread: list.unread > 0))
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
