#!/usr/bin/env bash
# Run the whole pytest suite twice: on SQLite and on PostgreSQL (side by side; PV_TEST_SERIAL=1: one after the other).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -x -k socket`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --test

PG_URL="${TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"

header() {
    printf '\n'
    printf '=%.0s' $(seq 1 72); printf '\n'
    printf '== %s\n' "$*"
    printf '=%.0s' $(seq 1 72); printf '\n'
}

# pytest exit codes: 0 ok, 1 failures, 2 interrupted, 3 internal, 4 usage,
# 5 no tests collected. Everything but 0 is a failure here.
run_pytest() {
    local rc=0
    .venv/bin/python -m pytest "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "test.sh: pytest collected no tests (exit 5): counting as failure" >&2
    fi
    return "$rc"
}

# The two runs share nothing (each test makes its own SQLite files, PostgreSQL schema or database, Redis and
# ports), and most of the suite waits on browsers, servers and timers rather than computing, so by default
# they run side by side, each line prefixed with its database. PV_TEST_SERIAL=1 runs them one after the
# other with plain output.
mkdir -p test-artifacts
# The tests marked `rendering` (axe over every page and state, zoom, the XSS corpus in a browser) check what
# a browser shows; the database under the page does not change that, and every write path they use is
# tested on both databases in tests/web. Those marked `one_database` check nothing a database changes (the
# import walk, the documents, the bench scripts) or are feature flows in a browser whose writes tests/web
# covers on both; the phone-and-wall flow and the rounds flow run on both. Both kinds run in the SQLite
# pass only. Those marked `one_pass` need no database (the import walk, the bench smoke runs) and run once,
# in the PostgreSQL pass, the shorter one. This keeps CI well under 30 min.
run_on() {  # run_on NAME DATABASE_URL ARGS...: pytest on one database, its cache apart from the other run's
    local name="$1" url="$2"
    shift 2
    local only=()
    if [ -n "$url" ]; then
        export DATABASE_URL="$url"; only=(-m "not rendering and not one_database")
    else
        unset DATABASE_URL; only=(-m "not one_pass")
    fi
    run_pytest -o cache_dir=".pytest_cache/$name" --basetemp="${TMPDIR:-/tmp}/pv-pytest-$name" --durations=10 "${only[@]}" "$@"
}

sqlite_rc=0
pg_rc=0
if [ "${PV_TEST_SERIAL:-0}" = "1" ]; then
    header "pytest on SQLite (no DATABASE_URL)"
    (run_on sqlite "" "$@") || sqlite_rc=$?
    header "pytest on PostgreSQL (DATABASE_URL=$PG_URL)"
    (run_on postgresql "$PG_URL" "$@") || pg_rc=$?
else
    header "pytest on SQLite [sqlite] and on PostgreSQL [postgresql] (DATABASE_URL=$PG_URL), side by side"
    started=$SECONDS
    ( set +e; (run_on sqlite "" "$@") 2>&1 | sed -u 's/^/[sqlite] /'; exit "${PIPESTATUS[0]}" ) &
    sqlite_pid=$!
    ( set +e; (run_on postgresql "$PG_URL" "$@") 2>&1 | sed -u 's/^/[postgresql] /'; exit "${PIPESTATUS[0]}" ) &
    pg_pid=$!
    wait "$sqlite_pid" || sqlite_rc=$?
    wait "$pg_pid" || pg_rc=$?
    echo "both runs took $((SECONDS - started)) s"
fi

header "summary"
echo "SQLite run:     $([ "$sqlite_rc" -eq 0 ] && echo OK || echo "FAILED (exit $sqlite_rc)")"
echo "PostgreSQL run: $([ "$pg_rc" -eq 0 ] && echo OK || echo "FAILED (exit $pg_rc)")"

if [ "$sqlite_rc" -ne 0 ] || [ "$pg_rc" -ne 0 ]; then
    exit 1
fi
