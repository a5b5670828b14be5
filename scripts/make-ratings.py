#!/usr/bin/env python3
"""Generate samples/ratings.csv: fictional pilot ratings for ObservationReview demos and tests.

    python3 scripts/make-ratings.py            # writes samples/ratings.csv, prints a summary
    python3 scripts/make-ratings.py --stdout   # writes the CSV to stdout instead

Deterministic: a fixed seed and fixed score/difference tables, so every run writes the same bytes.
Every person, registration number and organisation pairing is invented.

Shape (mirrors the accreditation pilot, see DESIGN.md section 1):
  * 40 candidates across 4 local-authority employers (10 each); 4 candidates who were a near miss
    (assessor 3) were observed a second time later in the term -> 44 observations.
  * every observation has exactly one assessor rating (6 assessors, National Accreditation Body)
    and one employer rating (2 raters per employer, rating only their own staff) -> 88 rows.
  * assessor scores: 9/44 fail (20.5%), 7 of those 9 are a 3 (78% near misses).
  * employer minus assessor: mean about +0.6; 6 straddles of the pass line (5 with employer >= 4
    and assessor <= 3, 1 the other way round) and 5 pairs that differ by 2 or more.
"""
import csv
import io
import os
import random
import sys
from datetime import date, datetime, timedelta, timezone

SEED = 20260314
HEADER = [
    "observation_ref", "candidate_ref", "candidate_name", "registration_number", "employer",
    "observation_date", "scenario", "source", "rater", "rater_organisation", "score", "rationale",
    "rated_at",
]

BODY = "National Accreditation Body"
EMPLOYERS = [
    "Northshire County Council",
    "Riverside Borough Council",
    "Eastgate City Council",
    "Westmoor District Council",
]
ASSESSORS = [
    "Harriet Calloway", "Desmond Achterberg", "Priya Vantongeren",
    "Malcolm Threlfall", "Ngozi Barrowclough", "Ewan Fairweather-Lusk",
]
EMPLOYER_RATERS = {  # two practice supervisors / principal social workers per employer
    "Northshire County Council": ["Bernadette Quarrie", "Tobias Wrenfield"],
    "Riverside Borough Council": ["Yasmin Kettleborough", "Callum Ostrowe"],
    "Eastgate City Council": ["Imogen Pettifer-Rao", "Declan Hartsworth"],
    "Westmoor District Council": ["Rosalind Abernethy-Cole", "Samir Oakenfold"],
}
FIRST_NAMES = [
    "Abigail", "Adebayo", "Aisling", "Alfie", "Amira", "Bethany", "Caius", "Chiamaka", "Daniel",
    "Delyth", "Eilidh", "Farah", "Florin", "Gethin", "Hana", "Idris", "Jasmine", "Kwame", "Leona",
    "Lukasz", "Maryam", "Niamh", "Oluwaseun", "Orla", "Piotr", "Rhiannon", "Rohan", "Saoirse",
    "Tariq", "Tegan", "Uzma", "Wiktoria", "Xander", "Yusuf", "Zara", "Morwenna", "Caspian",
    "Ffion", "Ravi", "Temperance",
]
LAST_NAMES = [
    "Ashdown-Pryce", "Bellweather", "Cartwheel", "Drummond-Yate", "Elsworthy", "Fennimore",
    "Gallowglass", "Honeysett", "Ingleby-Marsh", "Jessop-Nwosu", "Kilbride", "Larkspur",
    "Mottram", "Nettlefold", "Okonkwo-Reeve", "Pennywhistle", "Quenby", "Rushworth",
    "Saltonstall", "Tillinghast", "Umfreville", "Varnavides", "Wolstenholme", "Yelverton",
    "Zabrowski", "Ambridge", "Brackenbury", "Coldharbour", "Dunnockshaw", "Evenlode",
]
SCENARIOS = [
    "Home visit: parental capacity",
    "Hospital discharge planning",
    "Child protection conference prep",
    "Mental Health Act assessment",
    "Care leaver pathway plan review",
    "Carer's assessment",
    "Safeguarding adults enquiry",
    "Family group conference preparation",
    "Direct work with a child (life story)",
    "Section 47 strategy discussion",
    "Mental capacity assessment: care home move",
    "Duty call: domestic abuse disclosure",
]

