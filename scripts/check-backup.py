#!/usr/bin/env python3
"""Backup and restore, round trip (issue 19).

SQLite, as the embedded default runs: `serve --demo` indexes the samples; `obsreview backup` copies the database,
the originals and the proxies and thumbnails while the server runs; the server stops; `obsreview restore` puts it all
into a new data folder; a plain `serve` on the restored folder then has every recording, streams each ready one's
proxy (206) and poster, and `obsreview verify` passes. A backup with one flipped byte is refused whole (nothing
written), and so is a restore into a folder that already has data.

PostgreSQL (OBSREVIEW_TEST_POSTGRES_URL, as scripts/test provides): the sample ratings imported into one database,
backed up with pg_dump, restored with pg_restore into an empty one: the same ratings, and the chain verifies.

    python3 scripts/check-backup.py [path/to/obsreview]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from demo_server import DemoServer, Failure, check, http, wait  # noqa: E402
from tools import default_binary  # noqa: E402


def log(message):
    print(f"check-backup: {message}", flush=True)


def run(binary, *arguments, expect=0):
    result = subprocess.run([binary, *arguments], capture_output=True, text=True)
    check(result.returncode == expect, f"obsreview {' '.join(arguments)} exited {result.returncode} (expected {expect}): "
                                       f"{result.stdout}{result.stderr}")
    return result.stdout + result.stderr


def recordings(server):
    status, _, body = http("GET", server.base + "/api/v1/recordings?pageSize=500", headers={"Authorization": f"Bearer {server.token}"})
    check(status == 200, f"recordings answered {status}")
    return json.loads(body)["items"]


def sqlite_round_trip(binary, work):
    data = os.path.join(work, "data")
    server = DemoServer(binary, data, os.path.join(work, "server.log"))
    try:
        server.start(timeout=180)
        _, server.token = server.sign_in_with_token("lead", "backup")
        wait("the demo recordings to be indexed",
             lambda: not [r for r in recordings(server) if r["status"] in ("stored", "indexing")], timeout=300, interval=1)
        before = {r["id"]: r for r in recordings(server)}
        ready = [r for r in before.values() if r["status"] == "ready"]
        check(ready, "no recording became ready")
        auth = {"Authorization": f"Bearer {server.token}"}
        posters = {r["id"]: http("GET", server.base + r["links"]["poster"], headers=auth)[2] for r in ready}
        check(any(posters.values()), "no ready recording has a poster")
        backup = os.path.join(work, "backup")
        log(run(binary, "backup", "--data", data, "--to", backup).strip())  # while the server runs
        run(binary, "backup", "--data", data, "--to", backup, expect=64)  # never over an earlier backup
    finally:
        server.stop()

    # A damaged copy is refused whole.
    damaged = os.path.join(work, "damaged")
    shutil.copytree(backup, damaged)
    manifest = json.load(open(os.path.join(damaged, "backup.json")))
    blob = next(path for path in sorted(manifest["files"]) if path.startswith("blobs/"))
    with open(os.path.join(damaged, blob), "r+b") as f:
        first = f.read(1)
        f.seek(0)
        f.write(bytes([first[0] ^ 0xFF]))
    refused = os.path.join(work, "refused")
    message = run(binary, "restore", "--from", damaged, "--data", refused, expect=64)
    check("does not match its SHA-256" in message and "Nothing was restored" in message, f"a damaged backup: {message}")
    check(not os.path.exists(os.path.join(refused, "obsreview.sqlite")), "a damaged backup wrote a database")
    message = run(binary, "restore", "--from", backup, "--data", data, expect=64)
    check("not empty" in message, f"restoring over live data: {message}")
    log("a backup with one flipped byte is refused whole; so is a restore over existing data")

    # Crafted backups (found by the hostile test): a name that climbs out, a link, a manifest without the database.
    outside = os.path.join(work, "outside.txt")
    crafted = []
    for name, change in [
        ("climbs", lambda folder, files: files.__setitem__("blobs/../../outside.txt", _write(folder, "payload", b"PWNED\n"))),
        ("absolute", lambda folder, files: files.__setitem__(outside, _write(folder, "payload", b"PWNED\n"))),
        ("no-database", lambda folder, files: files.pop("database.sqlite")),
        ("link", lambda folder, files: _link_first_blob(folder, files)),
    ]:
        folder = os.path.join(work, f"crafted-{name}")
        shutil.copytree(backup, folder)
        manifest = json.load(open(os.path.join(folder, "backup.json")))
        change(folder, manifest["files"])
        json.dump(manifest, open(os.path.join(folder, "backup.json"), "w"))
        target = os.path.join(work, f"target-{name}")
        message = run(binary, "restore", "--from", folder, "--data", target, expect=64)
        check("Nothing was restored" in message, f"the {name} backup: {message}")
        check(not os.path.exists(target) or not any(os.scandir(target)), f"the {name} backup wrote into {target}")
        crafted.append(name)
    check(not os.path.exists(outside) and not os.path.exists(os.path.join(work, "..", "outside.txt")), "a crafted backup wrote outside")
    log(f"crafted backups refused with nothing written: {', '.join(crafted)}")

    restored = os.path.join(work, "restored")
    log(run(binary, "restore", "--from", backup, "--data", restored).strip())
    run(binary, "verify", "--database", "sqlite://" + os.path.join(restored, "obsreview.sqlite"))
    for folder, _, names in os.walk(restored):
        check(os.stat(folder).st_mode & 0o777 == 0o700, f"{folder} is {oct(os.stat(folder).st_mode & 0o777)}, not 0700")
        for name in names:
            mode = os.stat(os.path.join(folder, name)).st_mode & 0o777
            check(mode == 0o600, f"{os.path.join(folder, name)} is {oct(mode)}, not 0600")
    again = DemoServer(binary, restored, os.path.join(work, "restored.log"), demo=False)
    try:
        again.start()
        _, again.token = again.sign_in_with_token("lead", "after-restore")
        after = {r["id"]: r for r in recordings(again)}
        check(set(after) == set(before), f"{len(after)} recordings after the restore, {len(before)} before")
        auth = {"Authorization": f"Bearer {again.token}"}
        for recording in ready:
            check(after[recording["id"]]["status"] == "ready", f"{recording['id']} is {after[recording['id']]['status']} after the restore")
            status, headers, body = http("GET", again.base + recording["links"]["proxy"], headers=dict(auth, Range="bytes=0-99"))
            check(status == 206 and len(body) == 100, f"the restored proxy of {recording['fileName']} answered {status}")
            status, _, body = http("GET", again.base + recording["links"]["poster"], headers=auth)
            if posters[recording["id"]]:
                check(status == 200 and body == posters[recording["id"]], f"the restored poster of {recording['fileName']} answered {status}")
        log(f"restored: {len(after)} recordings, each of the {len(ready)} ready ones streams its proxy and poster; verify passes")
    finally:
        again.stop()


def _write(folder, name, data):
    """Writes a file into a crafted backup folder and returns its SHA-256, as the manifest would list it."""
    import hashlib
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def _link_first_blob(folder, files):
    """Replaces the first blob by a link to a file outside the backup with that file's hash in the manifest."""
    import hashlib
    path = next(p for p in sorted(files) if p.startswith("blobs/"))
    os.remove(os.path.join(folder, path))
    os.symlink("/etc/hostname", os.path.join(folder, path))
    files[path] = hashlib.sha256(open("/etc/hostname", "rb").read()).hexdigest()


