#!/usr/bin/env python3
"""Cross-check of the agreement statistics against published packages: scikit-learn and `krippendorff`.

Generates many seeded random data sets (2–500 observations, 2–5 raters, missing ratings, skewed distributions such as
generous employers, values other than 1–7, and degenerate sets: no pairs, one category only, every observation rated
once, …), computes the reference figures —
  * Cohen's kappa: sklearn `cohen_kappa_score(employer, assessor, labels=range(1, 8), weights=None|'linear'|'quadratic')`,
  * pass/fail kappa: the same, unweighted, on the scores mapped to fail (≤ 3) and pass (≥ 4),
  * exact and within-one agreement: numpy means of |e − a| == 0 and ≤ 1,
  * Krippendorff's alpha: `krippendorff.alpha(reliability_data=…, level_of_measurement='nominal'|'ordinal'|'interval')`,
  * κ's large-sample variance: statsmodels `cohens_kappa(table, wt=None|'linear'|'quadratic')` (`std_kappa`,
    `kappa_low`, `kappa_upp`, `std_kappa0`, `pvalue_two_sided`) on the 7 × 7 table,
  * PABAK (pass/fail) and Gwet's AC1 (pass/fail and nominal 1–7) and AC2 (linear, quadratic, 1–7): irrCAC
    `table.CAC(table, weights=…, digits=20)` `.bp()` and `.gwet()` (coefficient, standard error, interval),
  * McNemar's test: statsmodels `mcnemar(table2x2, exact=True)` and `(exact=False, correction=True)`,
  * Stuart–Maxwell: statsmodels `SquareTable(table, shift_zeros=False).homogeneity()` (see CONVENTIONS),
  * ICC(A,1) and ICC(A,k): pingouin `intraclass_corr` (ICC, F, p-value and the unrounded interval)
  * the κ bootstrap (issue 21: resamples drawn as one multinomial draw of the 49 cells' counts): on every set with 100
    pairs or more (the first 60), each end of the four 95 % intervals (1,000 resamples) against 50 numpy bootstraps
    that draw the pairs one by one (`Generator.integers`, type-7 percentiles): ours must lie within 5 of their
    standard deviations (times √(1 + 1/50)) of their mean — a random figure checked against the distribution it must
    come from, not to 1e-9,
— sends all the sets as one JSON document to `obsreview agreement` on stdin, reads its one JSON document from stdout
and compares every figure: a reference value must be matched to 1e-9 (absolute); a reference that is NaN (or an
error: empty input, a single value) must be `{"notDefined": …}` on our side. Prints the largest difference and the
first mismatches with their data set; exits non-zero on any mismatch.

    python3 scripts/check-stats.py [path/to/obsreview] [--sets N] [--seed S] [--tolerance T]

CONVENTIONS where the reference differs from us: statsmodels' SquareTable adds ½ to every cell of a table with a
zero unless shift_zeros=False, which we pass; categories never given off the diagonal make its matrix singular, so
they are removed from the table before it is called (as we do), and a table whose remaining categories fall into
groups never confused with each other is `notDefined` on our side (numpy may return a meaningless number or fail).
pingouin rounds its interval to two decimals by default; the option is removed so the full values are compared.
irrCAC's interval for AC1/AC2 is value ± t · se with scipy's t.ppf, which in the scipy versions tested (1.12, cdflib's
stdtrit) is off by up to 1e-8 (ν = 39: 2.0226909117 against 2.0226909200367613 from mpmath at 40 digits): the
reference interval is irrCAC's coefficient and standard error with the t quantile from scipy.special.betaincinv
(Boost, within 1e-14 of mpmath for ν ≤ 500); the largest difference from irrCAC's own interval is printed.
pingouin subtracts its sums of squares in floating point, so where the exact residual mean square MS_E is 0 (both
raters differ by the same amount on every observation) its F is ±10¹⁵ or infinite and its interval rests on a
rounding error, and where an ICC's denominator is exactly 0 its ICC(A,k) is e.g. 9·10¹⁵: the mean squares are
recomputed in fractions and those figures are NaN in the reference (in exact arithmetic they are infinite or NaN),
so they must be `notDefined` here.
Where a variance is zero (up to rounding: a standard error below 1e-7 on either side), numpy's square root of a
tiny negative number is NaN while ours may be 0: those standard errors, intervals and p-values are not compared
and are counted as skipped.

The binary is the argument, else $OBSREVIEW_BIN, else the debug build (`swift build --show-bin-path`).
Installs scikit-learn, krippendorff, numpy, statsmodels, irrCAC and pingouin (pip) when missing.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from tools import default_binary, ensure_pip  # noqa: E402
WEIGHTS = {"unweighted": None, "linear": "linear", "quadratic": "quadratic"}
LEVELS = ["nominal", "ordinal", "interval"]
ODD_VALUES = [-3.5, 0.25, 1.0, 2.75, 10.0, 100.125, 1e-3]  # a value domain that is not 1–7


def log(message):
    print(f"check-stats: {message}", flush=True)


# MARK: data sets

def clamp(score):
    return min(7, max(1, score))


def scored_units(rng, units, raters, quality_weights, generosity, noise, missing):
    """Units of `raters` ratings: rater 0 is the employer (one or two points generous with probability `generosity`),
    rater 1 the assessor; each rating is the observation's quality ± noise, missing with probability `missing`
    (except the employer's and the assessor's, which the pairs need)."""
    pairs, rows = [], []
    for _ in range(units):
        quality = rng.choices(range(1, 8), weights=quality_weights)[0]
        scores = []
        for rater in range(raters):
            bias = rng.choice([1, 1, 2]) if rater == 0 and rng.random() < generosity else 0
            scores.append(clamp(quality + bias + rng.choice(noise)))
        pairs.append([scores[0], scores[1]])
        rows.append([None if rng.random() < missing else score for score in scores])
    return pairs, rows


def degenerate_set(rng, number):
    kind = number // 12 % 8
    if kind == 0:
        return "empty", [], []
    if kind == 1:
        score = rng.randint(1, 7)
        n = rng.randint(2, 40)
        return "one score only", [[score, score]] * n, [[score] * rng.randint(2, 4) for _ in range(n)]
    if kind == 2:
        return "one rating per observation", [[rng.randint(1, 7), rng.randint(1, 7)] for _ in range(20)], \
            [[rng.randint(1, 7), None, None] for _ in range(20)]
    if kind == 3:
        # All pass on both sides (pass/fail kappa undefined); the pairable ratings all equal, a lone other value.
        return "all pass", [[rng.randint(4, 7), rng.randint(4, 7)] for _ in range(30)], [[5, 5], [5, 5, None], [2, None]]
    if kind == 4:
        return "one pair", [[3, 4]], [[3, 4]]
    if kind == 5:
        return "opposite constants", [[3, 5]] * 10, [[3, 5]] * 10
    if kind == 6:
        return "employer passes all, assessor fails all", [[rng.randint(4, 7), rng.randint(1, 3)] for _ in range(25)], \
            [[rng.randint(4, 7), rng.randint(1, 3)] for _ in range(25)]
    return "all missing", [], [[None, None]] * 5


def make_set(rng, number):
    if number % 12 == 11:
        name, pairs, units = degenerate_set(rng, number)
        return {"name": name, "pairs": pairs, "units": units}
    units = int(math.exp(rng.uniform(math.log(2), math.log(500))))
    raters = rng.randint(2, 5)
    shape = rng.choice(["centred", "uniform", "generous employer", "high", "near the pass mark", "noisy"])
    quality = {
        "centred": [1, 3, 6, 8, 6, 3, 1], "uniform": [1] * 7, "generous employer": [1, 2, 4, 6, 5, 3, 1],
        "high": [0, 0, 1, 2, 6, 8, 5], "near the pass mark": [0, 0, 5, 5, 0, 0, 0], "noisy": [2, 2, 2, 2, 2, 2, 2],
    }[shape]
    generosity = 0.6 if shape == "generous employer" else rng.choice([0, 0.1, 0.3])
    noise = [-2, -1, -1, 0, 0, 0, 1, 1, 2] if shape == "noisy" else rng.choice([[0], [-1, 0, 0, 1], [-1, 0, 1]])
    missing = rng.choice([0, 0.05, 0.2, 0.4])
    pairs, rows = scored_units(rng, units, raters, quality, generosity, noise, missing)
    name = f"{shape}: {units} observations, {raters} raters, {missing:.0%} missing"
    if number % 12 == 5:
        # Values other than 1–7 (a different value domain, uneven gaps) for alpha.
        mapping = {score: value for score, value in zip(range(1, 8), sorted(rng.sample(ODD_VALUES, 7)))}
        rows = [[None if v is None else mapping[v] for v in row] for row in rows]
        name += ", values mapped to " + ", ".join(f"{v:g}" for v in mapping.values())
    if number % 24 == 17:
        # Many raters and values: more than 16 values and 15 ratings per observation.
        rows = [[rng.choice(range(1, 25)) if rng.random() < 0.8 else None for _ in range(18)] for _ in range(rng.randint(2, 30))]
        name = f"{len(rows)} observations, 18 raters, values 1–24"
    return {"name": name, "pairs": pairs, "units": rows}


def extra_sets(rng):
    """Degenerate sets for the figures beyond κ: perfect agreement, n = 2, all one category, one side constant."""
    sets = []
    for _ in range(4):
        n = rng.randint(2, 60)
        scores = [rng.randint(1, 7) for _ in range(n)]
        sets.append({"name": "perfect agreement", "pairs": [[s, s] for s in scores], "units": [[s, s] for s in scores]})
        pairs = [[rng.randint(1, 7), rng.randint(1, 7)] for _ in range(2)]
        sets.append({"name": "two pairs", "pairs": pairs, "units": pairs})
        c = rng.randint(1, 7)
        sets.append({"name": "all one category", "pairs": [[c, c]] * n, "units": [[c, c]] * n})
        pairs = [[5, rng.randint(1, 7)] for _ in range(n)]
        sets.append({"name": "employer constant", "pairs": pairs, "units": pairs})
        pairs = [[rng.randint(2, 4), rng.randint(2, 4)] for _ in range(n)]
        sets.append({"name": "only 2–4 used", "pairs": pairs, "units": pairs})
    return sets


# MARK: reference figures

def reference(data_set):
    import krippendorff
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    def guarded(compute):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return float(compute())
            except (ValueError, ZeroDivisionError):
                return math.nan

    employer = [e for e, _ in data_set["pairs"]]
    assessor = [a for _, a in data_set["pairs"]]
    passed = lambda scores: [int(score >= 4) for score in scores]  # noqa: E731
    differences = np.abs(np.array(employer, dtype=float) - np.array(assessor, dtype=float))
    width = max((len(unit) for unit in data_set["units"]), default=0)
    matrix = [[np.nan if value is None else value for value in unit] + [np.nan] * (width - len(unit))
              for unit in data_set["units"]]
    reliability = np.array(matrix, dtype=float).T  # raters × units
    return {
        "kappa": {name: guarded(lambda w=weights: cohen_kappa_score(employer, assessor, labels=list(range(1, 8)), weights=w))
                  for name, weights in WEIGHTS.items()},
        "passFailKappa": guarded(lambda: cohen_kappa_score(passed(employer), passed(assessor))),
        "exact": float(np.mean(differences == 0)) if employer else math.nan,
        "withinOne": float(np.mean(differences <= 1)) if employer else math.nan,
        "alpha": {level: guarded(lambda lv=level: krippendorff.alpha(reliability_data=reliability, level_of_measurement=lv))
                  for level in LEVELS},
    }


def table_of(pairs):
    import numpy as np
    table = np.zeros((7, 7), dtype=np.int64)
    for e, a in pairs:
        if 1 <= e <= 7 and 1 <= a <= 7:
            table[e - 1, a - 1] += 1
    return table


def stuart_maxwell_reference(table):
    """statsmodels' Stuart–Maxwell on the categories given off the diagonal (see CONVENTIONS)."""
    import numpy as np
    from statsmodels.stats.contingency_tables import SquareTable
    k = table.shape[0]
    kept = [i for i in range(k) if any(j != i and (table[i, j] or table[j, i]) for j in range(k))]
    if len(kept) <= 1:
        return {"statistic": 0.0, "pValue": 1.0}
    seen, stack = {kept[0]}, [kept[0]]
    while stack:
        i = stack.pop()
        for j in kept:
            if j not in seen and (table[i, j] or table[j, i]):
                seen.add(j)
                stack.append(j)
    if len(seen) != len(kept):
        return {"statistic": math.nan, "pValue": math.nan}
    result = SquareTable(table[np.ix_(kept, kept)], shift_zeros=False).homogeneity()
    return {"statistic": float(result.statistic), "pValue": float(result.pvalue)}


