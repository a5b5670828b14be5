#!/usr/bin/env bash
# End to end: recordings become Recordings with indexing jobs (`obsreview ingest`), and `obsreview worker`
# indexes each in a child process: good files become ready with thumbnails and a proxy, a damaged file is
# rejected with its reason, a child that overruns its time limit is killed and the job retried later.
# Usage: scripts/check-worker.sh OBSREVIEW_BINARY
set -euo pipefail
BIN="$1"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
cd "$DIR"
fail() { echo "check-worker: $*" >&2; exit 1; }
q() { sqlite3 data/obsreview.sqlite "$1"; }

"$BIN" import "$ROOT/samples/ratings.csv" > /dev/null
"$BIN" ingest "$ROOT/samples/observation-h264-aac.mp4" "$ROOT/samples/phone-portrait-hevc.mov" --observation OBS-2026-0001 > /dev/null
"$BIN" ingest "$ROOT/samples/corrupt-truncated.mp4" --observation OBS-2026-0002 > /dev/null
# Ingesting the same file again for the same observation stores nothing new.
"$BIN" ingest "$ROOT/samples/observation-h264-aac.mp4" --observation OBS-2026-0001 | grep -q "already stored" || fail "a repeated ingest was stored twice"
[ "$(q "SELECT COUNT(*) FROM jobs")" = 3 ] || fail "expected 3 indexing jobs"

"$BIN" worker --once
[ "$(q "SELECT status FROM recordings WHERE file_name = 'observation-h264-aac.mp4'")" = ready ] || fail "the MP4 is not ready"
[ "$(q "SELECT status FROM recordings WHERE file_name = 'phone-portrait-hevc.mov'")" = ready ] || fail "the HEVC recording is not ready"
q "SELECT rejection_reason FROM recordings WHERE file_name = 'corrupt-truncated.mp4'" | grep -q "cut short" || fail "the damaged file was not rejected with its reason"
[ "$(q "SELECT COUNT(*) FROM recording_indexes")" = 2 ] || fail "expected 2 stored index reports"
ls data/media/*/*/proxy.mp4 > /dev/null || fail "no proxy was written"
ls data/media/*/*/poster.jpg > /dev/null || fail "no poster was written"
[ "$(q "SELECT COUNT(*) FROM jobs WHERE state = 'done'")" = 3 ] || fail "not every job is done"

# A child that overruns its limit is killed; the job waits to be retried, the worker carries on.
"$BIN" ingest "$ROOT/samples/room-camera-vp9-opus.webm" --observation OBS-2026-0003 > /dev/null
"$BIN" worker --once --timeout 0.001
[ "$(q "SELECT state FROM jobs WHERE state <> 'done'")" = failed ] || fail "the overrun job was not marked for retry"
q "SELECT last_error FROM jobs WHERE state = 'failed'" | grep -q "longer than" || fail "the overrun was not recorded"
[ "$(q "SELECT status FROM recordings WHERE file_name = 'room-camera-vp9-opus.webm'")" = indexing ] || fail "the overrun recording moved on"
"$BIN" verify > /dev/null || fail "the audit trail does not verify"
echo "check-worker: ingest, isolated indexing (ready, rejected with reason, killed on overrun) all as expected"
