"""A pipeline notebook with one parameter of every type, and a helper to wait for background work."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

PARAMETERS = """\
count = 3
alpha = 0.5
label = "base"
verbose = False
layers = [1, 2]
options = {"a": 1}
"""


@pytest.fixture
def pipeline_notebook(write_notebook) -> Path:
    return write_notebook([
        (PARAMETERS, ["parameters"]),
        "%%mlstep prepare\ndata = list(range(count))",
        "%%mlstep train --after prepare\nfrom jupyter_mlops.metrics import record\n"
        "score = sum(data) * alpha + len(layers) + options['a']\nrecord('score', score)",
    ])


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {condition}")
        time.sleep(0.1)
