import Foundation
import ReviewDomain
import ReviewStore
import Synchronization
import Testing

/// The facts behind the insight statistics, read from the store, and candidate attributes held with consent.
@Suite("Insight facts and candidate attributes")
struct InsightStoreTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/ratings.csv")

    @Test("insight facts: current scores after a correction, the case's outcome and decision time, current opinions, assignments",
          arguments: TestBackend.allCases)
    func facts(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            // The employer corrects 5 to 6: the facts carry the current score only.
            let ratings = try await store.records.ratings.ratings(of: world.observation.id)
            let employerRating = try #require(ratings.first { $0.source == .employer })
            _ = try await store.workflow.recordRating(observationID: world.observation.id, score: try Score(6), rationale: "Re-watched.",
                                             supersedes: employerRating.id, correctionReason: "Mistyped.", by: world.employerRep.actor,
                                             at: ModerationWorld.start + 120)
            let (_, assignments) = try await world.sendToModeration(store)
            _ = try await world.submit(store, assignments[0].moderatorID, score: 4, at: ModerationWorld.start + 3600)
            let decidedAt = ModerationWorld.start + 7200
            let decided = try await world.submit(store, assignments[1].moderatorID, score: 5, at: decidedAt).caseAfter
            #expect(decided.state == .decided)

            let data = try await store.insight.insightData(now: ModerationWorld.start + 86_400)
            let observation = try #require(data.observations.first { $0.id == world.observation.id })
            #expect(observation.employerScore == 6 && observation.assessorScore == 3 && observation.assessorID == world.assessor.id)
            #expect(observation.employerID == world.employer.id && observation.candidateID == world.candidate.id)
            let facts = try #require(data.cases.first { $0.id == world.dispute.id })
            #expect(facts.kind == .automaticDispute && facts.state == .decided && facts.outcomeScore == 4 && !facts.decidedLocally)
            #expect(facts.decidedAt == decidedAt)
            #expect(data.opinions.count == 2 && Set(data.opinions.map(\.moderatorKind)) == [.professional, .lay])
            #expect(data.assignments.count == 2 && data.assignments.allSatisfy { !$0.isOpen && $0.endedAt != nil })
            #expect(data.employerNames[world.employer.id] == "Eastgate City Council")
            #expect(try await store.insight.earliestObservationDate() == data.observations.map(\.observedAt).min())

            // The report on these facts: one moderated case, overturned (assessor 3 fails, the outcome 4 passes).
            let report = InsightReport.compute(data, bootstrapSamples: 10)
            #expect(report.outcomes.overall.overturnRate.numerator == 1 && report.outcomes.overall.overturnRate.denominator == 1)
        }
    }

    @Test("a second assessor's independent rating is one more rater: the latest pairs with the employer, the first stays in α",
          arguments: TestBackend.allCases)
    func secondAssessor(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let second = User(name: "Second Assessor", role: .assessor, organisationID: world.body.id)
            try await store.records.users.insert(second)
            _ = try await store.workflow.recordRating(observationID: world.observation.id, score: try Score(4), rationale: "Double-marked blind.",
                                             supersedes: nil, correctionReason: nil, by: second.actor, at: ModerationWorld.start + 60)
            let data = try await store.insight.insightData(now: ModerationWorld.start + 86_400)
            let observation = try #require(data.observations.first { $0.id == world.observation.id })
            #expect(observation.assessorScore == 4 && observation.assessorID == second.id)
            #expect(observation.otherAssessorScores == [3])
            let report = InsightReport.compute(data, bootstrapSamples: 0)
            #expect(report.agreement.alpha.values == 3, "employer, the latest assessor and the first one")
        }
    }

    /// The facts are read by several queries, joined by id in Swift (decision 46). Read while imports commit, each read
    /// must still be of one committed state: an observation never without the scores imported with it, a candidate's
    /// observation never dropped because its candidate was committed after the candidates were read.
    @Test("the facts read while imports commit are of one committed state", arguments: TestBackend.allCases)
    func factsOfOneState(_ backend: TestBackend) async throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/ratings.csv")
        // The sample four times over, as other observations of other candidates, so that imports keep committing while
        // the facts are read.
        let text = try String(contentsOf: sample, encoding: .utf8)
        let header = text.prefix { $0 != "\n" }
        let body = text.dropFirst(header.count + 1)
        let copies = (0..<4).map { copy in
            body.replacingOccurrences(of: "OBS-2026-", with: "OBS-\(copy)-").replacingOccurrences(of: "CAND-", with: "CAND-\(copy)-")
                .replacingOccurrences(of: ",SW", with: ",SW\(copy)")
        }
        let rows = try RatingsCSV.parse(String(header) + "\n" + copies.joined()).get()
        // One import (one transaction) per observation that has both an employer's and an assessor's rating.
        let byObservation: [String: [RatingsCSV.Row]] = Dictionary(grouping: rows) { $0.observationRef }
        var groups: [[RatingsCSV.Row]] = []
        for ref in byObservation.keys.sorted() {
            let group = byObservation[ref] ?? []
            let sources = Set(group.map(\.source))
            if sources.contains(.employer) && sources.contains(.assessor) { groups.append(group) }
        }
        #expect(groups.count > 100)
        let parts = groups
        try await withStore(backend) { store in
            let done = DoneFlag()
            try await withThrowingTaskGroup(of: Int.self) { tasks in
                tasks.addTask {
                    defer { done.set() }
                    for (n, group) in parts.enumerated() {
                        _ = try await store.imports.importRatings(group, file: "part-\(n).csv", sha256: "part-\(n)")
                    }
                    return 0
                }
                tasks.addTask {
                    var reads = 0
                    repeat {
                        let data = try await store.insight.insightData()
                        for observation in data.observations {
                            #expect(observation.employerScore != nil && observation.assessorScore != nil,
                                    "observation \(observation.reference ?? "?") read without the scores imported with it")
                        }
                        reads += 1
                    } while !done.isSet
                    return reads
                }
                var reads = 0
                for try await count in tasks { reads += count }
                #expect(reads > 0)
            }
            // Once the imports are in, every observation is there with its scores.
            let data = try await store.insight.insightData()
            #expect(data.observations.count == parts.count)
            #expect(data.observations.allSatisfy { $0.employerScore != nil && $0.assessorScore != nil })
        }
    }

    /// An id column holding something that is not an id fails the read, naming the table and column and the value, on
    /// SQLite (PostgreSQL's uuid columns cannot hold one). Foundation's parser would read this one, with a dash where
    /// a digit belongs, as another id; the facts never do.
    @Test("a malformed id in the facts is corrupt data that names its table and column, never read as another id")
    func malformedID() async throws {
        try await withStore(.sqlite) { store in
            let rows = try RatingsCSV.parse(String(contentsOf: Self.sample, encoding: .utf8)).get()
            _ = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "abc")
            try await store.raw("""
                INSERT INTO candidates (id, registration_number, name, employer_id)
                SELECT 'b18e5ba8-d308-4b9a--384-484e1038064b', 'SW-BROKEN', 'Nobody', employer_id FROM candidates LIMIT 1
                """)
            do {
                _ = try await store.insight.insightData()
                Issue.record("a malformed candidate id was read")
            } catch let error as StoreError {
                #expect(error.code == .corruptData)
                #expect(error.message.contains("candidates.id") && error.message.contains("b18e5ba8-d308-4b9a--384-484e1038064b"), "\(error.message)")
            }
        }
    }

    /// The bootstrap resamples observations in the order of their stable keys (date, reference), not their ids: an
    /// export imported into another store (new ids throughout) gives the same intervals.
    @Test("a re-imported export gives identical bootstrap intervals", arguments: TestBackend.allCases)
    func reimportedExport(_ backend: TestBackend) async throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/ratings.csv")
        let rows = try RatingsCSV.parse(String(contentsOf: sample, encoding: .utf8)).get()
        var first: InsightReport?
        try await withStore(backend) { store in
            _ = try await store.imports.importRatings(rows, file: "ratings.csv", sha256: "first")
            first = InsightReport.compute(try await store.insight.insightData(), bootstrapSamples: 300)
            let exported = try await store.imports.exportRatings()
            let text = ([RatingExportRow.csvHeader] + exported.map(\.csvFields)).map { $0.map(RatingsCSV.escape).joined(separator: ",") }
                .joined(separator: "\n") + "\n"
            let again = try RatingsCSV.parse(text).get()
            try await withStore(.sqlite) { other in
                _ = try await other.imports.importRatings(again, file: "export.csv", sha256: "second")
                let second = InsightReport.compute(try await other.insight.insightData(), bootstrapSamples: 300)
                #expect(second.agreement.alpha.ordinalBootstrap == first?.agreement.alpha.ordinalBootstrap)
                #expect(second.agreement.beyondKappa == first?.agreement.beyondKappa)
                #expect(second.agreement.alpha.units > 10)
            }
        }
    }

    /// The review clock starts at the first recording that finished uploading (decision 39 joins it in the database):
    /// an upload still in progress, even an earlier one, does not start it; an observation without one has none.
    @Test("the first upload is the earliest recording no longer uploading, per observation", arguments: TestBackend.allCases)
    func firstUpload(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let start = ModerationWorld.start
            let other = Observation(candidateID: world.candidate.id, date: start, scenario: "Without a recording", practiceArea: .adults)
            try await store.records.observations.insert(other, ref: nil)
            let unfinished = Recording(observationID: world.observation.id, uploadedBy: world.assessor.id, fileName: "half.mp4")
            try await store.records.recordings.insert(unfinished, at: start + 10)
            for (name, at) in [("later.mp4", start + 500), ("first.mp4", start + 300)] {
                var recording = Recording(observationID: world.observation.id, uploadedBy: world.assessor.id, fileName: name)
                try await store.records.recordings.insert(recording, at: at)
                try recording.markStored(sha256: String(repeating: name == "first.mp4" ? "a" : "b", count: 64), byteCount: 10)
                try await store.records.recordings.update(recording, at: at + 1)
            }
            let data = try await store.insight.insightData()
            #expect(data.observations.first { $0.id == world.observation.id }?.firstUploadAt == start + 300)
            let without = try #require(data.observations.first { $0.id == other.id })
            #expect(without.firstUploadAt == nil && without.employerScore == nil && without.assessorScore == nil)
        }
    }

    @Test("a score agreed in local review is a local decision, with its time", arguments: TestBackend.allCases)
    func localAgreement(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let start = ModerationWorld.start
            var current = try await store.workflow.transition(world.dispute.id, .startLocalReview, expectedVersion: world.dispute.version, reason: nil,
                                                     by: world.employerRep.actor, at: start + 100)
            current = try await store.workflow.transition(current.id, .agreeLocalScore(try Score(4)), expectedVersion: current.version, reason: nil,
                                                 by: world.employerRep.actor, at: start + 200)
            current = try await store.workflow.transition(current.id, .agreeLocalScore(try Score(4)), expectedVersion: current.version, reason: nil,
                                                 by: world.assessor.actor, at: start + 300)
            #expect(current.state == .decided)
            let facts = try #require(try await store.insight.insightData().cases.first { $0.id == world.dispute.id })
            #expect(facts.decidedLocally && facts.outcomeScore == 4 && facts.kind == .automaticDispute && facts.calibrationScore == nil)
            #expect(facts.decidedAt == start + 300)
        }
    }

    @Test("attributes need consent and valid names; they are replaced, read and erased, audited without their values",
          arguments: TestBackend.allCases)
    func attributes(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let world = try await ModerationWorld.make(in: store)
            let id = world.candidate.id
            await expectStoreError(.invalidArgument) {
                _ = try await store.insight.recordAttributes(of: id, ["ethnicity": "Mixed"], consentReference: " ", consentedAt: ModerationWorld.start,
                                                     by: world.lead.actor)
            }
            await expectStoreError(.invalidArgument) {
                _ = try await store.insight.recordAttributes(of: id, ["Ethnic Group": "Mixed"], consentReference: "CF-1", consentedAt: ModerationWorld.start,
                                                     by: world.lead.actor)
            }
            await expectStoreError(.notFound) {
                _ = try await store.insight.recordAttributes(of: CandidateID(), ["ethnicity": "Mixed"], consentReference: "CF-1",
                                                     consentedAt: ModerationWorld.start, by: world.lead.actor)
            }
            _ = try await store.insight.recordAttributes(of: id, ["ethnicity": "Mixed", "disability": "No"], consentReference: "CF-1",
                                                 consentedAt: ModerationWorld.start, by: world.lead.actor)
            _ = try await store.insight.recordAttributes(of: id, ["ethnicity": " White "], consentReference: "CF-2", consentedAt: ModerationWorld.start,
                                                 by: world.lead.actor)
            let held = try #require(try await store.insight.attributes(of: id))
            #expect(held.values == ["ethnicity": "White"] && held.consentReference == "CF-2")
            #expect(try await store.insight.insightData().attributes.map(\.value) == ["White"])
            #expect(try await store.insight.withdrawAttributes(of: id, by: world.lead.actor))
            #expect(try await store.insight.attributes(of: id) == nil)
            #expect(try await !store.insight.withdrawAttributes(of: id, by: world.lead.actor))
            let events = try await store.audit.entries(about: .init(type: "candidate", id: id.description))
            #expect(events.map(\.event.action) == ["candidate.attributes_recorded", "candidate.attributes_recorded", "candidate.attributes_withdrawn"])
            #expect(events[0].event.details["names"] == "disability,ethnicity")
            #expect(!events.contains { $0.event.details.values.contains("Mixed") || $0.event.details.values.contains("White") })
            #expect(try await store.audit.verify().firstBreak == nil)
        }
    }
}

/// Set once by one task, read by another.
private final class DoneFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
