extension Duration {
    /// The duration in seconds, as a `Double` (timings, rates, and conversions to other clocks' types).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
