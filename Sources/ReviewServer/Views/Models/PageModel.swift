import Foundation
import Mustache

/// The values of one page's template (or of a part of it): a plain struct whose **stored** properties are the names
/// the template uses (decision 21).
///
/// How swift-mustache renders these (through `Mirror`), and what the models rely on:
/// - Only stored properties are seen; a computed property is not a name in the template.
/// - An `Optional` is unwrapped: `nil` is absent (a section is skipped, an inverted section shown, a variable empty),
///   and the lookup **goes on up the context stack** — so a nested model must not leave `nil` a name that an outer
///   model also has, unless falling through to it is meant (the case page's development plan relies on it).
/// - An array is a list section (inverted when empty, `empty(name)` tests it); a `Bool` opens its section when true;
///   any other present value (a `String`, even empty, an `Int`, even 0) opens it once with the value on the stack.
/// - Numbers render with `String(describing:)`: a `Double` 1.0 as "1.0" — a model that shows a number as the API
///   wrote it stores a string (``PageFormat/number(_:)``).
/// - A ``Timestamp`` renders for people and has `.iso` and `.day`.
///
/// `Decodable` only so that the template check (`TemplateKeysTests`) can build a complete instance — every optional
/// present, every list with one item — and resolve every name of the template against it.
protocol PageModel: Decodable, Sendable {}

/// A whole page's model: its template, which extends `layout.mustache`.
protocol PageTemplateModel: PageModel {
    static var template: String { get }
}

/// A page as rendered: the layout's values (title, CSRF token, the viewer and their navigation) and then the page's
/// own model. A name is looked up in the layout first, then in the page's model.
struct PageDocument<Model: PageTemplateModel>: MustacheParent, Sendable {
    let layout: LayoutModel
    let page: Model

    func child(named name: String) -> Any? {
        PageDocumentLookup.value(named: name, in: layout) ?? PageDocumentLookup.value(named: name, in: page)
    }
}

/// swift-mustache's own lookup of a name in a value (`Mirror`, an `Optional` unwrapped), for ``PageDocument``; a
/// model that answers its names with a `switch` (``MustacheParent``, decision 38) is asked directly.
enum PageDocumentLookup {
    static func value(named name: String, in object: Any) -> Any? {
        if let parent = object as? any MustacheParent { return parent.child(named: name) }
        guard let child = Mirror(reflecting: object).children.first(where: { $0.label == name }) else { return nil }
        let mirror = Mirror(reflecting: child.value)
        guard mirror.displayStyle == .optional else { return child.value }
        return mirror.children.first?.value
    }
}

/// The pages that show only their text: the privacy notice and the accessibility statement.
struct PrivacyModel: PageTemplateModel {
    static let template = "privacy"
}

struct AccessibilityModel: PageTemplateModel {
    static let template = "accessibility"
}

/// The sign-in page: where to go afterwards.
struct SignInModel: PageTemplateModel {
    static let template = "signin"
    let next: String
}

/// An error shown as a page (`error.mustache`): the status and what was wrong, in words for the viewer (the title is
/// the status's reason phrase).
struct ErrorModel: PageTemplateModel {
    static let template = "error"
    let status: Int
    let message: String
}

/// A choice in a `<select>`: the filters of lists, the audit trail's subject types, the statistics' periods.
struct Choice: PageModel, MustacheParent {
    let value: String
    let label: String
    var selected = false

    /// Without `Mirror` (decision 38): a board lists about forty choices.
    func child(named name: String) -> Any? {
        switch name {
        case "value": value
        case "label": label
        case "selected": selected
        default: nil
        }
    }
}

/// One point of the 1–7 scale with its meaning, for the score picker (`score-picker.mustache`), whose including model
/// also has `prefix` (the ids' prefix).
struct ScoreOption: PageModel {
    let value: Int
    let meaning: String
    let fails: Bool
    /// What giving this score would set off, said before it is given ("a case will open: …"; decision 27).
    var consequence: String? = nil
}

/// A point in time for templates: `{{at}}` renders it for people ("3 Dec 2026, 14:05 UTC"), `{{at.iso}}` for
/// `<time datetime>` and scripts, `{{at.day}}` the day alone.
struct Timestamp: MustacheCustomRenderable, MustacheParent, Decodable, Sendable {
    let date: Date

    init(_ date: Date) { self.date = date }

    init(from decoder: any Decoder) throws { date = try Date(from: decoder) }

    var renderText: String { Self.display.string(from: date) }
    var isNull: Bool { false }

    func child(named name: String) -> Any? {
        switch name {
        case "iso": ISO8601DateFormatter.string(from: date, timeZone: .gmt, formatOptions: .withInternetDateTime)
        case "day": Self.day.string(from: date)
        case "text": renderText
        default: nil
        }
    }

    /// An ISO 8601 time written in text (a file's creation time), or `nil` when `text` is not one.
    static func parse(_ text: String) -> Timestamp? {
        guard text.count >= 20, text.dropFirst(4).first == "-", text.dropFirst(10).first == "T",
            let date = plain.date(from: text) ?? fractional.date(from: text)
        else { return nil }
        return Timestamp(date)
    }

    private static let display: DateFormatter = formatter("d MMM yyyy, HH:mm 'UTC'")
    private static let day: DateFormatter = formatter("d MMM yyyy")

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = .gmt
        formatter.dateFormat = format
        return formatter
    }

    // ISO8601DateFormatter is documented as thread-safe; it is not marked Sendable.
    nonisolated(unsafe) private static let plain = ISO8601DateFormatter()
    nonisolated(unsafe) private static let fractional: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

/// Numbers and ids as the pages write them.
enum PageFormat {
    /// A number as the JSON API writes it: a whole number without a decimal point ("1", not "1.0").
    static func number(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    /// The first 8 characters of an id, for people.
    static func short(_ id: some CustomStringConvertible) -> String { String(id.description.prefix(8)) }
}
