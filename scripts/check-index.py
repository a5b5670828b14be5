#!/usr/bin/env python3
"""Checks `obsreview index --json --keyframes --sha256` against ffprobe on every sample, end to end, and
that `obsreview timeline --json` gives the same keyframes, discontinuities and errors, and that
`obsreview-timeline` (beside the binary) prints byte for byte what `obsreview timeline` prints.

Usage: check-index.py OBSREVIEW_BINARY SAMPLES_DIR
The bad samples must be refused with their documented error code; every other sample must agree with
ffprobe on the format, every stream and every keyframe time (within 1 ms), and with hashlib on SHA-256.
"""
import glob, hashlib, json, os, subprocess, sys

EXPECTED_ERRORS = {"corrupt-truncated.mp4": "truncated", "not-a-video.mp4": "notMedia", "audio-only.m4a": "noVideoStream"}
failures = []
# The samples whose containers answer the timeline alone: obsreview-timeline reads them without obsreview.
ANSWERED_ALONE = {"broadcast-h264-aac.ts", "joined-with-gap.ts", "observation-faststart.mp4", "observation-h264-aac.mp4",
                  "phone-portrait-hevc.mov", "variable-frame-rate.mp4"}

def fail(path, message):
    failures.append(f"{os.path.basename(path)}: {message}")

def ffprobe(*args):
    return subprocess.run(["ffprobe", "-v", "error", *args], check=True, capture_output=True, text=True).stdout

def rational(text):
    num, den = (float(x) for x in text.split("/"))
    return None if den == 0 or num == 0 else num / den

def close(a, b, tolerance=0.0006):
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= tolerance)

