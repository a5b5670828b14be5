import Foundation
import PropertyBased
import ReviewDomain
import Testing

@Suite("Score")
struct ScoreTests {
    @Test("Values inside 1–7 make a score with the right band", arguments: [
        (1, Score.Band.belowStandard), (2, .belowStandard), (3, .nearMiss),
        (4, .meetsStandard), (5, .meetsStandard), (6, .meetsStandard), (7, .meetsStandard),
    ])
    func valid(value: Int, band: Score.Band) throws {
        let score = try Score(value)
        #expect(score.value == value)
        #expect(score.band == band)
        #expect(score.meetsStandard == (value >= 4))
        #expect(score.isNearMiss == (value == 3))
        #expect(Score(exactly: value) == score)
    }

    @Test("Values outside 1–7 are a typed error, never a crash", arguments: [Int.min, -1, 0, 8, 9, 100, Int.max])
    func invalid(value: Int) {
        #expect(Score(exactly: value) == nil)
        let error = #expect(throws: DomainError.self) { try Score(value) }
        #expect(error?.code == .scoreOutOfRange)
        #expect(error?.message.contains(String(value)) == true)
        #expect(error?.message.contains("1 to 7") == true)
    }

    @Test("Any integer gives either a valid score or scoreOutOfRange")
    func total() async {
        await propertyCheck(input: Gen.int()) { value in
            do throws(DomainError) {
                let score = try Score(value)
                #expect(Score.range.contains(score.value))
            } catch {
                #expect(error.code == .scoreOutOfRange)
                #expect(!Score.range.contains(value))
            }
        }
    }

    @Test("Codable round-trips as a bare integer and refuses out-of-range values")
    func codable() throws {
        let data = try JSONEncoder().encode([Fixture.score(3)])
        #expect(String(decoding: data, as: UTF8.self) == "[3]")
        #expect(try JSONDecoder().decode([Score].self, from: data) == [Fixture.score(3)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Score].self, from: Data("[8]".utf8)) }
    }

    @Test func allCasesAreOrdered() {
        #expect(Score.allCases.map(\.value) == Array(1...7))
        #expect(Score.allCases == Score.allCases.sorted())
    }
}