def beyond_reference(pairs):
    """The figures beyond κ from statsmodels, irrCAC and pingouin; NaN where the reference has none."""
    import numpy as np
    import pandas as pd
    import pingouin
    from irrCAC.table import CAC
    from statsmodels.stats.contingency_tables import mcnemar
    from statsmodels.stats.inter_rater import cohens_kappa
    pingouin.options.pop("round.column.CI95", None)
    nan = math.nan
    table = table_of(pairs)
    n = int(table.sum())
    split = np.array([[table[:3, :3].sum(), table[:3, 3:].sum()], [table[3:, :3].sum(), table[3:, 3:].sum()]])

    def number(value):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return nan
        return value if math.isfinite(value) else nan

    figures = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for name, wt in WEIGHTS.items():
            group = {"kappa.value": nan, "kappa.standardError": nan, "kappa.lower": nan, "kappa.upper": nan,
                     "standardErrorUnderNull": nan, "pValue": nan}
            if n > 0:
                try:
                    r = cohens_kappa(table, wt=wt)
                    group = {"kappa.value": number(r.kappa), "kappa.standardError": number(r.std_kappa),
                             "kappa.lower": number(r.kappa_low), "kappa.upper": number(r.kappa_upp),
                             "standardErrorUnderNull": number(r.std_kappa0), "pValue": number(r.pvalue_two_sided)}
                except (ValueError, ZeroDivisionError, AssertionError):
                    pass
                if not math.isfinite(group["kappa.value"]):
                    group = {key: nan for key in group}
            figures.update({f"kappaEstimate.{name}.{key}": value for key, value in group.items()})

        def gwet(matrix, weights, prefix):
            group = {"value": nan, "standardError": nan, "lower": nan, "upper": nan}
            if matrix.sum() > 0:
                frame = pd.DataFrame(matrix, index=range(len(matrix)), columns=range(len(matrix)))
                est = CAC(frame, weights=weights, digits=20).gwet()["est"]
                value, se = number(est["coefficient_value"]), number(est["se"])
                # irrCAC's interval, value ± t_{0.975, n−1} · se (upper end capped at 1), with an exact t quantile
                # (see CONVENTIONS: scipy's t.ppf is off by up to 1e-8).
                t = student_t_quantile(0.975, int(matrix.sum()) - 1) if matrix.sum() >= 2 else nan
                group = {"value": value, "standardError": se, "lower": number(value - t * se),
                         "upper": number(min(1.0, value + t * se))}
                if matrix.sum() >= 2 and math.isfinite(group["lower"]) and se >= 1e-7:  # as compared (see soften)
                    lower, upper = est["confidence_interval"]
                    T_PPF_ERROR[0] = max(T_PPF_ERROR[0], abs(float(lower) - group["lower"]),
                                         abs(float(upper) - group["upper"]))
            figures.update({f"{prefix}.{key}": value for key, value in group.items()})

        gwet(split, "identity", "gwet.ac1PassFail")
        gwet(table, "identity", "gwet.ac1")
        gwet(table, "linear", "gwet.ac2Linear")
        gwet(table, "quadratic", "gwet.ac2Quadratic")
        figures["pabak"] = nan
        if n > 0:
            frame = pd.DataFrame(split, index=[0, 1], columns=[0, 1])
            figures["pabak"] = number(CAC(frame, digits=20).bp()["est"]["coefficient_value"])
        exact = mcnemar(split, exact=True)
        corrected = mcnemar(split, exact=False, correction=True)
        figures["mcNemar.exactPValue"] = number(exact.pvalue)
        figures["mcNemar.chiSquare"] = number(corrected.statistic)
        figures["mcNemar.chiSquarePValue"] = number(corrected.pvalue)
        if split[0, 1] + split[1, 0] == 0:
            # No discordant pairs: statsmodels divides by zero (statistic infinite, p-value 0); ours is not defined.
            figures["mcNemar.chiSquarePValue"] = nan
        figures.update({f"stuartMaxwell.{k}": v for k, v in stuart_maxwell_reference(table).items()})

        icc = {"single.value": nan, "single.lower": nan, "single.upper": nan, "average.value": nan,
               "average.lower": nan, "average.upper": nan, "f": nan, "pValue": nan}
        rows = [(e, a) for e, a in pairs if 1 <= e <= 7 and 1 <= a <= 7]
        if len(rows) == 2:
            icc = {key: SKIP for key in icc}  # pingouin refuses fewer than 5 ratings; we compute from n = 2
        if len(rows) >= 3:
            long = pd.DataFrame([{"target": i, "rater": rater, "score": float(score)}
                                 for i, row in enumerate(rows) for rater, score in zip(("employer", "assessor"), row)])
            try:
                frame = pingouin.intraclass_corr(data=long, targets="target", raters="rater", ratings="score")
                single = frame[frame["Type"] == "ICC(A,1)"].iloc[0]
                average = frame[frame["Type"] == "ICC(A,k)"].iloc[0]
                icc = {"single.value": number(single["ICC"]), "single.lower": number(single["CI95"][0]),
                       "single.upper": number(single["CI95"][1]), "average.value": number(average["ICC"]),
                       "average.lower": number(average["CI95"][0]), "average.upper": number(average["CI95"][1]),
                       "f": number(single["F"]), "pValue": number(single["pval"])}
                icc.update(exact_icc_conventions(rows))
            except (ValueError, ZeroDivisionError, AssertionError):
                pass
        figures.update({f"icc.{k}": v for k, v in icc.items()})
    return figures


