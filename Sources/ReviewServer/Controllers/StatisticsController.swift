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

    struct StatisticsRepresentation: ResponseEncodable, Sendable {
        /// `scheme` (every employer) or `employer` (the caller's own staff).
        let scope: String
        let generatedAt: Date
        /// The reporting period the figures cover, when asked for by period (always, for an employer).
        let period: ReportingPeriod?
        /// The ended periods that can be asked for (`?period=`), newest first.
        let periods: [ReportingPeriod]
        let report: InsightReport
        /// For an employer: the scheme's overall figures as released (docs/statistics.md, "Release rules").
        let overall: InsightReport.OverallRelease?
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

    /// The report the caller may see. The lead and auditors: the filter in the query (`period`, or `from` and `to`:
    /// dates, `to` inclusive; `employerId`). An employer: its own staff for one ended reporting period (`period`, by
    /// default the latest ended), never an arbitrary date range, with the scheme's figures under the release rules —
    /// two overlapping ranges could be subtracted to single out one person (issue 15).
    func report(_ request: Request, context: ReviewRequestContext) async throws -> StatisticsRepresentation {
        let actor = try context.requireIdentity()
        try services.access.require(actor, in: Self.readers, to: "read the statistics")
        let now = services.now()
        let length = services.statisticsPeriod
        // Employers' periods are released a while after they end (late ratings and decisions in) and then frozen.
        let delay = actor.role == .employer ? services.statisticsReleaseDelay : 0
        let asked = try Self.period(request, length: length, now: now, delay: delay)
        let earliest = try await services.store.insight.earliestObservationDate() ?? now
        let periods = Array(ReportingPeriod.ended(from: earliest, at: now.addingTimeInterval(-delay), length: length).prefix(40))
        guard actor.role == .employer else {
            var filter = InsightFilter()
            if let asked {
                guard request.uri.queryParameters["from"] == nil, request.uri.queryParameters["to"] == nil else {
                    throw APIError(.badRequest, code: .badRequest, message: "Give either a period or \"from\" and \"to\", not both.")
                }
                (filter.from, filter.to) = (asked.start, asked.end)
            } else {
                filter.from = try Self.date(request, "from")
                filter.to = try Self.date(request, "to").map { $0.addingTimeInterval(24 * 60 * 60) }
            }
            if let from = filter.from, let to = filter.to, to <= from {
                throw APIError(.badRequest, code: .badRequest, message: "\"to\" is before \"from\": give the first and the last day of the period.")
            }
            filter.employerID = try request.queryID("employerId")
            return StatisticsRepresentation(scope: "scheme", generatedAt: now, period: asked, periods: periods,
                                            report: InsightReport.compute(try await services.store.insight.insightData(now: now), filter: filter),
                                            overall: nil)
        }
        guard request.uri.queryParameters["from"] == nil, request.uri.queryParameters["to"] == nil else {
            throw APIError(.badRequest, code: .badRequest, message: """
                Employers' statistics cover whole reporting periods, not date ranges, so that no two releases can be \
                compared to single out a person: ask for a period such as ?period=\(periods.first ?? ReportingPeriod(containing: now, length: length).previous).
                """)
        }
        if let other = try request.queryID("employerId", as: OrganisationID.self), other != actor.organisationID {
            throw APIError(.forbidden, code: .forbidden, message: "You can see the statistics of your own staff only; leave out employerId.")
        }
        let period = asked ?? ReportingPeriod(containing: now.addingTimeInterval(-delay), length: length).previous
        // Frozen at its first reading: an employer who changes the period's data (a flag, a rating) and reads it again
        // sees the same figures, so the change cannot be traced to a group.
        let kept: (body: String, releasedAt: Date)
        if let existing = try await services.store.insight.statisticsRelease(of: actor.organisationID, period: period.description) {
            kept = existing
        } else {
            // Every fact is read only for a period's first reading; a frozen release is served as kept.
            let data = try await services.store.insight.insightData(now: now)
            let release = InsightReport.employerRelease(data, employer: actor.organisationID, period: period)
            let body = String(decoding: try JSONEncoder().encode(release), as: UTF8.self)
            kept = try await services.store.insight.freezeStatisticsRelease(of: actor.organisationID, period: period.description, body: body,
                                                                    by: actor, at: now)
        }
        let release = try JSONDecoder().decode(InsightReport.EmployerRelease.self, from: Data(kept.body.utf8))
        return StatisticsRepresentation(scope: "employer", generatedAt: kept.releasedAt, period: period, periods: periods,
                                        report: release.report, overall: release.overall)
    }

    /// The `period` query parameter: one period of the configured length, ended `delay` seconds ago or more, or `nil`
    /// when not given.
    static func period(_ request: Request, length: ReportingPeriod.Length, now: Date, delay: TimeInterval) throws(APIError) -> ReportingPeriod? {
        guard let text = request.uri.queryParameters.get("period"), !text.isEmpty else { return nil }
        let latest = ReportingPeriod(containing: now.addingTimeInterval(-delay), length: length).previous
        guard let period = ReportingPeriod(text) else {
            throw APIError(.badRequest, code: .badRequest, message: "\"period\" must be a \(length) such as \(latest), not \"\(text)\".")
        }
        guard period.length == length else {
            throw APIError(.badRequest, code: .badRequest, message: "Statistics are released by \(length), not by \(period.length): ask for a period such as \(latest).")
        }
        guard period.hasEnded(at: now.addingTimeInterval(-delay)) else {
            let released = ISO8601DateFormatter.dayFormatter.string(from: period.end.addingTimeInterval(delay))
            throw APIError(.badRequest, code: .badRequest, message: """
                \(period) has not been released yet: its figures are released on \(released), \
                \(delay > 0 ? "once the period is over and late ratings and decisions are in" : "once it is over"). \
                The latest released period is \(latest).
                """)
        }
        return period
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
