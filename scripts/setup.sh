#!/usr/bin/env bash
# Idempotent developer/CI setup for Personaverkstad.
#
#   bash scripts/setup.sh          # venv + Python deps, npm deps, vendored JS, translations
#   bash scripts/setup.sh --test   # ... plus Chromium/ChromeDriver, PostgreSQL, Redis
#
# Safe to run from any directory and as often as you like: expensive steps
# (pip install, npm ci) only run again when their inputs changed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

WANT_TEST=0
for arg in "$@"; do
    case "$arg" in
        --test) WANT_TEST=1 ;;
        -h|--help)
            sed -n '2,8p' "$0"
            exit 0
            ;;
        *)
            echo "setup: unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

sha() { sha256sum | cut -d' ' -f1; }

# Run a command as root (directly if we are root, else through sudo).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root for: $*"
    fi
}

# ---------------------------------------------------------------- Python ----
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

find_python() {
    local cand
    for cand in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$cand" ] || continue
        command -v "$cand" >/dev/null 2>&1 || continue
        if "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$cand"
            return 0
        fi
    done
    return 1
}

if [ -x "$PY" ] && ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    say "existing .venv is broken or older than Python 3.11; recreating it"
    rm -rf "$VENV"
fi

if [ ! -x "$PY" ]; then
    BASE_PY="$(find_python)" || die "Python >= 3.11 not found (set PYTHON=/path/to/python3.11)"
    say "creating .venv with $BASE_PY ($("$BASE_PY" -c 'import platform; print(platform.python_version())'))"
    "$BASE_PY" -m venv "$VENV"
fi

# The editable install's import finder records the top-level packages that
# existed at install time, so a new top-level package also needs a reinstall.
top_level_pkgs() {
    local d
    for d in */__init__.py; do
        [ -e "$d" ] && printf '%s\n' "${d%/__init__.py}"
    done
    return 0
}

PIP_STAMP="$VENV/.setup-pip.stamp"
pip_want="$( {
    sha256sum pyproject.toml
    "$PY" -c 'import sys; print(sys.version)'
    top_level_pkgs
} | sha)"
if [ "$(cat "$PIP_STAMP" 2>/dev/null || true)" != "$pip_want" ]; then
    say "installing Python dependencies (pip install -e '.[test]')"
    "$PY" -m pip install --quiet --disable-pip-version-check -e '.[test]'
    printf '%s\n' "$pip_want" >"$PIP_STAMP"
else
    say "Python dependencies up to date"
fi

# ------------------------------------------------------------ JavaScript ----
command -v npm >/dev/null 2>&1 || die "npm not found (install Node.js >= 18)"

NPM_STAMP="$ROOT/node_modules/.setup-npm.stamp"
npm_want="$(sha256sum package-lock.json | sha)"
if [ "$(cat "$NPM_STAMP" 2>/dev/null || true)" != "$npm_want" ] \
    || [ ! -f node_modules/socket.io-client/dist/socket.io.min.js ]; then
    say "installing JavaScript dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s\n' "$npm_want" >"$NPM_STAMP"
else
    say "JavaScript dependencies up to date"
fi

VENDOR="$ROOT/facilitator/static/vendor"
mkdir -p "$VENDOR"
copied=0
for f in socket.io.min.js socket.io.min.js.map; do
    src="node_modules/socket.io-client/dist/$f"
    [ -f "$src" ] || continue
    if ! cmp -s "$src" "$VENDOR/$f"; then
        cp "$src" "$VENDOR/$f"
        copied=1
    fi
done
[ -f "$VENDOR/socket.io.min.js" ] || die "socket.io.min.js missing after npm ci"
if [ "$copied" -eq 1 ]; then
    say "vendored socket.io-client $(node -p 'require("./node_modules/socket.io-client/package.json").version' 2>/dev/null || echo '?') into facilitator/static/vendor/"
else
    say "vendored JS up to date"
fi

# ---------------------------------------------------------- Translations ----
TRANSLATIONS="$ROOT/facilitator/translations"
if [ -d "$TRANSLATIONS" ]; then
    stale=0
    have_po=0
    while IFS= read -r -d '' po; do
        have_po=1
        mo="${po%.po}.mo"
        if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
            stale=1
        fi
    done < <(find "$TRANSLATIONS" -name '*.po' -print0)
    if [ "$have_po" -eq 0 ]; then
        say "no .po files in facilitator/translations yet; skipping compile"
    elif [ "$stale" -eq 1 ]; then
        say "compiling translations"
        "$VENV/bin/pybabel" -q compile -d "$TRANSLATIONS"
    else
        say "translations up to date"
    fi
fi

# ------------------------------------------------------ Runtime (apt) ----
# The report needs these at run time, for the demo as for the tests: WeasyPrint's Pango and HarfBuzz (PDF),
# librsvg's rsvg-convert (the charts as PNG in the DOCX), and fonts with æøå, « » and emoji.
APT_RUNTIME_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 librsvg2-bin fonts-dejavu-core fonts-noto-color-emoji"

# ensure_apt PRESENT-MESSAGE PACKAGE...: install the Debian packages that are missing, or say PRESENT-MESSAGE.
ensure_apt() {
    local present="$1"; shift
    local missing="" pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        say "installing$missing (apt)"
        export DEBIAN_FRONTEND=noninteractive
        as_root apt-get -o DPkg::Lock::Timeout=600 update -q </dev/null
        # shellcheck disable=SC2086
        as_root apt-get -o DPkg::Lock::Timeout=600 install -y -q $missing </dev/null
    else
        say "$present"
    fi
}

# shellcheck disable=SC2086
ensure_apt "report libraries (Pango, librsvg, fonts) present" $APT_RUNTIME_PACKAGES

# ------------------------------------------------------- Test services ----
if [ "$WANT_TEST" -eq 1 ]; then
    # Browser tests: Debian's Chromium and its driver (the fonts come with the runtime packages above).
    # nginx: the scale-out test runs two processes behind it (tests/load/test_scaleout.py, deploy/nginx/).
    APT_TEST_PACKAGES="chromium chromium-driver nginx"
    # shellcheck disable=SC2086
    ensure_apt "chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}') present" $APT_TEST_PACKAGES

    wait_for() {  # wait_for NAME CHECK-COMMAND...
        local name="$1"; shift
        local i
        for i in $(seq 1 60); do
            if "$@" >/dev/null 2>&1; then
                return 0
            fi
            sleep 0.5
        done
        die "$name did not come up within 30 s"
    }

    pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
    if pg_up; then
        say "PostgreSQL is up"
    else
        say "starting PostgreSQL"
        # shellcheck disable=SC2046
        as_root pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start || true
        wait_for PostgreSQL pg_up
    fi

    redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
    if redis_up; then
        say "Redis is up"
    else
        say "starting Redis"
        as_root mkdir -p /var/lib/redis /var/log/redis
        as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
            --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
        wait_for Redis redis_up
    fi

    PSQL=(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -tAq)
    if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'test'")" = "1" ]; then
        say "PostgreSQL database 'test' exists"
    else
        say "creating PostgreSQL database 'test'"
        "${PSQL[@]}" -c 'CREATE DATABASE test'
    fi
fi

say "setup done"
