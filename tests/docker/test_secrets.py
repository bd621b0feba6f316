"""Secrets reach a docker run's kernel through the container's environment, and are masked there."""

from __future__ import annotations

import pytest

from jupyter_mlops.run.model import RunStatus

from ..trust.leaks import LEAKY_CELLS, files_holding, set_token, sha256
from .conftest import run_in_docker

pytestmark = pytest.mark.usefixtures("docker_client")


def test_a_secret_reaches_the_container_and_is_never_written(notebook, mlops_home):
    value = set_token()
    run = run_in_docker(notebook(LEAKY_CELLS), secrets={"DB_TOKEN": "DB_TOKEN"}, env={"MODE": "docker"})
    assert run.status == RunStatus.failed and run.failed_step == "fail", run.error
    assert run.metrics == {"token_sha256": sha256(value), "mode": "docker"}
    assert run.error == "ValueError: cannot connect with ***"
    assert "the token is ***" in open(run.log_path).read()
    assert files_holding(mlops_home, value) == []
