import Foundation
import Mustache
@testable import ReviewServer
import Testing

/// The pages' typed models (decision 21): every name a template uses is a property of the model it is rendered with,
/// every template has a model, and the way swift-mustache renders structs is pinned down where the models rely on it.
@Suite struct PageModelTests {
    /// Every page's model type; the template check walks each.
    static let pageModels: [any PageTemplateModel.Type] = [
        SignInModel.self, PrivacyModel.self, AccessibilityModel.self, ErrorModel.self, HomeModel.self, ReviewModel.self, DecisionModel.self,
        AuditModel.self, ObservationListModel.self, ObservationPageModel.self, CaseListModel.self, CasePageModel.self,
        BoardModel.self, UploadModel.self, RecordingListModel.self, RecordingPageModel.self, StatisticsModel.self,
        DataProtectionModel.self, UsersModel.self, ModeratorsModel.self, PolicyModel.self, SamplesModel.self, CalibrationModel.self, ResetModel.self,
        NoticesModel.self, NotificationSettingsModel.self,
    ]

    static func check() throws -> TemplateCheck { try TemplateCheck(directory: try PageRenderer.templatesDirectory()) }

    /// The fabricated document of a page: a complete layout and a complete model.
    static func document<Model: PageTemplateModel>(_ type: Model.Type) throws -> PageDocument<Model> {
        PageDocument(layout: try Fabricator.make(LayoutModel.self), page: try Fabricator.make(type))
    }

    static func unresolved<Model: PageTemplateModel>(_ type: Model.Type, _ check: TemplateCheck) throws -> [String] {
        try check.unresolved(in: Model.template, rendering: try document(type))
    }

    @Test("every name in every template (with its partials and the layout) is a property of the page's model")
    func everyNameResolves() throws {
        let check = try Self.check()
        for type in Self.pageModels {
            let problems = try Self.unresolved(type, check)
            #expect(problems == [], "\(type) (\(type.template).mustache) uses names its model lacks")
        }
    }

    @Test("every template is a page's or is included by one; no two models share a template")
    func everyTemplateHasAModel() throws {
        let check = try Self.check()
        let pages = Self.pageModels.map { $0.template }
        #expect(Set(pages).count == pages.count, "two models name the same template")
        var included: Set<String> = []
        for text in check.templates.values {
            for node in try TemplateCheck.parse(text) { Self.collectIncludes(node, into: &included) }
        }
        let orphans = Set(check.templates.keys).subtracting(pages).subtracting(included)
        #expect(orphans == [], "templates no model renders: give each a model in PageModelTests.pageModels")
    }

    static func collectIncludes(_ node: TemplateCheck.Node, into names: inout Set<String>) {
        switch node {
        case .partial(let name): names.insert(name)
        case .extends(let name, let children):
            names.insert(name)
            for child in children { collectIncludes(child, into: &names) }
        case .section(_, _, let children), .block(let children):
            for child in children { collectIncludes(child, into: &names) }
        case .name: break
        }
    }

    @Test("the check fails for a name the model lacks, in a section, a dotted name or a partial")
    func checkCatchesMissingNames() throws {
        let templates = [
            "page": "{{<layout}}{{$content}}{{message}} {{#status}}{{nonsense}}{{/status}} {{^empty(missingList)}}{{/empty(missingList)}}"
                + " {{user.nav.href}} {{> part}}{{/content}}{{/layout}}",
            "part": "{{title}} {{missingInPartial}}",
            "layout": "{{title}} {{#user}}{{#nav}}{{href}} {{wrong}}{{/nav}}{{/user}} {{$content}}{{/content}}",
        ]
        let check = TemplateCheck(templates: templates)
        let problems = try check.unresolved(in: "page", rendering: try Self.document(ErrorModel.self))
        #expect(Set(problems) == [
            "page: {{nonsense}}", "page: {{^empty(missingList)}}", "page: {{user.nav.href}}", "part: {{missingInPartial}}", "layout: {{wrong}}",
        ])
        // And a real template against the wrong model: the case page's names are not the board's.
        let real = try Self.check()
        let wrong = try real.unresolved(in: CasePageModel.template, rendering: try Self.document(BoardModel.self))
        #expect(wrong.contains("case: {{#case}}"))
    }

    @Test("the fabricated models leave no list empty and no optional absent, so nothing escapes the check")
    func fabricatedModelsAreComplete() throws {
        let model = try Fabricator.make(CasePageModel.self)
        #expect(model.assignments.count == 1 && model.plan?.plan?.note == "x" && model.case.finding?.reasonText == ["x"])
        #expect(model.case.openedAt.date == Date(timeIntervalSinceReferenceDate: 1))
    }

    /// How swift-mustache 2 renders structs (through `Mirror`): what the models rely on, as PageModel's documentation says.
    struct Inner: Sendable {
        let name: String
        let note: String?
    }

    struct Outer: Sendable {
        let note: String
        let inner: Inner?
        let items: [Inner]
        let count: Int
        let ratio: Double
        let flag: Bool
        let empty: String
        var computed: String { "never seen" }
    }

    static func render(_ template: String, _ value: Any) throws -> String {
        try MustacheTemplate(string: template).render(value)
    }

    @Test("swift-mustache and structs: optionals, lists, nested values, numbers, computed properties")
    func mustacheRendersStructs() throws {
        let value = Outer(note: "outer note", inner: Inner(name: "in", note: nil), items: [Inner(name: "a", note: "n"), Inner(name: "b", note: nil)],
                          count: 0, ratio: 1.0, flag: false, empty: "")
        // A nested struct opens as a section; a nil optional inside falls through to the outer model's name.
        #expect(try Self.render("{{#inner}}{{name}}: {{note}}{{/inner}}", value) == "in: outer note")
        // Lists iterate; `empty(…)` tests them.
        #expect(try Self.render("{{#items}}{{name}}{{/items}}{{^empty(items)}} some{{/empty(items)}}", value) == "ab some")
        // Dotted names reach into nested values.
        #expect(try Self.render("{{inner.name}}", value) == "in")
        // A nil optional is absent: its section is skipped and its inverted section shown.
        let none = Outer(note: "", inner: nil, items: [], count: 0, ratio: 0, flag: false, empty: "")
        #expect(try Self.render("{{#inner}}yes{{/inner}}{{^inner}}no{{/inner}}{{^items}} none{{/items}}", none) == "no none")
        // Any present value opens its section — 0 and "" too; only false and absent do not.
        #expect(try Self.render("{{#count}}zero{{/count}}{{#empty}} blank{{/empty}}{{#flag}} flag{{/flag}}", value) == "zero blank")
        // A Double renders as Swift writes it, hence PageFormat.number for numbers shown as the API wrote them.
        #expect(try Self.render("{{ratio}}", value) == "1.0" && PageFormat.number(1.0) == "1" && PageFormat.number(1.5) == "1.5")
        // A computed property is not a name.
        #expect(try Self.render("[{{computed}}]", value) == "[]")
    }
}
