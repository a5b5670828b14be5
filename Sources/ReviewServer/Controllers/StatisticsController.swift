import Foundation
import HTTPTypes
import Hummingbird
import ReviewDomain
import ReviewStore

/// Insight: agreement, outcomes, leniency and calibration, fairness (`InsightReport`), as JSON and as CSV
/// tables. The lead and auditors see the whole scheme; an employer sees its own staff's figures and the
/// scheme's overall figures, never other employers', assessors' or moderators' rows.
struct StatisticsController: Sendable {
    let services: APIServices

    static let readers: Set<Role> = [.lead, .auditor, .employer]

    func addRoutes(to group: RouterGroup<ReviewRequestContext>) {
        group.get("statistics", use: statistics)
        group.get("statistics/tables", use: tables)
        group.get("statistics/tables/:table", use: table)
    }

    /// The scheme's overall figures, for an employer to compare its own with.
    struct OverallFigures: Encodable, Sendable {
        let counts: InsightReport.Counts
        let agreement: InsightReport.AgreementFigures
        let outcomes: InsightReport.PeriodOutcomes
        let distribution: [InsightReport.ScoreDistribution]
    }

    struct StatisticsRepresentation: ResponseEncodable, Sendable {
        /// `scheme` (every employer) or `employer` (the caller's own staff).
        let scope: String
        let generatedAt: Date
        let report: InsightReport
        /// For an employer: the scheme's overall figures.
        let overall: OverallFigures?
    }

    struct TableList: ResponseEncodable, Sendable {
        struct Entry: Encodable, Sendable {
            let name: String
            let columns: [String]
            let rows: Int
            let link: String
        }
        let items: [Entry]
    }

    /// The report the caller may see, for the filter in the query (`from`, `to`: dates, `to` inclusive;
    /// `employerId`).
    func report(_ request: Request, context: ReviewRequestContext) async throws -> StatisticsRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.readers, to: "read the statistics")
        var filter = InsightFilter()
        filter.from = try Self.date(request, "from")
        filter.to = try Self.date(request, "to").map { $0.addingTimeInterval(24 * 60 * 60) }
        if let from = filter.from, let to = filter.to, to <= from {
            throw APIError(.badRequest, code: .badRequest, message: "\"to\" is before \"from\": give the first and the last day of the period.")
        }
        filter.employerID = try request.queryID("employerId")
        let now = services.now()
        let data = try await services.store.insightData(now: now)
        guard actor.role == .employer else {
            return StatisticsRepresentation(scope: "scheme", generatedAt: now, report: InsightReport.compute(data, filter: filter), overall: nil)
        }
        // An employer: its own staff only, without the rows of assessors and moderators (who are not its staff).
        filter.employerID = actor.organisationID
        var own = InsightReport.compute(data, filter: filter)
        own.leniency.byAssessor = []
        own.agreementGroups.byAssessor = []
        own.leniency.byModerator = []
        own.calibration.byModerator = []
        var schemeFilter = filter
        schemeFilter.employerID = nil
        let scheme = InsightReport.compute(data, filter: schemeFilter)
        return StatisticsRepresentation(
            scope: "employer", generatedAt: now, report: own,
            overall: OverallFigures(counts: scheme.counts, agreement: scheme.agreement, outcomes: scheme.outcomes.overall,
                                    distribution: scheme.distribution))
    }

    @Sendable func statistics(_ request: Request, context: ReviewRequestContext) async throws -> StatisticsRepresentation {
        try await report(request, context: context)
    }

    @Sendable func tables(_ request: Request, context: ReviewRequestContext) async throws -> TableList {
        let report = try await report(request, context: context).report
        let query = request.uri.query.map { "?" + $0 } ?? ""
        return TableList(items: report.tables().map {
            .init(name: $0.name, columns: $0.columns, rows: $0.rows.count, link: "/api/v1/statistics/tables/\($0.name)\(query)")
        })
    }

    /// One table as CSV (RFC 4180, a header row, CRLF line ends).
    @Sendable func table(_ request: Request, context: ReviewRequestContext) async throws -> Response {
        let name = context.parameters.get("table") ?? ""
        let report = try await report(request, context: context).report
        let tables = report.tables()
        guard let table = tables.first(where: { $0.name == name }) else {
            throw APIError(.notFound, code: .notFound,
                           message: "There is no table \"\(name)\": the tables are \(tables.map(\.name).joined(separator: ", ")).")
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name).csv\"",
                      .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: report.csv(table))))
    }

    /// A date query parameter: `2026-03-31` (or a full ISO 8601 time).
    static func date(_ request: Request, _ name: String) throws(APIError) -> Date? {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else { return nil }
        if let date = ISO8601DateFormatter.dayFormatter.date(from: text) ?? ISO8601DateFormatter().date(from: text) { return date }
        throw APIError(.badRequest, code: .badRequest, message: "\"\(name)\" must be a date such as 2026-03-31, not \"\(text)\".")
    }
}

extension ISO8601DateFormatter {
    /// `yyyy-MM-dd` in UTC.
    nonisolated(unsafe) static let dayFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter
    }()
}
