#!/usr/bin/env bash
# Static checks: ruff (lint) and mypy (strict) on the package, tests and benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check src tests bench
.venv/bin/mypy src/huanxin
