#!/usr/bin/env bash
# The whole test suite, twice: on SQLite (the embedded default) and on a real PostgreSQL server
# started for this run only. Browser tests (tests/e2e) run in both, in headless Debian Chromium.
#
#   bash scripts/test.sh                 everything (installs what is missing the first time)
#   bash scripts/test.sh tests/plans -x  extra arguments go to both pytest runs
#
# Environment: PYTEST_WORKERS=N runs both passes with pytest-xdist in N processes (each PostgreSQL
# worker on its own database; in CI the default is one per core, at most 4, elsewhere 1);
# SKIP_SETUP=1 skips scripts/setup.sh; HUANXIN_DB_TESTS_ONLY=0 runs the database-free tests on PostgreSQL too.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STARTED=$SECONDS

elapsed() { local s=$((SECONDS - STARTED)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
say() { printf '\n[test] %s\n' "$*"; }

if [[ "${SKIP_SETUP:-0}" != 1 ]]; then bash scripts/setup.sh --test; fi
PY="$ROOT/.venv/bin/python"

# --- a throwaway PostgreSQL cluster owned by this run -----------------------------------------
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[[ -x "$PG_BIN/initdb" ]] || { echo "[test] PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
PG_TMP=$(mktemp -d /tmp/huanxin-pg.XXXXXX)
PG_DATA="$PG_TMP/data"
PG_PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) == 0 ]] && chown postgres: "$PG_TMP" && chmod 700 "$PG_TMP"

stop_pg() {
  if [[ -f "$PG_DATA/postmaster.pid" ]]; then as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$PG_TMP"
}
trap stop_pg EXIT
trap 'exit 130' INT TERM

say "starting PostgreSQL ($("$PG_BIN/postgres" --version | awk '{print $3}')) on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-locale >/dev/null
# Durability is not what a throwaway test cluster is for: fsync off makes DDL-heavy tests fast.
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $PG_PORT -k $PG_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$PG_TMP/server.log" >&2; exit 1; }
WORKERS=${PYTEST_WORKERS:-}
if [[ -z "$WORKERS" ]]; then
  WORKERS=1
  if [[ "${CI:-}" == true ]]; then WORKERS=$(( $(nproc) < 4 ? $(nproc) : 4 )); fi
fi
dbs=(huanxin_test huanxin_e2e)
for ((k = 0; k < WORKERS; k++)); do dbs+=("huanxin_test_gw$k" "huanxin_e2e_gw$k"); done
for db in "${dbs[@]}"; do
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$db"
done
PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT"

# --- the two runs -------------------------------------------------------------------------------
RESULTS=(); FAILED=0
run_pytest() {  # name, then `env` arguments and the command; records the outcome in RESULTS
  local name=$1; shift
  local started=$SECONDS code=0
  say "pytest on $name"
  env "$@" || code=$?
  local took=$((SECONDS - started))
  if [[ $code == 0 || $code == 5 ]]; then   # 5: no tests collected, not a failure
    RESULTS+=("$name passed (${took}s)")
  else
    RESULTS+=("$name FAILED with pytest exit code $code (${took}s)"); FAILED=1
  fi
}

PYTEST=("$PY" -m pytest -p no:cacheprovider -rfEs)
# In CI the slowest tests are listed, so that the next trim of the run starts from figures.
if [[ "${CI:-}" == true ]]; then PYTEST+=(--durations=15); fi
xdist=()
if [[ "$WORKERS" != 1 ]]; then xdist=(-n "$WORKERS"); fi

run_pytest "SQLite" -u HUANXIN_DB_TESTS_ONLY -u HUANXIN_TEST_DATABASE_URL -u HUANXIN_E2E_DATABASE_URL -u HUANXIN_DATABASE_URL \
  "${PYTEST[@]}" "${xdist[@]}" "$@"
# The second pass runs the tests that reach a database (tests/conftest.py): the rest cannot
# answer differently on PostgreSQL. HUANXIN_DB_TESTS_ONLY=0 runs everything on both.
run_pytest "PostgreSQL" -u HUANXIN_DATABASE_URL HUANXIN_DB_TESTS_ONLY="${HUANXIN_DB_TESTS_ONLY:-1}" \
  HUANXIN_TEST_DATABASE_URL="$PG_URL/huanxin_test" HUANXIN_E2E_DATABASE_URL="$PG_URL/huanxin_e2e" \
  "${PYTEST[@]}" "${xdist[@]}" "$@"

# Static checks (ruff, mypy strict) only on a whole-suite run, not when a subset was asked for.
if [[ $# == 0 ]]; then
  say "static checks (ruff, mypy --strict)"
  started=$SECONDS
  if bash scripts/check.sh; then RESULTS+=("lint passed ($((SECONDS - started))s)")
  else RESULTS+=("lint FAILED"); FAILED=1; fi
fi

summary=$(IFS=';'; echo "${RESULTS[*]}" | sed 's/;/ · /g')
if [[ $FAILED == 0 ]]; then
  printf '\n[test] OK: %s · total %s\n' "$summary" "$(elapsed)"
else
  printf '\n[test] FAILED: %s · total %s\n' "$summary" "$(elapsed)" >&2
fi
exit "$FAILED"
