#!/usr/bin/env bash
# End to end, as a user would: import the sample ratings into a fresh SQLite database, verify the audit
# trail, tamper with one rating event behind the store's back, and check that verify names it.
# Usage: scripts/check-store.sh OBSREVIEW_BINARY
set -euo pipefail
BIN="$1"
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
DB="sqlite://$DIR/check.sqlite"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$BIN" import "$ROOT/samples/ratings.csv" --database "$DB" | grep -q "disputes opened       9" || { echo "check-store: the sample should open 9 disputes" >&2; exit 1; }
"$BIN" verify --database "$DB" | grep -q "intact" || { echo "check-store: a fresh import does not verify" >&2; exit 1; }
# A bad file is refused whole, naming the line.
printf '%s\n' "$(head -1 "$ROOT/samples/ratings.csv")" "OBS-X,C-X,Name,SW1,Northshire County Council,2026-01-01,Visit,assessor,A,National Accreditation Body,9,too high,2026-01-02T00:00:00Z" > "$DIR/bad.csv"
if "$BIN" import "$DIR/bad.csv" --database "$DB" 2> "$DIR/bad.err"; then echo "check-store: a score of 9 was imported" >&2; exit 1; fi
grep -q "bad.csv:2: score" "$DIR/bad.err" || { echo "check-store: the bad row's line was not named" >&2; cat "$DIR/bad.err" >&2; exit 1; }
# Tamper: the append-only trigger must be dropped first, as an intruder with file access would.
TARGET=$(sqlite3 "$DIR/check.sqlite" "SELECT sequence FROM audit_events WHERE action = 'rating.recorded' ORDER BY sequence LIMIT 1 OFFSET 10")
sqlite3 "$DIR/check.sqlite" "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET reason = 'edited' WHERE sequence = $TARGET;"
status=0
"$BIN" verify --database "$DB" 2> "$DIR/verify.err" || status=$?
[ "$status" -eq 3 ] || { echo "check-store: verify exited $status after tampering, expected 3" >&2; exit 1; }
grep -q "BROKEN at event $TARGET " "$DIR/verify.err" || { echo "check-store: verify did not name event $TARGET:" >&2; cat "$DIR/verify.err" >&2; exit 1; }
echo "check-store: import, verify, refusal of a bad row and detection of tampered event $TARGET all as expected"