# Assessor scores for the 40 first observations, and for the 4 repeat observations.
FIRST_SCORES = [1] * 1 + [2] * 1 + [3] * 6 + [4] * 11 + [5] * 11 + [6] * 7 + [7] * 3  # 40
REPEAT_SCORES = [3, 4, 4, 5]
# employer - assessor, per assessor score (shuffled within each group, then paired).
DIFFS = {
    1: [1],                       # 1 -> 2
    2: [2],                       # 2 -> 4: straddle and difference 2
    3: [1, 1, 2, 0, 0, 1, 0],     # three straddles (one of them by 2), four agreed near misses
    4: [-1] + [0] * 3 + [1] * 7 + [2] * 2,   # one reverse straddle (4 -> 3), two 4 -> 6
    5: [-1] + [0] * 4 + [1] * 6 + [2] * 1,   # one 5 -> 7
    6: [-1] + [0] * 3 + [1] * 3,
    7: [-1] + [0] * 2,
}

RATIONALES = {
    "assessor": {
        1: ["Did not establish a working relationship; risks to the child were not identified or explored.",
            "Practice was unsafe: key safeguarding information was ignored and no plan was agreed."],
        2: ["Several significant gaps: analysis of risk was superficial and the family's views were not sought.",
            "Communication was directive and the assessment lacked evidence for its conclusions."],
        3: ["Near miss: good rapport, but analysis of risk did not connect the evidence to a clear plan.",
            "Near miss: relevant legislation referenced, yet the person's own wishes were not fully explored.",
            "Near miss: mostly sound practice, but recording of decisions and next steps was incomplete.",
            "Near miss: engaged the family well but did not address the reported concerns directly."],
        4: ["Meets the standard: safe, respectful practice with a proportionate plan; analysis could be deeper.",
            "Meets the standard: explored risks and strengths, though reflection on bias was limited.",
            "Meets the standard overall; questioning was occasionally leading."],
        5: ["Solid practice: clear explanation of the process and a plan agreed with the family.",
            "Good use of open questions and an evidence-based view of risk and protective factors."],
        6: ["Strong practice: sensitive, well-paced conversation and a clear, shared analysis of need.",
            "Confident application of the legal framework with the person's voice central throughout."],
        7: ["Exemplary: skilful, compassionate challenge and a rigorous, well-evidenced plan.",
            "Outstanding practice that models relationship-based work under pressure."],
    },
    "employer": {
        1: ["Well below what we see day to day; we will put intensive supervision in place."],
        2: ["Below our expectations; a development plan is already agreed with the team manager."],
        3: ["Close to the standard; we recognise the gaps in analysis and will support development.",
            "Near miss that reflects a difficult scenario; supervision will focus on planning.",
            "Not quite at standard on the day; recording of decisions is a known development area."],
        4: ["Consistent with reliable everyday practice in a busy duty team.",
            "Meets our expectations; the observation understates their usual analytical skill.",
            "A fair picture of safe, competent practice we see in supervision."],
        5: ["Reliable, thoughtful practitioner; this matches feedback from families and partners.",
            "Good practice, consistent with their casework audits over the last year."],
        6: ["One of our stronger practitioners; calm under pressure and well regarded by partners.",
            "Strong analytical skills, consistently evidenced in case audits."],
        7: ["Exceptional practitioner who mentors newly qualified colleagues.",
            "Outstanding, consistently excellent practice across complex cases."],
    },
}


def weekdays(start, end):
    d = start
    while d <= end:
        if d.weekday() < 5:
            yield d
        d += timedelta(days=1)


