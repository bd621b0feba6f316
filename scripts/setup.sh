#!/usr/bin/env bash
# Install everything jupyter-mlops and its tests need on a fresh Debian machine, skipping
# what is already there. Safe to run again. Used by scripts/test.sh (scripts/lab.sh needs only
# scripts/setup-lab.sh, which this runs first).
set -euo pipefail
cd "$(dirname "$0")/.."

# The package with its test and dask extras, the Docker engine and base image.
./scripts/setup-lab.sh test,dask  # the test extra holds the examples one
./scripts/setup-browser.sh
# A single-node Slurm for the dask backend's Slurm tests (dask-jobqueue's SLURMCluster).
if ! ./scripts/setup-slurm.sh; then
    echo "!!!!!!!!!! WARNING: scripts/setup-slurm.sh failed: no Slurm here; the Slurm tests in tests/dask" >&2
    echo "!!!!!!!!!! will be SKIPPED (the rest of the dask backend does not need it)" >&2
fi
# Airflow for the export tests, in its own cached virtual environment (the `airflow` extra).
if ! ./scripts/setup-airflow.sh; then
    echo "!!!!!!!!!! WARNING: scripts/setup-airflow.sh failed: the Airflow tests in tests/export will be SKIPPED" >&2
fi
# The Kubeflow Pipelines SDK for the export tests, in its own cached virtual environment (the `kubeflow` extra).
if ! ./scripts/setup-kubeflow.sh; then
    echo "!!!!!!!!!! WARNING: scripts/setup-kubeflow.sh failed: the Kubeflow tests in tests/export will be SKIPPED" >&2
fi
