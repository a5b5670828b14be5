#!/usr/bin/env python3
"""The S3 blob store (decision 16) end to end against a real S3 server process: moto's, with signatures checked.

1. Starts `moto_server` on a free port with its IAM authentication on (the first few calls make a user, its policy
   and its access key; every later request must be signed with that key), creates the bucket, and checks that a
   request signed with a wrong secret is refused (botocore, and `obsreview serve`'s /readyz: 503 with the reason).
2. `obsreview serve --demo` with `blob_store: s3` (settings and keys from the environment): the sample recordings
   are stored in the bucket and indexed by the worker from scratch copies (the bad ones rejected, with their codes).
3. A ~20 MB video uploaded with tuspy becomes `ready` (stored as a multipart upload of 8 MiB parts); its original
   plays with Range requests (206, the right bytes, across a segment boundary too); the object exists under
   `<prefix>blobs/<sha256>` with the file's size; nothing is left in the local blobs/, scratch/ or uploads/.
4. Deletion: over a thousand unreferenced objects planted in the bucket (so that listing takes several pages) are
   removed by the unreferenced-blob collector of a server restarted with a short grace period; the recordings'
   objects stay. `obsreview erase` of the upload's candidate deletes its object from the bucket.

    python3 scripts/test-s3.py [path/to/obsreview] [--keep] [--compare-folder]

--compare-folder also times the same upload on a folder store and prints both figures.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import DemoServer, Failure, check, free_port, http, run_in, wait  # noqa: E402
from tools import default_binary, ensure_debian, ensure_pip  # noqa: E402
from moto_s3 import BUCKET, PREFIX, Moto, s3_environment  # noqa: E402

BAD_SAMPLES = {"audio-only.m4a", "corrupt-truncated.mp4", "not-a-video.mp4"}


def log(message):
    print(f"test-s3: {message}", flush=True)


def make_video(path, seconds, size="1280x720"):
    """A noisy picture compresses badly: a few seconds make a file of several 8 MiB parts."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25,noise=alls=30:allf=t",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds), "-c:v", "libx264",
                    "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", path], check=True)


def api(server, token, method, path):
    status, _, body = http(method, server.base + path, headers={"Authorization": f"Bearer {token}"})
    check(200 <= status < 300, f"{method} {path} answered {status}: {body[:300]!r}")
    return json.loads(body) if body else None


def tus_upload(server, token, observation, path, name):
    from tusclient import client
    tus = client.TusClient(server.base + "/uploads/", headers={"Authorization": f"Bearer {token}"})
    uploader = tus.uploader(path, chunk_size=4 << 20, metadata={"observation": observation, "filename": name}, upload_checksum=True)
    uploader.upload()
    recording = uploader.request.response_headers.get("upload-recording-id")
    check(recording, "the final PATCH carried no Upload-Recording-Id")
    return recording


def wait_final(server, token, recording_id, what, timeout=180):
    def final():
        detail = api(server, token, "GET", f"/api/v1/recordings/{recording_id}")["recording"]
        return detail if detail["status"] in ("ready", "rejected") else None
    detail = wait(f"{what} to be indexed", final, timeout=timeout, interval=0.2)
    check(detail["status"] == "ready", f"{what} was {detail['status']}: {detail.get('rejectionReason')}")
    return detail


def upload_and_time(server, token, observation, video, name):
    started = time.monotonic()
    recording = tus_upload(server, token, observation, video, name)
    uploaded = time.monotonic()
    detail = wait_final(server, token, recording, name)
    return recording, detail, uploaded - started, time.monotonic() - started


def files_under(folder):
    return [os.path.join(d, f) for d, _, names in os.walk(folder) for f in names] if os.path.isdir(folder) else []


