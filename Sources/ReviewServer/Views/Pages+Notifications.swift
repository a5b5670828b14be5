import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// The viewer's notices and their notification settings (decision 24), read through the JSON API as the viewer.
extension Pages {
    func notices(_ page: PageContext) async throws -> View<NoticesModel> {
        let list = try await page.read(NotificationController(services: services).list)
        let items = list.items.map { notice in
            NoticesModel.Item(text: notice.text, link: notice.link, createdAt: Timestamp(notice.createdAt), unread: notice.readAt == nil)
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
