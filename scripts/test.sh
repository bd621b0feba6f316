#!/usr/bin/env bash
# Set up everything (scripts/setup.sh) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec python3 -m pytest "$@"