def student_t_quantile(p, nu):
    """The p quantile of Student's t with nu degrees of freedom from the inverse regularised incomplete beta function
    (scipy.special.betaincinv, Boost): t² = ν (1/x − 1), x = I⁻¹_{2(1−p)}(ν/2, ½), for p > ½."""
    from scipy.special import betaincinv
    x = float(betaincinv(nu / 2, 0.5, 2 * (1 - p)))
    return math.sqrt(nu * (1 / x - 1)) if 0 < x < 1 else math.nan


def exact_icc_conventions(rows):
    """pingouin's ICC(A,1)/ICC(A,k) where exact arithmetic makes them infinite or NaN (see CONVENTIONS): the mean
    squares of the pairs in fractions; MS_E = 0 gives an infinite F, an F ratio MS_C/MS_E that is infinite or NaN, so
    NaN degrees of freedom and interval; a zero denominator gives an infinite or NaN coefficient. Those figures are
    NaN (not defined) in the reference, whatever pingouin's rounding errors make of them."""
    from fractions import Fraction
    n, k = len(rows), 2
    total = sum(e + a for e, a in rows)
    correction = Fraction(total * total, n * k)
    ss_rows = Fraction(sum((e + a) ** 2 for e, a in rows), k) - correction
    ss_columns = Fraction(sum(e for e, _ in rows) ** 2 + sum(a for _, a in rows) ** 2, n) - correction
    ss_total = sum(e * e + a * a for e, a in rows) - correction
    ms_r, ms_c = ss_rows / (n - 1), ss_columns / (k - 1)
    ms_e = (ss_total - ss_rows - ss_columns) / ((n - 1) * (k - 1))
    nan, changed = math.nan, {}
    if ms_e == 0:
        changed.update({key: nan for key in ("single.lower", "single.upper", "average.lower", "average.upper", "f",
                                              "pValue")})
    if ms_r + (k - 1) * ms_e + k * (ms_c - ms_e) / n == 0:
        changed.update({key: nan for key in ("single.value", "single.lower", "single.upper", "average.value",
                                              "average.lower", "average.upper")})
    if ms_r + (ms_c - ms_e) / n == 0:
        changed.update({key: nan for key in ("average.value",)})
    return changed


