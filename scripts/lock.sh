#!/usr/bin/env bash
# lock.sh: refreshes constraints.txt, the exact versions `make run` and `make test` install.
# It resolves pyproject.toml's ranges afresh in a throw-away venv (no constraints), then freezes
# what pip chose. Run it (`make lock`) when pyproject.toml's ranges change or to take updates,
# then run `make test` and commit both files together.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PY" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --upgrade pip
"$tmp/venv/bin/python" -m pip install -q '.[dev]'
{
  echo "# The exact versions make run / make test install (pip -c). Refresh with: make lock"
  echo "# (scripts/lock.sh resolves pyproject.toml's ranges in a fresh venv and freezes them)."
  "$tmp/venv/bin/python" -m pip freeze --all --exclude backorder-desktop | grep -v '^setuptools==\|^wheel=='
} > constraints.txt
echo "lock: wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)" >&2
