#!/usr/bin/env python3
"""Sign-in and playback in a real browser (headless Chromium driven by Selenium), and one audit event per viewing.

Starts `obsreview serve --demo` on a free port with a temporary data directory and waits until a sample recording
is `ready` (through the API, with the lead's API token). Then, in headless Chromium:
  1. opens /signin, fills `username` and `password` as `lead`, submits, and checks the browser is signed in
     (it leaves /signin and GET /api/v1/session from the page answers the lead);
  2. opens /recordings/<id>, whose <video id="player"> plays the recording's proxy
     (/api/v1/recordings/<id>/proxy); starts it muted, waits until currentTime > 1 s with readyState >= 2;
  3. seeks to the middle (a new Range request when the middle is not buffered) and checks playback goes on;
  4. makes a few more Range requests for the proxy from the page (fetch with a Range header, the session cookie);
and through the API checks the audit trail for the recording has exactly ONE new `recording.viewed` event, by
the lead, for all those requests (the browser's own requests are counted from Chromium's network log).
Exits non-zero with a message on any failure, saving a screenshot and keeping the temporary directory.

    python3 scripts/test-browser.py [path/to/obsreview] [--long] [--keep] [--show]

The demo samples are small (a few hundred KB): Chromium fetches one whole in its first request, so the seek is
served from its buffer. --long also uploads (tus, as the lead) a generated 2-minute 640x360 recording (~45 MB,
ffmpeg) and plays that instead, so that the seek makes the player itself send a new Range request.

The binary is the argument, else $OBSREVIEW_BIN, else the debug build (`swift build --show-bin-path`).
Installs Debian's chromium and chromium-driver (apt) and selenium (pip) when missing.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import PASSWORD, DemoServer as Server, Failure, check, end_browser_run, http  # noqa: E402
from tools import chromium, default_binary, ensure_debian, ensure_pip  # noqa: E402
PREFERRED = ["observation-h264-aac.mp4", "observation-faststart.mp4", "room-camera-vp9-opus.webm"]
FETCHED_RANGES = ("bytes=0-1023", "bytes=1024-4095", "bytes=-512")  # step 4's requests from the page


def log(message):
    print(f"test-browser: {message}", flush=True)


def wait_for_ready_recording(server, timeout=180):
    """A ready sample the browser can play, preferring the H.264/AAC ones; waits for the demo's indexing."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready = server.get("/api/v1/recordings?status=ready&pageSize=500")["items"]
        busy = server.get("/api/v1/recordings?status=stored&pageSize=500")["items"] + \
            server.get("/api/v1/recordings?status=indexing&pageSize=500")["items"]
        for name in PREFERRED:
            match = [r for r in ready if r["fileName"] == name]
            if match:
                return match[0]
        if ready and not busy:
            return ready[0]
        time.sleep(0.5)
    raise Failure(f"no sample recording was ready within {timeout} s")


