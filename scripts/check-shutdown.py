#!/usr/bin/env python3
"""A shutdown that clients cannot hold up: `obsreview serve` stops within its grace period after SIGTERM even with a
stalled upload and a reader that never reads, keeps the bytes the stalled upload sent, and logs no server error.

Starts `serve --demo` (temporary data folder, `shutdown_grace_seconds` 3, idle timeout 300 s so that it is the grace
that ends the stalled requests), uploads a generated 1-minute recording (~20 MB, ffmpeg) with tus and waits until it is
ready; then
  1. starts a second upload and sends a PATCH that promises 8 MiB, sends 1 MiB and stalls;
  2. asks for the recording's proxy with a tiny receive buffer and never reads it;
  3. sends SIGTERM and checks the process exits 0 within grace + 10 s, the log has no 500 / unhandled error and says
     the requests were cut off;
  4. starts the server again on the same data and checks the stalled upload's offset is the 1 MiB that arrived.
Before the bound, the same steps kept `serve` alive for minutes (63 s for the upload, 508 s for the reader).

    python3 scripts/check-shutdown.py [path/to/obsreview]
"""
import base64, os, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import DemoServer, Failure, check, http, run_in  # noqa: E402
from tools import default_binary  # noqa: E402

GRACE = 3


def log(message):
    print(f"check-shutdown: {message}", flush=True)


def create_upload(server, observation, name, size):
    metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in (("observation", observation), ("filename", name)))
    status, headers, body = http("POST", server.base + "/uploads/", headers={
        "Authorization": f"Bearer {server.token}", "Tus-Resumable": "1.0.0", "Upload-Length": str(size), "Upload-Metadata": metadata})
    check(status == 201, f"tus creation answered {status}: {body[:300]!r}")
    location = headers["Location"]
    return location if location.startswith("/") else "/" + location.split("/", 3)[3]


def upload_recording(server, work):
    path = os.path.join(work, "minute.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "60",
                    "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "3M", "-g", "50", "-pix_fmt", "yuv420p", path], check=True)
    observation = server.get("/api/v1/observations?pageSize=1")["items"][0]["id"]
    location = create_upload(server, observation, "minute.mp4", os.path.getsize(path))
    with open(path, "rb") as f:
        request = urllib.request.Request(server.base + location, data=f.read(), method="PATCH", headers={
            "Authorization": f"Bearer {server.token}", "Tus-Resumable": "1.0.0", "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"})
    with urllib.request.urlopen(request, timeout=120) as r:
        recording = r.headers.get("Upload-Recording-Id")
    check(recording, "the PATCH carried no Upload-Recording-Id")
    deadline = time.time() + 240
    while time.time() < deadline:
        detail = server.get(f"/api/v1/recordings/{recording}")["recording"]
        if detail["status"] in ("ready", "rejected"):
            check(detail["status"] == "ready", f"the recording was rejected: {detail.get('rejectionReason')}")
            return observation, recording, os.path.getsize(path)
        time.sleep(0.5)
    raise Failure("the recording was not indexed within 240 s")


def raw_request(server, lines, body=b"", receive_buffer=None):
    sock = socket.socket()
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return sock


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default_binary())
    work = tempfile.mkdtemp(prefix="obsreview-shutdown-")
    data = os.path.join(work, "data")
    os.environ["OBSREVIEW_SHUTDOWN_GRACE_SECONDS"] = str(GRACE)
    os.environ["OBSREVIEW_IDLE_TIMEOUT_SECONDS"] = "300"
    server = DemoServer(binary, data, os.path.join(work, "server.log"))

    def body():
        server.start()
        _, server.token = server.sign_in_with_token("lead", "check-shutdown")
        observation, recording, size = upload_recording(server, work)
        log(f"recording {recording} ready ({size / 1e6:.1f} MB)")

        stalled_location = create_upload(server, observation, "stalled.mp4", 8 << 20)
        stalled = raw_request(server, [
            f"PATCH {stalled_location} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", f"Authorization: Bearer {server.token}",
            "Tus-Resumable: 1.0.0", "Upload-Offset: 0", "Content-Type: application/offset+octet-stream",
            f"Content-Length: {8 << 20}"], os.urandom(1 << 20))
        reader = raw_request(server, [
            f"GET /api/v1/recordings/{recording}/proxy HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
            f"Authorization: Bearer {server.token}"], receive_buffer=4096)
        time.sleep(2)  # the 1 MiB is on disk; the reader's socket buffers are full

        started = time.time()
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=GRACE + 10)
        except subprocess.TimeoutExpired:
            raise Failure(f"serve was still running {GRACE + 10} s after SIGTERM (grace {GRACE} s)")
        took = time.time() - started
        check(server.process.returncode == 0, f"serve exited with {server.process.returncode}:\n{server.crash_report()}")
        log(f"serve stopped {took:.1f} s after SIGTERM with a stalled upload and a reader that never reads (grace {GRACE} s)")
        check(took >= GRACE - 0.5, f"serve stopped after {took:.1f} s: before the grace ran out, so the test did not hold it up")
        stalled.close()
        reader.close()
        text = open(server.log_path, errors="replace").read()
        check("Unhandled error" not in text and "http.status=500" not in text,
              "the log has a server error:\n" + server.log_tail(40))
        check("cut off" in text, "the log does not say requests were cut off:\n" + server.log_tail(40))

        again = DemoServer(binary, data, os.path.join(work, "server-2.log"), demo=False)
        again.start()
        try:
            status, headers, _ = http("HEAD", again.base + stalled_location, headers={
                "Authorization": f"Bearer {server.token}", "Tus-Resumable": "1.0.0"})
            check(status == 200, f"HEAD of the stalled upload answered {status}")
            offset = int(headers["Upload-Offset"])
            check(offset == 1 << 20, f"the stalled upload kept {offset} bytes, not the 1 MiB that arrived")
            log(f"after a restart the stalled upload resumes from {offset} bytes (what arrived before the shutdown)")
        finally:
            again.stop()

    sys.exit(run_in(work, body, log, ["server.log", "server-2.log"]))


if __name__ == "__main__":
    main()