def postgres_round_trip(binary, work):
    server_url = os.environ.get("OBSREVIEW_TEST_POSTGRES_URL")
    if not server_url:
        check(os.environ.get("CI") != "true", "CI must back up PostgreSQL too: OBSREVIEW_TEST_POSTGRES_URL is not set")
        log("OBSREVIEW_TEST_POSTGRES_URL is not set: PostgreSQL skipped")
        return
    names = [f"backup_{os.getpid()}_{n}" for n in ("from", "to")]
    urls = [server_url.rsplit("/", 1)[0] + "/" + name for name in names]

    def psql(url, sql):
        return subprocess.run(["psql", url, "-tAq", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()
    try:
        for name in names:
            psql(server_url, f"CREATE DATABASE {name}")
        run(binary, "import", os.path.join(ROOT, "samples", "ratings.csv"), "--database", urls[0])
        data = os.path.join(work, "pg-data")
        backup = os.path.join(work, "pg-backup")
        run(binary, "backup", "--database", urls[0], "--data", data, "--to", backup)
        run(binary, "restore", "--database", urls[1], "--data", os.path.join(work, "pg-restored"), "--from", backup)
        message = run(binary, "restore", "--database", urls[1], "--data", os.path.join(work, "pg-again"), "--from", backup, expect=64)
        check("already has tables" in message, f"restoring into a database with tables: {message}")
        query = "SELECT count(*) || '/' || coalesce(sum(score), 0) FROM ratings"
        check(psql(urls[0], query) == psql(urls[1], query), f"ratings differ: {psql(urls[0], query)} vs {psql(urls[1], query)}")
        run(binary, "verify", "--database", urls[1])
        log(f"PostgreSQL: pg_dump and pg_restore round trip, ratings {psql(urls[1], query)}, verify passes; a second restore is refused")
    finally:
        for name in names:
            subprocess.run(["psql", server_url, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], stdout=subprocess.DEVNULL)


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else default_binary())
    work = tempfile.mkdtemp(prefix="obsreview-backup-")
    try:
        sqlite_round_trip(binary, work)
        postgres_round_trip(binary, work)
        log("OK")
        return 0
    except Failure as failure:
        log(f"FAILED: {failure}")
        for name in ("server.log", "restored.log"):
            path = os.path.join(work, name)
            if os.path.exists(path):
                sys.stderr.write(f"--- {name}\n" + "".join(open(path, errors="replace").readlines()[-15:]))
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
