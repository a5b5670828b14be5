import Foundation
import PropertyBased
import ReviewDomain
import Testing

@Suite("Rating ledger")
struct RatingLedgerTests {
    func ledger() -> RatingLedger { RatingLedger(observationID: Fixture.observation, employerID: Fixture.employer) }

    @Test("Each source accepts only its own raters", arguments: RatingSource.allCases, Fixture.allActors)
    func whoRates(source: RatingSource, actor: ActingUser) {
        var ledger = ledger()
        let allowed = switch source {
        case .assessor: actor.role == .assessor
        case .employer: actor.role == .employer && actor.organisationID == Fixture.employer
        case .moderator: actor.role.isModerator
        }
        do {
            let rating = try ledger.record(source: source, score: Fixture.score(4), rationale: "seen", by: actor, at: Fixture.start)
            #expect(allowed)
            #expect(rating.raterID == actor.userID && rating.source == source && rating.supersedes == nil)
            #expect(ledger.current(source: source) == rating)
        } catch {
            #expect(!allowed)
            #expect(error.code == .notPermitted)
            #expect(ledger.ratings.isEmpty)
        }
    }

    @Test("A blank rationale is refused")
    func blankRationale() {
        var ledger = ledger()
        let error = #expect(throws: DomainError.self) {
            try ledger.record(source: .assessor, score: Fixture.score(4), rationale: " ", by: Fixture.assessor, at: Fixture.start)
        }
        #expect(error?.code == .reasonRequired)
    }

    @Test("Rating twice is refused: correct instead")
    func duplicate() throws {
        var ledger = ledger()
        try ledger.record(source: .assessor, score: Fixture.score(3), rationale: "a", by: Fixture.assessor, at: Fixture.start)
        let error = #expect(throws: DomainError.self) {
            try ledger.record(source: .assessor, score: Fixture.score(5), rationale: "b", by: Fixture.assessor, at: Fixture.start)
        }
        #expect(error?.code == .ratingDuplicate)
        #expect(error?.message.contains("correct") == true)
    }

    @Test("A correction appends a superseding rating and keeps the original")
    func correction() throws {
        var ledger = ledger()
        let original = try ledger.record(source: .employer, score: Fixture.score(5), rationale: "strong",
                                         by: Fixture.employerRep, at: Fixture.start)
        let corrected = try ledger.correct(original.id, newScore: Fixture.score(4), reason: "typo",
                                           by: Fixture.employerRep, at: Fixture.start + 60)
        #expect(ledger.ratings == [original, corrected])
        #expect(corrected.supersedes == original.id && corrected.correctionReason == "typo" && corrected.source == .employer)
        #expect(ledger.current(source: .employer) == corrected)
        #expect(ledger.isSuperseded(original.id))
        #expect(ledger.chain(through: original.id) == [original, corrected])
        let byLead = try ledger.correct(corrected.id, newScore: Fixture.score(3), reason: "moderation finding",
                                        by: Fixture.lead, at: Fixture.start + 120)
        #expect(byLead.raterID == Fixture.lead.userID && ledger.chain(through: corrected.id).count == 3)
        // The original rater may still correct after a lead did.
        try ledger.correct(byLead.id, newScore: Fixture.score(4), reason: "agreed", by: Fixture.employerRep, at: Fixture.start + 180)
    }

    @Test("Correction refusals", arguments: [
        ("superseded", DomainError.Code.ratingSuperseded), ("unknown", .ratingNotFound),
        ("stranger", .notPermitted), ("blank", .reasonRequired),
    ])
    func correctionRefused(situation: String, code: DomainError.Code) throws {
        var ledger = ledger()
        let original = try ledger.record(source: .assessor, score: Fixture.score(2), rationale: "weak",
                                         by: Fixture.assessor, at: Fixture.start)
        try ledger.correct(original.id, newScore: Fixture.score(3), reason: "recount", by: Fixture.assessor, at: Fixture.start)
        let head = try #require(ledger.current(source: .assessor))
        let before = ledger
        let error = #expect(throws: DomainError.self) {
            switch situation {
            case "superseded": try ledger.correct(original.id, newScore: Fixture.score(4), reason: "x", by: Fixture.lead, at: Fixture.start)
            case "unknown": try ledger.correct(RatingID(), newScore: Fixture.score(4), reason: "x", by: Fixture.lead, at: Fixture.start)
            case "stranger": try ledger.correct(head.id, newScore: Fixture.score(4), reason: "x", by: Fixture.otherAssessor, at: Fixture.start)
            default: try ledger.correct(head.id, newScore: Fixture.score(4), reason: "\t", by: Fixture.assessor, at: Fixture.start)
            }
        }
        #expect(error?.code == code)
        #expect(ledger == before)
    }

    @Test("Restoring checks the ledger's rules; decoding goes through them")
    func restoring() throws {
        var ledger = ledger()
        let original = try ledger.record(source: .assessor, score: Fixture.score(2), rationale: "weak", by: Fixture.assessor, at: Fixture.start)
        try ledger.correct(original.id, newScore: Fixture.score(3), reason: "recount", by: Fixture.assessor, at: Fixture.start)
        let decoded = try JSONDecoder().decode(RatingLedger.self, from: JSONEncoder().encode(ledger))
        #expect(decoded == ledger)
        let error = #expect(throws: DomainError.self) {
            try RatingLedger(observationID: Fixture.observation, employerID: Fixture.employer, restoring: ledger.ratings.reversed())
        }
        #expect(error?.code == .ledgerInconsistent)
    }

    enum Operation: Sendable {
        case record(RatingSource, actor: Int, score: Int)
        case correct(ratingIndex: Int, actor: Int, score: Int, blankReason: Bool)
    }

    static let operations = zip(
        Gen.bool, Gen<RatingSource>.case, Gen.int(in: 0...(Fixture.allActors.count - 1)), Gen.int(in: 1...7),
        Gen.int(in: 0...30), Gen.bool(0.1)
    ).map { isRecord, source, actor, score, index, blank -> Operation in
        isRecord ? .record(source, actor: actor, score: score)
            : .correct(ratingIndex: index, actor: actor, score: score, blankReason: blank)
    }

    @Test("The ledger never loses a rating, and current() never returns a superseded one")
    func neverLoses() async {
        await propertyCheck(count: 300, input: Self.operations.array(of: 0...40)) { operations in
            var ledger = ledger()
            var time = Fixture.start
            for operation in operations {
                time += 1
                let before = ledger
                do {
                    switch operation {
                    case let .record(source, actor, score):
                        try ledger.record(source: source, score: Fixture.score(score), rationale: "r",
                                          by: Fixture.allActors[actor], at: time)
                    case let .correct(index, actor, score, blank):
                        guard !before.ratings.isEmpty else { continue }
                        let target = before.ratings[index % before.ratings.count]
                        let added = try ledger.correct(target.id, newScore: Fixture.score(score), reason: blank ? "" : "fix",
                                                       by: Fixture.allActors[actor], at: time)
                        #expect(added.supersedes == target.id && added.source == target.source)
                    }
                    #expect(ledger.ratings.count == before.ratings.count + 1)
                } catch {
                    #expect(ledger == before)
                }
                // Append-only: everything there before is still there, unchanged and in order.
                #expect(ledger.ratings.starts(with: before.ratings))
                #expect(before.supersededIDs.isSubset(of: ledger.supersededIDs))
                for superseded in ledger.supersededIDs { #expect(ledger.rating(superseded) != nil) }
                for source in RatingSource.allCases {
                    if let current = ledger.current(source: source) {
                        #expect(!ledger.isSuperseded(current.id))
                        #expect(current.source == source)
                    } else {
                        #expect(ledger.ratings.allSatisfy { $0.source != source || ledger.isSuperseded($0.id) })
                    }
                }
                // One original per rater and source (the rule the database's unique index holds too, migration 10).
                let originals = ledger.ratings.filter { $0.supersedes == nil }.map { "\($0.source.rawValue) \($0.raterID)" }
                #expect(Set(originals).count == originals.count)
                // Each rating is superseded at most once, so corrections form chains.
                let supersedes = ledger.ratings.compactMap(\.supersedes)
                #expect(Set(supersedes).count == supersedes.count)
            }
            // What was built obeys the rules a store would check on restore.
            #expect(throws: Never.self) {
                try RatingLedger(observationID: Fixture.observation, employerID: Fixture.employer, restoring: ledger.ratings)
            }
        }
    }
}

