/// What a child indexer may use. The time limit scales with the file's size (a minute per 200 MB on top of five
/// minutes), capped, rather than a fixed half hour for every file.
public struct IndexingLimits: Sendable {
    public var timeoutCap: Double = 1800
    public var baseSeconds: Double = 300
    public var secondsPerMegabyte: Double = 0.3
    public var addressSpaceBytes: UInt64 = 2 << 30
    public var cpuSeconds: UInt64 = 2 * 3600
    public var fileBytes: UInt64 = 8 << 30
    public var openFiles: UInt64 = 256

    public init(timeoutCap: Double = 1800) {
        self.timeoutCap = timeoutCap
    }

    public func timeout(forBytes bytes: Int64?) -> Double {
        min(timeoutCap, baseSeconds + Double(bytes ?? 0) / 1_000_000 * secondsPerMegabyte)
    }
}