def with_environment(values, body):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        return body()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run(binary, work, compare_folder):
    from botocore.exceptions import ClientError
    moto = Moto(work)
    try:
        key_id, secret = moto.make_key()
        s3 = moto.client("s3", key_id, secret)
        s3.create_bucket(Bucket=BUCKET)
        try:
            moto.client("s3", key_id, secret + "x").list_objects_v2(Bucket=BUCKET)
            raise Failure("moto accepted a request signed with a wrong secret: signatures are not being checked")
        except ClientError as error:
            check(error.response["Error"]["Code"] in ("SignatureDoesNotMatch", "AccessDenied", "InvalidAccessKeyId"),
                  f"a wrong secret was refused with {error.response['Error']['Code']}")
        log(f"moto_server on {moto.endpoint}: bucket {BUCKET} made with an IAM key; a wrong secret is refused")

        # Our own client with a wrong secret: the server starts (reviews go on) but is not ready, and says why.
        wrong = DemoServer(binary, os.path.join(work, "wrong-data"), os.path.join(work, "wrong-secret.log"), demo=False)
        try:
            with_environment(s3_environment(moto, key_id, "not-the-secret"), wrong.start)
            status, _, body = http("GET", wrong.base + "/readyz")
            check(status == 503 and b"HTTP 403" in body and b"bucket" in body, f"/readyz with a wrong secret answered {status}: {body[:300]!r}")
            # Stopped first: the server writes its log in batches, and everything kept is out once it has stopped.
            wrong.stop()
            check(b"not-the-secret" not in open(wrong.log_path, "rb").read(), "the secret appears in the server's log")
        finally:
            wrong.kill()
        log("obsreview with a wrong secret: /readyz 503, the bucket refused it (HTTP 403); the secret is in no log")

        data = os.path.join(work, "data")
        server = DemoServer(binary, data, os.path.join(work, "s3.log"))
        try:
            with_environment(s3_environment(moto, key_id, secret), server.start)
            status, _, body = http("GET", server.base + "/readyz")
            check(status == 200, f"/readyz answered {status}: {body[:300]!r}")
            _, token = server.sign_in_with_token("assessor")
            def settled():
                items = api(server, token, "GET", "/api/v1/recordings?pageSize=500")["items"]
                return items if items and all(r["status"] in ("ready", "rejected") for r in items) else None
            samples = wait("the sample recordings to be indexed from the bucket", settled, timeout=300, interval=1)
            for item in samples:
                expected = "rejected" if item["fileName"] in BAD_SAMPLES else "ready"
                check(item["status"] == expected, f"sample {item['fileName']} is {item['status']}: {item.get('rejectionReason')}")
            log(f"{len(samples)} sample recordings stored in the bucket and indexed from scratch copies")

            observations = api(server, token, "GET", "/api/v1/observations?pageSize=500")["items"]
            video = os.path.join(work, "upload.mp4")
            make_video(video, seconds=4, size="960x540")
            size = os.path.getsize(video)
            check(size > 2 * 8 * 1024 * 1024, f"the test video is only {size} bytes: it should need three parts or more")
            content = open(video, "rb").read()
            sha256 = hashlib.sha256(content).hexdigest()
            recording, detail, upload_s, ready_s = upload_and_time(server, token, observations[0]["id"], video, "s3-upload.mp4")
            check(detail["sha256"] == sha256, "the recording's SHA-256 is not the file's")
            log(f"tuspy upload of {size / 1e6:.1f} MB on S3: uploaded (incl. the multipart copy to the bucket) in {upload_s:.2f} s, "
                f"ready {ready_s:.2f} s after the upload began")

            head = s3.head_object(Bucket=BUCKET, Key=f"{PREFIX}blobs/{sha256}")
            check(head["ContentLength"] == size, f"the object is {head['ContentLength']} bytes, the file {size}")
            check("-" in head["ETag"], f"the object's ETag {head['ETag']} is not a multipart upload's")
            for folder in ("blobs", "scratch", "uploads"):
                left = [f for f in files_under(os.path.join(data, folder)) if not f.endswith(".json")]
                check(not left, f"{folder}/ still holds {left[:3]}")
            check(not s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads"), "a multipart upload was left open")
            log(f"the object {PREFIX}blobs/{sha256[:12]}… holds the file (multipart ETag {head['ETag']}); nothing stays in blobs/, scratch/ or uploads/")

            for first, last in ((1000, 1999), (8 * 1024 * 1024 - 100, 8 * 1024 * 1024 + 99), (size - 500, size - 1)):
                status, headers, body = http("GET", f"{server.base}/api/v1/recordings/{recording}/media",
                                             headers={"Authorization": f"Bearer {token}", "Range": f"bytes={first}-{last}"})
                check(status == 206, f"Range bytes={first}-{last} on the original answered {status}")
                check(headers["Content-Range"] == f"bytes {first}-{last}/{size}", f"Content-Range {headers['Content-Range']}")
                check(body == content[first:last + 1], f"bytes {first}-{last} are not the file's")
                check(headers["ETag"] == f'"{sha256}"', f"ETag {headers['ETag']}")
            status, headers, _ = http("GET", f"{server.base}/api/v1/recordings/{recording}/media",
                                      headers={"Authorization": f"Bearer {token}", "Range": f"bytes={size}-"})
            check(status == 416 and headers["Content-Range"] == f"bytes */{size}", f"a range past the end answered {status}")
            status, _, body = http("GET", f"{server.base}/api/v1/recordings/{recording}/media", headers={"Authorization": f"Bearer {token}"})
            check(status == 200 and hashlib.sha256(body).hexdigest() == sha256, f"the whole original answered {status}")
            log("the original streams from the bucket: 206 with the right bytes (across an 8 MiB segment too), 416 past the end, 200 whole")
            server.stop()
        finally:
            server.kill()

        # Deletion: unreferenced objects (more than a page of listing) go; the recordings' objects stay.
        referenced = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET) for o in page.get("Contents", [])}
        strays = [f"{PREFIX}blobs/{hashlib.sha256(str(i).encode()).hexdigest()}" for i in range(1010)]
        for key in strays:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"stray")
        time.sleep(2)
        collector = DemoServer(binary, data, os.path.join(work, "collector.log"), demo=False,
                               extra_args=["--cleanup-interval", "1"])
        try:
            with_environment({**s3_environment(moto, key_id, secret), "OBSREVIEW_UNREFERENCED_BLOB_GRACE_SECONDS": "1"}, collector.start)
            def swept():
                keys = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET) for o in page.get("Contents", [])}
                return keys if keys == referenced else None
            wait("the unreferenced objects to be collected", swept, timeout=60, interval=1)
            collector.stop()
        finally:
            collector.kill()
        log(f"the collector listed {len(strays) + len(referenced)} objects over several pages and deleted the {len(strays)} unreferenced ones; "
            f"the {len(referenced)} recordings' objects stay")

        # Erasure (decision 12) deletes the erased candidate's originals from the bucket, through the same options.
        candidate = observations[0]["candidateId"]
        erased = subprocess.run([binary, "erase", "--candidate", candidate, "--reason", "test-s3", "--data", data],
                                env=dict(os.environ, **s3_environment(moto, key_id, secret)), capture_output=True, text=True, timeout=60)
        check(erased.returncode == 0, f"obsreview erase answered {erased.returncode}: {erased.stdout[-300:]} {erased.stderr[-300:]}")
        try:
            s3.head_object(Bucket=BUCKET, Key=f"{PREFIX}blobs/{sha256}")
            raise Failure("the erased candidate's upload is still in the bucket")
        except ClientError as error:
            check(error.response["Error"]["Code"] in ("404", "NoSuchKey"), f"HEAD of the erased object answered {error.response['Error']}")
        log(f"obsreview erase of the uploader's candidate deleted the upload's object from the bucket ({erased.stdout.strip()[:120]})")

        if compare_folder:
            folder = DemoServer(binary, os.path.join(work, "folder-data"), os.path.join(work, "folder.log"))
            try:
                folder.start()
                _, token = folder.sign_in_with_token("assessor")
                wait("the folder demo's samples", lambda: all(r["status"] in ("ready", "rejected") for r in
                     api(folder, token, "GET", "/api/v1/recordings?pageSize=500")["items"]) or None, timeout=300, interval=1)
                observation = api(folder, token, "GET", "/api/v1/observations?pageSize=1")["items"][0]["id"]
                _, _, f_upload, f_ready = upload_and_time(folder, token, observation, video, "folder-upload.mp4")
                log(f"figures for {size / 1e6:.1f} MB: S3 uploaded {upload_s:.2f} s, ready {ready_s:.2f} s; "
                    f"folder uploaded {f_upload:.2f} s, ready {f_ready:.2f} s")
                folder.stop()
            finally:
                folder.kill()
    finally:
        moto.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--compare-folder", action="store_true")
    args = parser.parse_args()
    ensure_debian(["ffmpeg"], log)
    ensure_pip({"moto.server": "moto[server]", "boto3": "boto3", "tusclient": "tuspy"}, log)
    binary = os.path.abspath(args.binary or default_binary())
    work = tempfile.mkdtemp(prefix="obsreview-s3-")
    started = time.monotonic()
    def body():
        run(binary, work, args.compare_folder)
        log(f"passed in {time.monotonic() - started:.0f} s")
    return run_in(work, body, log, ("moto.log", "wrong-secret.log", "s3.log", "collector.log", "folder.log"), keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
