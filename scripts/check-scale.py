#!/usr/bin/env python3
"""Scale-out under a moderation workload (issue 19): two servers and two workers on one PostgreSQL and one object store.

`serve --demo` (no worker) loads the demo into a fresh PostgreSQL database, its originals into an S3 bucket (moto's
server, signatures checked, as scripts/test-s3.py starts it); a second `serve` shares the database, the bucket and the
data folder (uploads in progress, derived media); two `obsreview worker` processes index the demo's recordings from the
bucket. A scripted workload — employers rating,
assessors flagging, the lead sending cases to moderation and deciding them, moderators accepting and giving opinions —
runs from several threads, each request to either server:

1. **Throughput**: the same workload for a fixed time through one server, then through both (no failures): writes per
   second and the 99th percentile of write latency, and their ratio (docs/benchmarks.md).
2. **Chaos**: the workload again while one server is SIGKILLed and restarted and one worker is SIGKILLed mid-run.

Afterwards: no 5xx outside the outage (a dead server's refused connections are counted apart), no case version
accepted twice, at most one current rating per observation, rater and source, at most one active case per observation,
every recording indexed exactly once (one `recording.ready` or `recording.rejected` event each), every original in the
bucket and none in the local blob folder, and the audit chain verifies.

    python3 scripts/check-scale.py [path/to/obsreview] [--seconds N]
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import DemoServer, Failure, check, wait  # noqa: E402
from tools import default_binary, ensure_pip  # noqa: E402

WRITERS = ["employer", "assessor", "lead", "moderator", "lay", "moderator2", "lay2"]


def log(message):
    print(f"check-scale: {message}", flush=True)


def psql(url, sql):
    return subprocess.run(["psql", url, "-tAq", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


class Tally:
    """Every request's outcome, and the write latencies, from all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses, self.latencies, self.errors, self.versions, self.refusals = {}, [], [], [], {}
        self.refused = 0

    def add(self, status, seconds, write, detail):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if write and 200 <= status < 300:
                self.latencies.append(seconds)
            if status >= 500:
                self.errors.append(detail)
            if 400 <= status < 500:
                self.refusals.setdefault(status, detail)