/// Decision 37, item 1: the limit on free text is a rule of the domain, so every way in (API, CSV import, CLI) obeys it.
@Suite("Free text has a length")
struct FreeTextLengthTests {
    static let long = String(repeating: "A", count: FreeText.maximumLength + 1)
    static let fits = String(repeating: "A", count: FreeText.maximumLength)

    @Test("a rationale or a correction's reason over 10,000 characters is refused in words; 10,000 fit")
    func ratings() throws {
        var ledger = RatingLedger(observationID: Fixture.observation, employerID: Fixture.employer)
        let refused = #expect(throws: DomainError.self) {
            try ledger.record(source: .assessor, score: Fixture.score(4), rationale: Self.long, by: Fixture.assessor, at: Fixture.start)
        }
        #expect(refused?.code == .textTooLong && refused?.message.contains("at most 10000") == true)
        #expect(ledger.ratings.isEmpty)
        let rating = try ledger.record(source: .assessor, score: Fixture.score(4), rationale: Self.fits, by: Fixture.assessor, at: Fixture.start)
        let correction = #expect(throws: DomainError.self) {
            try ledger.correct(rating.id, newScore: Fixture.score(5), reason: Self.long, by: Fixture.assessor, at: Fixture.start)
        }
        #expect(correction?.code == .textTooLong && correction?.message.contains("correction's reason") == true)
        #expect(ledger.ratings.count == 1)
    }

    @Test("a flag's reason over 10,000 characters opens no case and joins none")
    func flags() throws {
        let opening = #expect(throws: CaseTransitionError.self) {
            try Case.flag(observationID: Fixture.observation, employerID: Fixture.employer, existing: [], by: Fixture.assessor, at: Fixture.start, reason: Self.long)
        }
        #expect(opening?.code == .reasonTooLong && opening?.message.contains("at most 10000") == true)
        let open = Fixture.openCase()
        let joining = #expect(throws: CaseTransitionError.self) {
            try Case.flag(observationID: open.observationID, employerID: open.employerID, existing: [open], by: Fixture.employerRep, at: Fixture.start, reason: Self.long)
        }
        #expect(joining?.code == .reasonTooLong)
        #expect(try Case.flag(observationID: open.observationID, employerID: open.employerID, existing: [open], by: Fixture.employerRep,
                              at: Fixture.start, reason: Self.fits).0.flagCount == open.flagCount + 1)
    }
}
