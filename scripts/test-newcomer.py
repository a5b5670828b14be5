#!/usr/bin/env python3
"""The service exactly as a newcomer runs it: what the README says, and nothing a test finds convenient.

1. `scripts/run`'s command, `obsreview serve --demo`, from the repository root with no flag but the port, so the
   data folder is the default, relative `./data`. The sample recordings become ready (the three bad ones
   rejected, with their codes); then a recording is uploaded on the /upload page in headless Chromium and plays
   in the browser, and another with tuspy, which becomes ready and streams. No server path appears in any answer.
2. `obsreview serve --demo` in an empty folder outside the repository: it finds the repository's samples (the
   binary's own checkout) and serves the demo.
3. The production example of docs/operations.md: PostgreSQL (OBSREVIEW_TEST_POSTGRES_URL, as scripts/test
   provides), a configuration file with mode production and a relative data directory, `worker: false` and a
   separate `obsreview worker`, the first administrator made with `obsreview account`; a tus upload becomes ready.

When ./data already exists in the repository (a developer's checkout), part 1 runs in a scratch folder holding a
`samples` link instead, so nothing of theirs is touched; CI's fresh clone runs it in the repository root itself.

    python3 scripts/test-newcomer.py [path/to/obsreview] [--keep]
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import PASSWORD, DemoServer, Failure, check, free_port, http, run_in, wait  # noqa: E402
from tools import chromium, default_binary, ensure_debian, ensure_pip  # noqa: E402

BAD_SAMPLES = {"audio-only.m4a": "no_video_stream", "corrupt-truncated.mp4": None, "not-a-video.mp4": "not_media"}


def log(message):
    print(f"test-newcomer: {message}", flush=True)


def api(base, token, method, path, body=None):
    status, _, data = http(method, base + path, body, {"Authorization": f"Bearer {token}"})
    check(200 <= status < 300, f"{method} {path} answered {status}: {data[:300]!r}")
    return json.loads(data) if data else None


def no_server_paths(text, folders):
    for folder in folders:
        check(folder not in text, f"a server path ({folder}) appears in an answer: …{text[max(0, text.find(folder) - 80):][:200]}…")


def make_video(path, seconds=6):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", path], check=True)


def recordings(base, token):
    return api(base, token, "GET", "/api/v1/recordings?pageSize=500")["items"]


def wait_ready(base, token, recording_id, what):
    def final():
        detail = api(base, token, "GET", f"/api/v1/recordings/{recording_id}")["recording"]
        return detail if detail["status"] in ("ready", "rejected") else None
    detail = wait(f"{what} to be indexed", final, timeout=180)
    check(detail["status"] == "ready", f"{what} was {detail['status']}: {detail.get('rejectionReason')}")
    status, headers, _ = http("GET", f"{base}/api/v1/recordings/{recording_id}/proxy", headers={
        "Authorization": f"Bearer {token}", "Range": "bytes=0-1023"})
    check(status == 206 and headers.get("Content-Type", "").startswith("video/"), f"{what}'s proxy answered {status}")
    return detail


def tus_upload(base, token, observation, path, name, public_base=None):
    """A tuspy upload; with `public_base` (production: Location names the public https address), the upload is created
    by hand and tuspy resumes it at this server's address."""
    from tusclient import client
    headers = {"Authorization": f"Bearer {token}"}
    tus = client.TusClient(base + "/uploads/", headers=headers)
    metadata = {"observation": observation, "filename": name}
    if public_base:
        meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())
        status, answer, _ = http("POST", base + "/uploads/", headers={**headers, "Tus-Resumable": "1.0.0",
                                 "Upload-Length": str(os.path.getsize(path)), "Upload-Metadata": meta})
        check(status == 201 and answer["Location"].startswith(public_base), f"creation answered {status} {answer.get('Location')}")
        uploader = tus.uploader(path, url=base + answer["Location"][len(public_base):], chunk_size=4 << 20)
    else:
        uploader = tus.uploader(path, chunk_size=4 << 20, metadata=metadata, upload_checksum=True)
    uploader.upload()
    recording = uploader.request.response_headers.get("upload-recording-id")
    check(recording, "the final PATCH carried no Upload-Recording-Id")
    return recording


