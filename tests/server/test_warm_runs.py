"""A real `jupyter server` keeps warm kernels for `POST runs`, and its shutdown leaves none running."""

from __future__ import annotations

import json
import time
import urllib.request

import nbformat
import psutil

from ..conftest import build_notebook
from .live import live_server


def _call(server, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"{server.api}/{path}", method=method, headers=server.headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _command(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.NoSuchProcess:  # a worker that just ended
        return []


def _launcher_tree(server_pid: int) -> list[psutil.Process]:
    launchers = [p for p in psutil.Process(server_pid).children()
                 if "jupyter_mlops.run.launcher" in " ".join(_command(p))]
    return [process for launcher in launchers for process in [launcher, *launcher.children(recursive=True)]]


def _warm_kernels(server_pid: int) -> list[psutil.Process]:
    """Forked kernels carry their fork server's command line, one level further down."""
    tree = _launcher_tree(server_pid)
    servers = {p.pid for p in tree if "batch.forkserver" in " ".join(_command(p))}
    return [kernel for kernel in tree if _parent(kernel) in servers]


def _parent(process: psutil.Process) -> int | None:
    try:
        return process.ppid()
    except psutil.NoSuchProcess:
        return None


def test_post_runs_use_warm_kernels_and_shutdown_leaves_no_kernel(tmp_path):
    root, home, work = tmp_path / "root", tmp_path / "home", tmp_path / "work"
    for folder in (root, home, work):
        folder.mkdir()
    nbformat.write(build_notebook(["%%mlstep only\nx = 1"]), root / "tiny.ipynb")
    with live_server(root, home, work, "--MLOps.run_scheduler=False") as server:
        run = _call(server, "POST", "runs", {"path": "tiny.ipynb"})
        deadline = time.monotonic() + 120
        while run["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.1)
            run = _call(server, "GET", f"runs/{run['id']}")
        assert run["status"] == "succeeded", run
        assert run["backend_info"]["kernel"] == "warm"
        deadline = time.monotonic() + 60
        while not _warm_kernels(server.pid):
            assert time.monotonic() < deadline, "the pool was not refilled"
            time.sleep(0.2)
        tree = _launcher_tree(server.pid)
    gone, alive = psutil.wait_procs(tree, timeout=20)
    assert not alive, [p.cmdline() for p in alive]
