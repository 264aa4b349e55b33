#!/usr/bin/env bash
# The test suite in three passes, with one throwaway PostgreSQL cluster and one redis-server on
# loopback (started here, stopped on exit, also on failure or Ctrl-C):
#   SQLite      every test but the browser's, on the suite's set date (tests/conftest.py);
#   PostgreSQL  every test that touches the database, the browser tests included;
#   2027 clock  the SQLite pass again with the clock on 2 January 2027, a new year whose
#               numbering, ranges and reminders start empty (catches rules tied to one year).
# So a test that needs no database, and a browser test, runs once. Arguments go to pytest:
# scripts/test.sh -k tenancy -x
# Exit code: 0 only when every pass passes; pytest's 5 (no tests collected) counts as a failure.
# Needs the venv (make test makes it) and Debian's redis-server and postgresql.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
PYTEST=.venv/bin/pytest
if [ ! -x "$PYTEST" ]; then
    echo "test.sh: $PYTEST is missing: run \`make test\`" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plomba-test.XXXXXX")
chmod 755 "$tmp"  # the cluster's directory below belongs to the postgres user
pg_stop=""
redis_stop=""

cleanup() {
    trap - EXIT INT TERM HUP
    if [ -n "$redis_stop" ]; then
        $redis_stop > /dev/null 2>&1
    fi
    if [ -f "$tmp/redis/redis.pid" ]; then  # started, but its stop command never arrived
        kill "$(cat "$tmp/redis/redis.pid")" 2> /dev/null
    fi
    if [ -n "$pg_stop" ]; then
        $pg_stop > /dev/null 2>&1
    fi
    if [ -f "$tmp/postgres/data/postmaster.pid" ]; then
        kill -INT "$(head -n 1 "$tmp/postgres/data/postmaster.pid")" 2> /dev/null
        for _ in $(seq 50); do
            [ -f "$tmp/postgres/data/postmaster.pid" ] || break
            sleep 0.1
        done
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "test.sh: interrupted" >&2; exit 130' INT TERM HUP

start() {  # start KIND: prints the URL; the stop command goes into $tmp/KIND.stop
    local kind=$1
    if ! "$PY" -m tests.services "$kind" "$tmp/$kind" > "$tmp/$kind.url" 2> "$tmp/$kind.err"; then
        echo "test.sh: could not start $kind:" >&2
        cat "$tmp/$kind.err" >&2
        return 1
    fi
}

start redis || exit 1
redis_url=$(tail -n 1 "$tmp/redis.url")
redis_stop=$(tail -n 1 "$tmp/redis.err")
start postgres || exit 1
pg_url=$(tail -n 1 "$tmp/postgres.url")
pg_stop=$(tail -n 1 "$tmp/postgres.err")

export TEST_REDIS_URL=$redis_url
unset TEST_DATABASE_URL

flush_redis() {
    "$PY" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1]).flushall()' "$redis_url"
}

echo "== SQLite =="
t0=$SECONDS
PLOMBA_TEST_PASS=sqlite "$PYTEST" "$@"
sqlite_rc=$?
sqlite_time=$((SECONDS - t0))

flush_redis
echo
echo "== PostgreSQL =="
t0=$SECONDS
PLOMBA_TEST_PASS=postgres TEST_DATABASE_URL=$pg_url "$PYTEST" "$@"
pg_rc=$?
pg_time=$((SECONDS - t0))

flush_redis
echo
echo "== SQLite, clock on 2 January 2027 =="
t0=$SECONDS
PLOMBA_TEST_PASS=clock PLOMBA_TEST_NOW=2027-01-02T08:30:00+01:00 "$PYTEST" "$@"
clock_rc=$?
clock_time=$((SECONDS - t0))

verdict() { [ "$1" -eq 0 ] && echo "passed" || echo "FAILED (pytest exit $1)"; }
echo
echo "== Summary =="
echo "SQLite:      $(verdict $sqlite_rc) in ${sqlite_time}s"
echo "PostgreSQL:  $(verdict $pg_rc) in ${pg_time}s"
echo "2027 clock:  $(verdict $clock_rc) in ${clock_time}s"

for rc in "$sqlite_rc" "$pg_rc" "$clock_rc"; do
    if [ "$rc" -ne 0 ]; then
        exit "$rc"
    fi
done
exit 0
