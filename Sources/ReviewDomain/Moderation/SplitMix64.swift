/// SplitMix64 (Steele, Lea and Flood 2014): a small, fast, seeded generator whose output is the same on every
/// platform and run — what reproducible sampling, deterministic tie-breaks and seeded test data need (Swift's
/// `Hasher` is seeded per process, `SystemRandomNumberGenerator` is not seedable).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A whole number in `0..<bound` (bound > 0), by modulo: a negligible bias for the small bounds we use.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// SplitMix64's finaliser: a fixed, well-mixed permutation of 64-bit values.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