T_PPF_ERROR = [0.0]  # the largest difference between irrCAC's own interval and the one with the exact t quantile
SKIP = "skip"
VARIANCE_GROUPS = ["kappaEstimate.unweighted.", "kappaEstimate.linear.", "kappaEstimate.quadratic.", "gwet.ac1PassFail.",
                   "gwet.ac1.", "gwet.ac2Linear.", "gwet.ac2Quadratic."]


def soften(expected, actual):
    """Marks the standard errors, intervals and p-values of a figure whose variance is zero up to rounding as SKIP.
    A figure that is not defined at all in the reference (its coefficient NaN) is not softened: every part of it must
    be `notDefined` here."""
    for group in VARIANCE_GROUPS:
        se_key = group + ("kappa.standardError" if group.startswith("kappa") else "standardError")
        coefficient = expected.get(group + ("kappa.value" if group.startswith("kappa") else "value"))
        if coefficient is not None and coefficient is not SKIP and math.isnan(coefficient):
            continue
        theirs, ours = expected.get(se_key), actual.get(se_key, {})
        ours = ours.get("value") if isinstance(ours, dict) else None
        if (theirs is not None and (math.isnan(theirs) or abs(theirs) < 1e-7)) or (ours is not None and abs(ours) < 1e-7):
            for key in list(expected):
                if key.startswith(group) and not key.endswith(".value"):
                    expected[key] = SKIP
    return expected


