#!/usr/bin/env bash
# Static checks: ruff on the package, tests and benchmarks; mypy --strict on the package.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests bench
echo "ruff: clean"
.venv/bin/mypy src/huanxin
