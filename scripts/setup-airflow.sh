#!/usr/bin/env bash
# Airflow, its papermill and Kubernetes providers and dag-factory in their own virtual environment
# (the `airflow` extra of pyproject.toml), for the export tests. Airflow pins much of its stack, so it
# never shares the project's environment. The environment is cached outside the work tree and reused
# while the extra's requirements are unchanged: safe to run again, a no-op then.
# Prints nothing on success; the tests find the environment at the same path (JUPYTER_MLOPS_AIRFLOW_VENV).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${JUPYTER_MLOPS_AIRFLOW_VENV:-$HOME/.cache/jupyter-mlops/airflow-venv}"
REQUIREMENTS="$(python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["airflow"]))')"
STAMP="$VENV/.jupyter-mlops-requirements"

if [ -x "$VENV/bin/airflow" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQUIREMENTS" ]; then
    exit 0
fi

rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# shellcheck disable=SC2086  # one requirement a line, none with spaces
"$VENV/bin/python" -m pip install --quiet $REQUIREMENTS
printf '%s' "$REQUIREMENTS" > "$STAMP"
