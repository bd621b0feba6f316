"""A real Jupyter server (pytest-jupyter) with the extension, notebooks under its root dir."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from tests.conftest import build_notebook

# pytest-jupyter's fixtures (jp_fetch, jp_serverapp, …), imported here rather than declared as a
# global plugin: its autouse event-loop fixtures must not wrap every other test of the suite.
from pytest_jupyter.jupyter_server import *  # noqa: E402,F401,F403

TRAIN = [
    ("alpha = 0.5\nlabel = 'x'", ["parameters"]),
    "%%mlstep prepare\ndata = [1, 2, 3]",
    "%%mlstep train --after prepare\nscore = alpha * sum(data)\nprint('score', score)",
]


@pytest.fixture
def jp_server_config() -> dict:
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlops.server": True},
                          "reraise_server_extension_failures": True},
            "MLOps": {"events_poll_interval": 0.1}}


@pytest.fixture
def notebook(jp_root_dir: Path) -> Callable[..., str]:
    """notebook(cells=TRAIN, name="train.ipynb") writes under the server root; returns its API path."""

    def write(cells: list = TRAIN, name: str = "train.ipynb") -> str:
        path = jp_root_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(build_notebook(cells), path)
        return name

    return write


@pytest.fixture
def api(jp_fetch):
    """api(method, route, body=None, **params) -> (status, JSON); errors are returned, not raised."""

    async def call(method: str, route: str, body: dict | None = None, **params):
        kwargs = {"method": method, "params": params}
        if body is not None or method in ("POST", "PATCH", "PUT"):
            kwargs["body"] = json.dumps(body if body is not None else {})
        try:
            response = await jp_fetch("mlops", "api", *route.split("/"), **kwargs)
        except HTTPClientError as error:
            response = error.response
        return response.code, json.loads(response.body or b"null")

    return call


@pytest.fixture
def wait_for_run(api):
    async def wait(run_id: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            _, run = await api("GET", f"runs/{run_id}")
            if run["status"] not in ("queued", "running") or time.monotonic() > deadline:
                return run
            await asyncio.sleep(0.2)

    return wait
