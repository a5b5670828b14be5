import Foundation
import Hummingbird
import ReviewDomain
import ReviewStore

/// The board's bulk action (issue 20 item 1): several cases sent to moderation in one request, each one checked and
/// moved on by itself — its own access check, transition, routing and audit event — so that one refusal stops nothing
/// else and is reported for that case in words.
extension CaseController {
    struct BulkModerationRequest: Decodable {
        let caseIds: [CaseID]
    }

    struct BulkModerationResult: ResponseEncodable, Sendable {
        struct Item: Encodable, Sendable {
            let caseId: CaseID
            let sent: Bool
            /// The state the case is in now, when it was sent.
            let state: Case.State?
            /// Why it was not sent (the API's error code).
            let code: String?
            let message: String
        }

        let sent: Int
        let refused: Int
        let results: [Item]
    }

    /// The most cases one request sends: a board page's worth and then some.
    static let bulkLimit = 200

    func addBulkRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.post("cases/moderation-requests", use: sendToModeration)
    }

    @Sendable func sendToModeration(_ request: Request, context: ReviewRequestContext) async throws -> BulkModerationResult {
        let actor = try context.requireIdentity()
        try Access.Rule.sendToModerationInBulk.require(actor)
        let body = try await request.json(BulkModerationRequest.self, context: context)
        var ids: [CaseID] = []
        for id in body.caseIds where !ids.contains(id) { ids.append(id) }
        guard !ids.isEmpty, ids.count <= Self.bulkLimit else {
            throw APIError(.unprocessableContent, code: .invalid,
                           message: "Choose between 1 and \(Self.bulkLimit) cases to send to moderation (\(ids.count) were sent).")
        }
        var results: [BulkModerationResult.Item] = []
        for id in ids {
            do {
                let (current, _) = try await services.access.case(id, for: actor)
                let moved = try await services.store.workflow.transition(
                    id, .requestModeration, expectedVersion: current.version, reason: nil, by: actor, at: services.now())
                results.append(.init(caseId: id, sent: true, state: moved.state, code: nil, message: "Sent to moderation: now \(Labels.state(moved.state))."))
            } catch {
                guard let refusal = error as? APIError ?? ErrorMiddleware<ReviewRequestContext>.apiError(for: error) else { throw error }
                results.append(.init(caseId: id, sent: false, state: nil, code: refusal.code.rawValue, message: refusal.message))
            }
        }
        let sent = results.filter(\.sent).count
        return BulkModerationResult(sent: sent, refused: results.count - sent, results: results)
    }
}
