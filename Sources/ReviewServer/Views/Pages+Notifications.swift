import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

// The viewer's notices and their notification settings (decision 24), read through the JSON API as the viewer.
extension Pages {
    func notices(_ page: PageContext) async throws -> View {
        let list = try await page.read(NotificationController(services: services).list)
        let items = (list["items"] as? [[String: Any]] ?? []).map { item in
            item.merging(["unread": item["readAt"] is NSNull || item["readAt"] == nil]) { $1 }
        }
        return View(template: "notices", title: "Notices", values: [
            "notices": items, "empty": items.isEmpty, "unreadCount": list["unread"] as? Int ?? 0, "hasUnread": (list["unread"] as? Int ?? 0) > 0,
        ])
    }

    func notificationSettings(_ page: PageContext) async throws -> View {
        let preferences = try await page.read(NotificationController(services: services).preferences)
        let delivery = preferences["delivery"] as? String ?? "immediate"
        let options = [("immediate", "An e-mail for each notice"), ("daily", "One summary e-mail a day"), ("off", "No e-mail: the notices page only")]
        return View(template: "notification-settings", title: "Notification settings", values: preferences.merging([
            "deliveries": options.map { ["value": $0.0, "label": $0.1, "checked": $0.0 == delivery] },
        ]) { $1 })
    }
}
