#!/usr/bin/env python3
"""Notifications end to end (decision 24): a real SMTP relay (aiosmtpd with STARTTLS on a self-signed certificate
and AUTH), `obsreview serve --demo` configured for it, and a moderation path driven through the JSON API.

Checks: the relay is down at first, so the first e-mails fail and are retried with backoff, then delivered once it
comes up, none twice; recipients and subjects (the moderators offered the case, the lead when it waits for them,
the employer's daily digest grouping the decision and the development plan into one e-mail); every e-mail went
over TLS with AUTH and carries a sentence and a link, no score and no personal detail; a person who turned e-mail
off (the assessor) gets none but sees the notice in the app; the notices page and API; the audit records sending.

Usage: scripts/test-notify.py [path/to/obsreview]   (default: the debug build). Prints one line per step.
"""
import json, os, re, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import DemoServer, Failure, check, free_port, run_in, wait  # noqa: E402
from tools import ensure_pip  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OBSREVIEW_BIN", os.path.join(ROOT, ".build", "debug", "obsreview"))
USERS = ["assessor", "employer", "lead", "moderator", "lay", "moderator2", "lay2", "auditor"]
steps = 0


def log(message):
    print(message, file=sys.stderr, flush=True)


def step(text):
    global steps
    steps += 1
    print(f"  {steps:2d}. {text}", flush=True)


class Client:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None, expect=200):
        request = urllib.request.Request(self.base + path, method=method, headers={"Authorization": f"Bearer {self.token}"},
                                         data=json.dumps(body).encode() if body is not None else None)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        check(expect is None or status == expect, f"{method} {path} → {status}, expected {expect}: {text[:300]}")
        return json.loads(text) if text and text.lstrip().startswith("{") else text


