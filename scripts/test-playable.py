#!/usr/bin/env python3
"""A recording that needs a transcoded proxy plays in a real browser BEFORE it is ready (issue 21 item 6, decision 32).

Starts `obsreview serve --demo` on a free port with a temporary data directory, uploads (tus, as the lead) a generated
recording that needs a transcode (MPEG-4 Part 2, 1280x720, 5 minutes: its proxy takes a while to make), then in
headless Chromium signs in as the lead and opens /recordings/<id>. While the recording is still `indexing`:
  1. the page's preview player (`[data-preview]`, Media Source Extensions over the fragmented-MP4 segments) appears,
     and its status says in words that it is playable while it is being prepared;
  2. played muted, its currentTime passes 2 s, and the API still says the recording is not ready;
  3. the audit trail has exactly ONE `recording.viewed` event (variant `preview`) by the lead for all its segments.
With --until-ready it then waits for `ready` and checks the same player went on (on the finished proxy) without a
new viewing. Prints the time from the upload's completion to the first playable segment. Exits non-zero on failure,
with a screenshot.

    python3 scripts/test-playable.py [path/to/obsreview] [--until-ready] [--keep] [--show]
"""
import argparse, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import PASSWORD, DemoServer, Failure, check, end_browser_run, wait  # noqa: E402
from tools import chromium, default_binary, ensure_debian, ensure_pip  # noqa: E402

PLAYER = """
const v = document.getElementById('player'), s = document.getElementById('preview-status');
return v ? {currentTime: v.currentTime, readyState: v.readyState, paused: v.paused, hidden: v.hidden, src: v.currentSrc || v.src,
            status: s ? s.textContent : null, error: v.error ? (v.error.code + ' ' + v.error.message) : null} : null;
"""


def log(message):
    print(f"test-playable: {message}", flush=True)


def make_recording(path, seconds):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds), "-c:v", "mpeg4", "-q:v", "6", "-g", "50",
                    "-c:a", "aac", "-b:a", "96k", path], check=True)


def viewings(server, rid):
    answer = server.get(f"/api/v1/audit?subjectType=recording&subjectId={rid}&pageSize=500")
    return [e for e in answer["items"] if e["action"] == "recording.viewed"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--seconds", type=int, default=300, help="length of the generated recording")
    parser.add_argument("--until-ready", action="store_true", help="also wait for ready and check the player goes on")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    ensure_debian(["chromium", "chromium-driver"], log)
    ensure_pip({"selenium": "selenium"}, log)
    binary = os.path.abspath(args.binary or default_binary())
    check(os.access(binary, os.X_OK), f"no obsreview binary at {binary}: build it first (swift build)")
    work = tempfile.mkdtemp(prefix="obsreview-playable-")
    server = DemoServer(binary, os.path.join(work, "data"), os.path.join(work, "server.log"))
    driver, ok = None, False
    try:
        video = os.path.join(work, "classroom-mpeg4.mp4")
        make_recording(video, args.seconds)
        server.start()
        lead, server.token = server.sign_in_with_token("lead", "test-playable")
        observation = server.get("/api/v1/observations?pageSize=1")["items"][0]["id"]
        rid = server.tus_upload(video, observation)
        uploaded = time.time()
        log(f"uploaded {os.path.getsize(video) / 1e6:.1f} MB ({args.seconds} s, MPEG-4 Part 2 720p): recording {rid}")

        driver = chromium(args.show)
        driver.get(server.base + "/signin")
        wait("the sign-in form", lambda: driver.find_elements("name", "username"))[0].send_keys("lead")
        driver.find_element("name", "password").send_keys(PASSWORD)
        driver.find_element("css selector", "[type=submit]").click()
        wait("the browser to leave /signin", lambda: not driver.current_url.split("?")[0].endswith("/signin"))

        # The page is opened while the recording is indexed (reloaded until the worker has started on it).
        def preview_page():
            driver.get(server.base + f"/recordings/{rid}")
            return driver.find_elements("css selector", "[data-preview]")
        wait("the recording page to offer the preview player", preview_page, timeout=120, interval=1)
        state = wait("the preview to become playable", lambda: (lambda s: s if s and (s["error"] or not s["hidden"]) else None)(
            driver.execute_script(PLAYER)), timeout=120)
        playable = time.time() - uploaded
        check(not state["error"], f"the preview player failed: {state['error']}")
        check(state["src"].startswith("blob:"), f"the preview player's source is {state['src']!r}, not Media Source Extensions")
        check("Playable while it is being prepared" in (state["status"] or ""), f"the page says {state['status']!r}")
        log(f"playable {playable:.1f} s after the upload completed; the page says {state['status']!r}")

        started = driver.execute_async_script("""
            const done = arguments[arguments.length - 1], v = document.getElementById('player');
            v.muted = true; v.play().then(() => done('playing')).catch(e => done(String(e)));""")
        check(started == "playing", f"play() was refused: {started}")
        state = wait("currentTime > 2 s", lambda: (lambda s: s if s["error"] or s["currentTime"] > 2 else None)(
            driver.execute_script(PLAYER)), timeout=60)
        check(not state["error"], f"the preview player failed: {state['error']}")
        status = server.get(f"/api/v1/recordings/{rid}")
        check(status["recording"]["status"] != "ready",
              "the recording became ready before the preview played: use a longer recording (--seconds)")
        check(status["playable"] is True, f"the API does not say the recording is playable: {status}")
        log(f"played to {state['currentTime']:.2f} s while the recording is {status['recording']['status']} "
            f"({round((status.get('job') or {}).get('progress', 0) * 100)}% indexed)")
        events = viewings(server, rid)
        check(len(events) == 1 and events[0]["actorId"] == lead["id"] and events[0]["details"].get("variant") == "preview",
              f"expected one recording.viewed event (preview) by the lead: {json.dumps(events)[:1000]}")
        log("audit: exactly one recording.viewed event (preview) by the lead")

        if args.until_ready:
            wait("the recording to be ready", lambda: server.get(f"/api/v1/recordings/{rid}")["recording"]["status"] == "ready",
                 timeout=1800, interval=2)
            at = driver.execute_script(PLAYER)["currentTime"]
            state = wait("the player to go on on the finished proxy", lambda: (lambda s: s if s["error"] or (
                s["src"].endswith(f"/api/v1/recordings/{rid}/proxy") and s["currentTime"] > at + 1) else None)(
                driver.execute_script(PLAYER)), timeout=60)
            check(not state["error"], f"the player failed on the proxy: {state['error']}")
            check(len(viewings(server, rid)) == 1, "the switch to the finished proxy counted as another viewing")
            log(f"ready: the same player went on on the proxy at {state['currentTime']:.2f} s; still one viewing")
        server.stop()
        log("OK")
        ok = True
    except Failure as failure:
        log(f"FAILED: {failure}")
    finally:
        end_browser_run(driver, server, work, ok, args.keep, log)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
