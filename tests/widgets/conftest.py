"""A pipeline notebook with one parameter of every type."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..loud import skip_loudly

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



@pytest.fixture
def docker_ready(pytestconfig) -> str:
    """The base image's tag, when the panel finds the docker backend available (scripts/setup-docker.sh);
    otherwise the test skips loudly, on the terminal and not only in the summary."""
    from jupyter_mlops.run.backends.docker.engine import BASE_IMAGE
    from jupyter_mlops.widgets.backend_choice import list_backends

    docker = {state.name: state for state in list_backends()}["docker"]
    if not docker.available or BASE_IMAGE not in docker.images:
        skip_loudly(pytestconfig, f"DOCKER WIDGET TEST SKIPPED — {docker.detail}")
    return BASE_IMAGE


@pytest.fixture
def readable_notebook(pipeline_notebook: Path) -> Path:
    """pipeline_notebook in a folder a container's non-root user can read (tmp_path is 0700)."""
    pipeline_notebook.parent.chmod(0o755)
    return pipeline_notebook