def flatten(figures, prefix=""):
    for key, value in figures.items():
        if isinstance(value, dict) and not (len(value) == 1 and value.keys() <= {"value", "notDefined"}):
            yield from flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


# MARK: main

BOOTSTRAP_REPLICATIONS = 50
BOOTSTRAP_LIMIT = 5.0


def pair_bootstrap_ends(pairs, rng, replications=BOOTSTRAP_REPLICATIONS, samples=1000):
    """The 2.5 % and 97.5 % ends of the four κ (unweighted, linear, quadratic, pass/fail) of `replications` pair
    bootstraps of `samples` resamples each, the pairs drawn one by one: an array [replication, κ, end]."""
    import numpy as np
    cells = np.array([(e - 1) * 7 + (a - 1) for e, a in pairs if 1 <= e <= 7 and 1 <= a <= 7])
    n = len(cells)
    distance = np.abs(np.subtract.outer(np.arange(7), np.arange(7)))
    weights = [(distance == 0).astype(float), 1 - distance / 6, 1 - distance ** 2 / 36]
    ends = np.empty((replications, 4, 2))
    for replication in range(replications):
        draws = cells[rng.integers(0, n, size=(samples, n))]
        tables = np.zeros((samples, 49))
        np.add.at(tables, (np.repeat(np.arange(samples), n), draws.ravel()), 1)
        tables = tables.reshape(samples, 7, 7) / n
        rows, columns = tables.sum(axis=2), tables.sum(axis=1)
        kappas = []
        for w in weights:
            observed = (tables * w).sum(axis=(1, 2))
            expected = np.einsum("bi,ij,bj->b", rows, w, columns)
            with np.errstate(divide="ignore", invalid="ignore"):
                kappas.append(np.where(expected < 1, (observed - expected) / (1 - expected), np.nan))
        fail_rows, fail_columns = rows[:, :3].sum(axis=1), columns[:, :3].sum(axis=1)
        observed = tables[:, :3, :3].sum(axis=(1, 2)) + tables[:, 3:, 3:].sum(axis=(1, 2))
        expected = fail_rows * fail_columns + (1 - fail_rows) * (1 - fail_columns)
        with np.errstate(divide="ignore", invalid="ignore"):
            kappas.append(np.where(expected < 1, (observed - expected) / (1 - expected), np.nan))
        for index, values in enumerate(kappas):
            values = values[np.isfinite(values)]
            ends[replication, index] = np.quantile(values, [0.025, 0.975]) if len(values) else np.nan
    return ends


