"""Docker tests run against the real engine (scripts/setup-docker.sh starts it and builds the
base image). Where no engine answers they skip — loudly, on the terminal and in the summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docker
import pytest

from jupyter_mlops.errors import MLOpsError
from jupyter_mlops.run.backends.docker.engine import BASE_IMAGE, LABEL_RUN, connect, find_image
from jupyter_mlops.run.model import Run, RunSpec
from jupyter_mlops.service.runs import run_notebook

from ..loud import LoudSkips

SKIPS = LoudSkips("DOCKER TESTS SKIPPED")


def usable_engine() -> tuple[docker.DockerClient | None, str]:
    """A client for an engine holding the base image, or why there is none."""
    try:
        client = connect(timeout=10)
        find_image(client, BASE_IMAGE)
    except MLOpsError as error:
        return None, f"DOCKER TESTS SKIPPED — no usable Docker engine here: {error}"
    return client, "ready"


@pytest.fixture(scope="session")
def docker_client(pytestconfig) -> docker.DockerClient:
    client, message = usable_engine()
    if client is None:
        SKIPS.skip(pytestconfig, message)
    return client


def pytest_terminal_summary(terminalreporter) -> None:
    SKIPS.summarise(terminalreporter)


@pytest.fixture
def notebook(write_notebook, tmp_path) -> Callable[..., Path]:
    """write_notebook, in a folder the container's non-root user can read (tmp_path is 0700)."""
    tmp_path.chmod(0o755)
    return write_notebook


def run_in_docker(path: Path, **spec) -> Run:
    return run_notebook(RunSpec(notebook=str(path), backend="docker", **spec))


def containers_of(client: docker.DockerClient, run_id: str) -> list:
    return client.containers.list(all=True, filters={"label": f"{LABEL_RUN}={run_id}"}, ignore_removed=True)
