"""The extension is enabled by installing the package: no `jupyter server extension enable` step."""

from __future__ import annotations

import subprocess
import sys


def test_installed_extension_is_enabled_and_valid():
    listing = subprocess.run([sys.executable, "-m", "jupyter", "server", "extension", "list"],
                             capture_output=True, text=True, timeout=120)
    output = listing.stdout + listing.stderr
    assert "jupyter_mlops.server" in output and "enabled" in output.split("jupyter_mlops.server", 1)[1][:40]
    assert "jupyter_mlops.server  OK" in output.replace("\x1b[32m", "").replace("\x1b[0m", "")
