#!/usr/bin/env bash
# Set up, create the demo facilitator + open demo workshop, and serve on
# http://127.0.0.1:${PORT:-5000}/ (Ctrl-C to stop).
#
# --lan: serve the phones in the room instead: listen on the laptop's private address on the local network
# (python -m facilitator.lan reads it from the laptop's own interfaces), print links with that address and
# allow plain HTTP (python -m facilitator serve --lan; docs/deployment.md, "Single laptop").
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

LAN=""
for arg in "$@"; do
    case "$arg" in
        --lan) LAN=1 ;;
        *) echo "usage: bash scripts/demo.sh [--lan]" >&2; exit 2 ;;
    esac
done

bash scripts/setup.sh

PORT="${PORT:-5000}"
HOST="${PV_HOST:-127.0.0.1}"
if [[ -n "$LAN" ]]; then
    ADDRESS="$(.venv/bin/python -m facilitator.lan)" || exit 1
    .venv/bin/flask --app facilitator demo --base-url "http://$ADDRESS:$PORT"
    exec .venv/bin/python -m facilitator serve --lan --port "$PORT"
fi
.venv/bin/flask --app facilitator demo --base-url "${PV_PUBLIC_URL:-http://127.0.0.1:$PORT}"

exec .venv/bin/python -m facilitator serve --host "$HOST" --port "$PORT"
