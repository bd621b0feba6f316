"""Scheduler fixtures: an injectable clock, a notebook that sleeps or fails on request, a webhook receiver.

The store fixture (a fresh JUPYTER_MLOPS_HOME per test) is tests/conftest.py's `mlops_home`; waiting
is tests/waiting.py's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jupyter_mlops.run.model import Run
from jupyter_mlops.service import runs as run_service

PARAMETERS = ("seconds = 0.0\nfail = False", ["parameters"])
BODY = "import time\ntime.sleep(seconds)\nif fail:\n    raise RuntimeError('asked to fail')"


class FakeClock:
    """The scheduler's notion of now, moved by the test."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(timezone.utc))


@pytest.fixture
def sleeper(write_notebook) -> Path:
    """A notebook with parameters `seconds` (sleeps that long) and `fail` (then raises)."""
    return write_notebook([PARAMETERS, BODY], name="sleeper.ipynb")


def schedule_runs(schedule_id: str) -> list[Run]:
    """The schedule's runs, oldest first."""
    runs, _ = run_service.list_runs(schedule_id=schedule_id, limit=1000)
    return runs[::-1]


class Receiver:
    """An HTTP server on 127.0.0.1 keeping every JSON POST with its path; answers `status` (204 by default)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.status = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.path, json.loads(body)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self, path: str | None = None) -> list[dict]:
        return [body for got, body in self.requests if path is None or got == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Hooks(Receiver):
    """A webhook receiver: `url` to give a schedule, `received` the JSON bodies it was sent."""

    @property
    def url(self) -> str:
        return f"{self.base}/hook"

    @property
    def received(self) -> list[dict]:
        return self.bodies()


@pytest.fixture
def webhook():
    hooks = Hooks()
    yield hooks
    hooks.close()


def start_daemon(**options: float) -> subprocess.Popen:
    """`jupyter-mlops scheduler` in a process of its own, on this test's store."""
    arguments = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    return subprocess.Popen([sys.executable, "-c", "from jupyter_mlops.cli import main; main()", "scheduler", *arguments],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
