#!/usr/bin/env bash
# Set up, create the demo facilitator + open demo workshop, and serve on
# http://127.0.0.1:${PORT:-5000}/ (Ctrl-C to stop).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

.venv/bin/flask --app facilitator demo

exec .venv/bin/python -m facilitator serve --host 127.0.0.1 --port "${PORT:-5000}"