def bootstrap_check(sets, results, seed):
    """Each end of our κ bootstrap intervals against the pair bootstraps' (see the docstring); the mismatches."""
    import numpy as np
    rng = np.random.default_rng(seed)
    checked, largest, mismatches = 0, (0.0, None), []
    # Sets of 100 pairs or more: on fewer, κ takes so few values that a percentile sits on one of a handful of atoms,
    # and the replications' spread (often all on one atom) says nothing of the chance of the next one — set 34's 45
    # pairs gave ours the neighbouring atom, 0.811 against 0.777 ± 0.002, while the mean of our upper ends over 40
    # seeds was 0.7776 by cell counts and 0.7770 pair by pair (decision 33). Small sets are covered by ResamplingTests.
    chosen = [number for number, data_set in enumerate(sets) if len(data_set["pairs"]) >= 100][:60]
    for number in chosen:
        reference = pair_bootstrap_ends(sets[number]["pairs"], rng)
        for index, name in enumerate(["unweighted", "linear", "quadratic", "passFail"]):
            ours = results[number]["kappaBootstrap"][name]
            for end, key in enumerate(["lower", "upper"]):
                column = reference[:, index, end]
                column = column[np.isfinite(column)]
                got = ours[key].get("value")
                if len(column) < BOOTSTRAP_REPLICATIONS // 2:
                    if got is not None and len(column) == 0:
                        mismatches.append((number, f"kappaBootstrap.{name}.{key}", "not defined", ours[key]))
                    continue
                checked += 1
                mean, deviation = float(column.mean()), float(column.std(ddof=1))
                if got is None:
                    mismatches.append((number, f"kappaBootstrap.{name}.{key}", mean, ours[key]))
                    continue
                # Within 1e-9 is equal: where every resample gives κ = 1 (or 0) numpy's formula rounds to 1 − 1e-15 with
                # a standard deviation of 1e-16, and ours is exactly 1.
                difference = abs(got - mean)
                score = 0.0 if difference <= 1e-9 else difference / (deviation * math.sqrt(1 + 1 / len(column))) if deviation > 0 else math.inf
                if score > largest[0]:
                    largest = (score, f"set {number} {name}.{key}")
                if score > BOOTSTRAP_LIMIT:
                    mismatches.append((number, f"kappaBootstrap.{name}.{key}", f"{mean} ± {deviation}", ours[key]))
    log(f"κ bootstrap: {checked} interval ends of {len(chosen)} sets against {BOOTSTRAP_REPLICATIONS} pair bootstraps each; "
        f"largest distance {largest[0]:.2f} standard deviations" + (f" ({largest[1]})" if largest[1] else "")
        + f" (limit {BOOTSTRAP_LIMIT:g})")
    return mismatches


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?", help="path to obsreview")
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--tolerance", type=float, default=1e-9)
    args = parser.parse_args()
    ensure_pip({"krippendorff": "krippendorff", "numpy": "numpy", "sklearn": "scikit-learn", "statsmodels": "statsmodels",
                "irrCAC": "irrCAC", "pingouin": "pingouin"}, log)
    binary = args.binary or default_binary()

    rng = random.Random(args.seed)
    sets = [make_set(rng, number) for number in range(args.sets)] + extra_sets(rng)
    document = json.dumps({"sets": [{"pairs": s["pairs"], "units": s["units"]} for s in sets]})
    log(f"{len(sets)} data sets (seed {args.seed}), {sum(len(s['units']) for s in sets)} observations; running {binary} agreement")
    run = subprocess.run([binary, "agreement"], input=document, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        log(f"obsreview agreement failed ({run.returncode}): {run.stderr.strip()}")
        return 1
    results = json.loads(run.stdout)["results"]
    if len(results) != len(sets):
        log(f"{len(sets)} data sets sent, {len(results)} results received")
        return 1

    compared = undefined = skipped = 0
    largest = (0.0, None)
    mismatches = []
    for number, (data_set, ours) in enumerate(zip(sets, results)):
        actual = dict(flatten(ours))
        expected = dict(flatten(reference(data_set)))
        expected.update(soften(beyond_reference(data_set["pairs"]), actual))
        for figure, want in expected.items():
            got = actual.get(figure)
            if want is SKIP:
                skipped += 1
                continue
            compared += 1
            if got is None:
                mismatches.append((number, figure, want, "missing from the output"))
            elif math.isnan(want):
                undefined += 1
                if "notDefined" not in got or not got["notDefined"]:
                    mismatches.append((number, figure, want, got))
            elif "value" not in got or not math.isfinite(got["value"]):
                mismatches.append((number, figure, want, got))
            else:
                difference = abs(got["value"] - want)
                if difference > largest[0]:
                    largest = (difference, f"set {number} {figure}")
                if difference > args.tolerance:
                    mismatches.append((number, figure, want, got))

    mismatches += bootstrap_check(sets, results, args.seed)
    log(f"compared {compared} figures ({undefined} not defined in the reference, and not defined here; {skipped} "
        "standard errors, intervals and p-values of zero-variance figures skipped); "
        f"largest difference {largest[0]:.3g}" + (f" ({largest[1]})" if largest[1] else ""))
    log(f"irrCAC's own AC1/AC2 intervals (scipy t.ppf) differ from the exact-t reference by at most {T_PPF_ERROR[0]:.3g}")
    if mismatches:
        log(f"FAILED: {len(mismatches)} mismatches; the first:")
        for number, figure, want, got in mismatches[:5]:
            data_set = sets[number]
            text = json.dumps({"pairs": data_set["pairs"], "units": data_set["units"]})
            log(f"  set {number} ({data_set['name']}) {figure}: reference {want!r}, ours {got}")
            log(f"    data: {text[:600]}{' …' if len(text) > 600 else ''}")
        return 1
    log(f"OK: every figure matches to {args.tolerance:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
