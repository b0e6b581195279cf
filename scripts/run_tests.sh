#!/usr/bin/env bash
# ruff, mypy, the import contract (lint-imports), then pytest on SQLite and again on PostgreSQL when one answers.
# REQUIRE_POSTGRES=1 turns a missing PostgreSQL into a failure; REQUIRE_BROWSER=1 does the same for Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PYTHONHASHSEED=0

echo "== ruff"
$BIN/ruff check src tests bench scripts
$BIN/ruff format --check src tests bench scripts
echo "== mypy"
$BIN/mypy
echo "== import contract"
# The contracts live in pyproject.toml ([tool.importlinter]); src/ first so the checkout is what is analysed.
PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" $BIN/lint-imports --no-cache

PYTEST_ARGS=("$@")
# Two workers fit this project's 2-core machines; override with PYTEST_WORKERS=0 for a serial run.
WORKERS="${PYTEST_WORKERS:-2}"
if [ "$WORKERS" != "0" ]; then PYTEST_ARGS=(-n "$WORKERS" "${PYTEST_ARGS[@]}"); fi

echo "== pytest on SQLite"
env -u DATABASE_URL $BIN/pytest -q "${PYTEST_ARGS[@]}"

PG_URL="${DATABASE_URL:-}"
if [ -z "$PG_URL" ]; then
  if $BIN/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
  then
    PG_URL="postgres://postgres@127.0.0.1:5432/postgres"
  fi
fi
if [ -n "$PG_URL" ]; then
  echo "== pytest on PostgreSQL"
  DATABASE_URL="$PG_URL" $BIN/pytest -q "${PYTEST_ARGS[@]}"
elif [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "REQUIRE_POSTGRES=1 but no PostgreSQL answers on 127.0.0.1:5432 and DATABASE_URL is unset" >&2
  exit 1
else
  echo "== PostgreSQL not reachable: skipped the PostgreSQL run (set REQUIRE_POSTGRES=1 to fail instead)"
fi
