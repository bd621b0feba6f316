"""scripts/setup-docker.sh is idempotent: on a ready machine it only checks and says so."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "scripts" / "setup-docker.sh"


@pytest.mark.usefixtures("docker_client")
def test_a_second_run_skips_everything_and_says_so():
    started = time.monotonic()
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "already answers" in done.stdout
    assert "image jupyter-mlops-base:bookworm exists" in done.stdout
    assert "ready:" in done.stdout
    assert time.monotonic() - started < 30