class Relay:
    """scripts/lib/smtp_relay.py on a fixed port, started and stopped on demand."""

    def __init__(self, work, port):
        self.work, self.port, self.process = work, port, None
        self.out = os.path.join(work, "mails.jsonl")

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts", "lib", "smtp_relay.py"), "--port", str(self.port), "--out", self.out,
             "--tls-dir", os.path.join(self.work, "tls"), "--require-tls", "--auth", "obsreview:relay-secret-42"],
            stdout=subprocess.PIPE, stderr=open(os.path.join(self.work, "relay.log"), "a"), text=True)
        line = self.process.stdout.readline()
        check(line.startswith("ready"), f"the relay did not start: {line!r}")

    def certificate(self):
        from smtp_relay import make_certificate
        return make_certificate(os.path.join(self.work, "tls"))[0]

    def mails(self):
        if not os.path.exists(self.out):
            return []
        return [json.loads(line) for line in open(self.out) if line.strip()]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def headers_and_body(data):
    head, _, body = data.partition("\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.split("\r\n") if ": " in line)
    return headers, body


def main():
    ensure_pip({"aiosmtpd": "aiosmtpd"}, log)
    work = tempfile.mkdtemp(prefix="obsreview-notify-")

    def body():
        relay = Relay(work, free_port())
        cert = relay.certificate()  # made now: the server checks the relay against it
        with open(os.path.join(work, "smtp-password"), "w") as f:
            f.write("relay-secret-42\n")
        server = DemoServer(BIN, os.path.join(work, "data"), os.path.join(work, "server.log"))
        server.extra_args = ["--public-base-url", server.base]
        settings = {
            "OBSREVIEW_SMTP_HOST": "localhost", "OBSREVIEW_SMTP_PORT": str(relay.port), "OBSREVIEW_SMTP_SECURITY": "starttls",
            "OBSREVIEW_SMTP_USERNAME": "obsreview", "OBSREVIEW_SMTP_PASSWORD_FILE": os.path.join(work, "smtp-password"),
            "OBSREVIEW_SMTP_FROM": "review@example.org", "OBSREVIEW_SMTP_CA_FILE": cert, "OBSREVIEW_SMTP_TIMEOUT_SECONDS": "10",
            "OBSREVIEW_NOTIFY_INTERVAL_SECONDS": "0.5", "OBSREVIEW_NOTIFY_RETRY_SECONDS": "1", "OBSREVIEW_NOTIFY_DIGEST_HOURS": "0.002",
            "OBSREVIEW_ROUTING_INTERVAL_SECONDS": "0",
        }
        os.environ.update(settings)
        try:
            server.start(timeout=180)
            walk(server, relay)
            server.stop()
        finally:
            server.kill()
            relay.stop()
            for key in settings:
                os.environ.pop(key, None)

    sys.exit(run_in(work, body, log, ["server.log", "relay.log"]))


def walk(server, relay):
    ids, api = {}, {}
    for name in USERS:
        user, secret = server.sign_in_with_token(name, "notify")
        ids[name], api[name] = user["id"], Client(server.base, secret)
    lead, assessor, employer = api["lead"], api["assessor"], api["employer"]
    address = {name: f"{name}@example.org" for name in USERS}

    # 1. Preferences: a bad address is refused saying why; immediate for most, a daily digest for the employer,
    #    e-mail off for the assessor.
    refused = lead.call("PUT", "/api/v1/me/notification-preferences", {"email": "lead at example.org", "delivery": "immediate"}, expect=422)
    check("exactly one @" in refused["error"]["message"], f"unclear refusal: {refused}")
    for name in USERS:
        delivery = {"employer": "daily", "assessor": "off"}.get(name, "immediate")
        saved = api[name].call("PUT", "/api/v1/me/notification-preferences", {"email": address[name], "delivery": delivery})
        check(saved["delivery"] == delivery and saved["emailEnabled"] is True, f"preferences of {name}: {saved}")
    step("preferences saved (a malformed address refused with what to fix): immediate; employer daily; assessor off")

    # 2. The relay is down. A new dispute goes to moderation: its two offers cannot be mailed yet.
    in_cases = {c["observationId"] for c in lead.call("GET", "/api/v1/cases?pageSize=500")["items"]}
    target = None
    for observation in employer.call("GET", "/api/v1/observations?pageSize=500")["items"]:
        if observation["id"] in in_cases:
            continue
        ratings = lead.call("GET", f"/api/v1/observations/{observation['id']}/ratings")["items"]
        superseded = {r.get("supersedes") for r in ratings}
        current = [r for r in ratings if r["id"] not in superseded and r["source"] == "employer"]
        if current and current[-1]["score"] >= 4:
            target = observation
            break
    check(target is not None, "no undisputed observation of the employer's staff rated 4 or more by the employer")
    opened = assessor.call("POST", f"/api/v1/observations/{target['id']}/ratings", {"score": 2, "rationale": "Did not explore the risks."},
                           expect=201)["openedCase"]
    case_id = opened["id"]
    moved = lead.call("POST", f"/api/v1/cases/{case_id}/transitions", {"action": "requestModeration", "expectedVersion": opened["version"]})
    check(moved["state"] == "in_moderation", f"not in moderation: {moved['state']}")
    who = {v: k for k, v in ids.items()}
    panel = [who[a["moderatorId"]] for a in lead.call("GET", f"/api/v1/cases/{case_id}/assignments")["items"]]
    check(len(panel) == 2, f"panel: {panel}")
    wait("the server to fail to reach the relay", lambda: "e-mail not sent" in server.log_tail(400), timeout=30)
    check(not relay.mails(), "mail arrived while the relay was down")
    offers = {name: api[name].call("GET", "/api/v1/notices?unread=true")["items"] for name in panel}
    check(all(any(n["kind"] == "case_offered" and n["caseId"] == case_id for n in offers[name]) for name in panel), f"in-app offers: {offers}")
    time.sleep(3)  # a few retries while the relay is down
    step(f"routed to {' and '.join(panel)}; the relay is down: the offers are in the app, their e-mails failed and wait to be retried")

    # 3. The relay comes up: the offers are delivered, once each.
    relay.start()
    wait("the offers to be delivered", lambda: {m["rcpt_tos"][0] for m in relay.mails()} >= {address[n] for n in panel}, timeout=60)
    retries = re.findall(r"attempt=(\d+)", server.log_tail(2000)) or re.findall(r'"attempt": "?(\d+)', server.log_tail(2000))
    step(f"the relay came up: both offers delivered after {len(re.findall('e-mail not sent', server.log_tail(2000)))} failed tries")

    # 4. The panel splits (3, 5): a further moderator is offered the case; they say 4: the lead is told it waits for them.
    api[panel[0]].call("POST", f"/api/v1/cases/{case_id}/opinions", {"score": 3, "rationale": "The risks were not explored."}, expect=201)
    split = api[panel[1]].call("POST", f"/api/v1/cases/{case_id}/opinions", {"score": 5, "rationale": "Met the standard."}, expect=201)
    check(split["caseAfter"]["state"] == "escalated" and split["escalationAssignments"], f"not escalated: {split['caseAfter']['state']}")
    third = who[split["escalationAssignments"][0]["moderatorId"]]
    wait(f"the offer to {third}", lambda: any(address[third] in m["rcpt_tos"] for m in relay.mails()), timeout=30)
    api[third].call("POST", f"/api/v1/cases/{case_id}/opinions", {"score": 4, "rationale": "Borderline."}, expect=201)
    wait("the lead's e-mail", lambda: any(address["lead"] in m["rcpt_tos"] for m in relay.mails()), timeout=30)
    step(f"3 and 5 split: {third} offered the case by e-mail; 4 keeps it split: the lead is e-mailed that it waits for them")

    # 5. The lead decides 3 (a near miss: a development plan). The employer's daily digest groups both notices.
    current = lead.call("GET", f"/api/v1/cases/{case_id}")
    lead.call("POST", f"/api/v1/cases/{case_id}/transitions",
              {"action": "decide", "expectedVersion": current["version"], "score": 3, "reason": "The risks were not explored.",
               "reasonCodes": ["risk_not_explored"]})
    digest = wait("the employer's digest", lambda: [m for m in relay.mails() if address["employer"] in m["rcpt_tos"]], timeout=60)
    time.sleep(2)  # anything else the server would (wrongly) send
    mails = relay.mails()
    check(len([m for m in mails if address["employer"] in m["rcpt_tos"]]) == 1, "the employer got more than one e-mail")
    headers, text = headers_and_body(digest[0]["data"])
    check(headers.get("Subject") == "Your ObservationReview summary: 2 notices", f"digest subject: {headers.get('Subject')}")
    check(text.count(f"{server.base}/cases/{case_id}") == 2 and "decided" in text and "development plan" in text, f"digest body: {text}")
    step("decided 3: the employer's daily digest is one e-mail with both notices (the decision, the development plan to acknowledge)")

    # 6. The assessor turned e-mail off: nothing by e-mail, the decision in the app.
    check(not any(address["assessor"] in m["rcpt_tos"] for m in mails), "the assessor opted out but got e-mail")
    told = assessor.call("GET", "/api/v1/notices")["items"]
    check(any(n["kind"] == "case_decided" and n["caseId"] == case_id for n in told), f"the assessor's notices: {told}")
    page = assessor.call("GET", "/notices")
    check("A case has been decided." in page, "the notices page does not list the decision")
    step("the assessor (e-mail off) got no e-mail; the decision is on their notices page")

    # 7. Every e-mail: over TLS with AUTH, to the right person with the right subject, a sentence and a link, no score,
    #    no name, none sent twice; nobody else was written to.
    candidate = lead.call("GET", f"/api/v1/candidates/{target['candidateId']}")
    expected = {address[n]: "A case has been offered to you" for n in panel + [third]}
    expected[address["lead"]] = "A case waits for your decision"
    expected[address["employer"]] = "Your ObservationReview summary: 2 notices"
    seen = []
    for mail in mails:
        check(mail["tls"] and mail["auth"], f"an e-mail was not sent over TLS with AUTH: {mail['rcpt_tos']}")
        check(mail["mail_from"] == "review@example.org", f"envelope sender {mail['mail_from']}")
        headers, text = headers_and_body(mail["data"])
        rcpt = mail["rcpt_tos"][0]
        check(expected.get(rcpt) == headers.get("Subject"), f"{rcpt} got \"{headers.get('Subject')}\", expected {expected.get(rcpt)}")
        words = "\n".join(line for line in text.splitlines() if "http" not in line and not line.startswith("2 notices"))
        check(not re.search(r"\d", words), f"a number in an e-mail to {rcpt}: {words}")
        for secret in (candidate["name"], candidate["registrationNumber"], "Did not explore", "Borderline", "Met the standard"):
            check(secret not in mail["data"], f"{secret!r} in an e-mail to {rcpt}")
        check(f"{server.base}/cases/{case_id}" in text, f"no link to the case in the e-mail to {rcpt}")
        seen.append((rcpt, headers.get("Subject")))
    check(len(seen) == len(set(seen)), f"an e-mail was sent twice: {seen}")
    check({r for r, _ in seen} == set(expected), f"written to {sorted({r for r, _ in seen})}, expected {sorted(expected)}")
    step(f"{len(mails)} e-mails, each over STARTTLS with AUTH, subject as expected, a sentence and a link, no score or name, none twice")

    # 8. The audit records each sending, without body or address.
    events = lead.call("GET", f"/api/v1/audit?subjectType=user&subjectId={ids['lead']}&pageSize=500")["items"]
    sent = [e for e in events if e["action"] == "notice.emailed"]
    check(len(sent) == 1 and sent[0]["details"]["kinds"] == "awaiting_lead", f"audit of the lead's e-mail: {sent}")
    check(not any("@" in v for v in sent[0]["details"].values()), f"an address in the audit: {sent[0]['details']}")
    step("the audit trail records each sending (notice.emailed: kinds, tries, the relay's reply), no body, no address")


if __name__ == "__main__":
    main()
