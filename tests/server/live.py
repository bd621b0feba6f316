"""A real `jupyter server` process on loopback, for clients that block (schemathesis, the benchmark)
and so cannot share pytest-jupyter's in-process event loop."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.browser.lab import free_port


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:PORT/
    token: str
    pid: int

    @property
    def api(self) -> str:
        return f"{self.url}mlops/api"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


@contextmanager
def live_server(root_dir: Path, mlops_home: Path, workdir: Path, *extra_args: str,
                timeout: float = 90.0) -> Iterator[LiveServer]:
    port, token = free_port(), secrets.token_hex(24)
    env = {**os.environ, "JUPYTER_MLOPS_HOME": str(mlops_home), "JUPYTER_CONFIG_DIR": str(workdir / "config"),
           "JUPYTER_RUNTIME_DIR": str(workdir / "runtime")}
    log_path = workdir / "jupyter-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root_dir}", *extra_args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = LiveServer(f"http://127.0.0.1:{port}/", token, process.pid)
    try:
        _wait_until_ready(server, process, log_path, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(server: LiveServer, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(f"{server.api}/backends", headers=server.headers)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:  # refused, reset or timed out while it starts
            time.sleep(0.25)
    raise RuntimeError(f"jupyter server did not answer within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")
