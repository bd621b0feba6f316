#!/usr/bin/env bash
# The Kubeflow Pipelines SDK (kfp, kfp-kubernetes), papermill and a kernel in their own virtual environment
# (the `kubeflow` extra of pyproject.toml), for the export tests: they compile the exported pipeline and run it
# with KFP's local runner. kfp pins protobuf and friends, so it never shares the project's environment. The
# environment is cached outside the work tree and reused while the extra's requirements are unchanged: safe to
# run again, a no-op then. Prints nothing on success; the tests find the environment at the same path
# (JUPYTER_MLOPS_KUBEFLOW_VENV).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${JUPYTER_MLOPS_KUBEFLOW_VENV:-$HOME/.cache/jupyter-mlops/kubeflow-venv}"
REQUIREMENTS="$(python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["kubeflow"]))')"
STAMP="$VENV/.jupyter-mlops-requirements"

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQUIREMENTS" ]; then
    exit 0
fi

rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# shellcheck disable=SC2086  # one requirement a line, none with spaces
"$VENV/bin/python" -m pip install --quiet $REQUIREMENTS
# the kernel the exported notebooks name, inside this environment (papermill starts it from here)
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 > /dev/null
printf '%s' "$REQUIREMENTS" > "$STAMP"
