import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReviewDomain
@testable import ReviewServer
import ReviewStore
import Testing

/// The two disclosure attacks of issue 15 replayed through the API, and the release rules around them: employers get
/// whole ended reporting periods only (quarters by default), never a date range; the scheme's figures are withheld
/// when they would show another council's few candidates.
@Suite struct StatisticsReleaseTests {
    /// The fixture (employer A: one candidate observed on 2026-09-21, in 2026-Q3; the clock at 2027-01-15) plus six more
    /// of employer A's candidates observed in 2026-Q2, with consented ethnicity: five "White British", one "Black
    /// Caribbean" — the row that fell from 6 to 5 in the finding.
    static func fixture() async throws -> APIFixture {
        let fixture = try await APIFixture.make()
        let assessor = fixture.users[.assessor]!.actor, lead = fixture.users[.lead]!.actor
        let day = try #require(ISO8601Date.parse("2026-05-12T10:00:00Z"))
        for index in 0..<6 {
            let candidate = Candidate(registrationNumber: "SW10000\(index)", employerID: fixture.employerA.id)
            try await fixture.store.records.candidates.insert(candidate, name: "Candidate \(index)")
            let observation = Observation(candidateID: candidate.id, date: day.addingTimeInterval(Double(index) * 86_400), scenario: "Visit",
                                          practiceArea: .childrens)
            try await fixture.store.records.observations.insert(observation, ref: "OBS-Q2-\(index)")
            _ = try await fixture.store.workflow.recordRating(observationID: observation.id, score: try Score(index == 5 ? 2 : 5), rationale: "Seen.",
                                                     supersedes: nil, correctionReason: nil, by: assessor)
            _ = try await fixture.store.insight.recordAttributes(of: candidate.id, ["ethnicity": index == 5 ? "Black Caribbean" : "White British"],
                                                         consentReference: "CF-\(index)", consentedAt: day, by: lead)
        }
        return fixture
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("Attack 1 replayed: an employer cannot narrow a table by a date range, and a period's attribute groups hide the one person")
    func differencingByDateRange() async throws {
        let fixture = try await Self.fixture()
        try await fixture.withClient { client in
            let table = "/api/v1/statistics/tables/fairness-by-attribute-ethnicity"
            for narrowed in ["\(table)?to=2026-03-01", "\(table)?from=2026-05-13", "/api/v1/statistics?to=2026-06-01",
                             "/api/v1/statistics/tables?from=2026-01-01&to=2026-12-31", "/statistics?to=2026-06-01"] {
                let response = try await client.execute(uri: narrowed, method: .get, headers: fixture.headers(.employer))
                #expect(response.status == .badRequest, "\(narrowed)")
                #expect(String(buffer: response.body).contains("whole reporting periods"), "\(narrowed)")
            }
            // The released quarter has no breakdown by attribute for an employer at all: it knows its staff's outcomes,
            // so any rate by attribute among them would narrow down who has which.
            let csv = try await client.execute(uri: "\(table)?period=2026-Q2", method: .get, headers: fixture.headers(.employer))
            #expect(csv.status == .notFound)
            let list = String(buffer: try await client.execute(uri: "/api/v1/statistics/tables?period=2026-Q2", method: .get,
                                                               headers: fixture.headers(.employer)).body)
            #expect(list.contains("fairness-by-employer") && !list.contains("fairness-by-attribute"))
            let leadTable = try await client.execute(uri: "\(table)?from=2026-04-01&to=2026-06-30", method: .get, headers: fixture.headers(.lead))
            #expect(leadTable.status == .ok && String(buffer: leadTable.body).contains("White British"))
            // The lead and the auditor keep arbitrary ranges.
            let lead = try await client.execute(uri: "/api/v1/statistics?from=2026-05-01&to=2026-05-14", method: .get, headers: fixture.headers(.lead))
            #expect(lead.status == .ok)
            let counts = try #require((try Self.json(lead)["report"] as? [String: Any])?["counts"] as? [String: Any])
            #expect(counts["observations"] as? Int == 3)
            let auditor = try await client.execute(uri: "\(table)?to=2026-05-14", method: .get, headers: fixture.headers(.auditor))
            #expect(auditor.status == .ok)
        }
    }

    @Test("Attack 2 replayed: one day of the scheme is refused, and the quarter of another council's single candidate releases nothing of the scheme")
    func singleCandidateOfAnotherCouncil() async throws {
        let fixture = try await Self.fixture()
        try await fixture.withClient { client in
            let day = try await client.execute(uri: "/api/v1/statistics?from=2026-09-21&to=2026-09-21", method: .get,
                                               headers: fixture.headers(.otherEmployer))
            #expect(day.status == .badRequest)
            let quarter = try await client.execute(uri: "/api/v1/statistics?period=2026-Q3", method: .get, headers: fixture.headers(.otherEmployer))
            #expect(quarter.status == .ok)
            let body = try Self.json(quarter)
            #expect(body["period"] as? String == "2026-Q3" && body["scope"] as? String == "employer")
            let overall = try #require(body["overall"] as? [String: Any])
            #expect((overall["withheldReason"] as? String)?.contains("Fewer than 5 other employers' candidates") == true)
            #expect(overall["counts"] == nil && overall["outcomes"] == nil && overall["agreement"] == nil)
            // Employer A's six of 2026-Q2 are enough others for employer B: released, but A's one failure is not.
            let q2 = try Self.json(try await client.execute(uri: "/api/v1/statistics?period=2026-Q2", method: .get, headers: fixture.headers(.otherEmployer)))
            let released = try #require(q2["overall"] as? [String: Any])
            #expect(released["withheldReason"] == nil && released["distribution"] == nil)
            let outcomes = try #require(released["outcomes"] as? [String: Any])
            let fail = try #require(outcomes["failRate"] as? [String: Any])
            #expect(fail["withheld"] as? Bool == true && fail["numerator"] == nil, "\(fail)")
            #expect((outcomes["nearMissShareOfFailures"] as? [String: Any])?["withheld"] as? Bool == true)
        }
    }

    /// Found by the hostile test: an employer flagged one of its staff's observations in an ended period and read the
    /// period again; the group whose dispute count moved was that person's. A period's release is frozen at its first
    /// reading.
    @Test("A released period is frozen: the employer's own later change to it does not show")
    func frozenRelease() async throws {
        let fixture = try await Self.fixture()
        try await fixture.withClient { client in
            let before = try await client.execute(uri: "/api/v1/statistics?period=2026-Q2", method: .get, headers: fixture.headers(.employer))
            #expect(before.status == .ok)
            let observation = try #require(try await fixture.store.records.observations.find(ref: "OBS-Q2-0"))
            let flag = try await client.execute(uri: "/api/v1/observations/\(observation.observation.id)/flags", method: .post,
                                                headers: fixture.headers(.employer, json: true),
                                                body: ByteBuffer(string: #"{"reason":"The scores look inconsistent."}"#))
            #expect(flag.status == .created)
            let after = try await client.execute(uri: "/api/v1/statistics?period=2026-Q2", method: .get, headers: fixture.headers(.employer))
            #expect(String(buffer: after.body) == String(buffer: before.body), "the release changed after the employer's own flag")
            // The lead sees the data as it is now.
            let lead = try Self.json(try await client.execute(uri: "/api/v1/statistics?period=2026-Q2", method: .get, headers: fixture.headers(.lead)))
            let dispute = ((lead["report"] as? [String: Any])?["outcomes"] as? [String: Any]).flatMap { $0["overall"] as? [String: Any] }
                .flatMap { $0["disputeRate"] as? [String: Any] }
            #expect(dispute?["numerator"] as? Int == 1)
            let events = try await fixture.store.audit.entries(about: AuditEvent.Subject(type: "organisation", id: fixture.employerA.id.description))
            #expect(events.filter { $0.event.action == "statistics.released" }.count == 1)
        }
    }

    /// Every bootstrap interval object in `json` (those with a seed and a count of undefined resamples).
    static func intervals(in json: Any) -> [[String: Any]] {
        if let object = json as? [String: Any] {
            let own = object["seed"] != nil && object["undefinedSamples"] != nil ? [object] : []
            return own + object.values.flatMap { intervals(in: $0) }
        }
        return (json as? [Any])?.flatMap { intervals(in: $0) } ?? []
    }

    /// Issue 21 changed how the bootstraps draw their resamples (decision 33): a release frozen before it keeps the
    /// intervals it was published with, and says how they were drawn.
    @Test("A release frozen before the bootstraps drew by counts is served with its intervals as kept")
    func frozenReleaseKeepsItsIntervals() async throws {
        let fixture = try await Self.fixture()
        let employer = fixture.users[.employer]!.actor
        let period = try #require(ReportingPeriod("2026-Q2"))
        // The body a build before issue 21 kept: no `resampling` in any interval, and ends of its own.
        let release = InsightReport.employerRelease(try await fixture.store.insight.insightData(now: fixture.clock.now),
                                                    employer: employer.organisationID, period: period)
        func asKeptBefore(_ json: Any) -> Any {
            if var object = json as? [String: Any] {
                for (key, value) in object { object[key] = asKeptBefore(value) }
                if object["seed"] != nil && object["undefinedSamples"] != nil {
                    object["resampling"] = nil
                    object["lower"] = ["value": 0.125]
                    object["upper"] = ["value": 0.875]
                }
                return object
            }
            return (json as? [Any])?.map(asKeptBefore) ?? json
        }
        let kept = asKeptBefore(try JSONSerialization.jsonObject(with: JSONEncoder().encode(release)))
        #expect(Self.intervals(in: kept).count >= 5)
        let body = String(decoding: try JSONSerialization.data(withJSONObject: kept), as: UTF8.self)
        _ = try await fixture.store.insight.freezeStatisticsRelease(of: employer.organisationID, period: "2026-Q2", body: body, by: employer,
                                                                  at: fixture.clock.now)
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/api/v1/statistics?period=2026-Q2", method: .get, headers: fixture.headers(.employer))
            #expect(response.status == .ok)
            let served = Self.intervals(in: try Self.json(response)["report"] as Any)
            #expect(served.count >= 5)
            for interval in served {
                #expect(interval["resampling"] == nil)
                #expect((interval["lower"] as? [String: Any])?["value"] as? Double == 0.125)
                #expect((interval["upper"] as? [String: Any])?["value"] as? Double == 0.875)
            }
            // The lead's figures are computed afresh, by counts.
            let lead = try Self.json(try await client.execute(uri: "/api/v1/statistics?period=2026-Q2", method: .get, headers: fixture.headers(.lead)))
            let fresh = Self.intervals(in: lead["report"] as Any)
            #expect(!fresh.isEmpty && fresh.allSatisfy { $0["resampling"] as? String == "counts" })
        }
    }

    @Test("Periods: only ended ones of the configured length; another employer's id is refused; the page offers the periods")
    func periodRules() async throws {
        let fixture = try await Self.fixture()
        try await fixture.withClient { client in
            // The clock is at 2027-01-15: 2026-Q4 ended on 2027-01-01 and is released 30 days later.
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("period=2027-Q1", .badRequest, "has not been released yet"),
                ("period=2026-Q4", .badRequest, "released on 2027-01-31"),
                ("period=2026-09", .badRequest, "released by quarter"),
                ("period=last-year", .badRequest, "such as 2026-Q3"),
                ("period=2026-Q3", .ok, "\"period\":\"2026-Q3\""),
                ("", .ok, "\"period\":\"2026-Q3\""),
            ]
            for (query, status, text) in cases {
                let response = try await client.execute(uri: "/api/v1/statistics?\(query)", method: .get, headers: fixture.headers(.employer))
                #expect(response.status == status, "\(query)")
                #expect(String(buffer: response.body).contains(text), "\(query): \(String(buffer: response.body).prefix(300))")
            }
            let other = try await client.execute(uri: "/api/v1/statistics?employerId=\(UUID().uuidString.lowercased())", method: .get,
                                                 headers: fixture.headers(.employer))
            #expect(other.status == .forbidden)
            let periods = try Self.json(try await client.execute(uri: "/api/v1/statistics", method: .get, headers: fixture.headers(.employer)))["periods"]
            #expect((periods as? [String])?.prefix(2) == ["2026-Q3", "2026-Q2"])
            let page = try await client.execute(uri: "/statistics?period=2026-Q2", method: .get, headers: fixture.headers(.employer))
            let html = String(buffer: page.body)
            #expect(page.status == .ok)
            #expect(html.contains(#"<select id="period" name="period">"#) && html.contains(#"<option value="2026-Q2" selected>"#))
            #expect(!html.contains(#"id="from""#), "no date range for an employer")
            let lead = String(buffer: try await client.execute(uri: "/statistics", method: .get, headers: fixture.headers(.lead)).body)
            #expect(lead.contains(#"id="from""#))
        }
    }
}
