"""A pipeline notebook with one parameter of every type."""

from __future__ import annotations

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

