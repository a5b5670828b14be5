#!/usr/bin/env python3
"""Identical writes raced through two servers on one PostgreSQL database: none may land twice.

Two `obsreview serve` processes share a fresh PostgreSQL database (OBSREVIEW_TEST_POSTGRES_URL, as scripts/test
provides). For each of 12 new observations, one employer sends the same rating 16 times at once, alternating between
the two servers; then 16 flags at once on each of 12 other observations. Afterwards the database holds at most one
current employer rating per observation and at most one active case per observation, every refused request got a
4xx with the error envelope (409 naming the existing record, never a 5xx), and the audit chain verifies.

Uploads too (issue 19): the two servers share one data folder; 16 times, the same tus PATCH is sent to both at once
and at most one may be accepted (the other is told the upload is locked, 423, or that its offset has moved on, 409);
each upload is then finished on the other server, and becomes one recording with the file's SHA-256.

    python3 scripts/check-races.py [path/to/obsreview]
"""
import base64
import concurrent.futures
import hashlib
import json
import http.client as httpclient
import random
import urllib.parse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import Failure, check, free_port, http, wait  # noqa: E402
from tools import default_binary  # noqa: E402

PASSWORD = "tidal-lantern-orchard-2026"
EMPLOYER = "Eastgate City Council"


def log(message):
    print(f"check-races: {message}", flush=True)


