import Foundation
import ReviewDomain
import ReviewStore

/// The data-protection page: legal holds (listed for the lead, administrators and auditors; placed and released by
/// the lead and administrators) and the erasure of a candidate, confirmed by typing their registration number.
extension Pages {
    func dataProtection(_ page: PageContext) async throws -> View {
        let controller = DataProtectionController(services: services)
        let showReleased = page.request.uri.queryParameters.get("released") == "true"
        let holds = try await page.items(controller.listHolds, query: showReleased ? "includeReleased=true" : "")
        let people = try await directory(page, naming: holds.compactMap { $0["placedBy"] as? String })
        let rows = holds.map { hold in
            hold.merging([
                "placedByName": people[hold["placedBy"] as? String ?? ""] ?? Self.shortID(hold["placedBy"]),
                "subjectText": "\((hold["subjectType"] as? String ?? "").capitalized) \(Self.shortID(hold["subjectId"]))",
            ]) { $1 }
        }
        let mayChange = DataProtectionController.keepers.contains(page.role)
        return View(template: "data-protection", title: "Data protection", values: [
            "holds": rows, "empty": rows.isEmpty, "mayChange": mayChange, "showReleased": showReleased,
            "subjectTypes": LegalHold.SubjectType.allCases.map { ["value": $0.rawValue, "label": $0.rawValue.capitalized] },
        ])
    }
}
