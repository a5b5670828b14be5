#!/usr/bin/env python3
"""The service behind real nginx, with the site file we ship (deploy/nginx/obsreview.conf).

nginx runs that very file — only its ports, certificate and upstream substituted — terminating TLS with a certificate
made here, in front of `obsreview serve --demo` configured as production would be (https public address, nginx as a
trusted proxy). Through nginx:
- http redirects to https; answers carry HSTS, nosniff and no-store; the session cookie is Secure;
- a tuspy upload of a real video in 1 MiB chunks survives a SIGKILL of the server mid-upload and resumes through
  nginx (request buffering off: what reached the server is kept), becomes a ready recording with the file's SHA-256,
  and its proxy answers a Range request with 206;
- the sign-in is counted against the client's address from X-Forwarded-For, not nginx's;
- a page walk in headless Chromium: sign in, home, recordings, the new recording's page with its video playing,
  cases, statistics.

    python3 scripts/test-nginx.py [path/to/obsreview]
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import PASSWORD, DemoServer, Failure, check, free_port, wait  # noqa: E402
from tools import chromium, default_binary, ensure_debian, ensure_pip  # noqa: E402


def log(message):
    print(f"test-nginx: {message}", flush=True)


def site(ports, certificate, key, upstream):
    """deploy/nginx/obsreview.conf with this machine's ports, certificate and upstream; every substitution must match."""
    with open(os.path.join(ROOT, "deploy", "nginx", "obsreview.conf")) as f:
        text = f.read()
    for pattern, replacement, expected in [
        (r"server 127\.0\.0\.1:8080;", f"server 127.0.0.1:{upstream};", 2),
        (r"listen 80;", f"listen 127.0.0.1:{ports['http']};", 1),
        (r"\n\s*listen \[::\]:80;", "", 1),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{ports['https']} ssl http2;", 1),
        (r"\n\s*listen \[::\]:443 ssl http2;", "", 1),
        (r"ssl_certificate /etc/ssl/certs/review\.example\.org\.pem;", f"ssl_certificate {certificate};", 1),
        (r"ssl_certificate_key /etc/ssl/private/review\.example\.org\.key;", f"ssl_certificate_key {key};", 1),
    ]:
        text, count = re.subn(pattern, replacement, text)
        check(count == expected, f"deploy/nginx/obsreview.conf no longer has {pattern!r} {expected} time(s) (the test substitutes it)")
    return text


