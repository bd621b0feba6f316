#!/usr/bin/env bash
# What the main job needs, and nothing more: the package (which builds the JupyterLab extension)
# and, so that the docker backend works, Debian's Docker engine and the registry-free base image.
# `scripts/setup-lab.sh EXTRA` installs the package with that pip extra too (setup.sh: `test`).
# Skips what is already there; safe to run again. Used by scripts/lab.sh and scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -e ".${1:+[$1]}"
# An editable install is not byte-compiled as a wheel's install is: without this, a machine that
# sets PYTHONDONTWRITEBYTECODE compiles the whole package again at every CLI call, worker and
# kernel fork server start (a quarter of a second each). A source edited later is compiled as usual.
python3 -m compileall -q jupyter_mlops
# A machine where no engine can start still gets everything else; the docker backend then says
# why it cannot run, and the docker tests skip with a loud message.
if ! ./scripts/setup-docker.sh; then
    echo "!!!!!!!!!! WARNING: scripts/setup-docker.sh failed: no Docker engine or base image;" >&2
    echo "!!!!!!!!!! the docker backend will not work here and tests/docker will be SKIPPED" >&2
fi