class Worker(threading.Thread):
    """One simulated person, sending the workload's requests to either server at random until stopped."""

    def __init__(self, name, account, bases, tally, stop, seed, outage):
        super().__init__(daemon=True)
        (user, self.token), self.name_ = account, name
        self.user = user["id"]
        self.bases, self.tally, self.stop, self.outage = bases, tally, stop, outage
        self.random = random.Random(seed)

    def call(self, method, path, body=None, write=False):
        base = self.random.choice(self.bases())
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(base + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        except (OSError, http.client.HTTPException):
            with self.tally.lock:
                self.tally.refused += 1  # the server is down: refused or reset connections
            if not self.outage.is_set():
                with self.tally.lock:
                    self.tally.errors.append(f"{self.name_}: {method} {path}: connection failed outside the outage")
            return None, None
        self.tally.add(status, time.perf_counter() - started, write, f"{self.name_}: {method} {path} → {status}: {text[:200]!r}")
        return status, (json.loads(text) if text and text[:1] in b"{[" else None)

    def run(self):
        while not self.stop.is_set():
            try:
                getattr(self, "as_" + self.name_.rstrip("2"))()
            except Exception as error:  # a malformed answer is a failure of the run, not of the thread
                with self.tally.lock:
                    self.tally.errors.append(f"{self.name_}: {error!r}")

    def as_employer(self):
        """Rates an observation, or corrects its current rating: a write that is always there to make."""
        status, page = self.call("GET", "/api/v1/observations?pageSize=200")
        if status != 200:
            return
        observation = self.random.choice(page["items"])
        status, ratings = self.call("GET", f"/api/v1/observations/{observation['id']}/ratings")
        if status != 200:
            return
        superseded = {r.get("supersedes") for r in ratings["items"]}
        mine = [r for r in ratings["items"] if r["raterId"] == self.user and r["id"] not in superseded]
        body = {"score": self.random.randint(2, 6), "rationale": "Load test rating."}
        if mine:
            body.update(supersedes=mine[0]["id"], correctionReason="Re-watched under load.")
        self.call("POST", f"/api/v1/observations/{observation['id']}/ratings", body, write=True)

    def as_assessor(self):
        status, page = self.call("GET", "/api/v1/observations?pageSize=200")
        if status == 200:
            observation = self.random.choice(page["items"])
            self.call("POST", f"/api/v1/observations/{observation['id']}/flags", {"reason": "Load test: please review."}, write=True)

    def as_lead(self):
        status, page = self.call("GET", "/api/v1/cases?pageSize=200")
        if status != 200 or not page["items"]:
            return
        case = self.random.choice(page["items"])
        if case["state"] == "open":
            body = {"action": "requestModeration", "expectedVersion": case["version"]}
        elif case["state"] in ("in_moderation", "escalated"):
            body = {"action": "decide", "expectedVersion": case["version"], "score": self.random.randint(2, 6),
                    "reason": "Decided under load.", "reasonCodes": ["load_test"]}
        elif case["state"] == "decided":
            body = {"action": "reopen", "expectedVersion": case["version"], "ground": "new_information", "reason": "Reopened under load."}
        else:
            return
        status, answer = self.call("POST", f"/api/v1/cases/{case['id']}/transitions", body, write=True)
        if status == 200:
            with self.tally.lock:
                self.tally.versions.append((case["id"], answer["version"]))

    def as_moderator(self):
        status, page = self.call("GET", "/api/v1/assignments")
        if status != 200 or not page["items"]:
            time.sleep(0.05)
            return
        assignment = self.random.choice(page["items"])
        case = assignment["caseId"]
        if assignment["state"] == "offered":
            self.call("POST", f"/api/v1/cases/{case}/assignment/accept", {}, write=True)
        elif assignment["state"] == "accepted":
            self.call("POST", f"/api/v1/cases/{case}/opinions", {"score": self.random.randint(2, 6), "rationale": "Seen in full under load."},
                      write=True)

    as_lay = as_moderator


def run_workload(tokens, bases, seconds, seed, chaos=None):
    tally, stop, outage = Tally(), threading.Event(), threading.Event()
    threads = [Worker(name, tokens[name], bases, tally, stop, seed * 100 + n, outage) for n, name in enumerate(WRITERS)]
    for thread in threads:
        thread.start()
    started = time.time()
    if chaos:
        chaos(outage, seconds)
    time.sleep(max(0, seconds - (time.time() - started)))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return tally, time.time() - started


def p99(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary or default_binary())
    server_url = os.environ.get("OBSREVIEW_TEST_POSTGRES_URL")
    if not server_url:
        check(os.environ.get("CI") != "true", "CI must run the scale test on PostgreSQL: OBSREVIEW_TEST_POSTGRES_URL is not set")
        log("OBSREVIEW_TEST_POSTGRES_URL is not set: skipped (scripts/test sets it)")
        return 0
    ensure_pip({"moto.server": "moto[server]", "boto3": "boto3"}, log)
    from moto_s3 import BUCKET, start_with_bucket
    database = f"scale_{os.getpid()}"
    psql(server_url, f"CREATE DATABASE {database}")
    url = server_url.rsplit("/", 1)[0] + "/" + database
    work = tempfile.mkdtemp(prefix="obsreview-scale-")
    data = os.path.join(work, "data")
    first = DemoServer(binary, data, os.path.join(work, "server0.log"), extra_args=["--database-url", url, "--no-worker"])
    second = DemoServer(binary, data, os.path.join(work, "server1.log"), extra_args=["--database-url", url, "--no-worker"], demo=False)
    workers = []
    moto, environment = start_with_bucket(work)
    os.environ.update(environment)  # the servers and workers started below use the bucket

    def start_worker(n):
        return subprocess.Popen([binary, "worker", "--database", url, "--data", data, "--poll", "0.5"],
                                stdout=open(os.path.join(work, f"worker{n}.log"), "a"), stderr=subprocess.STDOUT)
    try:
        first.start(timeout=240)
        second.start(timeout=120)
        workers = [start_worker(0), start_worker(1)]
        tokens = {name: first.sign_in_with_token(name, "scale") for name in WRITERS}
        # Measured without the indexing of the demo's recordings competing for the machine.
        wait("the demo's recordings to be indexed", lambda: psql(
            url, "SELECT count(*) FROM recordings WHERE status NOT IN ('ready', 'rejected')") == "0", timeout=300, interval=1)

        # 1. Throughput: one server, then two.
        one, one_time = run_workload(tokens, lambda: [first.base], args.seconds, seed=1)
        two, two_time = run_workload(tokens, lambda: [first.base, second.base], args.seconds, seed=2)
        for tally, label in ((one, "one server"), (two, "two servers")):
            check(not tally.errors, f"{label}: {tally.errors[:5]}")
        rate_one, rate_two = len(one.latencies) / one_time, len(two.latencies) / two_time
        log(f"throughput: one server {rate_one:.1f} writes/s (p99 {p99(one.latencies) * 1000:.0f} ms), "
            f"two servers {rate_two:.1f} writes/s (p99 {p99(two.latencies) * 1000:.0f} ms): ratio {rate_two / rate_one:.2f}; "
            f"statuses {two.statuses}; a refusal of each kind: {two.refusals}")

        # 2. Chaos: kill and restart a server, kill a worker, while the workload runs and recordings are being indexed.
        refs = psql(url, "SELECT ref FROM observations WHERE ref IS NOT NULL ORDER BY ref LIMIT 6").split()
        for ref in refs:
            subprocess.run([binary, "ingest", "--database", url, "--data", data, "--observation", ref,
                            os.path.join(ROOT, "samples", "observation-h264-aac.mp4"), os.path.join(ROOT, "samples", "phone-portrait-hevc.mov")],
                           check=True, capture_output=True)

        def chaos(outage, seconds):
            wait("worker 0 to be indexing", lambda: psql(url, f"SELECT count(*) FROM jobs WHERE state = 'running' "
                                                               f"AND lease_owner LIKE '%-{workers[0].pid}'") != "0", timeout=seconds, interval=0.1)
            outage.set()
            first.process.send_signal(signal.SIGKILL)
            first.process.wait()
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            time.sleep(1)
            first.demo = False
            first.start(timeout=60)
            time.sleep(1)
            outage.clear()
            log("killed server 0 and worker 0 mid-run (SIGKILL); server 0 restarted")
        chaotic, _ = run_workload(tokens, lambda: [first.base, second.base], args.seconds, seed=3, chaos=chaos)
        check(not chaotic.errors, f"under chaos: {chaotic.errors[:5]}")
        log(f"under chaos: statuses {chaotic.statuses}, {chaotic.refused} requests refused while server 0 was down")

        versions = one.versions + two.versions + chaotic.versions
        check(len(versions) == len(set(versions)), "a case version was accepted twice")
        wait("every recording to be indexed by the surviving worker", lambda: psql(
            url, "SELECT count(*) FROM recordings WHERE status NOT IN ('ready', 'rejected')") == "0", timeout=300, interval=1)
        twice = psql(url, """SELECT count(*) FROM (SELECT subject_id FROM audit_events
            WHERE action IN ('recording.ready', 'recording.rejected') GROUP BY subject_id HAVING count(*) > 1) t""")
        indexed = psql(url, "SELECT count(DISTINCT subject_id) FROM audit_events WHERE action IN ('recording.ready', 'recording.rejected')")
        check(twice == "0", f"{twice} recording(s) were indexed more than once")
        duplicates = psql(url, """SELECT count(*) FROM (SELECT observation_id, rater_id, source FROM ratings r
            WHERE NOT EXISTS (SELECT 1 FROM ratings s WHERE s.supersedes = r.id) GROUP BY observation_id, rater_id, source HAVING count(*) > 1) d""")
        check(duplicates == "0", f"{duplicates} observation(s) hold two current ratings of one rater")
        active = psql(url, """SELECT count(*) FROM (SELECT observation_id FROM cases WHERE state NOT IN ('decided', 'closed', 'withdrawn')
            GROUP BY observation_id HAVING count(*) > 1) d""")
        check(active == "0", f"{active} observation(s) have two active cases")
        keys = {o["Key"].rsplit("/", 1)[-1] for page in moto.client("s3", environment["OBSREVIEW_S3_ACCESS_KEY_ID"],
                                                                    environment["OBSREVIEW_S3_SECRET_ACCESS_KEY"])
                .get_paginator("list_objects_v2").paginate(Bucket=BUCKET) for o in page.get("Contents", [])}
        stored = set(psql(url, "SELECT DISTINCT sha256 FROM recordings WHERE sha256 IS NOT NULL").split())
        check(stored <= keys, f"{len(stored - keys)} original(s) are not in the bucket")
        local = [f for _, _, names in os.walk(os.path.join(data, "blobs")) for f in names]
        check(not local, f"{len(local)} original(s) in the local blob folder, not the bucket")
        verified = subprocess.run([binary, "verify", "--database", url], capture_output=True, text=True)
        check(verified.returncode == 0, f"obsreview verify: {verified.stdout}{verified.stderr}")
        log(f"no version accepted twice ({len(versions)} transitions), no duplicate rating or active case, "
            f"{indexed} recordings each indexed once from the bucket ({len(stored)} originals there, none local), the audit chain verifies")
        return 0
    except Failure as failure:
        log(f"FAILED: {failure}")
        for name in ("server0.log", "server1.log", "worker0.log", "worker1.log"):
            path = os.path.join(work, name)
            if os.path.exists(path):
                sys.stderr.write(f"--- {name}\n" + "".join(open(path, errors="replace").readlines()[-10:]))
        return 1
    finally:
        for server in (first, second):
            if server.process and server.process.poll() is None:
                server.process.kill()
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        moto.stop()
        subprocess.run(["psql", server_url, "-q", "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], stdout=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
