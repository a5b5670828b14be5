"""`obsreview serve --demo` for the end-to-end scripts: start on a free port with a throwaway data folder, wait until
it answers, sign in as a demo account and make an API token, stop gracefully (SIGTERM) and check it exited cleanly.

Used by scripts/test-browser.py and scripts/moderation-walkthrough.py (Python standard library only).
"""
import base64, json, os, shutil, signal, socket, subprocess, sys, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "practice-review-demo"


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait(description, predicate, timeout=30, interval=0.1):
    """The predicate's first true value, polled in real time; a Failure naming `description` after `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise Failure(f"timed out after {timeout} s waiting for {description}")


def run_in(work, body, log, logs, keep=False):
    """Runs `body()`; on a Failure, logs it and the last lines of each of `logs` (names in `work`). Keeps `work` when
    asked or on failure, else removes it. Returns the exit status: 0 when `body` passed."""
    ok = False
    try:
        body()
        ok = True
    except Failure as failure:
        log(f"FAILED: {failure}")
        for name in logs:
            path = os.path.join(work, name)
            if os.path.exists(path):
                log(f"--- {name} (last lines)")
                sys.stderr.write("".join(open(path, errors="replace").readlines()[-25:]))
    finally:
        if keep or not ok:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None):
    """(status, headers, bytes) without raising on 4xx/5xx."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def end_browser_run(driver, server, work, ok, keep, log):
    """After a browser test: a screenshot when it failed, the browser closed, the server ended (its log's tail printed
    when it failed), and the work folder removed unless kept or failed."""
    if driver:
        if not ok:
            shot = os.path.join(work, "failure.png")
            try:
                driver.save_screenshot(shot)
                log(f"screenshot of {driver.current_url}: {shot}")
            except Exception as error:  # the browser itself may be what failed
                log(f"no screenshot: {error}")
        driver.quit()
    server.kill()
    if not ok:
        try:
            sys.stderr.write(open(server.log_path, errors="replace").read()[-4000:])
        except OSError:
            pass
    if keep or not ok:
        log(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


class DemoServer:
    def __init__(self, binary, data, log_path, extra_args=(), cwd=ROOT, demo=True):
        """`data` None: no --data, so the server uses its default ./data in `cwd` (as a newcomer runs it). `demo` False:
        a plain `serve` on data that exists (a restored backup, say)."""
        self.binary, self.data, self.log_path, self.extra_args = binary, data, log_path, list(extra_args)
        self.demo = demo
        self.cwd = cwd
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.token = None

    def start(self, timeout=60):
        self.process = subprocess.Popen(
            [self.binary, "serve"] + (["--demo"] if self.demo else []) + ["--hostname", "127.0.0.1", "--port", str(self.port)]
            + (["--data", self.data] if self.data else []) + self.extra_args,
            stdout=open(self.log_path, "a"), stderr=subprocess.STDOUT, cwd=self.cwd)  # --demo reads ./samples
        deadline = time.time() + timeout
        while time.time() < deadline:
            check(self.process.poll() is None, f"the server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise Failure(f"the server did not answer /healthz within {timeout} s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise Failure("the server did not stop within 15 s of SIGTERM")
            check(self.process.returncode == 0, f"the server exited with {self.process.returncode} after SIGTERM:\n" + self.crash_report())

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def crash_report(self, lines=25):
        """The lines of the log from the first sign of a crash (a Swift runtime error or backtrace header) on."""
        with open(self.log_path, errors="replace") as f:
            log = f.readlines()
        for i, line in enumerate(log):
            if "Fatal error" in line or "Crash" in line or "precondition" in line.lower() or "Thread " in line and "crashed" in line:
                return "".join(log[max(0, i - 3):i + lines])
        return "".join(log[-lines:])

    def log_tail(self, lines=30):
        with open(self.log_path) as f:
            return "".join(f.readlines()[-lines:])

    def sign_in_with_token(self, username, token_name="script"):
        """Signs in through the API and makes an API token; returns (user, secret)."""
        status, headers, body = http("POST", self.base + "/api/v1/session", {"username": username, "password": PASSWORD})
        check(status == 200, f"POST /api/v1/session as {username} answered {status}: {body[:300]!r}")
        session = json.loads(body)
        cookies = [c.split(";")[0] for c in headers.get_all("Set-Cookie") or [] if c.startswith("obsreview_session=")]
        check(cookies, f"sign-in set no obsreview_session cookie: {headers.get_all('Set-Cookie')}")
        status, _, body = http("POST", self.base + "/api/v1/tokens", {"name": token_name},
                               {"Cookie": cookies[0], "X-CSRF-Token": session["csrfToken"]})
        check(status == 201, f"POST /api/v1/tokens answered {status}: {body[:300]!r}")
        return session["user"], json.loads(body)["secret"]

    def tus_upload(self, path, observation):
        """Uploads the file at `path` for `observation` with tus (one PATCH) as the token's user; returns the recording id."""
        size = os.path.getsize(path)
        metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in
                            (("observation", observation), ("filename", os.path.basename(path))))
        tus = {"Authorization": f"Bearer {self.token}", "Tus-Resumable": "1.0.0"}
        status, headers, body = http("POST", self.base + "/uploads/", headers=dict(tus, **{"Upload-Length": str(size), "Upload-Metadata": metadata}))
        check(status == 201, f"tus creation answered {status}: {body[:300]!r}")
        location = headers["Location"]
        with open(path, "rb") as f:
            request = urllib.request.Request(self.base + location if location.startswith("/") else location, data=f.read(), method="PATCH",
                                             headers=dict(tus, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}))
        with urllib.request.urlopen(request, timeout=300) as r:
            recording = r.headers.get("Upload-Recording-Id")
        check(recording, "the final PATCH carried no Upload-Recording-Id")
        return recording

    def get(self, path):
        status, _, body = http("GET", self.base + path, headers={"Authorization": f"Bearer {self.token}"})
        check(status == 200, f"GET {path} answered {status}: {body[:300]!r}")
        return json.loads(body)
