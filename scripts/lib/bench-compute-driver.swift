// The driver of docs/benchmarks.md "Issue 21, item 7: bootstraps drawn by counts": appended to
// syntheticInsightData (from Sources/obsreview/AgreementCommand.swift) and built against ReviewDomain alone; see there.
func milliseconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}
let data = Synthetic.syntheticInsightData(observations: 100_000, seed: 20_261_122)
var matrix = ConfusionMatrix()
var units: [[Double?]] = []
for o in data.observations {
    if let e = o.employerScore, let a = o.assessorScore { matrix.add(employer: e, assessor: a) }
    var unit: [Double?] = [o.employerScore.map(Double.init), o.assessorScore.map(Double.init)]
    unit += o.otherAssessorScores.map { Double($0) }
    units.append(unit)
}
var compute: [Double] = [], kappa: [Double] = [], alpha: [Double] = []
var sink = 0.0
for _ in 0..<3 {
    compute.append(milliseconds { sink += InsightReport.compute(data).agreement.alpha.ordinalBootstrap.lower.value ?? 0 })
    kappa.append(milliseconds { sink += Agreement.kappaBootstrap(matrix, samples: 1000, seed: 1).quadratic.lower.value ?? 0 })
    alpha.append(milliseconds { sink += Agreement.krippendorffAlphaBootstrap(units, level: .ordinal, samples: 1000, seed: 1).lower.value ?? 0 })
}
func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
print("pairs \(matrix.total) units \(units.count): InsightReport.compute \(median(compute)) ms; kappaBootstrap \(median(kappa)) ms; alphaBootstrap \(median(alpha)) ms (medians of 3) \(sink)")
