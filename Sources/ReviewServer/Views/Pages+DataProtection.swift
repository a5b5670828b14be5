import Foundation
import ReviewDomain
import ReviewStore

/// The data-protection page: legal holds (listed for the lead, administrators and auditors; placed and released by
/// the lead and administrators) and the erasure of a candidate, confirmed by typing their registration number.
extension Pages {
    func dataProtection(_ page: PageContext) async throws -> View<DataProtectionModel> {
        let controller = DataProtectionController(services: services)
        let showReleased = page.request.uri.queryParameters.get("released") == "true"
        let holds = try await page.read(controller.listHolds, query: showReleased ? "includeReleased=true" : "").items
        let people = try await directory(page, naming: holds.map(\.placedBy))
        var references = References(store: services.store)
        var rows: [DataProtectionModel.Hold] = []
        for hold in holds {
            rows.append(DataProtectionModel.Hold(
                id: hold.id.description, subjectText: try await references.subject(type: hold.subjectType, id: hold.subjectId, people: people),
                reason: hold.reason, placedAt: Timestamp(hold.placedAt), placedByName: Labels.actor(hold.placedBy, people: people),
                active: hold.active))
        }
        return View(title: "Data protection", model: DataProtectionModel(
            holds: rows, empty: rows.isEmpty, mayChange: Access.Rule.manageHolds.allows(page.actor), showReleased: showReleased,
            subjectTypes: LegalHold.SubjectType.allCases.map { Choice(value: $0.rawValue, label: $0.rawValue.capitalized) }))
    }
}
