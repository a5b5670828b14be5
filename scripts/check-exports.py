#!/usr/bin/env python3
"""End to end from the command line, as a data protection officer would: import the sample ratings, store a recording,
write a case's evidence bundle and check it offline with `obsreview verify-bundle` (exit 0), then tampered copies
(a rationale edited, an audit event edited with the manifest forged to match, a file removed, events reordered) each
fail with exit 3 naming what is wrong, and a file that is no export fails with exit 2; write a candidate's
subject-access export with the recording and read it with Python's zipfile (and `unzip -t`).

Usage: scripts/check-exports.py OBSREVIEW_BINARY
"""
import csv, hashlib, json, os, shutil, sqlite3, subprocess, sys, tempfile, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    print(f"check-exports: {message}", file=sys.stderr)
    sys.exit(1)


def run(binary, *args, expect=0):
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if result.returncode != expect:
        fail(f"obsreview {' '.join(args)} exited {result.returncode}, expected {expect}:\n{result.stdout}{result.stderr}")
    return result.stdout + result.stderr


def rezip(source, target, change):
    """Copies the archive with change(files, order) applied, every entry stored (as obsreview writes them)."""
    with zipfile.ZipFile(source) as z:
        order = z.namelist()
        files = {name: z.read(name) for name in order}
    change(files, order)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as z:
        for name in order:
            if name in files:
                z.writestr(name, files[name])


def forge_manifest(files, path):
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        if entry["path"] == path:
            entry["sha256"], entry["bytes"] = hashlib.sha256(files[path]).hexdigest(), len(files[path])
    files["manifest.json"] = json.dumps(manifest).encode()


def check_zip(path):
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad is not None:
            fail(f"{path}: zipfile finds {bad} damaged")
        manifest = json.loads(z.read("manifest.json"))
        for entry in manifest["files"]:
            if hashlib.sha256(z.read(entry["path"])).hexdigest() != entry["sha256"]:
                fail(f"{path}: {entry['path']} does not match its manifest hash")
        return z.namelist(), manifest


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else fail("usage: check-exports.py OBSREVIEW_BINARY")
    work = tempfile.mkdtemp(prefix="obsreview-exports-")
    try:
        database, data = f"sqlite://{work}/exports.sqlite", f"{work}/data"
        common = ["--database", database]
        run(binary, "import", f"{ROOT}/samples/ratings.csv", *common)
        # A disputed observation (employer and assessor on either side of the pass line) and its candidate.
        rows = list(csv.DictReader(open(f"{ROOT}/samples/ratings.csv", newline="")))
        scores = {}
        for row in rows:
            scores.setdefault(row["observation_ref"], {})[row["source"]] = (int(row["score"]), row["registration_number"])
        ref, sources = next((r, s) for r, s in scores.items()
                            if "employer" in s and "assessor" in s and (s["employer"][0] >= 4) != (s["assessor"][0] >= 4))
        registration = sources["assessor"][1]
        sample = f"{ROOT}/samples/observation-faststart.mp4"
        run(binary, "ingest", sample, "--observation", ref, *common, "--data", data)
        with sqlite3.connect(f"{work}/exports.sqlite") as db:
            case_id = db.execute("SELECT c.id FROM cases c JOIN observations o ON o.id = c.observation_id WHERE o.ref = ?", (ref,)).fetchone()[0]

        bundle = f"{work}/bundle.zip"
        run(binary, "bundle", "--case", case_id, "--out", bundle, *common, "--data", data)
        names, manifest = check_zip(bundle)
        if manifest["format"] != "obsreview-evidence-bundle" or "audit-events.json" not in names:
            fail(f"the bundle is not an evidence bundle: {manifest['format']}, {names}")
        if oct(os.stat(bundle).st_mode & 0o777) != oct(0o600):
            fail(f"the bundle is readable by others: {oct(os.stat(bundle).st_mode & 0o777)}")
        out = run(binary, "verify-bundle", bundle)
        if "verifies" not in out:
            fail(f"verify-bundle did not say it verifies: {out}")

        def tampered(name, change, kind):
            target = f"{work}/{name}.zip"
            rezip(bundle, target, change)
            out = run(binary, "verify-bundle", target, expect=3)
            if kind not in out:
                fail(f"{name}: verify-bundle did not name {kind}: {out}")

        def edit_rationale(files, order):
            ratings = json.loads(files["ratings.json"])
            ratings[0]["rationale"] = "Edited after the fact."
            files["ratings.json"] = json.dumps(ratings).encode()
        tampered("rationale-edited", edit_rationale, "tampered_file")

        def edit_event(files, order):
            events = json.loads(files["audit-events.json"])
            events[0]["reason"] = "a different reason"
            files["audit-events.json"] = json.dumps(events).encode()
            forge_manifest(files, "audit-events.json")
        tampered("event-edited", edit_event, "edited_event")

        def reorder(files, order):
            events = json.loads(files["audit-events.json"])
            events[0], events[1] = events[1], events[0]
            files["audit-events.json"] = json.dumps(events).encode()
            forge_manifest(files, "audit-events.json")
        tampered("events-reordered", reorder, "events_out_of_order")
        tampered("file-removed", lambda files, order: files.pop("case.json"), "missing_file")

        not_zip = f"{work}/not.zip"
        open(not_zip, "w").write("this is not an archive\n")
        run(binary, "verify-bundle", not_zip, expect=2)
        run(binary, "bundle", "--case", "00000000-0000-4000-8000-000000000000", "--out", f"{work}/none.zip", *common, "--data", data, expect=2)

        subject = f"{work}/subject.zip"
        run(binary, "subject-export", "--candidate", registration, "--with-recordings", "--out", subject, *common, "--data", data)
        names, manifest = check_zip(subject)
        recordings = [n for n in names if n.startswith("recordings/") and n.endswith(".mp4")]
        if len(recordings) != 1:
            fail(f"the subject export should carry the one recording: {names}")
        with zipfile.ZipFile(subject) as z:
            if hashlib.sha256(z.read(recordings[0])).hexdigest() != hashlib.sha256(open(sample, "rb").read()).hexdigest():
                fail("the recording in the subject export is not the file ingested")
            candidate = json.loads(z.read("candidate.json"))
            if candidate["registrationNumber"] != registration:
                fail(f"the subject export is about {candidate['registrationNumber']}, not {registration}")
            everything = b"".join(z.read(n) for n in names if n.endswith(".json"))
            others = {row["registration_number"] for row in rows} - {registration}
            leaked = [o for o in others if o.encode() in everything]
            if leaked:
                fail(f"the subject export carries other candidates' registration numbers: {leaked}")
        if shutil.which("unzip"):
            test = subprocess.run(["unzip", "-t", subject], capture_output=True, text=True)
            if test.returncode != 0:
                fail(f"unzip -t: {test.stdout}{test.stderr}")
        run(binary, "verify-bundle", subject)
        run(binary, "subject-export", "--candidate", "SW-NOBODY", "--out", f"{work}/nobody.zip", *common, expect=2)
        out = run(binary, "verify", *common)
        if "intact" not in out:
            fail(f"the audit chain does not verify after the exports: {out}")
        print(f"check-exports: bundle of case {case_id} verifies offline; four tampered copies fail naming why; "
              f"subject export of {registration} ({len(names)} files, recording included) read by zipfile")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
