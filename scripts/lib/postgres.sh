# A throwaway PostgreSQL 15 server for the storage tests. Source this file, then call start_test_postgres.
# shellcheck shell=bash
#
# start_test_postgres: when OBSREVIEW_TEST_POSTGRES_URL is already set, uses that server and does nothing else.
# Otherwise installs Debian's postgresql package if missing, creates a cluster in a temporary folder owned by
# the postgres user (initdb refuses to run as root), starts it on 127.0.0.1:${OBSREVIEW_TEST_POSTGRES_PORT:-54329}
# with fsync off and room for 1,000 connections, waits until it accepts connections, exports
# OBSREVIEW_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres and stops it on exit.

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
# The suite runs its tests in parallel, each on a database of its own with a pool of up to 10 connections (and one
# for the admin store that creates the database): with PostgreSQL's default of 100 the server refused connections
# ("sorry, too many clients already") in a full run, and whichever tests asked then failed with "The database
# operation failed". A full run peaked at 236 (docs/operations.md, Tests and CI).
_TEST_PG_MAX_CONNECTIONS="${OBSREVIEW_TEST_POSTGRES_MAX_CONNECTIONS:-1000}"
_TEST_PG_DIR=""

# Runs a command as the postgres user when we are root, as ourselves otherwise.
_as_pg_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
    else
        "$@"
    fi
}

start_test_postgres() {
    if [ -n "${OBSREVIEW_TEST_POSTGRES_URL:-}" ]; then
        echo "using the PostgreSQL server in OBSREVIEW_TEST_POSTGRES_URL" >&2
        return 0
    fi
    if [ ! -x "$PG_BIN/initdb" ]; then
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        echo "installing Debian's postgresql package" >&2
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    fi
    local port="${OBSREVIEW_TEST_POSTGRES_PORT:-54329}"
    _TEST_PG_DIR="$(mktemp -d -t obsreview-pg.XXXXXX)"
    chmod 755 "$_TEST_PG_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$_TEST_PG_DIR"
    _as_pg_owner "$PG_BIN/initdb" -D "$_TEST_PG_DIR/data" -U postgres --auth=trust --no-sync >"$_TEST_PG_DIR/initdb.log" 2>&1 \
        || { cat "$_TEST_PG_DIR/initdb.log" >&2; return 1; }
    trap stop_test_postgres EXIT
    _as_pg_owner "$PG_BIN/pg_ctl" -D "$_TEST_PG_DIR/data" -l "$_TEST_PG_DIR/server.log" -w -t 30 \
        -o "-p $port -k $_TEST_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=$_TEST_PG_MAX_CONNECTIONS" \
        start >/dev/null || { cat "$_TEST_PG_DIR/server.log" >&2; return 1; }
    local tries=0
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        tries=$((tries + 1))
        [ "$tries" -ge 50 ] && { echo "PostgreSQL did not become ready; see $_TEST_PG_DIR/server.log" >&2; return 1; }
        sleep 0.2
    done
    export OBSREVIEW_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "test PostgreSQL running at $OBSREVIEW_TEST_POSTGRES_URL (data in $_TEST_PG_DIR)" >&2
}

# Stops the throwaway server and removes its folder; safe to call twice.
stop_test_postgres() {
    [ -n "$_TEST_PG_DIR" ] || return 0
    _as_pg_owner "$PG_BIN/pg_ctl" -D "$_TEST_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$_TEST_PG_DIR"
    _TEST_PG_DIR=""
}
