import Foundation
import Mustache
@testable import ReviewServer
import Testing

/// The models that answer swift-mustache's name lookups with a `switch` instead of `Mirror` (decisions 35 and 38):
/// each must answer every stored property's name with that property's value — as `Mirror` would, an absent optional
/// as `nil` — and nothing else. Built with a distinct value under every name, so a name answered with the wrong
/// property shows.
@Suite struct PageModelLookupTests {
    /// `value` decoded from JSON in which every string is its own key's name and every number distinct.
    static func distinct<T: Decodable>(_ type: T.Type, _ object: [String: Any]) throws -> T {
        try JSONDecoder().decode(T.self, from: try JSONSerialization.data(withJSONObject: object))
    }

    static func expectSwitchMatchesMirror(_ value: some MustacheParent, _ context: String) {
        let children = Mirror(reflecting: value).children
        #expect(!children.isEmpty)
        for child in children {
            guard let label = child.label else { continue }
            let inner = Mirror(reflecting: child.value)
            let expected: Any? = inner.displayStyle == .optional ? inner.children.first?.value : child.value
            let answered = value.child(named: label)
            #expect(answered.map { String(describing: $0) } == expected.map { String(describing: $0) }, "\(context).\(label)")
        }
        #expect(value.child(named: "noSuchName") == nil, "\(context) answers a name it does not have")
    }

    static var choice: [String: Any] { ["value": "value", "label": "label", "selected": true] }
    static var card: [String: Any] {
        [
            "id": "id", "reference": "reference", "employerName": "employerName", "employerScore": "employerScore",
            "assessorScore": "assessorScore", "reasonText": "reasonText", "state": "state", "stateText": "stateText", "age": "age",
            "recordingText": "recordingText", "moderatorsText": "moderatorsText", "dueAt": 1_000, "overdue": true, "maySend": false,
        ]
    }

    @Test("the layout, the board and their parts answer every name as Mirror would")
    func switchesMatchTheStoredProperties() throws {
        let navigation: [String: Any] = ["href": "href", "label": "label", "current": true]
        let viewer: [String: Any] = ["name": "name", "roleText": "roleText", "nav": [navigation], "unreadNotices": 3, "hasUnreadNotices": true]
        let layout = try Self.distinct(LayoutModel.self, ["title": "title", "csrfToken": "csrfToken", "user": viewer])
        Self.expectSwitchMatchesMirror(layout, "layout")
        Self.expectSwitchMatchesMirror(try #require(layout.user), "viewer")
        Self.expectSwitchMatchesMirror(try #require(layout.user?.nav.first), "navigation")
        Self.expectSwitchMatchesMirror(LayoutModel(title: "Anonymous"), "anonymous layout")
        Self.expectSwitchMatchesMirror(try Self.distinct(Choice.self, Self.choice), "choice")
        let count: [String: Any] = ["state": "state", "label": "label", "count": 7]
        Self.expectSwitchMatchesMirror(try Self.distinct(BoardModel.Count.self, count), "count")
        Self.expectSwitchMatchesMirror(try Self.distinct(BoardModel.Card.self, Self.card), "card")
        var board: [String: Any] = [
            "cards": [Self.card], "empty": false, "counts": [count], "overdueCount": 11, "employers": [Self.choice], "states": [Self.choice],
            "reasons": [Self.choice], "sorts": [Self.choice], "overdueOnly": true, "search": "search", "filterQuery": "filterQuery",
            "anyToSend": true, "nextPage": 12, "previousPage": 13, "pageNumber": 14,
        ]
        Self.expectSwitchMatchesMirror(try Self.distinct(BoardModel.self, board), "board")
        // Absent optionals are absent, so the lookup goes on further out as with `Mirror`.
        board["nextPage"] = nil
        board["previousPage"] = nil
        let first = try Self.distinct(BoardModel.self, board)
        Self.expectSwitchMatchesMirror(first, "board's first page")
        #expect(first.child(named: "nextPage") == nil && first.child(named: "previousPage") == nil)
    }
}
