#!/usr/bin/env python3
"""The whole moderation path, from the sample data, through the JSON API only, each step by the right role.

Starts `obsreview serve --demo` on a free port with a throwaway data folder, signs in as every demo account
(API tokens), and walks: ratings arrive → a dispute opens → a quality sample is drawn (dry run, then for real,
the same picks) → moderators are assigned (routing, with reasons) → blind review (what a moderator must not see)
→ opinions with time-coded notes (checked against the recording) → disagreement escalates to a further moderator
→ the panel discusses → the lead decides with reasons → a near miss's development plan is acknowledged by the
employer → agreeing opinions decide by the median → the lead reopens on a ground (new moderators) → a calibration
seed is marked → the audit trail's hash chain links up and `obsreview verify` passes on the database.

Usage: scripts/moderation-walkthrough.py [path/to/obsreview]   (default: the debug build)
Exits non-zero naming the first step that failed; prints one line per step.
"""
import json, os, shutil, subprocess, sys, tempfile, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import DemoServer, Failure  # noqa: E402
BIN = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OBSREVIEW_BIN", os.path.join(ROOT, ".build", "debug", "obsreview"))
USERS = ["assessor", "employer", "lead", "moderator", "lay", "moderator2", "lay2", "auditor"]
steps = 0


def fail(message):
    raise Failure(message)


def check(condition, message):
    if not condition:
        fail(message)


def step(text):
    global steps
    steps += 1
    print(f"  {steps:2d}. {text}", flush=True)


