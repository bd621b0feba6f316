#!/usr/bin/env bash
# Install everything jupyter-mlops and its tests need on a fresh Debian machine, skipping
# what is already there. Safe to run again. Used by scripts/lab.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -e ".[test]"
./scripts/setup-browser.sh
