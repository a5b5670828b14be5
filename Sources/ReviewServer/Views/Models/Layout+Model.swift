import Foundation
import Mustache
import ReviewDomain

/// What `layout.mustache` shows around every page: the title, the CSRF token for the page's scripts, and for a
/// signed-in viewer their name, role and navigation.
struct LayoutModel: PageModel, MustacheParent {
    /// The signed-in viewer in the header.
    struct Viewer: PageModel, MustacheParent {
        let name: String
        let roleText: String
        let nav: [NavigationItem]
        /// The viewer's unread notices, for the header's link to them (decision 24).
        let unreadNotices: Int
        let hasUnreadNotices: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "name": self.name
            case "roleText": roleText
            case "nav": nav
            case "unreadNotices": unreadNotices
            case "hasUnreadNotices": hasUnreadNotices
            default: nil
            }
        }
    }

    /// A link of the main navigation; `current` marks the page's own section (`aria-current`).
    struct NavigationItem: PageModel, MustacheParent {
        let href: String
        let label: String
        let current: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "href": href
            case "label": label
            case "current": current
            default: nil
            }
        }
    }

    let title: String
    var csrfToken = ""
    var user: Viewer? = nil

    // Every page looks its names up here first (``PageDocument``): without `Mirror` (decision 38).
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "csrfToken": csrfToken
        case "user": user
        default: nil
        }
    }

    /// The layout of a public page (sign-in, the notices): no viewer.
    static func anonymous(title: String) -> LayoutModel { LayoutModel(title: title) }

    func titled(_ title: String) -> LayoutModel {
        LayoutModel(title: title, csrfToken: csrfToken, user: user)
    }

    /// The navigation of `role`, with the link of `path`'s section marked current.
    static func navigation(for role: Role, path: String) -> [NavigationItem] {
        links(for: role).map { item in
            NavigationItem(href: item.href, label: item.label, current: item.href == "/" ? path == "/" : path.hasPrefix(item.href))
        }
    }

    static func links(for role: Role) -> [(href: String, label: String)] {
        switch role {
        case .assessor:
            [("/", "Home"), ("/upload", "Upload"), ("/observations", "Observations"), ("/recordings", "Recordings"), ("/cases", "Cases")]
        case .employer:
            [("/", "Home"), ("/observations", "Our observations"), ("/cases", "Cases"), ("/recordings", "Recordings"), ("/statistics", "Statistics")]
        case .moderator: [("/", "My reviews")]
        case .lead:
            [("/", "Home"), ("/board", "Board"), ("/cases", "Cases"), ("/observations", "Observations"), ("/recordings", "Recordings"),
             ("/upload", "Upload"), ("/statistics", "Statistics"), ("/moderation", "Running moderation"), ("/audit", "Audit trail"),
             ("/data-protection", "Data protection")]
        case .auditor:
            [("/", "Home"), ("/cases", "Cases"), ("/observations", "Observations"), ("/recordings", "Recordings"), ("/statistics", "Statistics"),
             ("/moderation", "Running moderation"), ("/audit", "Audit trail"), ("/data-protection", "Legal holds")]
        case .administrator:
            [("/", "Home"), ("/users", "Users and organisations"), ("/moderation", "Moderators"), ("/audit", "Audit trail"),
             ("/data-protection", "Data protection")]
        }
    }
}
