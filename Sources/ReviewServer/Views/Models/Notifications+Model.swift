import Foundation

/// `notices.mustache`: the viewer's own notices, newest first (decision 24). A notice says only what happened; its
/// link opens the page, where access is checked again.
struct NoticesModel: PageTemplateModel {
    static let template = "notices"

    struct Item: PageModel {
        let text: String
        /// The case's reference ("OBS-2026-0040 · Caius Elsworthy") when the viewer may still open it.
        let about: String?
        /// What became of the case when the viewer can no longer open it ("This case has been decided."); then no link.
        let gone: String?
        let link: String?
        let createdAt: Timestamp
        let unread: Bool
    }

    let notices: [Item]
    let empty: Bool
    let unreadCount: Int
    let hasUnread: Bool
}

/// `notification-settings.mustache`: the viewer's e-mail address, how often e-mail goes, and the kinds never e-mailed.
struct NotificationSettingsModel: PageTemplateModel {
    static let template = "notification-settings"

    struct Delivery: PageModel {
        let value: String
        let label: String
        let checked: Bool
    }

    struct Kind: PageModel {
        let kind: String
        let label: String
        let muted: Bool
    }

    let email: String
    let emailEnabled: Bool
    let deliveries: [Delivery]
    let kinds: [Kind]
}
