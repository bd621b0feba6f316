#!/usr/bin/env bash
# What the real-browser tests (tests/browser/) need: Debian's Chromium and Python Playwright to
# drive it. Never `playwright install`: it downloads a browser build, which cannot be fetched here.
# Skips what is already there; safe to run again.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
    # A fresh machine has no package lists yet.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! python3 -c "import playwright" 2>/dev/null; then
    python3 -m pip install --quiet playwright
fi