def browser_upload(base, observation, video):
    """The assessor signs in on the sign-in page, uploads on /upload, follows the recording to ready and plays it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    driver = chromium()
    try:
        by = lambda css: driver.find_element(By.CSS_SELECTOR, css)  # noqa: E731
        driver.get(base + "/signin")
        by("#username").send_keys("assessor")
        by("#password").send_keys(PASSWORD + Keys.ENTER)
        wait("the assessor's home page", lambda: driver.current_url.rstrip("/") == base)
        driver.get(f"{base}/upload?observation={observation}")
        by("#file").send_keys(video)
        by("#start").click()
        wait("the upload to finish and the recording to be ready", lambda: (
            driver.find_elements(By.CSS_SELECTOR, "#recording-link")
            or ("rejected" in by("#upload-status").text and Failure(by("#upload-status").text))
            or (by("#upload-error").text and Failure(by("#upload-error").text))), timeout=240, interval=0.5)
        check(not by("#upload-error").text, f"the upload page shows an error: {by('#upload-error').text}")
        by("#recording-link").click()
        wait("the recording page", lambda: driver.find_elements(By.CSS_SELECTOR, "#player"))
        driver.execute_script("const v = document.getElementById('player'); v.muted = true; v.play();")
        state = wait("the uploaded recording to play past 1 s", lambda: (lambda s: s if s and s["t"] > 1.0 and not s["error"] else None)(
            driver.execute_script("const v = document.getElementById('player'); return v ? {t: v.currentTime, error: v.error && v.error.code} : null")),
            timeout=60)
        log(f"browser upload plays: currentTime {state['t']:.2f} s at {driver.current_url[len(base):]}")
        return driver.current_url.rsplit("/", 1)[-1]
    finally:
        driver.quit()


def demo_from_repository_root(binary, work):
    """Part 1: `serve --demo` with the default ./data, as scripts/run starts it."""
    in_root = not os.path.exists(os.path.join(ROOT, "data"))
    cwd = ROOT if in_root else os.path.join(work, "checkout")
    if not in_root:
        os.makedirs(cwd)
        os.symlink(os.path.join(ROOT, "samples"), os.path.join(cwd, "samples"))
        log("./data exists in this checkout: the newcomer run uses a scratch folder with a samples link instead")
    data = os.path.join(cwd, "data")
    server = DemoServer(binary, None, os.path.join(work, "newcomer.log"), cwd=cwd)
    try:
        server.start()
        _, token = server.sign_in_with_token("assessor")
        # The sample recordings: every good one ready, the bad ones rejected with their code.
        def settled():
            items = recordings(server.base, token)
            return items if items and all(r["status"] in ("ready", "rejected") for r in items) else None
        items = wait("the sample recordings to be indexed", settled, timeout=300, interval=1)
        for item in items:
            if item["fileName"] in BAD_SAMPLES:
                check(item["status"] == "rejected", f"the bad sample {item['fileName']} is {item['status']}")
            else:
                check(item["status"] == "ready", f"sample {item['fileName']} is {item['status']}: {item.get('rejectionReason')}")
            status, _, body = http("GET", f"{server.base}/api/v1/recordings/{item['id']}" + ("/index" if item["status"] == "ready" else ""),
                                   headers={"Authorization": f"Bearer {token}"})
            no_server_paths(body.decode(errors="replace"), [cwd, data, "/blobs/"])
        # Files private to the service's account: 0600, folders 0700.
        for folder, names, files in os.walk(data):
            check(os.stat(folder).st_mode & 0o077 == 0, f"{os.path.relpath(folder, cwd)} is open to others: {oct(os.stat(folder).st_mode)}")
            for name in files:
                mode = os.stat(os.path.join(folder, name)).st_mode
                check(mode & 0o077 == 0, f"{os.path.relpath(os.path.join(folder, name), cwd)} is open to others: {oct(mode)}")
        log(f"{len(items)} sample recordings indexed from the default ./data: "
            f"{sum(r['status'] == 'ready' for r in items)} ready, {sum(r['status'] == 'rejected' for r in items)} rejected")
        observations = api(server.base, token, "GET", "/api/v1/observations?pageSize=500")["items"]
        check(len(observations) >= 2, "the demo has no observations")

        video = os.path.join(work, "browser-upload.mp4")
        make_video(video)
        browser_recording = browser_upload(server.base, observations[0]["id"], video)
        wait_ready(server.base, token, browser_recording, "the browser upload")

        video2 = os.path.join(work, "tus-upload.mp4")
        make_video(video2, seconds=4)
        tus_recording = tus_upload(server.base, token, observations[1]["id"], video2, "tus-upload.mp4")
        detail = wait_ready(server.base, token, tus_recording, "the tuspy upload")
        with open(video2, "rb") as f:
            check(detail["sha256"] == hashlib.sha256(f.read()).hexdigest(), "the recording's SHA-256 is not the file's")
        log("tuspy upload on the default configuration: ready, streams, SHA-256 matches")
        server.stop()
    finally:
        server.kill()
        if in_root and os.environ.get("CI") == "true":
            shutil.rmtree(data, ignore_errors=True)


def erased_by_another_process(binary, folder, server, token):
    """The lead's list page is kept while nothing is committed (decision 44): `obsreview erase`, another process on the
    same default ./data while the server runs, commits, and the very next list no longer names the candidate."""
    listed = lambda: api(server.base, token, "GET", "/api/v1/cases?pageSize=500")["items"]
    named = [c for c in listed() if c.get("candidateName")]
    check(named and listed() == listed(), "the lead's list changed with nothing committed, or names nobody")
    for case in named:
        candidate = api(server.base, token, "GET", f"/api/v1/observations/{case['observationId']}")["candidateId"]
        erase = subprocess.run([binary, "erase", "--candidate", candidate, "--reason", "newcomer check"], cwd=folder,
                               capture_output=True, text=True, timeout=120)
        if erase.returncode == 4:
            continue  # under a legal hold in the demo data: the next one
        check(erase.returncode == 0, f"obsreview erase failed: {erase.stderr.strip()}")
        again = [c for c in listed() if c["observationId"] == case["observationId"]]
        check(again and not again[0].get("candidateName"), "the list still named a candidate erased by `obsreview erase`")
        log(f"`obsreview erase` in another process: the next list no longer names {case['candidateName']!r}")
        return
    raise Failure("every named candidate of the demo is under a hold: nothing to erase")


def demo_in_empty_folder(binary, work):
    """Part 2: `serve --demo` somewhere that has no samples folder."""
    empty = os.path.join(work, "elsewhere")
    os.makedirs(empty)
    server = DemoServer(binary, None, os.path.join(work, "elsewhere.log"), cwd=empty)
    try:
        server.start()
        _, token = server.sign_in_with_token("lead")
        cases = api(server.base, token, "GET", "/api/v1/cases?pageSize=500")["items"]
        check(cases, "serve --demo in an empty folder loaded no sample ratings")
        wait("a sample recording to become ready", lambda: any(r["status"] == "ready" for r in recordings(server.base, token)), timeout=300)
        check(os.path.exists(os.path.join(empty, "data", "obsreview.sqlite")), "the default ./data was not made in the folder started from")
        log(f"serve --demo in an empty folder found the samples: {len(cases)} cases, recordings indexed")
        erased_by_another_process(binary, empty, server, token)
        server.stop()
    finally:
        server.kill()


def production_example(binary, work):
    """Part 3: docs/operations.md's production example on PostgreSQL, a separate worker and a relative data folder."""
    url = os.environ.get("OBSREVIEW_TEST_POSTGRES_URL")
    if not url:
        check(os.environ.get("CI") != "true", "CI must run the production example: OBSREVIEW_TEST_POSTGRES_URL is not set")
        log("OBSREVIEW_TEST_POSTGRES_URL is not set: the production example is skipped (scripts/test sets it)")
        return
    database = f"newcomer_{os.getpid()}"
    subprocess.run(["psql", url, "-q", "-c", f"CREATE DATABASE {database}"], check=True, stdout=subprocess.DEVNULL)
    database_url = url.rsplit("/", 1)[0] + "/" + database
    site = os.path.join(work, "site")
    os.makedirs(site)
    port = free_port()
    public = "https://review.example.org"
    with open(os.path.join(site, "obsreview.json"), "w") as f:
        json.dump({"mode": "production", "database_url": database_url, "data_directory": "./srv-data", "public_base_url": public,
                   "hostname": "127.0.0.1", "port": port, "worker": False}, f)
    env = dict(os.environ)
    env.pop("OBSREVIEW_DATABASE_URL", None)
    run = lambda *a, **k: subprocess.run([binary, *a], cwd=site, env=env, **k)  # noqa: E731
    passphrase = "correct horse battery staple 2026"
    run("account", "--username", "admin", "--name", "Ada Admin", "--role", "administrator", "--organisation", "National Accreditation Body",
        "--create-organisation", "accrediting_body", "--database", database_url, input=passphrase + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
    run("account", "--username", "assessor1", "--name", "Asha Assessor", "--role", "assessor", "--organisation", "National Accreditation Body",
        "--database", database_url, input=passphrase + "\n", text=True, check=True, stdout=subprocess.DEVNULL)
    run("import", os.path.join(ROOT, "samples", "ratings.csv"), "--database", database_url, check=True, stdout=subprocess.DEVNULL)
    serve = subprocess.Popen([binary, "serve", "--config", "obsreview.json"], cwd=site, env=env,
                             stdout=open(os.path.join(work, "production.log"), "a"), stderr=subprocess.STDOUT)
    worker = subprocess.Popen([binary, "worker", "--database", database_url, "--data", "./srv-data"], cwd=site, env=env,
                              stdout=open(os.path.join(work, "worker.log"), "a"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        def ready():
            check(serve.poll() is None, f"the production server exited with {serve.returncode}")
            try:
                return http("GET", base + "/readyz")[0] == 200
            except OSError:
                return False
        wait("the production server", ready, timeout=60)
        status, headers, body = http("POST", base + "/api/v1/session", {"username": "assessor1", "password": passphrase})
        check(status == 200, f"sign-in answered {status}: {body[:200]!r}")
        session = json.loads(body)
        cookie = [c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("obsreview_session=")][0]
        status, _, body = http("POST", base + "/api/v1/tokens", {"name": "newcomer"}, {"Cookie": cookie, "X-CSRF-Token": session["csrfToken"]})
        check(status == 201, f"token answered {status}")
        token = json.loads(body)["secret"]
        observation = api(base, token, "GET", "/api/v1/observations?pageSize=1")["items"][0]["id"]
        video = os.path.join(work, "production.mp4")
        make_video(video, seconds=3)
        recording = tus_upload(base, token, observation, video, "production.mp4", public_base=public)
        wait_ready(base, token, recording, "the upload on the production example")
        check(os.path.isdir(os.path.join(site, "srv-data", "blobs")), "the relative data directory was not used")
        log("production example (PostgreSQL, relative data directory, separate worker): the upload is ready and streams")
    finally:
        for process in (serve, worker):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["psql", url, "-q", "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    ensure_debian(["chromium", "chromium-driver", "ffmpeg", "postgresql-client-15"], log)
    ensure_pip({"selenium": "selenium", "tusclient": "tuspy"}, log)
    binary = os.path.abspath(args.binary or default_binary())
    work = tempfile.mkdtemp(prefix="obsreview-newcomer-")
    def body():
        demo_from_repository_root(binary, work)
        demo_in_empty_folder(binary, work)
        production_example(binary, work)
    return run_in(work, body, log, ("newcomer.log", "elsewhere.log", "production.log", "worker.log"), keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
