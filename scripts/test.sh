#!/usr/bin/env bash
# Run the whole pytest suite twice: on SQLite, then on PostgreSQL.
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

sqlite_rc=0
header "pytest on SQLite (no DATABASE_URL)"
(unset DATABASE_URL; run_pytest "$@") || sqlite_rc=$?

pg_rc=0
header "pytest on PostgreSQL (DATABASE_URL=$PG_URL)"
DATABASE_URL="$PG_URL" run_pytest "$@" || pg_rc=$?

header "summary"
echo "SQLite run:     $([ "$sqlite_rc" -eq 0 ] && echo OK || echo "FAILED (exit $sqlite_rc)")"
echo "PostgreSQL run: $([ "$pg_rc" -eq 0 ] && echo OK || echo "FAILED (exit $pg_rc)")"

if [ "$sqlite_rc" -ne 0 ] || [ "$pg_rc" -ne 0 ]; then
    exit 1
fi