class Client:
    def __init__(self, base, token=None):
        self.base, self.token = base, token

    def call(self, method, path, body=None, expect=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if expect is not None and status != expect:
            fail(f"{method} {path} {json.dumps(body) if body else ''} → {status}, expected {expect}: {text[:400]}")
        return status, (json.loads(text) if text else None)

    def get(self, path, expect=200):
        return self.call("GET", path, expect=expect)[1]

    def post(self, path, body=None, expect=None):
        return self.call("POST", path, {} if body is None else body, expect=expect)[1]


def walk(server):
    ids, api = {}, {}
    for name in USERS:
        user, secret = server.sign_in_with_token(name, "walkthrough")
        ids[name], api[name] = user["id"], Client(server.base, secret)
    who = {v: k for k, v in ids.items()}
    lead, auditor, employer, assessor = api["lead"], api["auditor"], api["employer"], api["assessor"]
    employer_org = employer.get("/api/v1/session")["user"]["organisationId"]

    # 1. Ratings arrived (the demo imported samples/ratings.csv): disputes are open.
    cases = lead.get("/api/v1/cases?pageSize=500")["items"]
    disputes = [c for c in cases if c["kind"] == "automatic_dispute"]
    check(len(disputes) >= 5, f"expected the sample disputes, found {len(disputes)}")
    step(f"ratings arrived: {len(disputes)} automatic disputes open from the sample ratings")

    # 2. A quality sample: the dry run shows what it would pick and why; the real draw picks the same.
    dry = lead.post("/api/v1/samples", {"seed": 7, "rate": 0.1, "dryRun": True}, expect=200)
    check(dry["dryRun"] and dry["picks"] and all(p["why"] for p in dry["picks"]), f"dry run: {dry}")
    drawn = lead.post("/api/v1/samples", {"seed": 7, "rate": 0.1}, expect=201)
    check([p["observationId"] for p in drawn["picks"]] == [p["observationId"] for p in dry["picks"]], "the draw differs from its dry run")
    sample_case = lead.get(f"/api/v1/cases/{drawn['picks'][0]['caseId']}")
    check(sample_case["kind"] == "sample" and sample_case["state"] in ("in_moderation", "awaiting_moderation"), f"sample case {sample_case}")
    reason = lead.get(f"/api/v1/cases/{sample_case['id']}/assignments")["sampleReason"]
    check(reason and "seed 7" in reason, f"sample reason: {reason}")
    step(f"sample drawn: {len(drawn['picks'])} of {drawn['population']} non-disputed observations, each with why ({reason[:60]}…)")
    check(all(0 < p["inclusionProbability"] <= 1 and abs(p["designWeight"] * p["inclusionProbability"] - 1) < 1e-9 for p in drawn["picks"]),
          "every pick states its inclusion probability and design weight")
    estimates = lead.get("/api/v1/samples/estimates")
    mine = [d for d in estimates["draws"] if d["drawId"] == drawn["id"]]
    check(mine and mine[0]["figures"]["cases"] == len(drawn["picks"]), f"the draw's weighted findings: {estimates}")

    # 3. A new rating that straddles the pass line opens a dispute (an observation of the employer's staff, in no case).
    in_cases = {c["observationId"] for c in lead.get("/api/v1/cases?pageSize=500")["items"]}
    target = None
    for observation in employer.get("/api/v1/observations?pageSize=500")["items"]:
        if observation["id"] in in_cases:
            continue
        ratings = lead.get(f"/api/v1/observations/{observation['id']}/ratings")["items"]
        superseded = {r.get("supersedes") for r in ratings}
        current = [r for r in ratings if r["id"] not in superseded and r["source"] == "employer"]
        if current and current[-1]["score"] >= 4:
            target = observation
            break
    check(target is not None, "no undisputed observation of the employer's staff rated 4 or more by the employer")
    rated = assessor.post(f"/api/v1/observations/{target['id']}/ratings", {"score": 2, "rationale": "Did not explore the risks."}, expect=201)
    opened = rated.get("openedCase")
    check(opened and opened["kind"] == "automatic_dispute" and "straddles_pass_line" in opened["finding"]["reasons"], f"no dispute opened: {rated}")
    step(f"an assessor's rating of 2 against the employer's {opened['finding']['employerScore']} opened a dispute")

    # 4. The lead sends one of the employer's disputes with an indexed recording to moderation: routed at once,
    #    one professional and one lay, each with reasons.
    duration, chosen = None, None
    deadline = time.time() + 240
    while chosen is None and time.time() < deadline:
        for candidate in lead.get("/api/v1/cases?state=open&pageSize=500")["items"]:
            if candidate["employerId"] != employer_org or candidate["kind"] != "automatic_dispute":
                continue
            for recording in lead.get(f"/api/v1/recordings?observationId={candidate['observationId']}")["items"]:
                if recording["status"] == "ready":
                    seconds = (lead.get(f"/api/v1/recordings/{recording['id']}/index").get("format") or {}).get("durationSeconds")
                    if seconds:
                        chosen, duration = candidate, seconds
                        break
            if chosen:
                break
        if chosen is None:
            time.sleep(2)
    check(chosen is not None, "no dispute of the employer's staff got an indexed recording within 4 minutes")
    opened = chosen
    moved = lead.post(f"/api/v1/cases/{opened['id']}/transitions", {"action": "requestModeration", "expectedVersion": opened["version"]}, expect=200)
    check(moved["state"] == "in_moderation", f"not in moderation: {moved['state']}")
    panel = lead.get(f"/api/v1/cases/{opened['id']}/assignments")
    assignments = panel["items"]
    check(len(assignments) == 2 and {a["kind"] for a in assignments} == {"professional", "lay"}, f"panel: {assignments}")
    check(all(a["reasons"] and a["dueAt"] for a in assignments), "assignments without reasons or due date")
    first, second = (who[a["moderatorId"]] for a in assignments)
    step(f"routed to {first} and {second}: {assignments[0]['reasons'][0]}; {assignments[0]['reasons'][2]}")

    case_id, observation_id = opened["id"], opened["observationId"]
    # 5. Blind: before their opinion a moderator sees no scores, no kind, no ratings, no other opinions.
    blind = api[first].get(f"/api/v1/cases/{case_id}")
    check(blind["blind"] is True and not {"finding", "kind", "openedBy", "outcome"} & blind.keys() and not blind["flags"], f"not blind: {blind}")
    api[first].get(f"/api/v1/observations/{observation_id}/ratings", expect=403)
    api[first].get(f"/api/v1/cases/{case_id}/opinions", expect=403)
    api[first].get(f"/api/v1/cases/{case_id}/messages", expect=403)
    outsider = next(name for name in ("moderator", "lay", "moderator2", "lay2") if name not in (first, second))
    api[outsider].get(f"/api/v1/cases/{case_id}", expect=404)
    step(f"blind review: {first} sees the case without scores; ratings and opinions 403; {outsider} (not assigned) 404")

    # 6. Opinions with time-coded notes, checked against the recording's duration.
    api[first].post(f"/api/v1/cases/{case_id}/assignment/accept", expect=200)
    notes = [{"start": 1.0, "end": 2.5, "text": "Introduces herself and the purpose of the visit.", "tag": "PCF 6"},
             {"start": 2.0, "text": "Does not ask about the child's view."}]
    status, body = api[first].call("POST", f"/api/v1/cases/{case_id}/opinions",
                                   {"score": 3, "rationale": "x", "annotations": [{"start": duration + 5, "text": "after the end"}]})
    check(status == 422 and "past the end" in body["error"]["message"], f"a note past the end was not refused: {status} {body}")
    submitted = api[first].post(f"/api/v1/cases/{case_id}/opinions",
                                {"score": 3, "rationale": "Warm, but the risks were not explored.", "annotations": notes}, expect=201)
    check(submitted["caseAfter"]["state"] == "in_moderation" and len(submitted["opinion"]["annotations"]) == 2, f"{submitted}")
    # Sealed panel: their own opinion in, the others' not yet: still nothing of the scores; a correction is still theirs.
    after = api[first].get(f"/api/v1/cases/{case_id}")
    check(after["blind"] is True and "finding" not in after, f"unsealed before the panel is complete: {after}")
    api[first].get(f"/api/v1/observations/{observation_id}/ratings", expect=403)
    api[first].get(f"/api/v1/cases/{case_id}/opinions", expect=403)
    corrected = api[first].post(f"/api/v1/cases/{case_id}/opinions",
                                {"score": 3, "rationale": "Warm, but the risks were not explored; the plan was not checked.", "annotations": notes,
                                 "supersedes": submitted["opinion"]["id"], "correctionReason": "Added what I saw at the end."}, expect=201)
    step(f"{first} gave 3 with two time-coded notes (a note at {duration + 5:.1f} s, past the {duration:.1f} s recording, was refused);"
         " still sealed (ratings and opinions 403) while the panel is open; corrected their own rationale")

    # 7. The second opinion disagrees across the pass line: escalation to a further moderator.
    split = api[second].post(f"/api/v1/cases/{case_id}/opinions", {"score": 5, "rationale": "Met the standard in my view."}, expect=201)
    check(split["caseAfter"]["state"] == "escalated" and len(split["escalationAssignments"]) == 1, f"not escalated: {split['caseAfter']['state']}")
    third = who[split["escalationAssignments"][0]["moderatorId"]]
    check(third not in (first, second), "the further moderator sat on the panel already")
    # The panel is complete: both now see the scores and each other's opinion, and their opinions are final.
    for member in (first, second):
        opened = api[member].get(f"/api/v1/cases/{case_id}")
        check(opened["blind"] is False and opened["finding"], f"{member} still sealed after the panel completed")
        api[member].get(f"/api/v1/observations/{observation_id}/ratings", expect=200)
        check(len(api[member].get(f"/api/v1/cases/{case_id}/opinions")["items"]) == 3, "the panel's opinions are not all shown")
    status, body = api[first].call("POST", f"/api/v1/cases/{case_id}/opinions",
                                   {"score": 5, "rationale": "Aligning.", "supersedes": corrected["opinion"]["id"], "correctionReason": "aligning with the others"})
    check(status == 409 and "reopen" in body["error"]["message"], f"a correction after unsealing was not refused: {status} {body}")
    # The further moderator's view is a first review's: no escalated state, no scores, no ratings.
    view = api[third].get(f"/api/v1/cases/{case_id}")
    check(view["blind"] is True and view["state"] == "in_moderation", f"the escalation moderator is told: {view['state']}")
    api[third].get(f"/api/v1/observations/{observation_id}/ratings", expect=403)
    step(f"{second} gave 5: the panel is complete and both see the scores (a correction now is 409, naming the lead's reopen);"
         f" 3 and 5 straddle the pass line → escalated to {third}, who sees an ordinary case in moderation")

    third_opinion = api[third].post(f"/api/v1/cases/{case_id}/opinions", {"score": 4, "rationale": "Borderline; just meets it."}, expect=201)
    check(third_opinion["caseAfter"]["state"] == "escalated", "3, 5 and 4 should still need the lead")
    message = api[first].post(f"/api/v1/cases/{case_id}/messages", {"body": "At 0:02 the child's view is never sought.", "atSeconds": 2.0}, expect=201)
    thread = lead.get(f"/api/v1/cases/{case_id}/messages")["items"]
    check([m["id"] for m in thread] == [message["id"]], "the lead does not see the panel's thread")
    problem = lead.get(f"/api/v1/cases/{case_id}/assignments")["routingProblem"]
    check(problem and "lead decides" in problem, f"the lead is not told: {problem}")
    step(f"{third} gave 4: still split → waits for the lead (\"{problem[:50]}…\"); the panel discussed at 0:02")

    # 8. The lead decides with reasons; every opinion stays visible; a final 3 gets a development plan.
    current = lead.get(f"/api/v1/cases/{case_id}")
    decided = lead.post(f"/api/v1/cases/{case_id}/transitions",
                        {"action": "decide", "expectedVersion": current["version"], "score": 3,
                         "reason": "The child's view was never sought (0:02); the standard is not met.", "reasonCodes": ["child_voice_absent"]}, expect=200)
    outcome = decided["outcome"]
    check(decided["state"] == "decided" and outcome["decidedBy"] == ids["lead"] and outcome["reasonCodes"] == ["child_voice_absent"]
          and len(outcome["basedOn"]) == 3 and not outcome["meetsStandard"], f"outcome: {outcome}")
    # Three current opinions and the first moderator's superseded one (their sealed correction): nothing is lost.
    check(len(lead.get(f"/api/v1/cases/{case_id}/opinions")["items"]) == 4, "opinions lost after the decision")
    check(len(employer.get(f"/api/v1/cases/{case_id}/opinions")["items"]) == 4, "the employer cannot see the opinions after the decision")
    plan = employer.get(f"/api/v1/cases/{case_id}/development-plan")
    check(plan["required"] and not plan["plan"]["acknowledged"], f"plan: {plan}")
    acknowledged = employer.post(f"/api/v1/cases/{case_id}/development-plan/acknowledgement", {"note": "Agreed with the candidate."}, expect=200)
    check(acknowledged["acknowledged"] and acknowledged["acknowledgedBy"] == ids["employer"], "not acknowledged")
    step("the lead decided 3 (near miss) with reasons drawing on all three opinions; the employer acknowledged the development plan")

    # 9. Agreeing opinions decide by rule: the first sample dispute (routed at start to moderator and lay).
    agreed_case = next(c for c in lead.get("/api/v1/cases?pageSize=500")["items"] if c["kind"] == "automatic_dispute" and c["state"] == "in_moderation"
                       and c["id"] != case_id)
    panel2 = lead.get(f"/api/v1/cases/{agreed_case['id']}/assignments")["items"]
    results = [api[who[a["moderatorId"]]].post(f"/api/v1/cases/{agreed_case['id']}/opinions", {"score": s, "rationale": "Seen in full."}, expect=201)
               for a, s in zip(panel2, (5, 6))]
    rule = results[-1]["caseAfter"]
    check(rule["state"] == "decided" and rule["outcome"]["rule"] == "median" and rule["outcome"]["score"] == 5, f"not decided by median: {rule}")
    step("5 and 6 on another dispute: decided by the median rule at 5 (a half rounds down)")

    # 10. The lead reopens on a ground: a fresh round with moderators who did not sit on the first.
    reopened = lead.post(f"/api/v1/cases/{case_id}/transitions",
                         {"action": "reopen", "expectedVersion": decided["version"], "ground": "new_information",
                          "reason": "The employer supplied the visit's written record."}, expect=200)
    check(reopened["round"] == 2 and len(reopened["previousOutcomes"]) == 1 and "outcome" not in reopened, f"reopened: {reopened}")
    all_assignments = lead.get(f"/api/v1/cases/{case_id}/assignments")
    round1 = {a["moderatorId"] for a in all_assignments["items"] if a["round"] == 1}
    round2 = {a["moderatorId"] for a in all_assignments["items"] if a["round"] == 2}
    check(not (round1 & round2), "a round-1 moderator was routed again")
    check(len(round2) == 2 or all_assignments["routingProblem"], "round 2 is short and does not say why")
    step(f"reopened for new information: round 2, previous outcome kept, {len(round2)} new moderator(s)"
         + (f"; {all_assignments['routingProblem']}" if all_assignments["routingProblem"] else ""))

    # 11. Calibration: the lead marks a seed with a definitive score. Reuse for calibration needs everyone's explicit
    # consent on the recordings (decision 13): refused before it is recorded.
    seed_recordings = lead.get(f"/api/v1/recordings?observationId={agreed_case['observationId']}")["items"]
    if seed_recordings:
        lead.post("/api/v1/calibration/seeds", {"observationId": agreed_case["observationId"], "score": 5, "reason": "Agreed by the standards panel."}, expect=422)
        for recording in seed_recordings:
            lead.call("PUT", f"/api/v1/recordings/{recording['id']}/consents",
                      {"person": "candidate", "purpose": "training", "granted": True, "reference": "walkthrough consent form"}, expect=200)
    seed = lead.post("/api/v1/calibration/seeds", {"observationId": agreed_case["observationId"], "score": 5, "reason": "Agreed by the standards panel."}, expect=201)
    check(any(s["observationId"] == seed["observationId"] for s in lead.get("/api/v1/calibration/seeds")["items"]), "seed not listed")
    step("a calibration seed marked (score 5); routing will send it unannounced at the policy's rate")

    # 12. The audit trail: every step of the case, and a hash chain that links up.
    actions = [e["action"] for e in auditor.get(f"/api/v1/audit?subjectType=case&subjectId={case_id}&pageSize=500")["items"]]
    for expected in ["case.opened", "case.moderation_requested", "case.moderator_assigned", "case.moderation_started", "opinion.submitted",
                     "case.escalated", "case.awaiting_lead", "case.message_posted", "case.decided", "development_plan.created",
                     "development_plan.acknowledged", "case.reopened"]:
        check(expected in actions, f"audit trail of the case lacks {expected}: {actions}")
    previous, count, after_seq = None, 0, 0
    while True:
        page = auditor.get(f"/api/v1/audit?after={after_seq}&pageSize=500")
        for entry in page["items"]:
            if previous is not None:
                check(entry["previousHash"] == previous, f"chain broken at {entry['sequence']}")
            previous, after_seq, count = entry["hash"], entry["sequence"], count + 1
        if not page.get("nextPage"):
            break
    step(f"audit trail: {len(actions)} events on the case; {count} events chained hash to hash")
    return count


def main():
    data = tempfile.mkdtemp(prefix="obsreview-walk-")
    server = DemoServer(BIN, os.path.join(data, "data"), os.path.join(data, "server.log"),
                        ["--samples", os.path.join(ROOT, "samples"), "--bcrypt-cost", "4"])
    try:
        server.start()
        print("moderation walkthrough (the whole path through the JSON API, as each demo role):", flush=True)
        walk(server)
        server.stop()
        database = os.path.join(data, "data", "obsreview.sqlite")
        verify = subprocess.run([BIN, "verify", "--database", f"sqlite://{database}"], capture_output=True, text=True)
        check(verify.returncode == 0, f"obsreview verify failed: {verify.stdout}{verify.stderr}")
        step(f"obsreview verify: {verify.stdout.strip()}")
        print(f"moderation walkthrough: {steps} steps passed")
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        if os.path.exists(server.log_path):
            print("--- server log (tail) ---\n" + server.log_tail(), file=sys.stderr)
        raise SystemExit(1)
    finally:
        server.kill()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
