#!/usr/bin/env bash
# The OpenAPI document against the live server: starts `obsreview serve --demo` on a free port with a
# throwaway data folder, signs in, makes API tokens, and runs schemathesis against /openapi.json as the lead
# (who may do most) and as the auditor (who may change nothing, so 403s are exercised too). Fails if
# schemathesis finds a server error, a response that breaks the schema, an undocumented status code or a
# wrong content type.
# Usage: scripts/check-api.sh [path/to/obsreview]   (default: the debug build)
# SCHEMATHESIS_SEED picks another fuzzing seed; SCHEMA=path/to/openapi.json checks that document instead of the
# one the binary serves (SCHEMA=Sources/ReviewServer/API/openapi.json tries an edit of the document without rebuilding).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"
BIN="${1:-$(swift build --show-bin-path)/obsreview}"
SCHEMATHESIS_VERSION=4.32.5
python3 -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$SCHEMATHESIS_VERSION')" 2>/dev/null \
    || python3 -m pip install -q "schemathesis==$SCHEMATHESIS_VERSION" 2>&1 | grep -v -i "warning" || true

DATA="$(mktemp -d /tmp/obsreview-api.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
"$BIN" serve --demo --samples samples --hostname 127.0.0.1 --port "$PORT" --data "$DATA" --bcrypt-cost 4 >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() {
    local status=$?
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    if [ "$status" -ne 0 ]; then echo "--- server log (tail) ---" >&2; tail -40 "$DATA/server.log" >&2; fi
    rm -rf "$DATA"
    exit "$status"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
    curl -sf "$BASE/readyz" >/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
    sleep 0.5
done

# Signs in as $1 and prints a fresh API token's secret.
token_for() {
    python3 - "$BASE" "$1" <<'PY'
import json, sys, urllib.request, http.cookiejar
base, user = sys.argv[1], sys.argv[2]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
def post(path, body, headers={}):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    return json.load(opener.open(request))
session = post("/api/v1/session", {"username": user, "password": "practice-review-demo"})
print(post("/api/v1/tokens", {"name": "schemathesis"}, {"X-CSRF-Token": session["csrfToken"]})["secret"])
PY
}

run_schemathesis() {
    local who="$1" examples="$2"
    local secret
    secret="$(token_for "$who")"
    log "schemathesis as $who ($examples examples per operation)"
    # Signing out would end nothing (a bearer token has no session), but revoking tokens (one, or all by
    # signing out everywhere) and sign-in throttling (sign-in, password change) would make later requests fail
    # for reasons the schema already documents: left out.
    # A tus PATCH's body is raw bytes (application/offset+octet-stream), which schemathesis cannot make: the tus suites
    # and scripts/test-tus.py exercise it.
    # One worker: with two, hypothesis's ast.parse in two threads at once fails now and then on CPython 3.11
    # ("SystemError: AST constructor recursion depth mismatch"), a runtime error that is nobody's finding.
    # From the data folder: schemathesis keeps its cache (.schemathesis/) in the working directory.
    (cd "$DATA" && st run "${SCHEMA:-$BASE/openapi.json}" --url "$BASE" \
        --header "Authorization: Bearer $secret" \
        --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
        --max-examples "$examples" --seed "${SCHEMATHESIS_SEED:-20261122}" --workers 1 --request-timeout 20 \
        --exclude-operation-id signIn --exclude-operation-id revokeToken --exclude-operation-id signOut \
        --exclude-operation-id signOutEverywhere --exclude-operation-id changePassword --exclude-operation-id startSecondFactor \
        --exclude-operation-id tusPatch \
        --suppress-health-check all --warnings off)
}
run_schemathesis lead 25
run_schemathesis auditor 8
log "schemathesis: no server error, no response outside the schema"
