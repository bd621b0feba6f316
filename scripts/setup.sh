#!/usr/bin/env bash
# Install everything jupyter-mlops and its tests need on a fresh Debian machine, skipping
# what is already there. Safe to run again. Used by scripts/test.sh (scripts/lab.sh needs only
# scripts/setup-lab.sh, which this runs first).
set -euo pipefail
cd "$(dirname "$0")/.."

# The package with its test extra, the Docker engine and base image.
./scripts/setup-lab.sh test  # the test extra holds the examples one
./scripts/setup-browser.sh
# Airflow for the export tests, in its own cached virtual environment (the `airflow` extra).
if ! ./scripts/setup-airflow.sh; then
    echo "!!!!!!!!!! WARNING: scripts/setup-airflow.sh failed: the Airflow tests in tests/export will be SKIPPED" >&2
fi
