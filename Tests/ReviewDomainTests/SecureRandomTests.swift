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

    @Test("time-ordered ids are version 7: the millisecond first, 74 random bits, text order follows time (decision 40)")
    func timeOrdered() {
        let milliseconds: UInt64 = 1_790_000_000_123
        let ids = (0..<2_000).map { _ in SecureRandom.timeOrderedUUID(milliseconds: milliseconds) }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
            #expect(bytes.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == milliseconds)
            #expect(bytes[6] >> 4 == 7, "version 7")
            #expect(bytes[8] >> 6 == 0b10, "variant 10")
        }
        // The 74 other bits are random: over 2,000 ids each of them is set about half the time.
        for bit in [48 + 4, 48 + 11, 64 + 2, 64 + 30, 127] {
            let set = ids.filter { id in withUnsafeBytes(of: id.uuid) { $0[bit / 8] >> (7 - UInt8(bit % 8)) & 1 == 1 } }.count
            #expect(abs(set - 1_000) < 200, "bit \(bit) set in \(set) of 2,000")
        }
        // A later millisecond sorts after, as bytes and as the lower-case text the store keeps.
        let later = SecureRandom.timeOrderedUUID(milliseconds: milliseconds + 1)
        #expect(ids.allSatisfy { $0.lowercasedString < later.lowercasedString })
        // Domain ids are version 4 unless a task asks for time-ordered ones.
        #expect(withUnsafeBytes(of: RatingID().rawValue.uuid) { $0[6] >> 4 } == 4)
        let inside = SecureRandom.$timeOrdered.withValue(true) { RatingID() }
        #expect(withUnsafeBytes(of: inside.rawValue.uuid) { $0[6] >> 4 } == 7)
        let now = SecureRandom.currentMilliseconds()
        let stamp = withUnsafeBytes(of: inside.rawValue.uuid) { $0.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        #expect(stamp <= now && now - stamp < 60_000, "stamped with the current time")
    }
}