def check(path, report):
    ref = json.loads(ffprobe("-show_format", "-show_streams", "-of", "json", path))
    fmt, ours = ref["format"], report["format"]
    if ours["name"] != fmt["format_name"]: fail(path, f"format {ours['name']} != {fmt['format_name']}")
    if not close(ours.get("durationSeconds"), float(fmt["duration"]) if "duration" in fmt else None): fail(path, "duration")
    if not close(ours.get("startSeconds"), float(fmt["start_time"]) if "start_time" in fmt else None): fail(path, "start")
    if str(ours.get("bitRate")) != fmt.get("bit_rate", "None"): fail(path, "bit rate")
    if ours["tags"] != fmt.get("tags", {}): fail(path, "tags")
    if report["size"] != int(fmt["size"]): fail(path, "size")
    if len(report["streams"]) != len(ref["streams"]): fail(path, "stream count")
    for s, r in zip(report["streams"], ref["streams"]):
        kind = "attachment" if r.get("disposition", {}).get("attached_pic") else r["codec_type"]
        for key, want in [("index", r["index"]), ("kind", kind), ("codec", r.get("codec_name"))]:
            if s.get(key) != want: fail(path, f"stream {r['index']} {key} {s.get(key)} != {want}")
        if kind == "video":
            rotation = next((d.get("rotation", 0) for d in r.get("side_data_list", []) if d.get("side_data_type") == "Display Matrix"), 0)
            for key, want in [("width", r["width"]), ("height", r["height"]), ("rotationDegrees", (-rotation) % 360),
                              ("averageFrameRate", rational(r["avg_frame_rate"])), ("realFrameRate", rational(r["r_frame_rate"]))]:
                if s.get(key) != want: fail(path, f"stream {r['index']} {key} {s.get(key)} != {want}")
            if s["variableFrameRate"] != (abs(rational(r["avg_frame_rate"]) - rational(r["r_frame_rate"])) / rational(r["r_frame_rate"]) > 0.01):
                fail(path, "variableFrameRate")
        if kind == "audio":
            for key, want in [("sampleRate", int(r["sample_rate"])), ("channels", r["channels"])]:
                if s.get(key) != want: fail(path, f"stream {r['index']} {key} {s.get(key)} != {want}")
    video = report["videoStreamIndex"]
    packets = ffprobe("-select_streams", str(video), "-show_packets", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", path)
    keys = sorted(float(l.split(",")[0]) for l in packets.splitlines() if "," in l and "K" in l.split(",")[1])
    ours_keys = report["keyframes"]["seconds"]
    if len(keys) != len(ours_keys) or any(abs(a - b) > 0.001 for a, b in zip(keys, ours_keys)):
        fail(path, f"keyframes ({report['keyframes']['source']}) {ours_keys[:6]}… != ffprobe {keys[:6]}…")
    with open(path, "rb") as f:
        if report["sha256"] != hashlib.sha256(f.read()).hexdigest(): fail(path, "sha256")

def check_quick_tool(binary, files):
    """`obsreview-timeline` (decision 36) answers MP4/MOV and MPEG-TS itself and hands everything else to
    `obsreview timeline`: either way its stdout, stderr and exit status are that command's."""
    quick = os.path.join(os.path.dirname(os.path.abspath(binary)), "obsreview-timeline")
    if not os.path.exists(quick):
        fail(quick, "obsreview-timeline was not built beside obsreview"); return
    answered = [f for f in files if os.path.basename(f) in ANSWERED_ALONE]
    one_by_one = [["--json", f] for f in files]
    variants = one_by_one + [["--json", *files], ["--json", *answered], ["--json", "--jobs", "1", *reversed(answered)],
                             ["--json", "--max-bytes=1000", *answered], ["--json", "--", *answered], [*answered], ["--help"]]
    for args in variants:
        ours = subprocess.run([binary, "timeline", *args], capture_output=True)
        theirs = subprocess.run([quick, *args], capture_output=True)
        if (ours.stdout, ours.stderr, ours.returncode) != (theirs.stdout, theirs.stderr, theirs.returncode):
            fail(args[-1], f"obsreview-timeline {' '.join(args[:3])}…: output differs from obsreview timeline")
    # The containers it reads itself never reach obsreview: with a fallback that fails, the output still comes.
    alone = subprocess.run([quick, "--json", *answered], capture_output=True, env={**os.environ, "OBSREVIEW_TIMELINE_FALLBACK": "/bin/false"})
    if alone.returncode != 0 or len(alone.stdout.splitlines()) != len(answered):
        fail(quick, f"obsreview-timeline handed MP4/MPEG-TS samples to obsreview (exit {alone.returncode})")

def main():
    binary, samples = sys.argv[1], sys.argv[2]
    files = sorted(f for f in glob.glob(os.path.join(samples, "*")) if not f.endswith((".csv", ".md")))
    run = subprocess.run([binary, "index", "--json", "--keyframes", "--sha256", *files], capture_output=True, text=True)
    lines = run.stdout.splitlines()
    if len(lines) != len(files): fail(samples, f"{len(lines)} JSON lines for {len(files)} files")
    expect_exit = 1 if any(os.path.basename(f) in EXPECTED_ERRORS for f in files) else 0
    if run.returncode != expect_exit: fail(samples, f"exit status {run.returncode}, expected {expect_exit}")
    for path, line in zip(files, lines):
        report = json.loads(line)
        if report["file"] != path: fail(path, f"line is about {report['file']}")
        expected = EXPECTED_ERRORS.get(os.path.basename(path))
        if expected:
            code = report.get("error", {}).get("code")
            if code != expected: fail(path, f"error code {code}, expected {expected}")
            elif len(report["error"]["message"]) < 20: fail(path, "error message too short to help")
        elif "error" in report:
            fail(path, f"refused: {report['error']}")
        else:
            check(path, report)
    # The timeline-only path (decision 23): the same times and discontinuities by the quicker route, the
    # same refusals where the file is cut short or not a video.
    timeline = subprocess.run([binary, "timeline", "--json", *files], capture_output=True, text=True)
    tlines = timeline.stdout.splitlines()
    if len(tlines) != len(files): fail(samples, f"timeline: {len(tlines)} JSON lines for {len(files)} files")
    if timeline.returncode != expect_exit: fail(samples, f"timeline: exit status {timeline.returncode}, expected {expect_exit}")
    for path, line, tline in zip(files, lines, tlines):
        report, quick = json.loads(line), json.loads(tline)
        if "error" in report:
            if quick.get("error", {}).get("code") != report["error"]["code"]:
                fail(path, f"timeline: error {quick.get('error')} where index says {report['error']['code']}")
            continue
        for key in ["keyframes", "discontinuities", "discontinuityCheck"]:
            if quick.get(key) != report.get(key): fail(path, f"timeline: {key} {str(quick.get(key))[:80]} != index {str(report.get(key))[:80]}")
    check_quick_tool(binary, files)
    for f in failures: print("FAIL", f)
    print(f"check-index: {len(files)} samples, {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)

main()
