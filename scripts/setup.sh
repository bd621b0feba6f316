#!/usr/bin/env bash
# Install everything jupyter-mlops and its tests need on a fresh Debian machine, skipping
# what is already there. Safe to run again. Used by scripts/lab.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -e ".[test]"
./scripts/setup-browser.sh
# The docker backend's engine and base image. A machine where no engine can start still gets
# everything else; the docker tests then skip with a loud message.
if ! ./scripts/setup-docker.sh; then
    echo "!!!!!!!!!! WARNING: scripts/setup-docker.sh failed: no Docker engine or base image;" >&2
    echo "!!!!!!!!!! the docker backend will not work here and tests/docker will be SKIPPED" >&2
fi
# Airflow for the export tests, in its own cached virtual environment (the `airflow` extra).
if ! ./scripts/setup-airflow.sh; then
    echo "!!!!!!!!!! WARNING: scripts/setup-airflow.sh failed: the Airflow tests in tests/export will be SKIPPED" >&2
fi
# The Kubeflow Pipelines SDK for the export tests, in its own cached virtual environment (the `kubeflow` extra).
if ! ./scripts/setup-kubeflow.sh; then
    echo "!!!!!!!!!! WARNING: scripts/setup-kubeflow.sh failed: the Kubeflow tests in tests/export will be SKIPPED" >&2
fi
