#!/usr/bin/env bash
# Set up, create the demo facilitator + open demo workshop, and serve on
# http://127.0.0.1:${PORT:-5000}/ (Ctrl-C to stop).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

PORT="${PORT:-5000}"
HOST="${PV_HOST:-127.0.0.1}"
.venv/bin/flask --app facilitator demo --base-url "${PV_PUBLIC_URL:-http://127.0.0.1:$PORT}"

exec .venv/bin/python -m facilitator serve --host "$HOST" --port "$PORT"
