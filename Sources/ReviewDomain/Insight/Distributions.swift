import Foundation

// The probability distributions the agreement tests and intervals need (issue 15): the standard normal, chi-square,
// F and the binomial with p = ½, from the regularised incomplete gamma and beta functions. Pure and deterministic;
// checked against scipy's values in DistributionTests and, through the figures that use them, against statsmodels
// and pingouin by scripts/check-stats.py.

/// Cumulative distribution functions, tails and quantiles, accurate to about 1e-14.
public enum Distributions {
    // MARK: Normal

    /// P(Z ≤ z) for the standard normal, `erfc(−z/√2)/2` (no cancellation in either tail).
    public static func normalCDF(_ z: Double) -> Double { erfc(-z / 2.0.squareRoot()) / 2 }

    /// The `p` quantile of the standard normal (0 < p < 1): Acklam's rational approximation polished by two Halley
    /// steps on ``normalCDF(_:)``, so it is exact to a few units in the last place. `nil` outside (0, 1).
    public static func normalQuantile(_ p: Double) -> Double? {
        guard p > 0, p < 1 else { return nil }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                 -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                 -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        for _ in 0..<2 {
            // Halley's step on the tail that is small, so the error is relative.
            let e = p < 0.5 ? normalCDF(x) - p : (1 - p) - normalCDF(-x)
            let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }

    // MARK: Chi-square

    /// P(X > x) for chi-square with `degreesOfFreedom` ν > 0: the regularised upper incomplete gamma Q(ν/2, x/2).
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom nu: Double) -> Double {
        guard x > 0 else { return 1 }
        return regularizedUpperGamma(nu / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x)/Γ(a), for a > 0 and x ≥ 0: the series of P(a, x) when x < a + 1, else the continued fraction
    /// of Q (modified Lentz), both to full precision (Numerical Recipes, §6.2).
    public static func regularizedUpperGamma(_ a: Double, _ x: Double) -> Double {
        guard x > 0 else { return 1 }
        let logFront = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, n = a
            for _ in 0..<100_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return 1 - sum * exp(logFront)
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...100_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return exp(logFront) * h
    }

    // MARK: F

    /// P(F ≤ x) for Fisher's F with `d1` and `d2` degrees of freedom (> 0, not necessarily whole):
    /// I_{d1 x/(d1 x + d2)}(d1/2, d2/2).
    public static func fCDF(_ x: Double, _ d1: Double, _ d2: Double) -> Double {
        guard x > 0 else { return 0 }
        let denominator = d1 * x + d2
        return Descriptive.regularizedIncompleteBeta(d1 * x / denominator, d2 / denominator, a: d1 / 2, b: d2 / 2)
    }

    /// P(F > x): I_{d2/(d1 x + d2)}(d2/2, d1/2), without the cancellation of 1 − ``fCDF(_:_:_:)``.
    public static func fSurvival(_ x: Double, _ d1: Double, _ d2: Double) -> Double {
        guard x > 0 else { return 1 }
        let denominator = d1 * x + d2
        return Descriptive.regularizedIncompleteBeta(d2 / denominator, d1 * x / denominator, a: d2 / 2, b: d1 / 2)
    }

    /// The `p` quantile of F(d1, d2), by bisection on ``fCDF(_:_:_:)`` to full double precision. `nil` unless
    /// 0 < p < 1 and both degrees of freedom are finite and positive.
    public static func fQuantile(_ p: Double, _ d1: Double, _ d2: Double) -> Double? {
        guard p > 0, p < 1, d1 > 0, d2 > 0, d1.isFinite, d2.isFinite else { return nil }
        return Descriptive.bisect(below: { fCDF($0, d1, d2) < p })
    }

    // MARK: Binomial

    /// P(X ≤ k) for X ~ Binomial(n, ½): Σ_{i ≤ k} C(n, i) / 2ⁿ. The shorter tail is summed relative to its largest
    /// term C(n, k) (each term from the next, C(n, i − 1) = C(n, i) · i / (n − i + 1)), and C(n, k) / 2ⁿ comes from
    /// `lgamma`, so nothing underflows for large n.
    public static func binomialHalfCDF(_ k: Int, trials n: Int) -> Double {
        guard k >= 0 else { return 0 }
        guard k < n else { return 1 }
        // Sum the shorter tail, relative to its largest term (at i = k for the lower tail when k < n/2).
        if 2 * k < n {
            // Σ_{i=0}^{k} C(n,i) = C(n,k) Σ_{j=0}^{k} Π (ratio back from k): terms shrink going down.
            var sum = 1.0, term = 1.0
            var i = k
            while i > 0 {
                term *= Double(i) / Double(n - i + 1)
                sum += term
                if term < sum * 1e-18 { break }
                i -= 1
            }
            let logChoose = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
            return min(1, exp(logChoose - Double(n) * log(2.0)) * sum)
        }
        return 1 - binomialHalfCDF(n - k - 1, trials: n)
    }
}