def add_working_days(d, n):
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_rows():
    rng = random.Random(SEED)

    # Candidates: unique fictional names and registration numbers, 10 per employer.
    names = set()
    while len(names) < 40:
        names.add(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
    names = sorted(names)
    rng.shuffle(names)
    regs = rng.sample(range(100000, 1000000), 40)
    candidates = []
    for i, name in enumerate(names):
        candidates.append({
            "ref": f"CAND-{i + 1:03d}",
            "name": name,
            "reg": f"SW{regs[i]:06d}",
            "employer": EMPLOYERS[i % 4],
        })

    # First observations (January to mid-February 2026), one per candidate.
    scores = FIRST_SCORES[:]
    rng.shuffle(scores)
    first_days = list(weekdays(date(2026, 1, 12), date(2026, 2, 20)))
    observations = []
    for cand, score in zip(candidates, scores):
        observations.append({"cand": cand, "date": rng.choice(first_days),
                             "scenario": rng.choice(SCENARIOS), "assessor_score": score})

    # Repeat observations (March 2026) for four near-miss candidates.
    near_miss = [o for o in observations if o["assessor_score"] == 3]
    repeat_days = list(weekdays(date(2026, 3, 2), date(2026, 3, 27)))
    for first, score in zip(rng.sample(near_miss, len(REPEAT_SCORES)), REPEAT_SCORES):
        scenario = rng.choice([s for s in SCENARIOS if s != first["scenario"]])
        observations.append({"cand": first["cand"], "date": rng.choice(repeat_days),
                             "scenario": scenario, "assessor_score": score})

    # Employer scores: pair each assessor score with a shuffled difference from its group.
    diffs = {k: rng.sample(v, len(v)) for k, v in DIFFS.items()}
    for o in sorted(observations, key=lambda o: (o["date"], o["cand"]["ref"])):
        o["employer_score"] = o["assessor_score"] + diffs[o["assessor_score"]].pop()
    assert all(not v for v in diffs.values()), "DIFFS must match the score counts exactly"

    # Observation refs in date order; raters; timestamps.
    observations.sort(key=lambda o: (o["date"], o["cand"]["ref"]))
    rows = []
    for n, o in enumerate(observations, start=1):
        o["ref"] = f"OBS-2026-{n:04d}"
        cand = o["cand"]
        assessor = ASSESSORS[rng.randrange(len(ASSESSORS))]
        employer_rater = rng.choice(EMPLOYER_RATERS[cand["employer"]])
        obs_day = datetime(o["date"].year, o["date"].month, o["date"].day, tzinfo=timezone.utc)
        a_at = datetime.combine(add_working_days(o["date"], rng.randint(1, 4)), datetime.min.time(),
                                timezone.utc) + timedelta(hours=rng.randint(9, 17), minutes=rng.randrange(0, 60, 5))
        e_at = datetime.combine(add_working_days(o["date"], rng.randint(2, 8)), datetime.min.time(),
                                timezone.utc) + timedelta(hours=rng.randint(9, 17), minutes=rng.randrange(0, 60, 5))
        assert a_at > obs_day and e_at > obs_day
        for source, rater, org, score, at in (
            ("assessor", assessor, BODY, o["assessor_score"], a_at),
            ("employer", employer_rater, cand["employer"], o["employer_score"], e_at),
        ):
            assert 1 <= score <= 7
            rows.append({
                "observation_ref": o["ref"],
                "candidate_ref": cand["ref"],
                "candidate_name": cand["name"],
                "registration_number": cand["reg"],
                "employer": cand["employer"],
                "observation_date": o["date"].isoformat(),
                "scenario": o["scenario"],
                "source": source,
                "rater": rater,
                "rater_organisation": org,
                "score": score,
                "rationale": rng.choice(RATIONALES[source][score]),
                "rated_at": iso(at),
            })
    return rows


def summary(rows):
    by_obs = {}
    for r in rows:
        by_obs.setdefault(r["observation_ref"], {})[r["source"]] = r["score"]
    a = [v["assessor"] for v in by_obs.values()]
    e = [v["employer"] for v in by_obs.values()]
    fails = [s for s in a if s <= 3]
    straddle_up = [k for k, v in by_obs.items() if v["assessor"] <= 3 and v["employer"] >= 4]
    straddle_down = [k for k, v in by_obs.items() if v["assessor"] >= 4 and v["employer"] <= 3]
    wide = [k for k, v in by_obs.items() if abs(v["employer"] - v["assessor"]) >= 2]
    disputes = sorted(set(straddle_up) | set(straddle_down) | set(wide))
    lines = [
        f"rows={len(rows)} observations={len(by_obs)} candidates={len({r['candidate_ref'] for r in rows})}",
        f"assessor fail rate={len(fails) / len(a):.1%} near-miss share of fails={fails.count(3) / len(fails):.1%}",
        f"mean assessor={sum(a) / len(a):.2f} mean employer={sum(e) / len(e):.2f} "
        f"mean(employer-assessor)={(sum(e) - sum(a)) / len(a):+.2f}",
        f"straddles employer>=4/assessor<=3: {' '.join(straddle_up)}",
        f"straddles employer<=3/assessor>=4: {' '.join(straddle_down)}",
        f"|difference|>=2: {' '.join(wide)}",
        f"disputes at default tolerance 2: {len(disputes)}: {' '.join(disputes)}",
    ]
    return lines, (len(fails) / len(a), fails.count(3) / len(fails), (sum(e) - sum(a)) / len(a))


def main():
    rows = build_rows()
    lines, (fail_rate, near_miss, mean_diff) = summary(rows)
    assert 0.17 <= fail_rate <= 0.23 and 0.70 <= near_miss <= 0.85 and 0.5 <= mean_diff <= 0.7

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    if "--stdout" in sys.argv[1:]:
        sys.stdout.write(buf.getvalue())
        return
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "ratings.csv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())
    print(f"make-ratings: wrote {os.path.relpath(out)}")
    for line in lines:
        print("  " + line)


if __name__ == "__main__":
    main()
