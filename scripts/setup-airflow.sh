#!/usr/bin/env bash
# Airflow, its papermill and Kubernetes providers and dag-factory in their own cached virtual environment
# (the `airflow` extra of pyproject.toml), for the export tests. Airflow pins much of its stack, so it
# never shares the project's environment. Safe to run again; prints nothing on success. The tests find
# the environment at the same path (JUPYTER_MLOPS_AIRFLOW_VENV).
exec "$(dirname "$0")/setup-venv.sh" airflow "${JUPYTER_MLOPS_AIRFLOW_VENV:-$HOME/.cache/jupyter-mlops/airflow-venv}"
