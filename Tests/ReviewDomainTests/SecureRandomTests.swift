import Foundation
import ReviewDomain
import Testing

@Suite("Random ids and salts drawn in blocks")
struct SecureRandomTests {
    @Test("ids are version 4 UUIDs of the RFC variant, all different, across many refills of the block")
    func uuids() {
        // 2,000 ids are 32,000 bytes: the 4,096-byte block is refilled seven times.
        let ids = (0..<2_000).map { _ in SecureRandom.uuid() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 4, "version 4")
            #expect(bytes[8] >> 6 == 0b10, "variant 10")
            #expect(UUID(uuidString: id.uuidString) == id)
        }
        // A domain id is drawn the same way.
        let rating = RatingID()
        #expect(withUnsafeBytes(of: rating.rawValue.uuid) { $0[6] >> 4 } == 4)
    }

    @Test("salts differ, and their bits are balanced (not zeros, not a repeated block)")
    func salts() {
        let salts = (0..<1_000).map { _ in SecureRandom.bytes(16) }
        #expect(Set(salts).count == salts.count)
        let ones = salts.joined().reduce(0) { $0 + $1.nonzeroBitCount }
        // 128,000 fair bits: the count of ones is 64,000 ± 181 (one standard deviation); ± 2,000 is 11 deviations.
        #expect(abs(ones - 64_000) < 2_000)
    }

    @Test("draws from many tasks at once never hand the same bytes out twice")
    func concurrent() async {
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<8 { group.addTask { (0..<500).map { _ in SecureRandom.uuid() } } }
            return await group.reduce(into: [UUID]()) { $0 += $1 }
        }
        #expect(ids.count == 4_000 && Set(ids).count == 4_000)
    }
}