def psql(url, sql):
    return subprocess.run(["psql", url, "-tAq", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def token(base, username):
    status, headers, body = http("POST", base + "/api/v1/session", {"username": username, "password": PASSWORD})
    check(status == 200, f"sign-in of {username} answered {status}: {body[:200]!r}")
    cookie = [c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("obsreview_session=")][0]
    status, _, body = http("POST", base + "/api/v1/tokens", {"name": "races"},
                           {"Cookie": cookie, "X-CSRF-Token": json.loads(body)["csrfToken"]})
    check(status == 201, f"token answered {status}")
    return {"Authorization": f"Bearer {json.loads(body)['secret']}"}


def raw(method, url, body=b"", headers=None):
    """(status, headers, bytes). A server that refuses a PATCH may answer and close before reading the whole body:
    the answer is still read after the broken pipe."""
    parts = urllib.parse.urlsplit(url)
    connection = httpclient.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        try:
            connection.request(method, parts.path, body=body if method in ("POST", "PATCH") else None, headers=dict(headers or {}))
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def uploads_race(servers, url, ids):
    """The same PATCH to two servers sharing the data folder: at most one lands; the other server finishes it."""
    auth = token(servers[0][1], "race.assessor")
    tus = dict(auth, **{"Tus-Resumable": "1.0.0"})
    rng = random.Random(19)
    outcomes = {}
    for n in range(16):
        first, second = bytes(rng.getrandbits(8) for _ in range(16)) * (1 << 18), bytes(rng.getrandbits(8) for _ in range(16)) * 4096
        whole = first + second
        digest = hashlib.sha256(whole).hexdigest()
        metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in
                            [("observation", ids[f"RACE-{n:03d}"]), ("filename", f"race-{n}.mp4"), ("sha256", digest)])
        creator, other = servers[n % 2][1], servers[(n + 1) % 2][1]
        status, headers, body = raw("POST", creator + "/uploads/", b"", dict(tus, **{"Upload-Length": str(len(whole)), "Upload-Metadata": metadata}))
        check(status == 201, f"creating upload {n} answered {status}: {body[:200]!r}")
        location = headers["Location"]
        path = location[location.index("/uploads/"):] if "://" in location else location
        patch = dict(tus, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda base: raw("PATCH", base + path, first, patch), [creator, other]))
        codes = sorted(status for status, _, _ in answers)
        for status, _, body in answers:
            outcomes[status] = outcomes.get(status, 0) + 1
            check(status in (204, 409, 423), f"upload {n}: a racing PATCH answered {status}: {body[:200]!r}")
        check(codes.count(204) == 1, f"upload {n}: the same PATCH through two servers answered {codes} (exactly one 204 expected)")
        # The other server resumes it: HEAD there gives the offset the first one reached.
        status, headers, _ = raw("HEAD", other + path, b"", tus)
        check(status == 200 and headers["Upload-Offset"] == str(len(first)), f"upload {n}: HEAD on the other server: {status} {headers.get('Upload-Offset')}")
        status, _, body = raw("PATCH", other + path, second, dict(patch, **{"Upload-Offset": str(len(first))}))
        check(status == 204, f"upload {n}: finishing on the other server answered {status}: {body[:200]!r}")
        stored = psql(url, f"SELECT count(*) || '|' || min(sha256) FROM recordings r JOIN observations o ON o.id = r.observation_id "
                           f"WHERE o.ref = 'RACE-{n:03d}'")
        check(stored == f"1|{digest}", f"upload {n}: recordings stored: {stored} (one with {digest[:12]}… expected)")
    log(f"16 identical PATCHes raced through two servers sharing the data folder: {outcomes}; each finished on the other server")


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default_binary())
    server_url = os.environ.get("OBSREVIEW_TEST_POSTGRES_URL")
    if not server_url:
        check(os.environ.get("CI") != "true", "CI must race on PostgreSQL: OBSREVIEW_TEST_POSTGRES_URL is not set")
        log("OBSREVIEW_TEST_POSTGRES_URL is not set: skipped (scripts/test sets it)")
        return 0
    database = f"races_{os.getpid()}"
    psql(server_url, f"CREATE DATABASE {database}")
    url = server_url.rsplit("/", 1)[0] + "/" + database
    work = tempfile.mkdtemp(prefix="obsreview-races-")
    servers = []
    try:
        # Observations rated by the assessor only (the employer's rating is what will race), and others to flag.
        rows = ["observation_ref,candidate_ref,candidate_name,registration_number,employer,observation_date,scenario,source,rater,"
                "rater_organisation,score,rationale,rated_at"]
        for n in range(24):
            rows.append(f"RACE-{n:03d},RC-{n:03d},Race Candidate {n},SW9{n:05d},{EMPLOYER},2026-02-{n % 27 + 1:02d},Home visit,"
                        f"assessor,Priya Vantongeren,National Accreditation Body,4,Meets the standard.,2026-03-01T10:00:00Z")
        csv = os.path.join(work, "races.csv")
        with open(csv, "w") as f:
            f.write("\n".join(rows) + "\n")
        subprocess.run([binary, "import", csv, "--database", url], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([binary, "account", "--username", "race.assessor", "--name", "Race Assessor", "--role", "assessor",
                        "--organisation", "National Accreditation Body", "--database", url], input=PASSWORD + "\n", text=True, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([binary, "account", "--username", "race.employer", "--name", "Race Employer", "--role", "employer",
                        "--organisation", EMPLOYER, "--database", url], input=PASSWORD + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
        for n in range(2):
            port = free_port()
            process = subprocess.Popen([binary, "serve", "--port", str(port), "--database-url", url, "--data", os.path.join(work, "data"),
                                        "--no-worker"], stdout=open(os.path.join(work, f"server{n}.log"), "a"), stderr=subprocess.STDOUT)
            servers.append((process, f"http://127.0.0.1:{port}"))

        def up(base, process):
            check(process.poll() is None, f"a server exited with {process.returncode}")
            try:
                return http("GET", base + "/readyz")[0] == 200
            except OSError:
                return False
        for process, base in servers:
            wait("the servers", lambda: up(base, process), timeout=60, interval=0.2)
        status, headers, body = http("POST", servers[0][1] + "/api/v1/session", {"username": "race.employer", "password": PASSWORD})
        check(status == 200, f"sign-in answered {status}: {body[:200]!r}")
        session = json.loads(body)
        cookie = [c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("obsreview_session=")][0]
        status, _, body = http("POST", servers[0][1] + "/api/v1/tokens", {"name": "races"}, {"Cookie": cookie, "X-CSRF-Token": session["csrfToken"]})
        check(status == 201, f"token answered {status}")
        auth = {"Authorization": f"Bearer {json.loads(body)['secret']}"}
        ids = dict(line.split("|") for line in psql(url, "SELECT ref, id FROM observations WHERE ref LIKE 'RACE-%'").splitlines())

        def fire(requests):
            """Sends every (server, path, body) at once; returns the statuses and bodies."""
            with concurrent.futures.ThreadPoolExecutor(max_workers=len(requests)) as pool:
                return list(pool.map(lambda r: http("POST", r[0] + r[1], r[2], auth), requests))

        uploads_race(servers, url, ids)
        statuses = {}
        for n in range(12):
            observation = ids[f"RACE-{n:03d}"]
            answers = fire([(servers[k % 2][1], f"/api/v1/observations/{observation}/ratings", {"score": 6, "rationale": "Strong, safe practice."})
                            for k in range(16)])
            for status, _, body in answers:
                statuses[status] = statuses.get(status, 0) + 1
                check(status < 500, f"a racing rating answered {status}: {body[:200]!r}")
                if status >= 400:
                    check("error" in json.loads(body), f"a refused rating has no error envelope: {body[:200]!r}")
            check(sum(1 for s, _, _ in answers if s == 201) == 1, f"RACE-{n:03d}: {[s for s, _, _ in answers]} (exactly one 201 expected)")
        log(f"12 × 16 identical ratings through two servers: {statuses}")
        flags = {}
        for n in range(12, 24):
            observation = ids[f"RACE-{n:03d}"]
            answers = fire([(servers[k % 2][1], f"/api/v1/observations/{observation}/flags", {"reason": "The scores look inconsistent."})
                            for k in range(16)])
            for status, _, body in answers:
                flags[status] = flags.get(status, 0) + 1
                check(status < 500, f"a racing flag answered {status}: {body[:200]!r}")
            # A flag that comes second joins the case the first opened: every accepted flag names the same case.
            joined = {json.loads(body)["id"] for status, _, body in answers if status == 201}
            check(len(joined) == 1, f"RACE-{n:03d}: the racing flags name {len(joined)} cases")
        log(f"12 × 16 identical flags through two servers: {flags}")

        duplicates = psql(url, """
            SELECT count(*) FROM (SELECT observation_id, rater_id, source FROM ratings WHERE supersedes IS NULL
            GROUP BY observation_id, rater_id, source HAVING count(*) > 1) d""")
        check(duplicates == "0", f"{duplicates} observation(s) hold a rating twice")
        cases = psql(url, """
            SELECT count(*) FROM (SELECT observation_id FROM cases WHERE state NOT IN ('decided', 'closed', 'withdrawn')
            GROUP BY observation_id HAVING count(*) > 1) d""")
        check(cases == "0", f"{cases} observation(s) have two active cases")
        opened = psql(url, "SELECT count(DISTINCT observation_id) FROM cases c JOIN observations o ON o.id = c.observation_id WHERE o.ref LIKE 'RACE-%'")
        check(opened == "24", f"{opened} of 24 raced observations have a case (each rating 6 against 4 disputes; each flag opens one)")
        verified = subprocess.run([binary, "verify", "--database", url], capture_output=True, text=True)
        check(verified.returncode == 0, f"obsreview verify: {verified.stdout}{verified.stderr}")
        log("no duplicate rating or case; every refusal a 4xx with its reason; the audit chain verifies")
        return 0
    except Failure as failure:
        log(f"FAILED: {failure}")
        for n in range(len(servers)):
            path = os.path.join(work, f"server{n}.log")
            sys.stderr.write("".join(open(path, errors="replace").readlines()[-15:]))
        return 1
    finally:
        for process, _ in servers:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["psql", server_url, "-q", "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], stdout=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
