/// Each quality-sample pick's inclusion probability, design weight and (merged) stratum (issue 15, decision 14), so
/// the weighted findings are estimated in one query without decoding the draw's picks. Picks drawn before this
/// migration have none (their chance of selection was never stated) and are left out of the estimates.
struct Migration0014SampleProbabilities: Migration {
    let version = 14
    let name = "inclusion probability, design weight and stratum of each sample pick"

    func statements(for dialect: Dialect) -> [String] {
        let real = dialect == .postgres ? "DOUBLE PRECISION" : "REAL"
        return [
            "ALTER TABLE sample_picks ADD COLUMN inclusion_probability \(real) CHECK (inclusion_probability IS NULL OR (inclusion_probability > 0 AND inclusion_probability <= 1))",
            "ALTER TABLE sample_picks ADD COLUMN design_weight \(real) CHECK (design_weight IS NULL OR design_weight >= 1)",
            "ALTER TABLE sample_picks ADD COLUMN stratum TEXT",
        ]
    }
}
