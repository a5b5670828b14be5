#!/usr/bin/env python3
"""Resumable upload end to end with the official tus client (tuspy), across dozens of server crashes, on the
default configuration.

Starts `obsreview serve` as a newcomer does: in a fresh folder, with no --data (so the default, relative
`./data`), on a free port. Uploads a ~30 MB video (made with ffmpeg, seeded) in small chunks (sha1
Upload-Checksum on every PATCH, the whole file's sha256 in Upload-Metadata), kills the server with SIGKILL
--kills times at evenly spaced points, restarts it and resumes with tuspy from the URL it stored each time. Then:
exactly one recording, `ready`, with the file's SHA-256; the proxy plays (a Range request on it answers 206); no
partial or temporary file anywhere in the data folder. Uploading the same file again to the same observation makes
no second recording. Seeded random bytes are rejected by the worker with the code `not_media` (the code, not the
prose, is checked). Exits non-zero on any failure.

    python3 scripts/test-tus.py [path/to/obsreview] [--kills N] [--chunk BYTES] [--keep]

Needs `pip install tuspy` (the script installs it if missing).
"""
import argparse
import base64
import urllib.error
import urllib.parse
import urllib.request
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

try:
    from tusclient import client
    from tusclient.storage import filestorage
except ImportError:  # pragma: no cover - set-up convenience
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "tuspy"])
    from tusclient import client
    from tusclient.storage import filestorage

TOKEN = "test-assessor"


