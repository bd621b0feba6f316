"""Where no engine answers, the docker tests skip — and say so loudly, with what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_without_an_engine_the_docker_tests_skip_loudly(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         str(Path(__file__).parent / "test_isolation.py")],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 skipped" in done.stdout
    assert "scripts/setup-docker.sh" in done.stdout
    assert "!!!!!!!!!! DOCKER TESTS SKIPPED !!!!!!!!!!" in done.stdout  # the closing banner
