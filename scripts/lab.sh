#!/usr/bin/env bash
# Set up everything (scripts/setup.sh) and start JupyterLab on the example notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec jupyter lab --notebook-dir=example_notebooks "$@"
