import Foundation
import Hummingbird
import NIOCore
import ReviewDomain
import ReviewStore

/// The exports of personal data (docs/data-protection.md): a candidate's subject-access export (the lead and
/// administrators, who answer subject-access requests) and a case's evidence bundle (the lead and the auditor, for an
/// appeal or the regulator). Both are ZIPs with a manifest of SHA-256 hashes, audited with the manifest's hash. The
/// recordings themselves are left out here (an archive of videos belongs on the server's disk: `obsreview
/// subject-export --with-recordings`).
struct ExportController: Sendable {
    let services: APIServices

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("candidates/:candidateId/subject-export", use: subjectExport)
        group.get("cases/:caseId/bundle", use: bundle)
    }

    private var exports: Exports { Exports(store: services.store, data: services.data) }

    @Sendable func subjectExport(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        try Access.Rule.exportSubjectAccess.require(actor)
        let id: CandidateID = try context.id("candidateId")
        guard try await services.store.records.candidates.find(id) != nil else { throw Access.notFound("candidate \(id)") }
        let (bytes, _) = try await exports.subjectAccessExportData(of: id, by: actor, at: services.now())
        return Self.zip(bytes, named: "subject-access-\(id).zip")
    }

    @Sendable func bundle(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let actor = try context.requireIdentity()
        try Access.Rule.exportBundle.require(actor)
        let (value, _) = try await services.access.case(try context.id("caseId"), for: actor)
        let (bytes, _) = try await exports.evidenceBundleData(of: value.id, by: actor, at: services.now())
        return Self.zip(bytes, named: "case-\(value.id)-evidence.zip")
    }

    static func zip(_ bytes: Data, named name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
