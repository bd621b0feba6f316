#!/usr/bin/env bash
# usage: scripts/setup-venv.sh EXTRA VENV
# One optional extra of pyproject.toml (its requirements only, not jupyter-mlops) in a virtual environment
# of its own at VENV, for engines that pin much of their stack and so never share the project's
# environment (scripts/setup-airflow.sh, scripts/setup-kubeflow.sh). The environment is cached outside the
# work tree and reused while the extra's requirements are unchanged: safe to run again, a no-op then.
# Prints nothing on success.
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRA="$1"
VENV="$2"
REQUIREMENTS="$(python3 -c 'import sys, tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"][sys.argv[1]]))' "$EXTRA")"
STAMP="$VENV/.jupyter-mlops-requirements"

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQUIREMENTS" ]; then
    exit 0
fi

rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# shellcheck disable=SC2086  # one requirement a line, none with spaces
"$VENV/bin/python" -m pip install --quiet $REQUIREMENTS
printf '%s' "$REQUIREMENTS" > "$STAMP"  # last: an interrupted install is redone next time
