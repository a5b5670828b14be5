#!/usr/bin/env python3
"""Resumable upload end to end with the official tus client (tuspy), across a server crash.

Starts `obsreview serve` on a free port with a temporary data directory, uploads a ~30 MB file in small chunks
(sha1 Upload-Checksum on every PATCH, the whole file's sha256 in Upload-Metadata), kills the server with SIGKILL
in the middle, starts it again, resumes with tuspy from the URL it stored, and checks that the completed blob in
DATA/blobs/ab/cd/<sha256> has the file's SHA-256. Exits non-zero on any failure.

    python3 scripts/test-tus.py [path/to/obsreview] [--size BYTES] [--chunk BYTES] [--keep]

Needs `pip install tuspy` (the script installs it if missing).
"""
import argparse
import base64
import urllib.error
import urllib.request
import hashlib
import os
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
    def __init__(self, binary, port, data, log_path):
        self.binary, self.port, self.data, self.log_path = binary, port, data, log_path
        self.process = None

    def start(self):
        log_file = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [
                self.binary, "serve", "--port", str(self.port), "--data", self.data,
                "--dev-token", f"{TOKEN}:assessor", "--max-upload-bytes", str(1 << 31),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--size", type=int, default=30 * 1024 * 1024)
    parser.add_argument("--chunk", type=int, default=256 * 1024)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    binary = args.binary or default_binary()

    work = tempfile.mkdtemp(prefix="obsreview-tus-")
    data = os.path.join(work, "data")
    source = os.path.join(work, "upload.bin")
    server = Server(binary, free_port(), data, os.path.join(work, "server.log"))
    ok = False
    try:
        with open(source, "wb") as f:
            f.write(os.urandom(args.size))
        with open(source, "rb") as f:
            sha256 = hashlib.sha256(f.read()).hexdigest()
        log(f"{args.size} bytes, sha256 {sha256}, chunks of {args.chunk}")

        # The upload names a real observation: import the sample ratings into the server's database first.
        os.makedirs(data, exist_ok=True)
        database = os.path.join(data, "obsreview.sqlite")
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        subprocess.run([binary, "import", os.path.join(root, "samples", "ratings.csv"), "--database", f"sqlite://{database}"],
                       check=True, stdout=subprocess.DEVNULL)
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
        tus = client.TusClient(
            f"http://127.0.0.1:{server.port}/uploads/", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        storage = filestorage.FileStorage(os.path.join(work, "tus-urls.json"))
        metadata = {"observation": observation, "filename": "upload.bin", "sha256": sha256}

        def uploader():
            return tus.uploader(
                source, chunk_size=args.chunk, metadata=metadata,
                store_url=True, url_storage=storage, upload_checksum=True,
            )

        # Upload in a thread; kill the server once about 40% is on disk, whatever request is in flight.
        first = uploader()
        failure = []

        def run():
            try:
                first.upload()
            except Exception as error:  # the connection breaks when the server dies
                failure.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        while bytes_on_disk(data) < args.size * 0.4:
            if not thread.is_alive():
                raise RuntimeError(f"upload ended before the kill: {failure or 'completed'}")
            time.sleep(0.005)
        server.kill()
        thread.join(timeout=60)
        if thread.is_alive():
            raise RuntimeError("tuspy did not notice the server dying within 60 s")
        if not failure:
            raise RuntimeError("the upload finished before the server was killed: use a larger --size")
        log(f"killed the server at {bytes_on_disk(data)} bytes on disk; tuspy said: {type(failure[0]).__name__}")

        server.start()
        resumed = uploader()  # finds the URL in its storage and asks the server for the offset (HEAD)
        if resumed.url != first.url:
            raise RuntimeError(f"resumed with {resumed.url}, not the stored {first.url}")
        if resumed.offset <= 0:
            raise RuntimeError("the resumed upload starts from 0: nothing survived the crash")
        log(f"resuming {resumed.url} from offset {resumed.offset}")
        resumed.upload()
        if resumed.offset != args.size:
            raise RuntimeError(f"upload ended at {resumed.offset}, not {args.size}")
        recording = resumed.request.response_headers.get("upload-recording-id")
        log(f"complete: recording {recording}")
        if not recording:
            raise RuntimeError("the final PATCH carried no Upload-Recording-Id")

        blob = os.path.join(data, "blobs", sha256[0:2], sha256[2:4], sha256)
        with open(blob, "rb") as f:
            stored = hashlib.sha256(f.read()).hexdigest()
        if stored != sha256:
            raise RuntimeError(f"blob sha256 {stored} != {sha256}")
        leftovers = [n for n in os.listdir(os.path.join(data, "uploads")) if n.endswith(".part")]
        if leftovers:
            raise RuntimeError(f"partial files left behind: {leftovers}")

        # The completed upload is a stored Recording; the built-in worker indexes it in a child process.
        # These bytes are random, so it must end rejected, with a reason a person can act on.
        deadline = time.time() + 30
        while time.time() < deadline:
            status = sqlite(database, f"SELECT status FROM recordings WHERE id = '{recording}'")
            if status in ("ready", "rejected"):
                break
            time.sleep(0.2)
        reason = sqlite(database, f"SELECT rejection_reason FROM recordings WHERE id = '{recording}'")
        if status != "rejected" or "not a recording" not in (reason or ""):
            raise RuntimeError(f"recording {recording} is {status!r} ({reason!r}); expected rejected as not a recording")
        log(f"recording {recording} indexed by the worker: rejected ({reason[:60]}…)")
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