def start_nginx(work, upstream):
    ports = {"http": free_port(), "https": free_port()}
    certificate, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate],
                   check=True, capture_output=True)
    temp = {name: os.path.join(work, "nginx", name) for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        os.makedirs(path, exist_ok=True)
    config = os.path.join(work, "nginx.conf")
    with open(config, "w") as f:
        f.write(("user root;\n" if os.geteuid() == 0 else "") + f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {work}/nginx-access.log;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
{site(ports, certificate, key, upstream)}
}}
""")
    tested = subprocess.run(["nginx", "-t", "-p", work, "-c", config], capture_output=True, text=True)
    check(tested.returncode == 0, f"nginx -t refused the site: {tested.stderr}")
    process = subprocess.Popen(["nginx", "-p", work, "-c", config], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "nginx.out"), "a"))
    return process, ports, certificate


class Client:
    """HTTPS through nginx, trusting only the certificate made for this run."""

    def __init__(self, port, certificate, source="127.0.0.1"):
        self.port, self.context, self.source = port, ssl.create_default_context(cafile=certificate), source

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=60,
                                                 source_address=(self.source, 0))
        try:
            data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
            headers = dict(headers or {})
            if isinstance(body, (dict, list)):
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


def upload_through_nginx(server, client, base, certificate, work, token):
    """A real video through tuspy, the server SIGKILLed mid-upload, resumed through nginx; returns the recording id."""
    from tusclient import client as tus
    from tusclient.storage import filestorage
    source = os.path.join(work, "visit.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                    "sine=f=440:sample_rate=48000", "-t", "4", "-vf", "noise=alls=30:allf=t+u:all_seed=19", "-c:v", "libx264",
                    "-preset", "ultrafast", "-crf", "14", "-g", "50", "-c:a", "aac", "-threads", "1", source], check=True)
    size = os.path.getsize(source)
    with open(source, "rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    status, _, body = client.request("GET", "/api/v1/observations?pageSize=50", headers={"Authorization": f"Bearer {token}"})
    check(status == 200, f"observations answered {status}")
    observation = json.loads(body)["items"][0]["id"]
    storage = filestorage.FileStorage(os.path.join(work, "tus-urls.json"))
    os.environ["REQUESTS_CA_BUNDLE"] = certificate  # tuspy's requests trusts this run's certificate, nothing else

    def uploader():
        return tus.TusClient(f"{base}/uploads/", headers={"Authorization": f"Bearer {token}"}).uploader(
            source, chunk_size=1 << 20, metadata={"observation": observation, "filename": "visit.mp4", "sha256": sha256},
            store_url=True, url_storage=storage, upload_checksum=True)

    first = uploader()
    failure = []

    def run():
        try:
            first.upload()
        except Exception as error:  # the connection breaks when the server dies
            failure.append(error)
    thread = threading.Thread(target=run)
    thread.start()
    uploads = os.path.join(server.data, "uploads")

    def on_disk():
        return sum(os.path.getsize(os.path.join(uploads, n)) for n in os.listdir(uploads) if n.endswith(".part")) if os.path.isdir(uploads) else 0
    wait("half the file on the server's disk", lambda: on_disk() >= size // 2 or not thread.is_alive(), timeout=120, interval=0.005)
    check(thread.is_alive(), f"the upload ended before the kill: {failure or 'completed'}")
    server.process.kill()
    server.process.wait()
    thread.join(timeout=60)
    check(not thread.is_alive(), "tuspy did not notice the server dying")
    server.start()
    resumed = uploader()
    check(resumed.url == first.url and resumed.offset > 0, f"resumed {resumed.url} at {resumed.offset}, expected {first.url} past 0")
    log(f"server killed mid-upload; resuming through nginx from byte {resumed.offset} of {size}")
    resumed.upload()
    recording = resumed.request.response_headers.get("upload-recording-id")
    check(resumed.offset == size and recording, f"the upload ended at {resumed.offset} of {size} without a recording")

    def ready():
        status, _, body = client.request("GET", f"/api/v1/recordings/{recording}", headers={"Authorization": f"Bearer {token}"})
        state = json.loads(body)["recording"]["status"] if status == 200 else None
        check(state != "rejected", f"the recording was rejected: {body[:300]!r}")
        return state == "ready" and json.loads(body)["recording"]
    stored = wait("the recording to be indexed", ready, timeout=180, interval=0.5)
    check(stored["sha256"] == sha256, f"stored sha256 {stored['sha256']} != {sha256}")
    status, headers, body = client.request("GET", f"/api/v1/recordings/{recording}/proxy",
                                           headers={"Authorization": f"Bearer {token}", "Range": "bytes=100-1123"})
    check(status == 206 and len(body) == 1024 and headers["Content-Range"].startswith("bytes 100-1123/"),
          f"a Range request through nginx answered {status} with {len(body)} bytes ({headers.get('Content-Range')})")
    log(f"recording {recording} ready with the file's SHA-256; its proxy answers Range requests with 206 through nginx")
    return recording


def page_walk(base, recording):
    driver = chromium(extra_arguments=["--ignore-certificate-errors"])
    try:
        driver.get(base + "/signin")
        driver.find_element("css selector", "#username").send_keys("lead")
        driver.find_element("css selector", "#password").send_keys(PASSWORD + "\n")
        wait("the lead's home page", lambda: driver.current_url.rstrip("/") == base and driver.find_elements("css selector", "h1"))
        for path in ["/", "/recordings", f"/recordings/{recording}", "/cases", "/statistics"]:
            driver.get(base + path)
            wait(f"{path} to load", lambda: driver.execute_script("return document.readyState") == "complete")
            heading = driver.find_element("css selector", "h1").text
            check(heading and "error" not in heading.lower() and "not found" not in heading.lower(), f"{path} shows {heading!r}")
            if path.startswith("/recordings/"):
                driver.execute_script("const v = document.querySelector('video'); v.muted = true; v.play();")
                wait("the video to play through nginx", lambda: driver.execute_script(
                    "const v = document.querySelector('video'); return v && v.currentTime > 0.5 && !v.error"), timeout=30)
        log("page walk through nginx as the lead: home, recordings, the recording (plays), cases, statistics")
    finally:
        driver.quit()


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default_binary())
    ensure_debian(["nginx", "openssl", "ffmpeg", "chromium", "chromium-driver"], log)
    ensure_pip({"tusclient": "tuspy", "selenium": "selenium"}, log)
    work = tempfile.mkdtemp(prefix="obsreview-nginx-")
    nginx = None
    os.environ["OBSREVIEW_TRUSTED_PROXIES"] = "127.0.0.1"
    server = DemoServer(binary, os.path.join(work, "data"), os.path.join(work, "server.log"))
    ok = False
    try:
        nginx, ports, certificate = start_nginx(work, server.port)
        ports_https = ports["https"]
        server.extra_args = ["--public-base-url", f"https://127.0.0.1:{ports_https}"]
        server.start(timeout=180)
        base = f"https://127.0.0.1:{ports_https}"
        client = Client(ports_https, certificate)
        wait("nginx", lambda: _answers(client), timeout=30)

        plain = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=10)
        plain.request("GET", "/statistics")
        redirect = plain.getresponse()
        check(redirect.status == 301 and redirect.headers["Location"].startswith("https://"), f"http answered {redirect.status}")
        status, headers, body = client.request("POST", "/api/v1/session", {"username": "lead", "password": PASSWORD},
                                               {"X-Forwarded-For": "203.0.113.9"})
        check(status == 200, f"sign-in through nginx answered {status}: {body[:200]!r}")
        cookie = [c for c in headers.get_all("Set-Cookie") if c.startswith("obsreview_session=")][0]
        check("Secure" in cookie and "HttpOnly" in cookie, f"the session cookie is not Secure and HttpOnly: {cookie}")
        check(headers.get("Strict-Transport-Security") and headers.get("X-Content-Type-Options") == "nosniff"
              and headers.get("Cache-Control") == "no-store", f"headers through nginx: {dict(headers)}")
        check("nginx/" not in headers.get("Server", ""), f"nginx announces its version: {headers.get('Server')} (server_tokens off)")
        log("http → https; HSTS, nosniff, no-store; the session cookie Secure and HttpOnly")

        # The client's address comes from X-Forwarded-For as nginx appends it: a client at 127.0.0.2 forging
        # "203.0.113.9" is recorded (and throttled) as 127.0.0.2 — not the forged address, not nginx's 127.0.0.1.
        session = json.loads(body)
        elsewhere = Client(ports_https, certificate, source="127.0.0.2")
        status, _, _ = elsewhere.request("POST", "/api/v1/session", {"username": "nginx-probe", "password": "wrong"},
                                         {"X-Forwarded-For": "203.0.113.9"})
        check(status == 401, f"a wrong password through nginx answered {status}")
        status, _, body = client.request("POST", "/api/v1/tokens", {"name": "nginx"},
                                         {"Cookie": cookie.split(";")[0], "X-CSRF-Token": session["csrfToken"]})
        check(status == 201, f"a token through nginx answered {status}")
        token = json.loads(body)["secret"]
        status, _, body = client.request("GET", "/api/v1/audit?subjectType=username&subjectId=nginx-probe",
                                         headers={"Authorization": f"Bearer {token}"})
        addresses = [e.get("details", {}).get("address") for e in json.loads(body).get("items", [])] if status == 200 else []
        check(addresses == ["127.0.0.2"], f"the failed sign-in was recorded from {addresses} (status {status}), expected 127.0.0.2")
        log("a failed sign-in through nginx is recorded from the client's address (127.0.0.2), not a forged or nginx's one")
        check(elsewhere.request("GET", "/metrics")[0] == 403, "/metrics is public through nginx")
        status, headers, _ = client.request("GET", "/metrics")
        check(status == 200 and len(headers.get_all("X-Content-Type-Options") or []) == 1
              and len(headers.get_all("Strict-Transport-Security") or []) == 1, f"/metrics from inside: {status}, headers {dict(headers)}")
        log("/metrics only from inside; HSTS and nosniff sent once")
        recording = upload_through_nginx(server, client, base, certificate, work, token)
        page_walk(base, recording)
        ok = True
        return 0
    except Failure as failure:
        log(f"FAILED: {failure}")
        return 1
    finally:
        server.stop()
        if nginx and nginx.poll() is None:
            nginx.terminate()
            nginx.wait(timeout=10)
        if not ok:
            for name in ("server.log", "nginx-error.log"):
                path = os.path.join(work, name)
                if os.path.exists(path):
                    sys.stderr.write(f"--- {name}\n" + "".join(open(path, errors="replace").readlines()[-20:]))
        shutil.rmtree(work, ignore_errors=True)


def _answers(client):
    try:
        return client.request("GET", "/healthz")[0] == 200
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
