#!/usr/bin/env bash
# Idempotent set-up of a Debian 12 machine for Huanxin, shared by scripts/demo.sh and scripts/test.sh.
#
#   bash scripts/setup.sh          system packages for the app, .venv with the package, npm assets
#   bash scripts/setup.sh --test   also Chromium (browser tests) and PostgreSQL (the second test run)
#
# System packages are installed only when missing (root, or via sudo when available); everything
# else is skipped when already up to date, so running it twice costs a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*"; }
PYTHON=${PYTHON:-python3}

# --- system packages (Debian) ---------------------------------------------------------------
has_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  # Debian's npm pulls nodejs; ask for both so a half-installed machine is completed.
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
has_deb fonts-noto-cjk || missing+=(fonts-noto-cjk)  # Chinese text in the briefing's charts
if [[ $WITH_TEST == 1 ]]; then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
fi

if ((${#missing[@]})); then
  SUDO=()
  if [[ $(id -u) != 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else SUDO=(none); fi
  fi
  if [[ ${SUDO[*]-} == none ]]; then
    echo "[setup] missing system packages: ${missing[*]}" >&2
    echo "[setup] install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Another apt (an unattended upgrade, a second set-up) may hold the lock: wait for it, up to
  # ten minutes, instead of failing at once.
  APT=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  "${APT[@]}" update -qq
  "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "system packages present"
fi

# --- Python virtual environment --------------------------------------------------------------
# A venv whose pip no longer runs (an interrupted upgrade) is rebuilt rather than patched.
if [[ -x .venv/bin/python ]] && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  say "the .venv's pip is broken: rebuilding .venv"
  rm -rf .venv
fi
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi
# Every version comes from requirements.txt (the versions the tests passed on), the demo's and
# the tests' alike: one lock, so the demo never runs on versions the suite did not see.
stamp=".venv/.huanxin-installed"
want="$(cat pyproject.toml requirements.txt | sha256sum | cut -d' ' -f1)"
have=$(cat "$stamp" 2>/dev/null || true)
if [[ -x .venv/bin/huanxin && "$have" == "$want" ]]; then
  say "python packages up to date (requirements.txt)"
else
  say "pip install --require-hashes -r requirements.txt, then the package itself (-e . --no-deps)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  .venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check >&2; exit 1; }
  echo "$want" > "$stamp"
fi

# --- front-end assets (served by the app itself, no CDN) -------------------------------------
if [[ -f package.json ]]; then
  lock_sum=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [[ -d node_modules && "$(cat node_modules/.huanxin-installed 2>/dev/null || true)" == "$lock_sum" ]]; then
    say "npm packages up to date"
  else
    if [[ -f package-lock.json ]]; then
      say "npm ci"; npm ci --no-audit --no-fund --loglevel=error
    else
      say "npm install"; npm install --no-audit --no-fund --loglevel=error
    fi
    echo "$lock_sum" > node_modules/.huanxin-installed
  fi
else
  say "no package.json: skipping npm"
fi
say "ready"
