"""Runs the labextension's jest tests (pure TypeScript logic) so the one pytest command covers them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parents[1] / "labextension"


def test_labextension_jest() -> None:
    jlpm = shutil.which("jlpm")
    if jlpm is None:
        pytest.fail("jlpm not found: jupyterlab ships it; run scripts/setup.sh")
    if not (LABEXTENSION / "node_modules").is_dir():
        # `pip install -e .` installs them while building the extension; a bare checkout needs this.
        subprocess.run([jlpm, "install"], cwd=LABEXTENSION, check=True)
    result = subprocess.run([jlpm, "test", "--ci"], cwd=LABEXTENSION, capture_output=True, text=True)
    assert result.returncode == 0, f"jest failed:\n{result.stdout}\n{result.stderr}"