def upload_long_recording(server, work):
    """A 2-minute H.264/AAC MP4 (moov at the end, as phones write it), uploaded with tus as the lead."""
    path = os.path.join(work, "long-observation.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=48000", "-t", "120", "-c:v", "libx264", "-preset", "ultrafast",
                    "-b:v", "3M", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", path], check=True)
    observation = server.get("/api/v1/observations?pageSize=1")["items"][0]["id"]
    size = os.path.getsize(path)
    metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in
                        (("observation", observation), ("filename", os.path.basename(path))))
    tus = {"Authorization": f"Bearer {server.token}", "Tus-Resumable": "1.0.0"}
    status, headers, body = http("POST", server.base + "/uploads/", headers=dict(tus, **{
        "Upload-Length": str(size), "Upload-Metadata": metadata}))
    check(status == 201, f"tus creation answered {status}: {body[:300]!r}")
    location = headers["Location"]
    with open(path, "rb") as f:
        request = urllib.request.Request(server.base + location if location.startswith("/") else location, data=f.read(),
                                         method="PATCH", headers=dict(tus, **{
                                             "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}))
    with urllib.request.urlopen(request, timeout=120) as r:
        recording = r.headers.get("Upload-Recording-Id")
    check(recording, "the final PATCH carried no Upload-Recording-Id")
    log(f"uploaded {os.path.basename(path)} ({size / 1e6:.1f} MB): recording {recording}")
    deadline = time.time() + 180
    while time.time() < deadline:
        detail = server.get(f"/api/v1/recordings/{recording}")["recording"]
        if detail["status"] in ("ready", "rejected"):
            check(detail["status"] == "ready", f"the long recording was rejected: {detail.get('rejectionReason')}")
            return detail
        time.sleep(0.5)
    raise Failure("the long recording was not indexed within 180 s")


def viewed_events(server, recording_id):
    events, page = [], 1
    while page:
        answer = server.get(f"/api/v1/audit?subjectType=recording&subjectId={recording_id}&page={page}&pageSize=500")
        events += [e for e in answer["items"] if e["action"] == "recording.viewed"]
        page = answer.get("nextPage")
    return events


def wait(description, predicate, timeout=20, interval=0.2):
    """Real waits (headless virtual time does not drive media)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise Failure(f"timed out after {timeout} s waiting for {description}")


PLAYER = """
const v = document.getElementById('player');
return v ? {currentTime: v.currentTime, readyState: v.readyState, paused: v.paused, ended: v.ended, seeking: v.seeking,
            duration: v.duration, src: v.currentSrc || v.src, error: v.error ? (v.error.code + ' ' + v.error.message) : null}
         : null;
"""


def proxy_requests(driver, proxy_path):
    """The browser's requests for the proxy from Chromium's performance (DevTools) log: (method, Range, status)."""
    requests = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message.get("method") == "Network.requestWillBeSent" and proxy_path in params["request"]["url"]:
            headers = {k.lower(): v for k, v in params["request"].get("headers", {}).items()}
            requests[params["requestId"]] = [params["request"]["method"], headers.get("range"), None]
        elif message.get("method") == "Network.requestWillBeSentExtraInfo" and params.get("requestId") in requests:
            headers = {k.lower(): v for k, v in params.get("headers", {}).items()}
            requests[params["requestId"]][1] = requests[params["requestId"]][1] or headers.get("range")
        elif message.get("method") == "Network.responseReceived" and params.get("requestId") in requests:
            requests[params["requestId"]][2] = params["response"]["status"]
    return list(requests.values())


def run_browser_checks(driver, server, recording, lead):
    rid = recording["id"]
    proxy_path = f"/api/v1/recordings/{rid}/proxy"

    # 1. Sign in through the page's form.
    driver.get(server.base + "/signin")
    username = wait("the username field on /signin", lambda: driver.find_elements("name", "username"))[0]
    password = driver.find_element("name", "password")
    username.send_keys("lead")
    password.send_keys(PASSWORD)
    driver.find_element("css selector", "[type=submit]").click()
    wait("the browser to leave /signin", lambda: not driver.current_url.split("?")[0].endswith("/signin"))
    session = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/v1/session', {credentials: 'same-origin'})
            .then(r => r.json().then(body => done({status: r.status, body})))
            .catch(e => done({status: 0, body: String(e)}));""")
    check(session["status"] == 200 and session["body"].get("user", {}).get("id") == lead["id"],
          f"after signing in, GET /api/v1/session from the page answered {session}")
    log(f"signed in as lead through /signin; landed on {driver.current_url}")

    # 2. The recording's page plays the proxy.
    driver.get(server.base + f"/recordings/{rid}")
    state = wait("<video id=player> on the recording page", lambda: driver.execute_script(PLAYER))
    check(state["src"].split("?")[0].endswith(proxy_path), f"the player's src is {state['src']!r}, not {proxy_path}")
    started = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const v = document.getElementById('player');
        v.muted = true;
        v.play().then(() => done('playing')).catch(e => done(String(e)));""")
    check(started == "playing", f"play() was refused: {started}")
    state = wait("currentTime > 1 s and readyState >= 2", lambda: (lambda s: s if s["error"] or
                 (s["currentTime"] > 1 and s["readyState"] >= 2) else None)(driver.execute_script(PLAYER)))
    check(not state["error"], f"the player failed: {state['error']}")
    log(f"playing: currentTime {state['currentTime']:.2f} s of {state['duration']:.2f} s, readyState {state['readyState']}")

    # 3. Seek to the middle; playback must go on from there.
    middle = state["duration"] / 2
    check(middle > state["currentTime"] + 0.5, f"the recording is too short to seek ahead ({state['duration']} s)")
    driver.execute_script("document.getElementById('player').currentTime = arguments[0];", middle)
    state = wait(f"playback to go on after seeking to {middle:.2f} s", lambda: (lambda s: s if s["error"] or (
        not s["seeking"] and not s["paused"] and s["currentTime"] > middle + 1) else None)(driver.execute_script(PLAYER)))
    check(not state["error"], f"the player failed after the seek: {state['error']}")
    log(f"seeked to {middle:.2f} s; playing on at {state['currentTime']:.2f} s, readyState {state['readyState']}")

    # 4. More Range requests within the same viewing, from the page with its session cookie.
    ranges = driver.execute_async_script("""
        const [url, done] = [arguments[0], arguments[arguments.length - 1]];
        const ranges = arguments[1];
        Promise.all(ranges.map(r => fetch(url, {headers: {Range: r}, credentials: 'same-origin'})
                .then(res => res.arrayBuffer().then(b => [r, res.status, b.byteLength, res.headers.get('Content-Range')]))))
            .then(done).catch(e => done(String(e)));""", proxy_path, list(FETCHED_RANGES))
    check(isinstance(ranges, list) and all(status == 206 for _, status, _, _ in ranges),
          f"Range requests from the page: {ranges}")
    log("fetch Range requests from the page: " + ", ".join(f"{r} → {s} {cr}" for r, s, _, cr in ranges))
    driver.execute_script("document.getElementById('player').pause();")
    return proxy_requests(driver, proxy_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--long", action="store_true", help="play a generated 2-minute recording (uploaded with tus)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--show", action="store_true", help="show the browser window (needs a display)")
    args = parser.parse_args()
    ensure_debian(["chromium", "chromium-driver"], log)
    ensure_pip({"selenium": "selenium"}, log)
    binary = os.path.abspath(args.binary or default_binary())
    check(os.access(binary, os.X_OK), f"no obsreview binary at {binary}: build it first (swift build)")

    work = tempfile.mkdtemp(prefix="obsreview-browser-")
    server = Server(binary, os.path.join(work, "data"), os.path.join(work, "server.log"))
    driver, ok = None, False
    try:
        server.start()
        log(f"obsreview serve --demo on {server.base}")
        lead, server.token = server.sign_in_with_token("lead", "test-browser")
        recording = wait_for_ready_recording(server)
        if args.long:
            recording = upload_long_recording(server, work)
        rid = recording["id"]
        log(f"recording {rid} ({recording['fileName']}) is ready")
        before = viewed_events(server, rid)

        driver = chromium(args.show, logging=("performance", "browser"))
        requests = run_browser_checks(driver, server, recording, lead)
        player = [r for r in requests if r[1] not in FETCHED_RANGES]
        log(f"the browser made {len(requests)} request(s) for the proxy ({len(player)} by the player): "
            + ", ".join(f"{m} {r or '(no Range)'} → {s}" for m, r, s in requests))
        check(len(requests) >= 2, "the browser made fewer than 2 requests for the proxy")
        if args.long:
            check(len(player) >= 2, "the player made only one request for the long recording: the seek made no Range request")

        time.sleep(0.5)
        after = viewed_events(server, rid)
        new = [e for e in after if e not in before]
        check(len(new) == 1, f"expected exactly one new recording.viewed event for {rid}, found {len(new)}: "
                             f"{json.dumps(new, indent=1)[:2000]}")
        check(new[0]["actorId"] == lead["id"], f"the recording.viewed event is not by the lead ({lead['id']}): {new[0]}")
        log(f"audit: exactly one recording.viewed event by lead for {len(requests)} request(s): {json.dumps(new[0])[:300]}")
        server.stop()
        log("OK")
        ok = True
    except Failure as failure:
        log(f"FAILED: {failure}")
    finally:
        end_browser_run(driver, server, work, ok, args.keep, log)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as failure:
        log(f"FAILED: {failure}")
        sys.exit(1)