def log(message):
    print(f"test-tus: {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_binary():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    return os.path.join(path, "obsreview")


class Server:
    """`obsreview serve` started in `cwd` with no --data: the default ./data, as the README runs it."""

    def __init__(self, binary, port, cwd, log_path):
        self.binary, self.port, self.cwd, self.log_path = binary, port, cwd, log_path
        self.process = None

    def start(self):
        log_file = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--port", str(self.port), "--dev-token", f"{TOKEN}:assessor"],
            cwd=self.cwd, stdout=log_file, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not become healthy within 30 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise RuntimeError("server did not stop within 10 s of SIGTERM")
            if self.process.returncode != 0:
                raise RuntimeError(f"server exited with {self.process.returncode} after SIGTERM")


def bytes_on_disk(data):
    uploads = os.path.join(data, "uploads")
    if not os.path.isdir(uploads):
        return 0
    return sum(os.path.getsize(os.path.join(uploads, n)) for n in os.listdir(uploads) if n.endswith(".part"))


def sqlite(database, query):
    """One value from the server's SQLite database (read-only while the server runs: WAL allows it)."""
    out = subprocess.run(["sqlite3", database, query], check=True, capture_output=True, text=True).stdout.strip()
    return out or None


def stray_files(data):
    """Partial, temporary or unfinished files anywhere under the data folder."""
    found = []
    for folder, _, names in os.walk(data):
        for name in names:
            if name.endswith(".part") or ".partial" in name or ".nosync" in name or name == ".progress":
                found.append(os.path.relpath(os.path.join(folder, name), data))
    return found


def read_head(connection):
    """A response's status line and headers, read from a raw socket (nothing of the body)."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(1)
        if not chunk:
            raise RuntimeError(f"the connection closed after {head!r}")
        head += chunk
    return head.decode("latin-1")


def expect_continue(port, observation):
    """A PATCH that asks `Expect: 100-continue` (curl does for bodies over 1 MiB) is told `100 Continue` before it
    sends a byte of its body, then gets its final answer; without it curl waits a second per PATCH."""
    body = os.urandom(65536)
    metadata = ("observation " + base64.b64encode(observation.encode()).decode()
                + ",filename " + base64.b64encode(b"expect.mp4").decode())
    create = urllib.request.Request(
        f"http://127.0.0.1:{port}/uploads/", method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Tus-Resumable": "1.0.0", "Upload-Length": str(2 * len(body)),
                 "Upload-Metadata": metadata})
    with urllib.request.urlopen(create) as answer:
        path = urllib.parse.urlparse(answer.headers["Location"]).path
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall((f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
                            f"Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
        try:
            interim = read_head(connection)
        except socket.timeout:
            raise RuntimeError("no 100 Continue within 10 s of a PATCH that asked for it")
        if not interim.startswith("HTTP/1.1 100"):
            raise RuntimeError(f"a PATCH asking Expect: 100-continue was answered {interim.splitlines()[0]!r} before its body")
        connection.sendall(body)
        final = read_head(connection)
        if not final.startswith("HTTP/1.1 204") or f"upload-offset: {len(body)}" not in final.lower():
            raise RuntimeError(f"the PATCH after 100 Continue was answered {final!r}")
    terminate = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="DELETE",
                                       headers={"Authorization": f"Bearer {TOKEN}", "Tus-Resumable": "1.0.0"})
    with urllib.request.urlopen(terminate) as answer:
        if answer.status != 204:
            raise RuntimeError(f"terminating the upload answered {answer.status}")


def wait_for_final(database, recording, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        status = sqlite(database, f"SELECT status FROM recordings WHERE id = '{recording}'")
        if status in ("ready", "rejected"):
            return status
        time.sleep(0.25)
    raise RuntimeError(f"recording {recording} was not indexed within {seconds} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--kills", type=int, default=24, help="how many times the server is killed mid-upload")
    parser.add_argument("--chunk", type=int, default=256 * 1024)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary or default_binary())

    work = tempfile.mkdtemp(prefix="obsreview-tus-")
    data = os.path.join(work, "data")          # what `serve` makes of the default ./data in `work`
    source = os.path.join(work, "session.mp4")
    server = Server(binary, free_port(), work, os.path.join(work, "server.log"))
    ok = False
    try:
        # A real, seeded video of about 30 MB (noise keeps it large), so that it ends as a ready recording.
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                        "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000", "-t", "5",
                        "-vf", "noise=alls=30:allf=t+u:all_seed=20261206", "-c:v", "libx264", "-preset", "ultrafast",
                        "-crf", "12", "-g", "50", "-c:a", "aac", "-threads", "1", source], check=True)
        size = os.path.getsize(source)
        with open(source, "rb") as f:
            sha256 = hashlib.sha256(f.read()).hexdigest()
        log(f"{size} bytes, sha256 {sha256}, chunks of {args.chunk}, {args.kills} kills")

        # The upload names a real observation: import the sample ratings into the default database first.
        database = os.path.join(data, "obsreview.sqlite")
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        subprocess.run([binary, "import", os.path.join(root, "samples", "ratings.csv")], cwd=work, check=True, stdout=subprocess.DEVNULL)
        observation = sqlite(database, "SELECT id FROM observations WHERE ref = 'OBS-2026-0001'")

        server.start()
        # An upload for an observation that does not exist is refused at creation, before any bytes.
        probe = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/uploads/", method="POST",
            headers={"Authorization": f"Bearer {TOKEN}", "Tus-Resumable": "1.0.0", "Upload-Length": "10",
                     "Upload-Metadata": "observation " + base64.b64encode(str(uuid.uuid4()).encode()).decode()
                                        + ",filename " + base64.b64encode(b"x.mp4").decode()})
        try:
            urllib.request.urlopen(probe)
            raise RuntimeError("an upload for an unknown observation was accepted")
        except urllib.error.HTTPError as error:
            if error.code != 422:
                raise RuntimeError(f"unknown observation answered {error.code}, expected 422")
        log("an upload for an unknown observation is refused with 422 at creation")
        expect_continue(server.port, observation)
        log("a PATCH asking Expect: 100-continue is told 100 Continue before its body, then 204")
        storage = filestorage.FileStorage(os.path.join(work, "tus-urls.json"))

        def uploader(path, name, digest, resumable=True):
            tus = client.TusClient(f"http://127.0.0.1:{server.port}/uploads/", headers={"Authorization": f"Bearer {TOKEN}"})
            return tus.uploader(path, chunk_size=args.chunk, metadata={"observation": observation, "filename": name, "sha256": digest},
                                store_url=resumable, url_storage=storage if resumable else None, upload_checksum=True)

        # Upload in a thread; kill the server each time another 1/(kills+1) of the file is on disk.
        first_url = None
        for kill in range(1, args.kills + 1):
            current = uploader(source, "session.mp4", sha256)
            if first_url is None:
                first_url = current.url
            elif current.url != first_url:
                raise RuntimeError(f"resumed with {current.url}, not the stored {first_url}")
            failure = []

            def run():
                try:
                    current.upload()
                except Exception as error:  # the connection breaks when the server dies
                    failure.append(error)

            thread = threading.Thread(target=run)
            thread.start()
            target = size * kill / (args.kills + 1)
            while bytes_on_disk(data) < target:
                if not thread.is_alive():
                    raise RuntimeError(f"upload ended before kill {kill}: {failure or 'completed'}")
                time.sleep(0.002)
            server.kill()
            thread.join(timeout=60)
            if thread.is_alive():
                raise RuntimeError("tuspy did not notice the server dying within 60 s")
            server.start()
        log(f"killed the server {args.kills} times mid-upload")
        resumed = uploader(source, "session.mp4", sha256)
        if resumed.url != first_url or resumed.offset <= 0:
            raise RuntimeError(f"resumed {resumed.url} at {resumed.offset}: expected {first_url} past 0")
        log(f"resuming {resumed.url} from offset {resumed.offset}")
        resumed.upload()
        if resumed.offset != size:
            raise RuntimeError(f"upload ended at {resumed.offset}, not {size}")
        recording = resumed.request.response_headers.get("upload-recording-id")
        if not recording:
            raise RuntimeError("the final PATCH carried no Upload-Recording-Id")
        log(f"complete: recording {recording}")

        blob = os.path.join(data, "blobs", sha256[0:2], sha256[2:4], sha256)
        with open(blob, "rb") as f:
            stored = hashlib.sha256(f.read()).hexdigest()
        if stored != sha256:
            raise RuntimeError(f"blob sha256 {stored} != {sha256}")
        status = wait_for_final(database, recording)
        reason = sqlite(database, f"SELECT rejection_reason FROM recordings WHERE id = '{recording}'")
        if status != "ready":
            raise RuntimeError(f"recording {recording} is {status} ({reason}); expected ready")
        count = sqlite(database, f"SELECT count(*) FROM recordings WHERE observation_id = '{observation}' AND sha256 = '{sha256}'")
        if count != "1":
            raise RuntimeError(f"{count} recordings of the file, expected exactly one")
        # The proxy plays: a Range request answers 206 with video bytes.
        request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/v1/recordings/{recording}/proxy",
                                         headers={"Authorization": f"Bearer {TOKEN}", "Range": "bytes=0-1023"})
        with urllib.request.urlopen(request) as answer:
            if answer.status != 206 or answer.headers.get("Content-Type") not in ("video/mp4", "video/webm"):
                raise RuntimeError(f"the proxy answered {answer.status} {answer.headers.get('Content-Type')}")
        leftovers = stray_files(data)
        if leftovers:
            raise RuntimeError(f"stray files left behind: {leftovers}")
        log(f"recording {recording} is ready with the file's SHA-256; its proxy streams; no stray files")

        # The same file again, to the same observation: no second recording.
        storage_again = os.path.join(work, "again.mp4")
        shutil.copyfile(source, storage_again)
        again = uploader(storage_again, "session-again.mp4", sha256, resumable=False)
        again.upload()
        headers = again.request.response_headers
        if headers.get("upload-recording-id") != recording or headers.get("upload-already-uploaded") != "true":
            raise RuntimeError(f"uploading the same file again answered {dict(headers)}")
        count = sqlite(database, f"SELECT count(*) FROM recordings WHERE observation_id = '{observation}'")
        if count != "1":
            raise RuntimeError(f"{count} recordings after uploading the same file twice")
        log("the same file uploaded again is recognised: no second recording")

        # Seeded random bytes: the worker rejects them with the code not_media (checked by code, not by words).
        noise = os.path.join(work, "noise.mp4")
        with open(noise, "wb") as f:
            f.write(random.Random(20261206).randbytes(200_000))
        with open(noise, "rb") as f:
            noise_sha = hashlib.sha256(f.read()).hexdigest()
        bad = uploader(noise, "noise.mp4", noise_sha, resumable=False)
        bad.upload()
        bad_recording = bad.request.response_headers.get("upload-recording-id")
        if wait_for_final(database, bad_recording) != "rejected":
            raise RuntimeError("random bytes were not rejected")
        # An event's details live in its erasable personal part (audit_event_personal, decision 12).
        code = sqlite(database, "SELECT json_extract(p.details, '$.code') FROM audit_events e JOIN audit_event_personal p ON p.event_id = e.id "
                                f"WHERE e.action = 'recording.rejected' AND e.subject_id = '{bad_recording}'")
        reason = sqlite(database, f"SELECT rejection_reason FROM recordings WHERE id = '{bad_recording}'") or ""
        if code != "not_media" or work in reason or "/" + "blobs" in reason:
            raise RuntimeError(f"random bytes rejected with code {code!r} ({reason!r}); expected not_media and no server path")
        log(f"random bytes rejected with code {code}")
        server.stop()
        log(f"OK: blob {os.path.relpath(blob, work)} matches")
        ok = True
    finally:
        if server.process and server.process.poll() is None:
            server.process.kill()
        if not ok and os.path.exists(server.log_path):
            sys.stderr.write(open(server.log_path).read()[-4000:])
        if args.keep or not ok:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:
        log(f"FAILED: {error}")
        sys.exit(1)
