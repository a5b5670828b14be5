#!/usr/bin/env python3
"""The child indexer's sandbox, observed from outside while it works (Linux /proc).

Runs `obsreview worker` (with the database URL in its environment, as production does) on a recording that takes a
while to transcode, finds the child `obsreview index` it starts, and checks:
  - the child's environment holds no OBSREVIEW_* variable (no database URL, no credentials), only the allow-list;
  - its limits: address space 2 GiB, file size, open files and CPU time set; it runs niced, in its own process group;
  - SIGKILL of the worker ends the child within two seconds (it no longer outlives a killed server);
  - the job is retried by the next worker and the recording ends ready, with no partial proxy left behind.

    python3 scripts/check-sandbox.py [path/to/obsreview]
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from tools import default_binary  # noqa: E402


def log(message):
    print(f"check-sandbox: {message}", flush=True)


RUNNING = []


def fail(message):
    log(f"FAILED: {message}")
    for pid in RUNNING:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    sys.exit(1)


def children(pid):
    """Processes whose parent is `pid` (started from any of its threads)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().split(")")[1].split()[1]) == pid:
                    found.append(int(entry))
        except OSError:
            continue
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


def child_of(process, what):
    """The child indexer `process` starts within 30 s (killed with everything else on failure)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        found = [p for p in children(process.pid) if alive(p)]
        if found:
            RUNNING.append(found[0])
            return found[0]
        time.sleep(0.05)
    fail(f"{what} started no child indexer within 30 s")


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default_binary())
    work = tempfile.mkdtemp(prefix="obsreview-sandbox-")
    os.chdir(work)
    database = f"sqlite://{work}/data/obsreview.sqlite"
    env = dict(os.environ, OBSREVIEW_DATABASE_URL=database, OBSREVIEW_SECRET_PROBE="must-not-reach-the-child")
    video = os.path.join(work, "long-room-camera.avi")
    # MPEG-4 Part 2 at 720p: the proxy must be transcoded, which takes long enough to watch.
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "40",
                    "-c:v", "mpeg4", "-q:v", "3", video], check=True)
    subprocess.run([binary, "import", os.path.join(ROOT, "samples", "ratings.csv")], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([binary, "ingest", video, "--observation", "OBS-2026-0001"], env=env, check=True, stdout=subprocess.DEVNULL)

    worker = subprocess.Popen([binary, "worker", "--poll", "0.2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    RUNNING.append(worker.pid)
    child = child_of(worker, "the worker")
    time.sleep(0.5)  # past the child's start-up, where it limits itself
    with open(f"/proc/{child}/environ", "rb") as f:
        environment = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    leaked = [k.decode() for k in environment if k.startswith(b"OBSREVIEW_")]
    if leaked:
        fail(f"the child inherited {leaked}")
    if set(environment) - {b"PATH", b"LANG", b"TMPDIR"}:
        fail(f"the child's environment is not the allow-list: {sorted(k.decode() for k in environment)}")
    with open(f"/proc/{child}/limits") as f:
        limits = {line[:26].strip(): line[26:].split() for line in f.read().splitlines()[1:]}
    expected = {"Max address space": "2147483648", "Max open files": "256", "Max cpu time": "7200", "Max file size": str(8 << 30)}
    for name, value in expected.items():
        if limits.get(name, [None])[0] != value:
            fail(f"{name} is {limits.get(name)}, expected {value}")
    with open(f"/proc/{child}/stat") as f:
        fields = f.read().split(")")[1].split()
    nice, group = int(fields[16]), int(fields[2])
    if nice < 10 or group != child:
        fail(f"the child runs at nice {nice} in process group {group} (expected ≥ 10, its own {child})")
    log(f"child {child}: environment {sorted(k.decode() for k in environment)}, address space 2 GiB, nice {nice}, own process group")

    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed_at = time.time()
    while alive(child) and time.time() - killed_at < 2:
        time.sleep(0.05)
    if alive(child):
        os.kill(child, signal.SIGKILL)
        fail("the child indexer outlived its killed worker by more than 2 s")
    log(f"the child ended {time.time() - killed_at:.2f} s after its worker was killed")

    # A new worker on this host sees that the killed one is gone and takes its job at once (no waiting for the lease).
    query = lambda sql: subprocess.run(["sqlite3", f"{work}/data/obsreview.sqlite", sql], capture_output=True, text=True).stdout.strip()  # noqa: E731
    subprocess.run([binary, "worker", "--once"], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    status = query("SELECT status FROM recordings")
    if status != "ready":
        fail(f"after the retry the recording is {status}")
    partial = [os.path.join(d, n) for d, _, names in os.walk(os.path.join(work, "data")) for n in names if ".partial" in n or ".nosync" in n]
    if partial:
        fail(f"partial files left: {partial}")
    log("the job was taken again after the crash and the recording is ready; no partial file is left")

    # A graceful stop (SIGTERM, a deploy) of `serve` mid-indexing: the child ends and the job goes back to the queue
    # at once, without using an attempt (it used to keep its lease for half an hour).
    subprocess.run([binary, "ingest", video, "--observation", "OBS-2026-0002"], env=env, check=True, stdout=subprocess.DEVNULL)
    serve = subprocess.Popen([binary, "serve", "--port", "0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    RUNNING.append(serve.pid)
    child = child_of(serve, "serve")
    time.sleep(0.5)
    serve.send_signal(signal.SIGTERM)
    try:
        serve.wait(timeout=20)
    except subprocess.TimeoutExpired:
        fail("serve did not stop within 20 s of SIGTERM")
    if serve.returncode != 0 or alive(child):
        fail(f"serve exited with {serve.returncode}; child alive: {alive(child)}")
    job = query("SELECT state || ' ' || attempts FROM jobs WHERE state <> 'done'")
    if job != "failed 0":
        fail(f"after SIGTERM the job is '{job}', expected 'failed 0' (back in the queue, no attempt used)")
    log("SIGTERM of serve mid-indexing: the child ended and the job is back in the queue with no attempt used")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
