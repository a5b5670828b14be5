#!/usr/bin/env python3
"""Cross-check of the agreement statistics against published packages: scikit-learn and `krippendorff`.

Generates many seeded random data sets (2–500 observations, 2–5 raters, missing ratings, skewed distributions such as
generous employers, values other than 1–7, and degenerate sets: no pairs, one category only, every observation rated
once, …), computes the reference figures —
  * Cohen's kappa: sklearn `cohen_kappa_score(employer, assessor, labels=range(1, 8), weights=None|'linear'|'quadratic')`,
  * pass/fail kappa: the same, unweighted, on the scores mapped to fail (≤ 3) and pass (≥ 4),
  * exact and within-one agreement: numpy means of |e − a| == 0 and ≤ 1,
  * Krippendorff's alpha: `krippendorff.alpha(reliability_data=…, level_of_measurement='nominal'|'ordinal'|'interval')`
— sends all the sets as one JSON document to `obsreview agreement` on stdin, reads its one JSON document from stdout
and compares every figure: a reference value must be matched to 1e-9 (absolute); a reference that is NaN (or an
error: empty input, a single value) must be `{"notDefined": …}` on our side. Prints the largest difference and the
first mismatches with their data set; exits non-zero on any mismatch.

    python3 scripts/check-stats.py [path/to/obsreview] [--sets N] [--seed S] [--tolerance T]

The binary is the argument, else $OBSREVIEW_BIN, else the debug build (`swift build --show-bin-path`).
Installs scikit-learn, krippendorff and numpy (pip) when missing.
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


def flatten(figures, prefix=""):
    for key, value in figures.items():
        if isinstance(value, dict) and not ({"value", "notDefined"} & value.keys()):
            yield from flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


# MARK: main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?", help="path to obsreview")
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--tolerance", type=float, default=1e-9)
    args = parser.parse_args()
    ensure_pip({"krippendorff": "krippendorff", "numpy": "numpy", "sklearn": "scikit-learn"}, log)
    binary = args.binary or default_binary()

    rng = random.Random(args.seed)
    sets = [make_set(rng, number) for number in range(args.sets)]
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

    compared = undefined = 0
    largest = (0.0, None)
    mismatches = []
    for number, (data_set, ours) in enumerate(zip(sets, results)):
        expected = dict(flatten(reference(data_set)))
        actual = dict(flatten(ours))
        for figure, want in expected.items():
            got = actual.get(figure)
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

    log(f"compared {compared} figures ({undefined} not defined in the reference, and not defined here); "
        f"largest difference {largest[0]:.3g}" + (f" ({largest[1]})" if largest[1] else ""))
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
