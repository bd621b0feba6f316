#!/usr/bin/env bash
# Set up what the main job uses (scripts/setup-lab.sh: the package, the Docker engine and base
# image, and what the example notebooks import; not the test tools) and start JupyterLab on the
# example notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-lab.sh examples
exec jupyter lab --notebook-dir=example_notebooks "$@"
