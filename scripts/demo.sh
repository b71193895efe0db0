#!/usr/bin/env bash
# The README's first command: set everything up, build the demo database and serve it.
#   bash scripts/demo.sh                 http://127.0.0.1:8000, prints every role's login
#   bash scripts/demo.sh --rebuild --port 8080   arguments go to `huanxin demo`
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/huanxin demo "$@"
